//! One integration-test binary (one link step). Every test gets its own
//! database: a fresh SQLite file, or a fresh PostgreSQL database that is
//! dropped afterwards. Telegram is never reached.

// The binary as the benches start it.
#[path = "../../benches/common/bot_process.rs"]
mod bot_process;
mod browser;
mod desk;
mod inspect;
mod pg_cluster;
mod support;
mod tcp_proxy;

mod binary;
mod bot;
mod burst;
mod chats;
mod cli;
mod deploy;
mod faults;
mod http;
mod migrations;
mod processing;
mod replicas;
mod startup;
mod tls;
mod webhook;
