-- Time on every ticket. Due actions (a reminder, later a booking's hold) are rows of
-- `timers`, written in the transaction that makes them due and deleted in the one that
-- fires them or makes them moot; the worker finds the next one through `timers_due`.
CREATE TABLE timers (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind   TEXT    NOT NULL,
    entity INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    UNIQUE (kind, entity)
);
CREATE INDEX timers_due ON timers (due_at, id);

-- When each stage of a ticket is due and when its warning starts, as timed by its
-- group's targets and hours when the stage began (NULL: no target).
ALTER TABLE orders ADD COLUMN pickup_warn_at INTEGER;
ALTER TABLE orders ADD COLUMN pickup_due_at INTEGER;
ALTER TABLE orders ADD COLUMN close_warn_at INTEGER;
ALTER TABLE orders ADD COLUMN close_due_at INTEGER;

-- The Order and Pickup pages list the most urgent first: due time, then tickets with no
-- target (sorted as the largest BIGINT), oldest first.
CREATE INDEX orders_pickup_urgency ON orders (status, (COALESCE(pickup_due_at, 9223372036854775807)), no);
CREATE INDEX orders_close_urgency ON orders (status, (COALESCE(close_due_at, 9223372036854775807)), no);

-- A group's own targets in milliseconds (NULL: the configured default; 0: none), its
-- business hours (JSON; NULL: always open) and the time zone they are read in.
ALTER TABLE groups ADD COLUMN sla_pickup_ms INTEGER;
ALTER TABLE groups ADD COLUMN sla_close_ms INTEGER;
ALTER TABLE groups ADD COLUMN business_hours TEXT;
ALTER TABLE groups ADD COLUMN zone TEXT NOT NULL DEFAULT 'WIB';

-- Staff who turned off reminders of tickets waiting for Pickup (/pengingat off).
ALTER TABLE users ADD COLUMN reminders_muted INTEGER NOT NULL DEFAULT 0;

-- Each reminder: which ticket, what was late (late_ms < 0: how long was left), to which
-- chat, in which message (a digest lists several; NULL: held for the next digest). The
-- ticket's timeline shows them.
CREATE TABLE reminders (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no  INTEGER NOT NULL REFERENCES orders (no),
    kind      TEXT    NOT NULL,
    chat_id   INTEGER NOT NULL,
    outbox_id INTEGER,
    late_ms   INTEGER NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX reminders_outbox ON reminders (outbox_id);
CREATE INDEX reminders_order ON reminders (order_no);
CREATE INDEX reminders_held ON reminders (chat_id) WHERE outbox_id IS NULL;
