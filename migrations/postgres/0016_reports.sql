-- The Laporan page reads counts kept as tickets move, never the orders themselves (see
-- src/reports). Days are local days of the group's zone, as days since 1970-01-01; stage
-- is 'order' (a new ticket), 'pickup' (from the /moban to the Pickup, by the picker) or
-- 'close' (from the Pickup to the Close, by the closer); bucket is the step's duration on
-- a log scale (16 per doubling of milliseconds); met and missed count the steps that came
-- by their due time or after it (a step without a target is neither). All are written in
-- the transaction of each /moban, Pickup and Close batch by multi-row upserts.

-- Per group, day and stage: the chart, the share on time, /rekap.
CREATE TABLE report_days (
    chat_id BIGINT  NOT NULL,
    day     BIGINT  NOT NULL,
    stage   TEXT    NOT NULL,
    tickets BIGINT  NOT NULL,
    met     BIGINT  NOT NULL,
    missed  BIGINT  NOT NULL,
    PRIMARY KEY (chat_id, day, stage)
);

-- Per group, day, stage, staff member and duration bucket: times over any span of days.
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

-- The same summed over the last 30 days (the page's default): the days after each
-- group's report_window.expired_through. A timer takes each day out as it leaves.
CREATE TABLE report_recent (
    chat_id  BIGINT  NOT NULL,
    stage    TEXT    NOT NULL,
    staff_id BIGINT  NOT NULL,
    bucket   BIGINT  NOT NULL,
    tickets  BIGINT  NOT NULL,
    met      BIGINT  NOT NULL,
    missed   BIGINT  NOT NULL,
    PRIMARY KEY (chat_id, stage, staff_id, bucket)
);
-- Read in the order each table of the page groups them, so no sort is needed.
CREATE INDEX report_recent_by_staff ON report_recent (staff_id, stage, bucket, tickets);
CREATE INDEX report_recent_by_group ON report_recent (chat_id, stage, bucket, tickets);

CREATE TABLE report_window (
    chat_id         BIGINT PRIMARY KEY,
    expired_through BIGINT  NOT NULL
);

-- The open backlog by age, counted from the index alone.
CREATE INDEX orders_open_age ON orders (status, chat_id, created_at) WHERE status IN ('order', 'pickup');
-- /rekap's fastest and slowest closes of the week.
CREATE INDEX orders_closed_at ON orders (closed_at) WHERE closed_at IS NOT NULL;
