-- A ticket's first event ("made from its request, by its sender") is written by the insert
-- that makes the ticket, rather than by a statement of its own after it: on SQLite each
-- statement of a /moban batch is a round trip to the one writer's thread, which held up
-- every webhook answer waiting behind the batch (docs/benchmarks.md, issue #26). A request
-- the insert leaves out (ON CONFLICT DO NOTHING) fires nothing.
CREATE TRIGGER orders_first_event AFTER INSERT ON orders BEGIN
    INSERT INTO order_events (order_no, from_status, to_status, actor_telegram_id, at)
    VALUES (new.no, NULL, new.status, new.requester_id, new.created_at);
END;
