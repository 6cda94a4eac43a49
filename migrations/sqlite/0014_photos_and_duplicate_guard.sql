-- A `/moban` written as the caption of a photo (or of an image sent as a file) keeps the
-- file's Telegram ids; the image itself is fetched through getFile when someone opens it.
ALTER TABLE orders ADD COLUMN photo_file_id TEXT;
ALTER TABLE orders ADD COLUMN photo_file_unique_id TEXT;

-- The duplicate Order_ID guard (TANGKAP_DUPLICATE_ORDER_ID). `order_key` is the Order_ID
-- as requests are compared: trimmed, in lower case (Tangkap writes it, folding Unicode;
-- tickets from before get SQL's lower(), which on SQLite folds ASCII letters only).
ALTER TABLE orders ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
-- 0 for a ticket made under `link`, so that the unique index below lets a group hold one
-- open such ticket per key: of two requests with the same Order_ID stored at once (one
-- inbox batch, or two instances) one is inserted and the other left out, and is answered
-- with a link to the first. NULL for a ticket made under `allow`, and for every ticket from
-- before: NULLs are never equal, so those never collide.
ALTER TABLE orders ADD COLUMN order_key_slot INTEGER;
UPDATE orders SET order_key = lower(trim(order_id));
-- Also how a request finds the open ticket of its Order_ID (by its first two columns).
CREATE UNIQUE INDEX orders_open_order_key ON orders (chat_id, order_key, order_key_slot)
    WHERE status IN ('order', 'pickup');
