-- `/cek ORDER_ID` finds a group's tickets of an Order_ID whatever their status, newest
-- first (src/orders/lookup.rs); the duplicate guard's index holds open tickets only.
-- `order_key` comes first: a staff member's or an admin's `/cek` in their private chat
-- names no group, and a key has few tickets to filter by group.
CREATE INDEX orders_order_key ON orders (order_key, chat_id);

-- A group that became a supergroup is found from the new id: `/cek` in the supergroup
-- reads the tickets kept under the old one, and a member seen posting there is recorded
-- for both (src/groups/mod.rs, `saw_posts`), through this index rather than by reading
-- every group for each poster.
CREATE INDEX groups_migrated_to ON groups (migrated_to);
