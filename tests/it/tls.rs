//! PostgreSQL over TLS, against real servers: the shared one (Debian's, with
//! its self-signed "snakeoil" certificate) for the modes that do not verify,
//! and a throwaway cluster (`pg_cluster`) with its own CA and `hostssl`-only
//! access for verification, refusal and restart.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer};
use diesel_async::RunQueryDsl;
use ticketbot::config::SslMode;
use ticketbot::config::{Config, DatabaseConfig};
use ticketbot::db::{Db, PgPool, migrate};

use crate::pg_cluster::{PASSWORD, SCRAM_USER, TlsCluster};
use crate::support::{TestDb, config_for};
use crate::tcp_proxy::BlackHoleProxy;

#[derive(QueryableByName)]
struct Session {
    #[diesel(sql_type = Bool)]
    ssl: bool,
    #[diesel(sql_type = Integer)]
    pid: i32,
}

/// Whether the server sees this pooled session as encrypted, and its pid.
async fn session(pool: &PgPool) -> Session {
    let mut conn = pool.get().await.expect("checkout");
    diesel::sql_query("SELECT ssl, pid FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut *conn)
        .await
        .expect("pg_stat_ssl")
}

fn pg_pool(db: Db) -> PgPool {
    match db {
        Db::Postgres(pool) => pool,
        Db::Sqlite { .. } => panic!("expected PostgreSQL"),
    }
}

/// A configuration as the binary would read it from these variables.
fn from_vars(vars: &[(&str, &str)]) -> DatabaseConfig {
    let mut config = Config::from_lookup(|k| vars.iter().find(|(v, _)| *v == k).map(|(_, x)| x.to_string()))
        .expect("config")
        .database;
    config.connect_timeout = Duration::from_secs(10);
    config.pool_size = 2;
    config
}

fn with_query(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

// --- the shared server: encryption without verification -------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_connects_encrypted() {
    let Some(db) = TestDb::postgres().await else { return };
    let config = config_for(&with_query(&db.url, "sslmode=require"));
    assert_eq!(config.tls.mode, SslMode::Require);
    // The migration connection must get through too (it uses the same path).
    let pool = pg_pool(Db::start(&config).await.expect("start with sslmode=require"));
    assert!(session(&pool).await.ssl, "sslmode=require gave an unencrypted session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_self_signed_is_require() {
    let Some(db) = TestDb::postgres().await else { return };
    let config = from_vars(&[("DATABASE_URL", &db.url), ("PG_SSL_ALLOW_SELF_SIGNED", "true")]);
    assert_eq!(config.tls.mode, SslMode::Require);
    // Debian's server certificate is self-signed: accepted, and encrypted.
    let pool = pg_pool(Db::start(&config).await.expect("start"));
    assert!(session(&pool).await.ssl);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_stays_plain_and_prefer_encrypts() {
    let Some(db) = TestDb::postgres().await else { return };
    migrate::run_pending(&config_for(&db.url)).await.expect("migrate");
    let plain = pg_pool(Db::pool_only(&config_for(&with_query(&db.url, "sslmode=disable"))).await.expect("pool"));
    assert!(!session(&plain).await.ssl, "sslmode=disable must not encrypt");
    // No sslmode: prefer, as libpq; the server offers TLS, so it is used.
    let default = pg_pool(Db::pool_only(&config_for(&db.url)).await.expect("pool"));
    assert!(session(&default).await.ssl, "the default (prefer) did not encrypt although the server offers TLS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_lifetime_replaces_old_connections() {
    let Some(db) = TestDb::postgres().await else { return };
    let mut config = config_for(&db.url);
    config.pool_size = 1;
    config.max_lifetime = None;
    let keep = pg_pool(Db::pool_only(&config).await.expect("pool"));
    let first = session(&keep).await.pid;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(session(&keep).await.pid, first, "without a lifetime the connection is reused");

    config.max_lifetime = Some(Duration::from_millis(200));
    let renew = pg_pool(Db::pool_only(&config).await.expect("pool"));
    let first = session(&renew).await.pid;
    assert_eq!(session(&renew).await.pid, first, "a young connection is reused");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_ne!(session(&renew).await.pid, first, "a connection past its lifetime was handed out again");
}

// --- a throwaway cluster: verification, refusal, restart -----------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_the_right_ca_connects() {
    let Some(cluster) = TlsCluster::start() else { return };
    let config = from_vars(&[
        ("DATABASE_URL", &cluster.url("localhost", "sslmode=verify-full")),
        ("PG_SSL_ROOT_CERT", cluster.ca_file.to_str().unwrap()),
    ]);
    // Migrations, pool and doctor all connect through TLS to a server that
    // admits nothing else.
    let pool = pg_pool(Db::start(&config).await.expect("start with verify-full"));
    assert!(session(&pool).await.ssl);
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.url("localhost", "sslmode=verify-full");
    let ca = cluster.ca_file.to_str().unwrap();
    let doctor = ticketbot(&[("DATABASE_URL", &url), ("PG_SSL_ROOT_CERT", ca)], &["doctor"], dir.path());
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.status.success() && report.contains("healthy"), "doctor over verify-full: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_file_alone_means_verify_full() {
    let Some(cluster) = TlsCluster::start() else { return };
    let config = from_vars(&[
        ("DATABASE_URL", &cluster.url("localhost", "")),
        ("PG_SSL_ROOT_CERT", cluster.ca_file.to_str().unwrap()),
    ]);
    assert_eq!(config.tls.mode, SslMode::VerifyFull);
    let pool = pg_pool(Db::pool_only(&config).await.expect("pool"));
    assert!(session(&pool).await.ssl);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_checks_the_chain_but_not_the_name() {
    let Some(cluster) = TlsCluster::start() else { return };
    // The certificate names `localhost`, not `127.0.0.1`.
    let ca = cluster.ca_file.to_str().unwrap();
    let config =
        from_vars(&[("DATABASE_URL", &cluster.url("127.0.0.1", "sslmode=verify-ca")), ("PG_SSL_ROOT_CERT", ca)]);
    let pool = pg_pool(Db::pool_only(&config).await.expect("verify-ca ignores the host name"));
    assert!(session(&pool).await.ssl);

    let other = cluster.other_ca_file.to_str().unwrap();
    let config =
        from_vars(&[("DATABASE_URL", &cluster.url("127.0.0.1", "sslmode=verify-ca")), ("PG_SSL_ROOT_CERT", other)]);
    let err = Db::pool_only(&config).await.err().expect("verify-ca with a foreign CA must fail").to_string();
    assert!(err.contains("not trusted"), "{err}");
}

/// Fails at once (no retrying for `connect_timeout`), with `needle` in the
/// message and no password in it.
async fn assert_refused(config: &DatabaseConfig, needles: &[&str]) {
    let started = Instant::now();
    let err = migrate::status(config).await.expect_err("connection must be refused").to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "retried a permanent error for {:?}", started.elapsed());
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert!(!err.contains(PASSWORD), "password in the error: {err}");
    // The pool's start-up takes the same path.
    let err = Db::pool_only(config).await.err().expect("pool must be refused too").to_string();
    assert!(err.contains(needles[0]) && !err.contains(PASSWORD), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_a_wrong_ca_fails_clearly() {
    let Some(cluster) = TlsCluster::start() else { return };
    let other = cluster.other_ca_file.to_str().unwrap();
    let config =
        from_vars(&[("DATABASE_URL", &cluster.url("localhost", "sslmode=verify-full")), ("PG_SSL_ROOT_CERT", other)]);
    assert_refused(&config, &["TLS: server certificate not trusted", &format!("PG_SSL_ROOT_CERT={other}")]).await;

    // Without a CA file, the public roots do not know this private CA either.
    let config = from_vars(&[("DATABASE_URL", &cluster.url("localhost", "sslmode=verify-full"))]);
    assert_refused(&config, &["TLS: server certificate not trusted", "set PG_SSL_ROOT_CERT"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_with_a_wrong_host_name_fails_clearly() {
    let Some(cluster) = TlsCluster::start() else { return };
    let ca = cluster.ca_file.to_str().unwrap();
    let config =
        from_vars(&[("DATABASE_URL", &cluster.url("127.0.0.1", "sslmode=verify-full")), ("PG_SSL_ROOT_CERT", ca)]);
    assert_refused(&config, &["TLS: host name mismatch", "\"127.0.0.1\""]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_against_a_tls_only_server_fails_clearly() {
    let Some(cluster) = TlsCluster::start() else { return };
    let config = from_vars(&[("DATABASE_URL", &cluster.url("localhost", "sslmode=disable"))]);
    assert_refused(&config, &["accepts only TLS connections", "no pg_hba.conf entry"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_password_over_tls_and_a_wrong_one_refused_without_leaking() {
    let Some(cluster) = TlsCluster::start() else { return };
    let ca = cluster.ca_file.to_str().unwrap();
    let admin =
        from_vars(&[("DATABASE_URL", &cluster.url("localhost", "sslmode=verify-full")), ("PG_SSL_ROOT_CERT", ca)]);
    let mut conn = pg_pool(Db::pool_only(&admin).await.expect("pool")).get().await.expect("conn");
    diesel::sql_query(format!("CREATE ROLE {SCRAM_USER} LOGIN PASSWORD '{PASSWORD}'"))
        .execute(&mut *conn)
        .await
        .expect("create role");

    // As on a hosted database: SCRAM over verified TLS (no channel binding).
    let url = cluster.url("localhost", "sslmode=verify-full").replace("//postgres:", &format!("//{SCRAM_USER}:"));
    assert!(url.contains(&format!("//{SCRAM_USER}:{PASSWORD}@")), "{url}");
    let config = from_vars(&[("DATABASE_URL", &url), ("PG_SSL_ROOT_CERT", ca)]);
    let pool = pg_pool(Db::pool_only(&config).await.expect("SCRAM over TLS"));
    assert!(session(&pool).await.ssl);

    let wrong = url.replace(PASSWORD, "not-the-password-17");
    let config = from_vars(&[("DATABASE_URL", &wrong), ("PG_SSL_ROOT_CERT", ca)]);
    let started = Instant::now();
    let err = Db::pool_only(&config).await.err().expect("wrong password must fail").to_string();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("not-the-password-17"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "retried a wrong password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_reconnects_after_server_restart() {
    let Some(cluster) = TlsCluster::start() else { return };
    let config = from_vars(&[("DATABASE_URL", &cluster.url("localhost", "sslmode=require"))]);
    let pool = pg_pool(Db::pool_only(&config).await.expect("pool"));
    // Fill the pool with two idle connections, both about to die.
    {
        let (a, b) = (pool.get().await.expect("a"), pool.get().await.expect("b"));
        drop((a, b));
    }
    let before = session(&pool).await.pid;
    cluster.restart();
    // Every idle connection is dead now; checkouts must notice and reconnect
    // instead of handing one out for the request to fail on.
    for _ in 0..3 {
        let after = session(&pool).await;
        assert!(after.ssl);
        assert_ne!(after.pid, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_drops_connections_a_failover_left_hanging() {
    let Some(db) = TestDb::postgres().await else { return };
    let mut url = url::Url::parse(&db.url).expect("url");
    let target = format!("{}:{}", url.host_str().expect("host"), url.port().unwrap_or(5432));
    let proxy = BlackHoleProxy::start(target).await;
    url.set_port(Some(proxy.port)).expect("port");
    let mut config = config_for(url.as_str());
    config.pool_size = 1;
    let pool = pg_pool(Db::pool_only(&config).await.expect("pool"));
    let before = session(&pool).await.pid;
    // The pooled connection looks open but will never answer again.
    proxy.black_hole_open_connections();
    let after = tokio::time::timeout(Duration::from_secs(20), session(&pool))
        .await
        .expect("a checkout after the failover was handed the dead connection and hung");
    assert_ne!(after.pid, before);
}

// --- the binary: configuration errors and the start-up log ---------------

fn ticketbot(vars: &[(&str, &str)], args: &[&str], dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketbot"));
    command
        .args(args)
        .env_clear()
        .current_dir(dir)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .envs(vars.iter().copied());
    command.output().expect("run ticketbot")
}

#[test]
fn unknown_sslmode_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://bot:{PASSWORD}@127.0.0.1:1/t?sslmode=verify-fool");
    let out = ticketbot(&[("DATABASE_URL", &url)], &["migrate", "status"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DATABASE_URL") && stderr.contains("\"verify-fool\""), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_log_states_the_mode_and_never_the_url() {
    let Some(cluster) = TlsCluster::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = cluster.url("localhost", "sslmode=verify-full");
    let ca = cluster.ca_file.to_str().unwrap();
    let out = ticketbot(&[("DATABASE_URL", &url), ("PG_SSL_ROOT_CERT", ca)], &["migrate", "up"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let line = stderr.lines().find(|l| l.contains("PostgreSQL TLS")).unwrap_or_else(|| panic!("no TLS line: {stderr}"));
    assert!(line.contains("sslmode=verify-full") && line.contains(ca), "{line}");
    let printed = format!("{stderr}{}", String::from_utf8_lossy(&out.stdout));
    assert!(!printed.contains(PASSWORD) && !printed.contains("postgres://"), "{printed}");
}
