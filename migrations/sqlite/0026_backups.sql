-- Each backup taken (`tangkap backup`), written once the copy is complete: `/metrics`
-- reports the age of the newest (src/db/backup.rs). Newest first by `id`.
CREATE TABLE backups (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    file     TEXT    NOT NULL,
    bytes    INTEGER NOT NULL,
    taken_at INTEGER NOT NULL
);
