-- A web booking names the request whose mailed link held it, written with the booking,
-- instead of the request being updated afterwards to name its booking (see the
-- PostgreSQL migration of the same name for the cost).
ALTER TABLE bookings ADD COLUMN request_id INTEGER;
UPDATE bookings SET request_id = (SELECT r.id FROM booking_requests r WHERE r.booking_id = bookings.id);
-- One booking per link, and the lookup of a link opened again.
CREATE UNIQUE INDEX bookings_request ON bookings (request_id) WHERE request_id IS NOT NULL;

-- SQLite drops no column that is in a foreign key, so the requests are copied into a table
-- without it, keeping their ids and the counter that hands them out.
CREATE TABLE booking_requests_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT    NOT NULL UNIQUE,
    guest_name   TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    room_type_id INTEGER NOT NULL REFERENCES room_types (id),
    check_in     INTEGER NOT NULL,
    nights       INTEGER NOT NULL CHECK (nights >= 1),
    -- The network address the form came from, for throttling.
    client       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
INSERT INTO booking_requests_new (id, token_hash, guest_name, email, room_type_id, check_in,
    nights, client, created_at)
SELECT id, token_hash, guest_name, email, room_type_id, check_in, nights, client, created_at
FROM booking_requests;
DELETE FROM sqlite_sequence WHERE name = 'booking_requests_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'booking_requests_new', seq FROM sqlite_sequence WHERE name = 'booking_requests';
DROP TABLE booking_requests;
ALTER TABLE booking_requests_new RENAME TO booking_requests;
-- Throttling: requests of one address, and of one client, in the last hour.
CREATE INDEX booking_requests_email ON booking_requests (email, created_at);
CREATE INDEX booking_requests_client ON booking_requests (client, created_at);
