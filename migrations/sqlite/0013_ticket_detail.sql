-- One ticket's page: internal notes staff leave on a ticket (never sent to the group),
-- the reason an admin gave for reopening a closed ticket (on its `order_events` row), and
-- who last reopened it and when (its Pickup clock starts there, not at the /moban).
CREATE TABLE order_notes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no  INTEGER NOT NULL REFERENCES orders (no),
    author_id INTEGER NOT NULL REFERENCES users (id),
    text      TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX order_notes_order ON order_notes (order_no, id);

ALTER TABLE order_events ADD COLUMN reason TEXT;
ALTER TABLE orders ADD COLUMN reopened_by INTEGER REFERENCES users (id);
ALTER TABLE orders ADD COLUMN reopened_at INTEGER;
