-- A new ticket's Pickup reminders (its warning and its breach, at the times the insert
-- puts on its row) are set by the insert that makes the ticket, as its first event is
-- (0021), rather than by a statement of their own after it: one round trip less for each
-- /moban batch (docs/benchmarks.md, issue #26). Once per statement, over the rows it
-- inserted; a timer left behind under the same number is replaced, as `timers::set` does.
CREATE FUNCTION orders_pickup_timers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO timers (kind, entity, due_at)
    SELECT 'pickup_warning', no, pickup_warn_at FROM new_orders
    WHERE status = 'order' AND pickup_warn_at IS NOT NULL
    UNION ALL
    SELECT 'pickup_breach', no, pickup_due_at FROM new_orders
    WHERE status = 'order' AND pickup_due_at IS NOT NULL
    ON CONFLICT (kind, entity) DO UPDATE SET due_at = excluded.due_at;
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_pickup_timers AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION orders_pickup_timers();
