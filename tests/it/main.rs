//! One integration-test binary (one link step). Every test gets its own
//! database: a fresh SQLite file, or a fresh PostgreSQL database that is
//! dropped afterwards. Telegram is never reached.

mod desk;
mod pg_cluster;
mod support;
mod tcp_proxy;

mod batch;
mod binary;
mod bot;
mod burst;
mod claims;
mod cli;
mod deploy;
mod http;
mod migrations;
mod numbering;
mod plans;
mod processing;
mod recording;
mod replicas;
mod tickets;
mod tls;
mod webhook;
