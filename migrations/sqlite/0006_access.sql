-- Teams and access. Accounts get a state (an upgraded database keeps every existing
-- account active as staff: the column's default); groups keep their titles; a cache of
-- what Telegram said about who belongs to which group; the audit of account changes; and
-- outbox rows may say what they are about, so that every admin's copy of an approval
-- request can be edited once someone decides.

ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('pending', 'active', 'disabled', 'rejected'));
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
CREATE INDEX users_role_state ON users (role, state);

CREATE TABLE groups (
    chat_id     INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    -- Set when the group became a supergroup: Telegram answers for the new id only.
    migrated_to INTEGER,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE group_members (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    is_member  INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id)
);
CREATE INDEX group_members_checked ON group_members (is_member, checked_at);

-- A staff member's page walks their groups' tickets: by group, then status, newest first.
CREATE INDEX orders_chat_status_no ON orders (chat_id, status, no);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_user_id  INTEGER REFERENCES users (id),
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_user_id INTEGER REFERENCES users (id),
    detail         TEXT    NOT NULL DEFAULT '',
    at             INTEGER NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_user_id, id);

ALTER TABLE outbox ADD COLUMN about TEXT;
CREATE INDEX outbox_about ON outbox (about) WHERE about IS NOT NULL;

-- Buttons of queued messages: one `button` becomes a keyboard of one row.
UPDATE outbox SET payload = json_remove(
        json_set(payload, '$.keyboard', json_array(json_array(json_extract(payload, '$.button')))),
        '$.button')
    WHERE status = 'pending' AND json_valid(payload) AND json_type(payload, '$.button') = 'object';
UPDATE outbox SET payload = json_remove(payload, '$.button')
    WHERE status = 'pending' AND json_valid(payload) AND json_type(payload, '$.button') = 'null';

-- The private chat asks for a new password with /password.
CREATE TABLE dialogues_new (
    telegram_id INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    step        TEXT    NOT NULL CHECK (step IN ('name', 'username', 'password', 'new_password')),
    name        TEXT,
    username    TEXT,
    updated_at  INTEGER NOT NULL
);
INSERT INTO dialogues_new SELECT telegram_id, chat_id, step, name, username, updated_at FROM dialogues;
DROP TABLE dialogues;
ALTER TABLE dialogues_new RENAME TO dialogues;
