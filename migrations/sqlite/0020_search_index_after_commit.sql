-- The search index is filled after the /moban batch that stores a ticket rather than in
-- it (src/orders/search.rs, `catch_up`). FTS5 writes a new segment for each transaction
-- and merges segments as they pile up, so indexing four tickets at a time cost 28 µs a
-- ticket and indexing five hundred 8.5 µs, all of it while the one writer held up every
-- webhook answer. Tickets past `through` are not in the index yet; search reads those few
-- rows directly, so a ticket is found from the moment it is stored.
DROP TRIGGER orders_search_insert;

CREATE TABLE orders_search_through (
    through INTEGER NOT NULL
);
INSERT INTO orders_search_through (through) SELECT COALESCE(MAX(no), 0) FROM orders;

-- A ticket not in the index yet has nothing there to take out: an external-content
-- index given a 'delete' for a row it never held is corrupted.
DROP TRIGGER orders_search_update;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders
WHEN old.no <= (SELECT through FROM orders_search_through) BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text) VALUES ('delete', old.no, old.search_text);
    INSERT INTO orders_search (rowid, search_text) VALUES (new.no, new.search_text);
END;
DROP TRIGGER orders_search_delete;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders
WHEN old.no <= (SELECT through FROM orders_search_through) BEGIN
    INSERT INTO orders_search (orders_search, rowid, search_text) VALUES ('delete', old.no, old.search_text);
END;
