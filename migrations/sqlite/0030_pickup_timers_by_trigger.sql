-- A new ticket's Pickup reminders (its warning and its breach, at the times the insert
-- puts on its row) are set by the insert that makes the ticket, as its first event is
-- (0021), rather than by a statement of their own after it: one round trip less to the
-- writer's thread for each /moban batch (docs/benchmarks.md, issue #26). OR REPLACE: a
-- timer left behind under the same number is replaced, as `timers::set` does.
CREATE TRIGGER orders_pickup_timers AFTER INSERT ON orders WHEN new.status = 'order' BEGIN
    INSERT OR REPLACE INTO timers (kind, entity, due_at)
    SELECT 'pickup_warning', new.no, new.pickup_warn_at WHERE new.pickup_warn_at IS NOT NULL;
    INSERT OR REPLACE INTO timers (kind, entity, due_at)
    SELECT 'pickup_breach', new.no, new.pickup_due_at WHERE new.pickup_due_at IS NOT NULL;
END;
