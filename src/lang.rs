//! The language a person is spoken to in. Tangkap speaks Indonesian unless a person's
//! Telegram app is set to English (its `language_code` starts with `en`), they chose
//! English with `/bahasa en`, or a guest chose English on the booking page; each message
//! is in one language, never both side by side. A Telegram user's language is kept in the
//! `languages` table, for the messages sent to them when they did not just write.

use std::fmt;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Conn;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// The language for Telegram's `language_code` (an IETF tag such as `en-GB`):
    /// English for `en…`, Indonesian for anything else or nothing.
    pub fn from_language_code(code: Option<&str>) -> Self {
        match code {
            Some(code) if code.get(..2).is_some_and(|c| c.eq_ignore_ascii_case("en")) => Lang::En,
            _ => Lang::Id,
        }
    }

    /// `id` or `en`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// A stored or requested language; anything unknown is Indonesian.
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            text if text.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Id,
        }
    }

    /// `id` in Indonesian, `en` in English.
    pub fn pick<T>(self, id: T, en: T) -> T {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// A sentence in each language, for a refusal made where its reader's language is not
/// known (a domain check, an API error) and said where it is: the Mini App's API says it
/// in the language of the request. One of the two is shown, never both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    id: String,
    en: String,
}

impl Text {
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }

    /// What a text function says in each language.
    pub fn of(text: impl Fn(Lang) -> String) -> Self {
        Self::new(text(Lang::Id), text(Lang::En))
    }

    /// The sentence in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.id, &self.en)
    }
}

/// English: for logs and the operator's errors (a settings file refused at start).
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The language to answer a message from Telegram user `telegram_id` in, whose app said
/// `code` (its `language_code`, if Telegram sent one): the one they chose with `/bahasa`,
/// else their app's. What the app said is kept for the messages sent to them later
/// ([`stored`]); it is written only when it changed.
pub async fn of_sender(
    conn: &mut Conn,
    telegram_id: i64,
    code: Option<&str>,
) -> Result<Lang, sqlx::Error> {
    let (chosen, seen) = kept(conn, telegram_id).await?;
    let Some(code) = code else {
        return Ok(chosen.or(seen).unwrap_or_default());
    };
    let now = Lang::from_language_code(Some(code));
    if seen != Some(now) {
        sqlx::query(
            "INSERT INTO languages (telegram_id, seen) VALUES ($1, $2) \
             ON CONFLICT (telegram_id) DO UPDATE SET seen = $2",
        )
        .bind(telegram_id)
        .bind(now.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(chosen.unwrap_or(now))
}

/// The language to write to Telegram user `telegram_id` in when they did not just write
/// (a reminder, an approval request, a decision): the one they chose, else the one their
/// app last said, else Indonesian.
pub async fn stored(conn: &mut Conn, telegram_id: i64) -> Result<Lang, sqlx::Error> {
    let (chosen, seen) = kept(conn, telegram_id).await?;
    Ok(chosen.or(seen).unwrap_or_default())
}

/// `/bahasa`: Telegram user `telegram_id` chose `lang`, which now wins over their app's.
pub async fn choose(conn: &mut Conn, telegram_id: i64, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO languages (telegram_id, chosen) VALUES ($1, $2) \
         ON CONFLICT (telegram_id) DO UPDATE SET chosen = $2",
    )
    .bind(telegram_id)
    .bind(lang.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What is kept of `telegram_id`'s language: (chosen, seen).
async fn kept(
    conn: &mut Conn,
    telegram_id: i64,
) -> Result<(Option<Lang>, Option<Lang>), sqlx::Error> {
    let row = sqlx::query("SELECT chosen, seen FROM languages WHERE telegram_id = $1")
        .bind(telegram_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok((None, None));
    };
    let chosen: Option<String> = row.try_get(0)?;
    let seen: Option<String> = row.try_get(1)?;
    Ok((
        chosen.as_deref().map(Lang::parse),
        seen.as_deref().map(Lang::parse),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_for_english_telegram_apps() {
        assert_eq!(Lang::from_language_code(Some("en")), Lang::En);
        assert_eq!(Lang::from_language_code(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_language_code(Some("EN")), Lang::En);
        for other in [Some("id"), Some("ru"), Some("e"), Some(""), None] {
            assert_eq!(Lang::from_language_code(other), Lang::Id, "{other:?}");
        }
        assert_eq!(Lang::parse("en"), Lang::En);
        assert_eq!(Lang::parse("fr"), Lang::Id);
    }
}
