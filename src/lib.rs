//! Tangkap: a Telegram bot that catches `/moban` requests in groups, gives each a ticket
//! and walks it through Order → Pickup → Close. See `docs/architecture.md`.

pub mod alerts;
pub mod app;
pub mod booking;
pub mod bot;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod duration;
pub mod groups;
pub mod lang;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod orders;
pub mod reports;
pub mod settings;
pub mod shop;
pub mod sim;
pub mod state;
pub mod telegram;
pub mod timers;
pub mod users;
pub mod web;
