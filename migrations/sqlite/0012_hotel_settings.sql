-- The hotel's `[booking]` settings that owners and admins also change in the Mini App:
-- hotel_name, hold, warn_before, staff_chat, book_ahead_days, payment_text. One row each,
-- written as the Mini App shows them (durations as `2h`, an FO chat turned off as '').
CREATE TABLE hotel_settings (
    name         TEXT    PRIMARY KEY,
    -- The value in force: the settings file's, or the one set in the Mini App since.
    value        TEXT    NOT NULL,
    -- The value the settings file last gave; a change there wins over the Mini App's.
    config_value TEXT,
    updated_at   INTEGER NOT NULL
);
