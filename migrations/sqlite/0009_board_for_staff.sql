-- The urgency order matters only while a ticket waits in its stage: the Order page sorts
-- by the Pickup due time, the Pickup page by the Close due time. Each index now holds the
-- tickets of its page only (the board names the status as a literal, so the planner can
-- use them), and a closed ticket leaves them: a step changes fewer index entries. They
-- keep the status as their first column all the same: without statistics, SQLite weighs
-- an index by the equalities it matches, and would otherwise prefer orders_status_no.
DROP INDEX orders_pickup_urgency;
DROP INDEX orders_close_urgency;
CREATE INDEX orders_pickup_urgency ON orders (status, (COALESCE(pickup_due_at, 9223372036854775807)), no) WHERE status = 'order';
CREATE INDEX orders_close_urgency ON orders (status, (COALESCE(close_due_at, 9223372036854775807)), no) WHERE status = 'pickup';

-- A staff member's board walks their own groups: for each, its tickets in page order
-- (due time, or newest first through orders_chat_status_no), stopping once the group has
-- nothing left for the page. Its cost follows the groups they are in, not the tickets of
-- every group.
CREATE INDEX orders_chat_pickup_urgency ON orders (chat_id, status, (COALESCE(pickup_due_at, 9223372036854775807)), no) WHERE status = 'order';
CREATE INDEX orders_chat_close_urgency ON orders (chat_id, status, (COALESCE(close_due_at, 9223372036854775807)), no) WHERE status = 'pickup';

-- The groups a staff member is in, read from the index alone.
CREATE INDEX group_members_of_user ON group_members (user_id, is_member, chat_id);
