-- A message is queued unsent and unclaimed, so the indexes over sends and claims leave it
-- out until the sender takes it: queueing writes three of the outbox's B-trees, not six
-- (each is a page more in every webhook batch's commit, docs/benchmarks.md).
DROP INDEX outbox_chat_sent;
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at) WHERE sent_at IS NOT NULL;
DROP INDEX outbox_sent_at;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;
DROP INDEX outbox_claimed_until;
CREATE INDEX outbox_claimed_until ON outbox (claimed_until) WHERE claimed_until > 0;
