-- Search finds a ticket by any of its words or a part of one: Order_ID, ticket, Transaksi,
-- Keterangan and the requester's name. Tangkap writes them, lowercased and with accents
-- taken off (src/orders/search.rs), into `search_text`, one field a line, and an FTS5
-- trigram index holds every three characters of it: a part of a word three characters or
-- longer is found through the index, never by reading the rows.
ALTER TABLE orders ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- Tickets stored before: SQL's lower() folds ASCII letters only, so an accent in an older
-- ticket still has to be typed to find it.
UPDATE orders SET search_text = lower(order_id || char(10) || ticket_no || char(10) ||
    transaksi || char(10) || keterangan || char(10) || requester_name);

-- The index reads its text from `orders` (external content), so it is not stored twice.
CREATE VIRTUAL TABLE orders_search USING fts5(
    search_text, content = 'orders', content_rowid = 'no', tokenize = 'trigram case_sensitive 1'
);
INSERT INTO orders_search (orders_search) VALUES ('rebuild');

CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN
    INSERT INTO orders_search (rowid, search_text) VALUES (new.no, new.search_text);
END;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text) VALUES ('delete', old.no, old.search_text);
    INSERT INTO orders_search (rowid, search_text) VALUES (new.no, new.search_text);
END;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text) VALUES ('delete', old.no, old.search_text);
END;
