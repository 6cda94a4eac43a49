//! The groups tickets come from: their titles, kept from updates, and who belongs to each,
//! by Telegram's word.
//!
//! A staff member sees a group's tickets only while Telegram says they are a member
//! (`getChatMember`: creator, administrator, member, or restricted but still a member);
//! the front office works bookings only while it says they are in the FO chat. Asking
//! Telegram on every request would put a network round trip on every page and hit its
//! limits, so the answers are cached in `group_members`, but the cache is a speed-up, never
//! the only source: whatever decides on a membership first asks Telegram about those whose
//! answer is missing or older than `TANGKAP_MEMBERSHIP_REFRESH` (10 minutes by default),
//! outside its transaction ([`ensure_fresh`]); the background refresher keeps the answers
//! of accounts with a live session fresh, so that their requests seldom wait. So a member
//! who leaves loses access within that time, and a group the bot meets after a login is
//! asked about at the next request. Join and leave messages the bot sees in a group update
//! the cache at once, and so does a member's post ([`saw_posts`]): someone who writes in a
//! group is in it.

pub mod hours;
pub mod settings;

use std::{collections::HashMap, sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_util::sync::CancellationToken;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    telegram::api::BotApi,
    users::{
        access::{self, Scope},
        User,
    },
};

/// A group as the board lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupView {
    pub chat_id: i64,
    pub title: String,
}

/// Group `chat_id`'s title, as last seen; `None` for a group the bot never saw.
pub async fn title(conn: &mut Conn, chat_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT title FROM groups WHERE chat_id = $1")
        .bind(chat_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Remembers the titles of `groups` (`(chat id, title)`), in one statement, which also
/// answers each group's time settings: a `/moban` batch needs them, and asking in the same
/// statement saves the writer a round trip per batch.
pub async fn remember(
    tx: &mut Conn,
    groups: &[(i64, String)],
) -> Result<HashMap<i64, settings::TimeSettings>, sqlx::Error> {
    let mut unique: Vec<&(i64, String)> = Vec::with_capacity(groups.len());
    for group in groups {
        if !unique.iter().any(|g| g.0 == group.0) {
            unique.push(group);
        }
    }
    let mut remembered = HashMap::new();
    if unique.is_empty() {
        return Ok(remembered);
    }
    // Every group conflicting with a known one is "updated", so that RETURNING answers it
    // too; its title and time change only when the title did.
    let sql = format!(
        "INSERT INTO groups (chat_id, title, updated_at) VALUES {} \
         ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, \
         updated_at = CASE WHEN groups.title = excluded.title THEN groups.updated_at \
         ELSE excluded.updated_at END \
         RETURNING {}",
        values_placeholders(1, unique.len(), 3),
        settings::COLUMNS,
    );
    let now = now_ms();
    let mut query = sqlx::query(&sql);
    for (chat_id, title) in unique {
        query = query.bind(*chat_id).bind(title.as_str()).bind(now);
    }
    for row in query.fetch_all(&mut *tx).await? {
        remembered.insert(row.try_get("chat_id")?, settings::from_row(&row)?);
    }
    Ok(remembered)
}

/// A group became the supergroup `to`: its tickets stay under the old id, and membership
/// of them is asked of the new one.
pub async fn migrated(tx: &mut Conn, from: i64, to: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE groups SET migrated_to = $2, updated_at = $3 WHERE chat_id = $1")
        .bind(from)
        .bind(to)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The bot saw `telegram_id` join (or leave) group `chat_id`; only registered accounts are
/// recorded. A migrated group's members count for its old id too.
pub async fn saw_membership(
    tx: &mut Conn,
    chat_id: i64,
    telegram_id: i64,
    is_member: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO group_members (chat_id, user_id, is_member, checked_at) \
         SELECT g.chat_id, u.id, $3, $4 FROM users u \
         JOIN groups g ON g.chat_id = $1 OR g.migrated_to = $1 WHERE u.telegram_id = $2 \
         ON CONFLICT (user_id, chat_id) DO UPDATE SET is_member = excluded.is_member, \
         checked_at = excluded.checked_at",
    )
    .bind(chat_id)
    .bind(telegram_id)
    .bind(i64::from(is_member))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Who this instance recorded as posting lately, and when: the statement of [`saw_posts`]
/// writes nothing for a poster recorded within half of the refresh, so a group's regulars
/// posting all day need not cost every batch that statement (4 ms of SQLite's time per
/// 1,000 orders, docs/benchmarks.md). Only a skip of a write that would change nothing: a
/// leave the bot sees forgets its poster ([`RecentPosters::forget`]), and whatever a
/// membership decides still reads `group_members`, and asks Telegram when that is stale.
#[derive(Clone, Debug, Default)]
pub struct RecentPosters(Arc<std::sync::Mutex<HashMap<(i64, i64), std::time::Instant>>>);

/// How many posters [`RecentPosters`] holds before it lets go of those no longer recent.
const RECENT_POSTERS_KEPT: usize = 20_000;

impl RecentPosters {
    /// Those of `posters` not recorded within `fresh_for`, each noted as recorded now.
    fn not_recent(&self, posters: &[(i64, i64)], fresh_for: Duration) -> Vec<(i64, i64)> {
        let mut recent = self.0.lock().expect("not poisoned");
        let now = std::time::Instant::now();
        if recent.len() > RECENT_POSTERS_KEPT {
            recent.retain(|_, at| now.duration_since(*at) < fresh_for);
        }
        posters
            .iter()
            .copied()
            .filter(|poster| match recent.get(poster) {
                Some(at) if now.duration_since(*at) < fresh_for => false,
                _ => {
                    recent.insert(*poster, now);
                    true
                }
            })
            .collect()
    }

    /// `telegram_id` left `chat_id`: their next post there is recorded again.
    pub fn forget(&self, chat_id: i64, telegram_id: i64) {
        self.0
            .lock()
            .expect("not poisoned")
            .remove(&(chat_id, telegram_id));
    }
}

/// The bot saw `posters` (`(chat id, Telegram id)`) post in their groups, which only a
/// member can: each with an account is recorded as a member of a known group (a migrated
/// group's old id too), so that their first request needs no call to Telegram. One
/// statement for the lot, run for every batch of updates: it writes only where the cache
/// has no answer, says "not a member", or says "member" but is older than half of
/// `refresh`, so a group's regulars posting all day cost no writes; and those `recent`
/// says this instance recorded within that time are left out, the statement too when
/// that leaves no one.
pub async fn saw_posts(
    tx: &mut Conn,
    posters: &[(i64, i64)],
    refresh: Duration,
    recent: &RecentPosters,
) -> Result<(), sqlx::Error> {
    let mut posters = posters.to_vec();
    posters.sort_unstable();
    posters.dedup();
    let posters = recent.not_recent(&posters, refresh / 2);
    let now = now_ms();
    let stale_before =
        now.saturating_sub(i64::try_from(refresh.as_millis() / 2).unwrap_or(i64::MAX));
    for chunk in posters.chunks(Backend::of(tx).rows_per_statement(2)) {
        // People without an account drop out at the first join, before any group is read.
        // DISTINCT: a post in a supergroup and one in the group it was both name the old
        // group, and PostgreSQL refuses to upsert a row twice in one statement.
        let sql = format!(
            "WITH posted (chat_id, telegram_id) AS (VALUES {}) \
             INSERT INTO group_members (chat_id, user_id, is_member, checked_at) \
             SELECT DISTINCT g.chat_id, u.id, 1, $1 FROM posted p \
             JOIN users u ON u.telegram_id = p.telegram_id \
             JOIN groups g ON g.chat_id = p.chat_id OR g.migrated_to = p.chat_id WHERE true \
             ON CONFLICT (user_id, chat_id) DO UPDATE SET is_member = 1, \
             checked_at = excluded.checked_at \
             WHERE group_members.is_member = 0 OR group_members.checked_at < $2",
            values_placeholders(3, chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql).bind(now).bind(stale_before);
        for (chat_id, telegram_id) in chunk {
            query = query.bind(*chat_id).bind(*telegram_id);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Whether account `user_id` is a member of group `chat_id` by Telegram's last word (the
/// membership cache); `None` when Telegram has never answered.
pub async fn membership(
    conn: &mut Conn,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<bool>, sqlx::Error> {
    let member: Option<i64> = sqlx::query_scalar(
        "SELECT is_member FROM group_members WHERE chat_id = $1 AND user_id = $2",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(member.map(|member| member == 1))
}

/// SQL true when order alias `o` is within `scope`; `user` is the placeholder (e.g. `$3`)
/// bound to [`scope_user`]. Each scope gets its own statement, so that the planner sees the
/// staff case's membership filter as it is.
pub fn visible_sql(scope: Scope, user: &str) -> String {
    match scope {
        Scope::Everything => format!("{user} = 0"),
        Scope::GroupsOf(_) => format!(
            "o.chat_id IN (SELECT chat_id FROM group_members WHERE user_id = {user} AND is_member = 1)"
        ),
    }
}

/// The rows of orders `o` within `scope`, as a `FROM` list and its join condition, for a
/// page that reads only a few of them. A staff member's groups come first (`CROSS JOIN`
/// keeps that order on SQLite), so each of their groups is read through its own index
/// range and the tickets of other groups are never touched; `user` is as in
/// [`visible_sql`].
pub fn visible_from(scope: Scope, user: &str) -> (&'static str, String) {
    match scope {
        Scope::Everything => ("orders o", format!("{user} = 0")),
        Scope::GroupsOf(_) => (
            "group_members m CROSS JOIN orders o",
            format!("m.user_id = {user} AND m.is_member = 1 AND o.chat_id = m.chat_id"),
        ),
    }
}

/// The value a [`visible_sql`] placeholder carries: the account id, or 0 for everything.
pub fn scope_user(scope: Scope) -> i64 {
    match scope {
        Scope::Everything => 0,
        Scope::GroupsOf(user) => user,
    }
}

/// The groups whose tickets `scope` sees, by title.
pub async fn visible(db: &Db, scope: Scope) -> Result<Vec<GroupView>, sqlx::Error> {
    let sql = match scope {
        Scope::Everything => {
            "SELECT g.chat_id, g.title FROM groups g WHERE $1 = 0 ORDER BY lower(g.title), g.chat_id"
        }
        Scope::GroupsOf(_) => {
            "SELECT g.chat_id, g.title FROM groups g JOIN group_members m ON m.chat_id = g.chat_id \
             WHERE m.user_id = $1 AND m.is_member = 1 ORDER BY lower(g.title), g.chat_id"
        }
    };
    let rows = sqlx::query(sql)
        .bind(scope_user(scope))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(GroupView {
                chat_id: row.try_get(0)?,
                title: row.try_get(1)?,
            })
        })
        .collect()
}

/// For every account, the titles of the groups it belongs to by the cache, in one query.
pub async fn titles_by_account(db: &Db) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.user_id, g.title FROM group_members m JOIN groups g ON g.chat_id = m.chat_id \
         WHERE m.is_member = 1 ORDER BY lower(g.title), g.chat_id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut titles: HashMap<i64, Vec<String>> = HashMap::new();
    for row in rows {
        titles
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    Ok(titles)
}

/// What `getChatMember` answers, as far as access goes.
#[derive(Deserialize)]
struct ChatMember {
    status: String,
    is_member: Option<bool>,
}

impl ChatMember {
    fn belongs(&self) -> bool {
        match self.status.as_str() {
            "creator" | "administrator" | "member" => true,
            "restricted" => self.is_member.unwrap_or(false),
            _ => false,
        }
    }
}

/// One membership to ask Telegram about.
#[derive(Clone, Copy, Debug)]
struct Check {
    user_id: i64,
    telegram_id: i64,
    /// The group's id as tickets name it.
    chat_id: i64,
    /// The id Telegram answers for (the supergroup, after a migration).
    ask_chat_id: i64,
}

/// Calls to Telegram at once while checking memberships.
const CHECKS_AT_ONCE: usize = 8;
/// Memberships checked per pass of the background refresher.
const CHECKS_PER_PASS: i64 = 500;

/// Asks Telegram about the memberships `checks` and stores the answers. A passing fault
/// (network, 5xx, 429) leaves the cached answer as it was; a refusal (the bot is no longer
/// in the group, the user is unknown to it) counts as not a member.
async fn run_checks(db: &Db, api: &BotApi, checks: Vec<Check>) -> Result<(), sqlx::Error> {
    let permits = Arc::new(Semaphore::new(CHECKS_AT_ONCE));
    let mut asking = JoinSet::new();
    for check in checks {
        let (api, permits) = (api.clone(), permits.clone());
        asking.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let body = json!({ "chat_id": check.ask_chat_id, "user_id": check.telegram_id });
            let answer = api
                .call_method::<ChatMember>("getChatMember", &body, Duration::from_secs(10))
                .await;
            (check, answer)
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = asking.join_next().await {
        let Ok((check, answer)) = done else { continue };
        match answer {
            Ok(member) => answers.push((check, member.belongs())),
            Err(e) if e.is_permanent() => answers.push((check, false)),
            Err(e) => {
                tracing::warn!(chat_id = check.chat_id, error = %e, "cannot check a group membership; keeping the last answer")
            }
        }
    }
    store_answers(db, &answers).await
}

async fn store_answers(db: &Db, answers: &[(Check, bool)]) -> Result<(), sqlx::Error> {
    if answers.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    for chunk in answers.chunks(db.backend().rows_per_statement(4)) {
        let sql = format!(
            "INSERT INTO group_members (chat_id, user_id, is_member, checked_at) VALUES {} \
             ON CONFLICT (user_id, chat_id) DO UPDATE SET is_member = excluded.is_member, \
             checked_at = excluded.checked_at",
            values_placeholders(1, chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (check, belongs) in chunk {
            query = query
                .bind(check.chat_id)
                .bind(check.user_id)
                .bind(i64::from(*belongs))
                .bind(now);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}

fn checks_from(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Check>, sqlx::Error> {
    rows.iter()
        .map(|row| {
            Ok(Check {
                user_id: row.try_get(0)?,
                telegram_id: row.try_get(1)?,
                chat_id: row.try_get(2)?,
                ask_chat_id: row.try_get(3)?,
            })
        })
        .collect()
}

/// Which of an account's memberships [`ensure_fresh`] looks at.
#[derive(Clone, Copy, Debug)]
pub enum Memberships<'a> {
    /// In every group the bot knows: what the board shows.
    InKnownGroups,
    /// In these chats, whether the bot has met them or not (the FO chat).
    In(&'a [i64]),
}

/// How long a request waits for Telegram's answers about memberships; whatever is not
/// answered by then is asked on in the background, with the cached answers in force.
const PATIENCE: Duration = Duration::from_secs(3);

/// Makes sure the membership cache holds Telegram's word on `user`'s memberships `which`,
/// no older than `refresh` (`Duration::MAX`: any answer will do, only those never given
/// are asked): those missing or older are asked of Telegram (a migrated group of its
/// supergroup), and the answers stored, waiting at most [`PATIENCE`]. Call it outside any
/// transaction; when every answer is fresh it costs one SELECT and no call. A membership
/// Telegram could not answer keeps its cached answer, and one it never answered stays
/// unknown ([`membership`] says `None`).
pub async fn ensure_fresh(
    db: &Db,
    api: &BotApi,
    user: &User,
    which: Memberships<'_>,
    refresh: Duration,
) -> Result<(), sqlx::Error> {
    // The chats to look at, as a subquery whose parameters follow the first three.
    let chats = match which {
        // A group that became a supergroup the bot knows is left out: the supergroup is
        // asked about.
        Memberships::InKnownGroups => "SELECT chat_id FROM groups \
             WHERE migrated_to IS NULL OR migrated_to NOT IN (SELECT chat_id FROM groups)"
            .to_owned(),
        Memberships::In([]) => return Ok(()),
        Memberships::In(chats) => (0..chats.len())
            .map(|i| format!("SELECT ${} AS chat_id", i + 4))
            .collect::<Vec<_>>()
            .join(" UNION ALL "),
    };
    let sql = format!(
        "SELECT $1, $2, c.chat_id, COALESCE(g.migrated_to, c.chat_id) FROM ({chats}) c \
         LEFT JOIN groups g ON g.chat_id = c.chat_id \
         LEFT JOIN group_members m ON m.user_id = $1 AND m.chat_id = c.chat_id \
         WHERE m.checked_at IS NULL OR m.checked_at < $3"
    );
    let mut query = sqlx::query(&sql)
        .bind(user.id)
        .bind(user.telegram_id)
        .bind(now_ms().saturating_sub(i64::try_from(refresh.as_millis()).unwrap_or(i64::MAX)));
    if let Memberships::In(chats) = which {
        for chat in chats {
            query = query.bind(*chat);
        }
    }
    let checks = checks_from(&query.fetch_all(db.pool()).await?)?;
    if checks.is_empty() {
        return Ok(());
    }
    let (db, api) = (db.clone(), api.clone());
    let asking = tokio::spawn(async move { run_checks(&db, &api, checks).await });
    match tokio::time::timeout(PATIENCE, asking).await {
        Ok(Ok(stored)) => stored,
        Ok(Err(_)) => Ok(()),
        Err(_) => {
            tracing::info!(
                user = user.id,
                "group memberships still being checked; the cached answers stand meanwhile"
            );
            Ok(())
        }
    }
}

/// Asks Telegram which of the known groups `user` belongs to, as at login: every one,
/// whatever the cache holds.
pub async fn check_all_for(db: &Db, api: &BotApi, user: &User) -> Result<(), sqlx::Error> {
    ensure_fresh(db, api, user, Memberships::InKnownGroups, Duration::ZERO).await
}

/// Before `user` is shown tickets: when which they see hangs on the membership cache
/// (staff), makes sure it has Telegram's word, no older than `refresh`, on every group the
/// bot knows, so that a group met since their login shows on this request.
///
/// A Mini App request passes `Duration::MAX`: answers grown old are not waited for there,
/// as the refresher ([`run_refresher`]) asks them again for every account with a live
/// session, which a request's account has; so a board polled while Telegram is
/// unreachable answers from the cache at once instead of waiting for it each time. A
/// `/cek` in a private chat may come from someone without a session, whose answers
/// nothing refreshes: it passes `TANGKAP_MEMBERSHIP_REFRESH`.
pub async fn ensure_known_scope(
    db: &Db,
    api: &BotApi,
    user: &User,
    refresh: Duration,
) -> Result<(), sqlx::Error> {
    match access::scope(user) {
        Scope::Everything => Ok(()),
        Scope::GroupsOf(_) => {
            ensure_fresh(db, api, user, Memberships::InKnownGroups, refresh).await
        }
    }
}

/// Keeps the cache fresh until `shutdown`: for staff with a live session, memberships
/// older than `refresh` are asked again (those that said "not a member" six times less
/// often), and groups never asked about are asked.
pub async fn run_refresher(db: Db, api: BotApi, refresh: Duration, shutdown: CancellationToken) {
    let pause = (refresh / 4).clamp(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.cancelled() => return,
        }
        if let Err(e) = refresh_due(&db, &api, refresh).await {
            tracing::warn!(error = %e, "cannot refresh group memberships; trying again later");
        }
    }
}

async fn refresh_due(db: &Db, api: &BotApi, refresh: Duration) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let member_due = now - refresh.as_millis() as i64;
    let other_due = now - 6 * refresh.as_millis() as i64;
    let rows = sqlx::query(
        "SELECT u.id, u.telegram_id, g.chat_id, COALESCE(g.migrated_to, g.chat_id) \
         FROM users u CROSS JOIN groups g \
         LEFT JOIN group_members m ON m.user_id = u.id AND m.chat_id = g.chat_id \
         WHERE u.state = 'active' AND u.role = 'staff' \
         AND EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1) \
         AND (m.checked_at IS NULL OR (m.is_member = 1 AND m.checked_at < $2) \
              OR (m.is_member = 0 AND m.checked_at < $3)) \
         ORDER BY m.checked_at IS NOT NULL, m.checked_at LIMIT $4",
    )
    .bind(now)
    .bind(member_due)
    .bind(other_due)
    .bind(CHECKS_PER_PASS)
    .fetch_all(db.pool())
    .await?;
    let checks = checks_from(&rows)?;
    if !checks.is_empty() {
        tracing::debug!(count = checks.len(), "refreshing group memberships");
        run_checks(db, api, checks).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_poster_is_left_out_until_they_leave_or_the_time_passes() {
        let recent = RecentPosters::default();
        let minute = Duration::from_secs(60);
        let (siti, andi) = ((-100, 7), (-100, 8));
        assert_eq!(recent.not_recent(&[siti, andi], minute), [siti, andi]);
        assert_eq!(recent.not_recent(&[siti, andi], minute), []);
        // In another group, Siti is news.
        assert_eq!(recent.not_recent(&[(-200, 7)], minute), [(-200, 7)]);
        recent.forget(-100, 7);
        assert_eq!(recent.not_recent(&[siti, andi], minute), [siti]);
        assert_eq!(
            recent.not_recent(&[siti, andi], Duration::ZERO),
            [siti, andi]
        );
    }
}
