-- Before a message is claimed, the bot's messages within Telegram's limits are counted
-- across instances: those sent in the last second (all chats) and those being sent now.
CREATE INDEX outbox_sent_at ON outbox (sent_at);
CREATE INDEX outbox_claimed_until ON outbox (claimed_until);
