-- A request posted in a forum topic is answered in that topic: the ticket keeps the
-- topic (`message_thread_id`), and every message about it goes there. NULL: the General
-- topic, or a group without topics.
ALTER TABLE orders ADD COLUMN thread_id INTEGER;
