# syntax=docker/dockerfile:1
# ticketbot: build with `docker compose build` (or `docker build -t ticketbot .`).
# Needs BuildKit (the default since Docker 23) for the cache mounts below.

# ---- build -------------------------------------------------------------
# bookworm: the same glibc (2.36) as the runtime image, which is Debian 12.
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Compiled into the binary by embed_migrations!.
COPY migrations ./migrations
# The chart's font, compiled in by include_bytes!.
COPY assets ./assets
# Not built, but Cargo refuses a manifest whose declared benches and tests
# are missing, and a workspace whose members are (the fake Bot API and the
# test databases, dev-dependencies only).
COPY benches ./benches
COPY tests ./tests
COPY crates ./crates
# The registry and target/ live in BuildKit cache mounts, so a rebuild after
# a source change compiles ticketbot alone, not its ~300 dependencies. The
# cached target/ is not part of the image: the binary is copied out here.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package ticketbot \
    && install -D target/release/ticketbot /out/usr/local/bin/ticketbot \
    && mkdir -p /out/app/data

# ---- run ---------------------------------------------------------------
# distroless/cc: glibc and libgcc_s, which is all the binary links (SQLite is
# compiled in, TLS is rustls with its own roots), plus a nonroot user. No
# shell, no package manager: ~25 MB, little to patch. Hence the binary's own
# `healthcheck` instead of curl.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/usr/local/bin/ticketbot /usr/local/bin/ticketbot
# data/ holds the SQLite default (sqlite://data/ticketbot.db); the runtime
# user must be able to create the file there.
COPY --from=builder --chown=65532:65532 /out/app /app
WORKDIR /app
# distroless' "nonroot", by number, so Kubernetes' runAsNonRoot can check it.
USER 65532:65532
# Listen on every interface: published ports reach a container from outside.
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
# start-period: start-up may wait for the database (DATABASE_CONNECT_TIMEOUT,
# 30 s by default) and run migrations before the server answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["/usr/local/bin/ticketbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ticketbot"]
CMD ["run"]
