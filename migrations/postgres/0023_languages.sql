-- The language each person on Telegram is spoken to in, by Telegram user id: an account,
-- a guest or someone registering alike. `chosen` is what they set with /bahasa and wins;
-- `seen` is what their Telegram app said (language_code) the last time they wrote, for the
-- messages sent to them later (reminders, approvals, decisions). Each is 'id' or 'en'.
CREATE TABLE languages (
    telegram_id BIGINT PRIMARY KEY,
    chosen      TEXT,
    seen        TEXT
);
