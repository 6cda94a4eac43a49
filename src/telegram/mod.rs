//! Everything that talks to Telegram: the durable inbox (polling intake; the webhook's
//! route is `web::webhook`), the outbox and its rate-limited sender, the API client and
//! the message texts.

pub mod api;
pub mod inbox;
pub mod init_data;
pub mod limits;
pub mod outbox;
pub mod polling;
pub mod qr;
pub mod report_texts;
pub mod sender;
pub mod texts;

/// The update kinds the bot asks Telegram for.
pub const ALLOWED_UPDATES: [&str; 4] = [
    "message",
    "edited_message",
    "my_chat_member",
    "callback_query",
];
