-- Bookings a hotel can run: a price per night on each room type (and kept on each booking
-- as it was at the hold, so a later change touches only new bookings), the guest's
-- language, how many times a hold was extended because the guest was on the way, the
-- front desk's check-in and check-out, and the positions a guest shares while their
-- booking is pending.
ALTER TABLE room_types ADD COLUMN price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0);
-- The price the settings file last gave; a change there wins over the Mini App's.
ALTER TABLE room_types ADD COLUMN config_price INTEGER;

-- Rupiah per night, as the room type's price stood when the room was held.
ALTER TABLE bookings ADD COLUMN price INTEGER NOT NULL DEFAULT 0;
-- `id` or `en`: every message and mail to the guest is in this language alone.
ALTER TABLE bookings ADD COLUMN lang TEXT NOT NULL DEFAULT 'id';
ALTER TABLE bookings ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
-- A paid booking's guest arrived (optionally given a room number), then left.
ALTER TABLE bookings ADD COLUMN checked_in_at INTEGER;
ALTER TABLE bookings ADD COLUMN checked_in_by TEXT;
ALTER TABLE bookings ADD COLUMN room_no TEXT;
ALTER TABLE bookings ADD COLUMN checked_out_at INTEGER;
ALTER TABLE bookings ADD COLUMN checked_out_by TEXT;
-- The front desk's day: arrivals by check-in date.
CREATE INDEX bookings_check_in ON bookings (check_in, status);

ALTER TABLE booking_requests ADD COLUMN lang TEXT NOT NULL DEFAULT 'id';

-- What an event adds to its action: the distance of an extension, a room number.
ALTER TABLE booking_events ADD COLUMN detail TEXT;

-- Where the guest of a pending booking was, as they shared it (Telegram's location or
-- live location, the booking page's geolocation). Degrees are kept in millionths, so
-- every column is an integer. Deleted when the booking is decided: the timeline keeps
-- only the distance of an extension.
CREATE TABLE booking_positions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id  INTEGER NOT NULL REFERENCES bookings (id),
    lat_e6      INTEGER NOT NULL,
    lon_e6      INTEGER NOT NULL,
    -- The fix's radius of uncertainty in metres; NULL when the sender gave none.
    accuracy_m  INTEGER,
    -- From the hotel, worked out on arrival.
    distance_m  INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX booking_positions_booking ON booking_positions (booking_id, at);
