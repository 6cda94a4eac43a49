-- Owner alerts (src/alerts.rs): each problem by its key ('telegram_unreachable',
-- 'chat_refused:-100123', …), with what was last seen of it and how far it has been told,
-- so that every instance, and every start, tells each problem once, reminds at most once
-- per interval and tells its end once. `since` is when the current occurrence began (NULL:
-- none holds); `told_at` when its alert or last reminder was queued (NULL: not told yet),
-- `told_row` that message's outbox row; `ended_at` when it was reported over, its recovery
-- still to tell. `times` counts the reports of the current occurrence.
CREATE TABLE alerts (
    problem  TEXT   PRIMARY KEY,
    since    BIGINT,
    detail   TEXT,
    times    BIGINT NOT NULL DEFAULT 0,
    seen_at  BIGINT,
    told_at  BIGINT,
    told_row BIGINT,
    ended_at BIGINT
);

-- Each running Tangkap, from its start to its clean stop (src/db/instance.rs): a row left
-- behind by an instance that no longer runs is a stop that was not clean (killed, a power
-- cut), told to the owners. `seen_at` is its last sign of life.
CREATE TABLE instances (
    id         BIGINT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
