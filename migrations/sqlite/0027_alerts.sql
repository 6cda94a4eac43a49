-- Owner alerts (src/alerts.rs): each problem by its key ('telegram_unreachable',
-- 'chat_refused:-100123', …), with what was last seen of it and how far it has been told,
-- so that every instance, and every start, tells each problem once, reminds at most once
-- per interval and tells its end once. `since` is when the current occurrence began (NULL:
-- none holds); `told_at` when its alert or last reminder was queued (NULL: not told yet),
-- `told_row` that message's outbox row; `ended_at` when it was reported over, its recovery
-- still to tell. `times` counts the reports of the current occurrence.
CREATE TABLE alerts (
    problem  TEXT    PRIMARY KEY,
    since    INTEGER,
    detail   TEXT,
    times    INTEGER NOT NULL DEFAULT 0,
    seen_at  INTEGER,
    told_at  INTEGER,
    told_row INTEGER,
    ended_at INTEGER
);

-- Each running Tangkap, from its start to its clean stop (src/db/instance.rs): a row left
-- behind by an instance that no longer runs is a stop that was not clean (killed, a power
-- cut), told to the owners. `seen_at` is its last sign of life.
CREATE TABLE instances (
    id         INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);
