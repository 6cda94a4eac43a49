-- Several instances may share one database. A row is claimed before it is sent, so only
-- one instance sends it; the claim lapses if that instance dies while sending. The index
-- lets a claim check when the chat last received a message, across instances.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_chat_sent ON outbox (chat_id, sent_at);
