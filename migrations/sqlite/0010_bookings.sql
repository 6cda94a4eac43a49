-- Bookings with a hold time. A booking holds one room of its type for each night of its
-- stay; `room_nights` counts the rooms of a type taken (pending or paid) per night, and a
-- booking raises each of its nights only while that count is below the type's rooms, in
-- the transaction that writes the booking: a room is never promised twice.
CREATE TABLE room_types (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    -- The name in lower case: typed answers and the settings file find a type by it.
    name_key     TEXT    NOT NULL UNIQUE,
    rooms        INTEGER NOT NULL CHECK (rooms >= 0),
    -- The rooms the settings file last gave; a change there wins over the Mini App's.
    config_rooms INTEGER,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE room_nights (
    room_type_id INTEGER NOT NULL REFERENCES room_types (id),
    -- Days since 1970-01-01: the night starting that date.
    night        INTEGER NOT NULL,
    taken        INTEGER NOT NULL CHECK (taken >= 0),
    PRIMARY KEY (room_type_id, night)
);

-- A guest's booking. Via Telegram the guest is their Telegram id; via the web, their
-- email. Name and email become NULL when erased after the stay.
CREATE TABLE bookings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt      TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled')),
    via          TEXT    NOT NULL CHECK (via IN ('telegram', 'web')),
    guest_name   TEXT,
    telegram_id  INTEGER,
    email        TEXT,
    room_type_id INTEGER NOT NULL REFERENCES room_types (id),
    check_in     INTEGER NOT NULL,
    nights       INTEGER NOT NULL CHECK (nights >= 1),
    hold_until   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    -- Who paid or cancelled it (an FO's name, or the system), and when.
    decided_by   TEXT,
    decided_at   INTEGER,
    erased_at    INTEGER
);
-- One pending booking per guest at a time.
CREATE UNIQUE INDEX bookings_pending_telegram ON bookings (telegram_id) WHERE status = 'pending';
CREATE UNIQUE INDEX bookings_pending_email ON bookings (email) WHERE status = 'pending';
-- /cek_pembayaran: pending bookings, soonest deadline first.
CREATE INDEX bookings_status_hold ON bookings (status, hold_until, id);

-- What happened to each booking: who (an account, or the system), when, what.
CREATE TABLE booking_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id INTEGER NOT NULL REFERENCES bookings (id),
    action     TEXT    NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    actor      TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX booking_events_booking ON booking_events (booking_id, id);

-- The last receipt number given each day (YYYYMMDD in the hotel's time zone).
CREATE TABLE receipt_days (
    day  INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- A guest's /booking conversation is a private-chat dialogue like /daftar (one at a time
-- per person): it keeps the guest's name in `name`, and these answers.
CREATE TABLE dialogues_new (
    telegram_id INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    step        TEXT    NOT NULL CHECK (step IN ('name', 'username', 'password', 'new_password', 'booking_name', 'booking_check_in', 'booking_nights', 'booking_room_type')),
    name        TEXT,
    username    TEXT,
    check_in    INTEGER,
    nights      INTEGER,
    updated_at  INTEGER NOT NULL
);
INSERT INTO dialogues_new (telegram_id, chat_id, step, name, username, updated_at)
    SELECT telegram_id, chat_id, step, name, username, updated_at FROM dialogues;
DROP TABLE dialogues;
ALTER TABLE dialogues_new RENAME TO dialogues;
