-- Web bookings wait for their address to be confirmed: a request holds nothing until the
-- link mailed to it is opened. Only the SHA-256 of the link's token is kept.
CREATE TABLE booking_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT    NOT NULL UNIQUE,
    guest_name   TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    room_type_id INTEGER NOT NULL REFERENCES room_types (id),
    check_in     INTEGER NOT NULL,
    nights       INTEGER NOT NULL CHECK (nights >= 1),
    -- The network address the form came from, for throttling.
    client       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- Set once the link was opened and the room held.
    booking_id   INTEGER REFERENCES bookings (id)
);
-- Throttling: requests of one address, and of one client, in the last hour.
CREATE INDEX booking_requests_email ON booking_requests (email, created_at);
CREATE INDEX booking_requests_client ON booking_requests (client, created_at);
