//! What every request handler and background task of a running Tangkap shares. It sits
//! below `web`, so that the handlers read it without importing the wiring in `app`.

use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;

use crate::{
    booking::{web::Confirmations, HotelBase},
    bot::{self, BotIdentity},
    db::Db,
    metrics::Metrics,
    orders::{photos::PhotoStore, workflow::StepQueue},
    settings::Config,
    telegram::api::BotApi,
};

/// What every request handler and background task shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Woken when updates were stored.
    pub new_updates: Arc<Notify>,
    /// Woken when messages were queued.
    pub new_messages: Arc<Notify>,
    /// Who the bot is, once getMe has answered.
    pub identity: Arc<OnceLock<BotIdentity>>,
    /// Stores webhook updates in shared transactions, and processes them there.
    pub ingest: bot::Intake,
    /// Writes Pickup and Close in shared transactions.
    pub steps: StepQueue,
    /// The Bot API, for what must be asked of Telegram while a request waits (who belongs
    /// to which group, at login and when the cached answer is too old); messages go
    /// through the outbox instead.
    pub telegram: BotApi,
    /// The hotel's bookings; `None` when they are off. Its settings in force are read
    /// from the database per request ([`HotelBase::load`]).
    pub hotel: Option<HotelBase>,
    /// The shop; `None` when it is off.
    pub shop: Option<crate::shop::Shop>,
    /// Confirms web bookings in shared transactions; `None` without the public page.
    pub confirmations: Option<Confirmations>,
    /// Tickets' photos, fetched from Telegram and kept on disk.
    pub photos: PhotoStore,
    /// What `/metrics` reports of this process; off unless configured.
    pub metrics: Metrics,
}

impl AppState {
    /// The bot's username, once known.
    pub fn bot_username(&self) -> Option<&str> {
        self.identity.get().map(|me| me.username.as_str())
    }

    /// The Mini App's address for buttons in private chats, when it has a public one.
    pub fn mini_app_url(&self) -> Option<String> {
        self.config.mini_app_url()
    }
}
