-- The web form's throttle counts every form that mailed an address: one that stored a
-- request, and one that told an address with a pending booking its receipt (which stores
-- none). One row per such form, kept for the hour it counts; older rows go as new ones
-- come. email_key is the address without case or +tag; client_key the client's IPv4
-- address, or its IPv6 /64.
CREATE TABLE booking_form_hits (
    email_key  TEXT    NOT NULL,
    client_key TEXT    NOT NULL,
    at         BIGINT  NOT NULL
);
-- The last hour's forms of one address, of one client, and of everyone.
CREATE INDEX booking_form_hits_email ON booking_form_hits (email_key, at);
CREATE INDEX booking_form_hits_client ON booking_form_hits (client_key, at);
CREATE INDEX booking_form_hits_at ON booking_form_hits (at);
-- Requests are no longer what is counted: the indexes that counted them go, and so does
-- their client address, which nothing reads now.
DROP INDEX booking_requests_email;
DROP INDEX booking_requests_client;
ALTER TABLE booking_requests DROP COLUMN client;
