-- A ticket's first event ("made from its request, by its sender") is written by the insert
-- that makes the ticket, rather than by a statement of its own after it: one round trip
-- less for each /moban batch (docs/benchmarks.md, issue #26). Once per statement, over the
-- rows it inserted: a request it left out (ON CONFLICT DO NOTHING) is not among them.
CREATE FUNCTION orders_first_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_events (order_no, from_status, to_status, actor_telegram_id, at)
    SELECT no, NULL, status, requester_id, created_at FROM new_orders ORDER BY no;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_first_events AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_first_events();
