-- The Laporan page reads counts kept as tickets move, never the orders themselves: per
-- group, local day (days since 1970-01-01 in the group's zone), stage and staff member,
-- how many tickets, in which duration bucket (log scale, 16 per doubling of
-- milliseconds; see src/reports), and how many met or missed their time target. Written
-- in the transaction of each /moban, Pickup and Close by multi-row upserts.
-- stage: 'order' (a new ticket: staff_id 0, bucket 0), 'pickup' (from the /moban to the
-- Pickup, by the picker), 'close' (from the Pickup to the Close, by the closer).
CREATE TABLE report_counts (
    chat_id  BIGINT  NOT NULL,
    day      BIGINT  NOT NULL,
    stage    TEXT    NOT NULL,
    staff_id BIGINT  NOT NULL,
    bucket   BIGINT  NOT NULL,
    tickets  BIGINT  NOT NULL,
    met      BIGINT  NOT NULL,
    missed   BIGINT  NOT NULL,
    PRIMARY KEY (chat_id, day, stage, staff_id, bucket)
);

-- The open backlog by age, counted from the index alone.
CREATE INDEX orders_open_age ON orders (chat_id, status, created_at) WHERE status IN ('order', 'pickup');
-- /rekap's fastest and slowest closes of the week.
CREATE INDEX orders_closed_at ON orders (closed_at) WHERE closed_at IS NOT NULL;
