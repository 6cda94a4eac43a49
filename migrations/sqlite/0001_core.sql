-- Core schema: staff, orders and their audit trail, plus the durable inbox/outbox and the
-- /daftar dialogue state. Times are Unix milliseconds, UTC.

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL,
    username          TEXT    NOT NULL,
    telegram_id       INTEGER NOT NULL UNIQUE,
    telegram_username TEXT,
    password_hash     TEXT    NOT NULL,
    role              TEXT    NOT NULL DEFAULT 'staff',
    created_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username));

CREATE TABLE orders (
    no             INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id       TEXT    NOT NULL,
    transaksi      TEXT    NOT NULL,
    keterangan     TEXT    NOT NULL,
    ticket_no      TEXT    NOT NULL UNIQUE,
    status         TEXT    NOT NULL CHECK (status IN ('order', 'pickup', 'close')),
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    requester_id   INTEGER,
    requester_name TEXT    NOT NULL,
    picked_by      INTEGER REFERENCES users (id),
    picked_at      INTEGER,
    closed_by      INTEGER REFERENCES users (id),
    closed_at      INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX orders_status_no ON orders (status, no);

CREATE TABLE order_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no          INTEGER NOT NULL REFERENCES orders (no),
    from_status       TEXT,
    to_status         TEXT    NOT NULL,
    actor_user_id     INTEGER REFERENCES users (id),
    actor_telegram_id INTEGER,
    at                INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_no);

CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    update_id    INTEGER NOT NULL UNIQUE,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
);
CREATE INDEX inbox_status_seq ON inbox (status, seq);

CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id             INTEGER NOT NULL,
    payload             TEXT    NOT NULL,
    sensitive           INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    last_error          TEXT,
    telegram_message_id INTEGER,
    created_at          INTEGER NOT NULL,
    sent_at             INTEGER
);
CREATE INDEX outbox_status_chat_id ON outbox (status, chat_id, id);

CREATE TABLE dialogues (
    telegram_id INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    step        TEXT    NOT NULL CHECK (step IN ('name', 'username', 'password')),
    name        TEXT,
    username    TEXT,
    updated_at  INTEGER NOT NULL
);
