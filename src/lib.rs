//! ticketbot: a Telegram support desk. Users open tickets by messaging the
//! bot; staff answer from one support group. See README.md and DESIGN.md.

pub mod app;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod models;
pub mod schema;
pub mod secret;
pub mod service;
pub mod storage;
pub mod telegram;
