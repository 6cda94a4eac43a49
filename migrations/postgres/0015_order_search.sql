-- Search finds a ticket by any of its words or a part of one: Order_ID, ticket, Transaksi,
-- Keterangan and the requester's name. Tangkap writes them, lowercased and with accents
-- taken off (src/orders/search.rs), into `search_text`, one field a line, and a pg_trgm GIN
-- index holds every three characters of it: `LIKE '%part%'` of three characters or more
-- is answered from the index, never by reading the rows. (unaccent() is not immutable, so
-- the folding is done by Tangkap rather than by an expression index.)
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- Tickets stored before: lower() folds case but not accents, so an accent in an older
-- ticket still has to be typed to find it.
UPDATE orders SET search_text = lower(order_id || E'\n' || ticket_no || E'\n' ||
    transaksi || E'\n' || keterangan || E'\n' || requester_name);

CREATE INDEX orders_search_trgm ON orders USING gin (search_text gin_trgm_ops);
