//! The bot's texts an admin may rewrite (the owner's "kustomisasi respon bot"): the
//! welcome and the help, each with named placeholders (`{nama}`, `{toko}`) filled in when
//! it is sent. A text is checked before it is saved: a placeholder the text may not use, a
//! brace left open, nothing at all, or too much is refused with the reason, so that a
//! buyer never sees `{harga}` or half a message. What an admin writes is plain text: it is
//! escaped when sent, placeholders' values too, so no markup of theirs reaches Telegram.

use super::{texts, ShopConfig};
use crate::{
    db::{now_ms, Conn},
    lang::Lang,
    telegram::texts::escape,
};

/// A text an admin may rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// `/start`'s one welcome message.
    Welcome,
    /// ❓ Bantuan.
    Help,
}

impl Key {
    pub const ALL: [Key; 2] = [Key::Welcome, Key::Help];

    /// Its name in `/teks NAMA …`.
    pub fn name(self) -> &'static str {
        match self {
            Key::Welcome => "sambutan",
            Key::Help => "bantuan",
        }
    }

    pub fn parse(name: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|key| key.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The placeholders it may use.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Key::Welcome => &["nama", "toko"],
            Key::Help => &["toko"],
        }
    }
}

/// The longest text, in characters (a message holds 4,096 after the values go in).
pub const MOST_CHARS: usize = 2_000;

/// Why a text was not saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLong,
    /// `{name}` is not one of the key's placeholders.
    UnknownPlaceholder(String),
    /// A `{` without its `}`, or a `}` without its `{`.
    OpenBrace,
}

/// Checks `body` for `key`: it can be sent as it is.
pub fn check(key: Key, body: &str) -> Result<(), Refused> {
    if body.trim().is_empty() {
        return Err(Refused::Empty);
    }
    if body.chars().count() > MOST_CHARS {
        return Err(Refused::TooLong);
    }
    for part in parts(body)? {
        if let Part::Placeholder(name) = part {
            if !key.placeholders().contains(&name) {
                return Err(Refused::UnknownPlaceholder(name.to_owned()));
            }
        }
    }
    Ok(())
}

/// `body` as HTML, each placeholder replaced by its value in `values` (escaped, as the
/// rest); one without a value is left out.
pub fn render(body: &str, values: &[(&str, &str)]) -> String {
    let Ok(parts) = parts(body) else {
        // Checked before it was saved; should a stored text be broken, it goes as written.
        return escape(body);
    };
    parts
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => escape(text),
            Part::Placeholder(name) => values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| escape(value))
                .unwrap_or_default(),
        })
        .collect()
}

enum Part<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

fn parts(body: &str) -> Result<Vec<Part<'_>>, Refused> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(Refused::OpenBrace);
        }
        let close = rest[open..].find('}').ok_or(Refused::OpenBrace)? + open;
        let name = &rest[open + 1..close];
        if name.contains('{') {
            return Err(Refused::OpenBrace);
        }
        parts.push(Part::Text(&rest[..open]));
        parts.push(Part::Placeholder(name.trim()));
        rest = &rest[close + 1..];
    }
    parts.push(Part::Text(rest));
    Ok(parts)
}

/// `/start`'s welcome to `first_name`: the admin's text if they wrote one, else the
/// built-in one in `lang`.
pub async fn welcome(
    conn: &mut Conn,
    shop: &ShopConfig,
    first_name: &str,
    lang: Lang,
) -> Result<String, sqlx::Error> {
    Ok(match saved(conn, Key::Welcome).await? {
        Some(body) => render(&body, &[("nama", first_name), ("toko", &shop.name)]),
        None => texts::welcome(shop, first_name, lang),
    })
}

/// ❓ Bantuan: the admin's text if they wrote one, else the built-in one in `lang`.
pub async fn help(conn: &mut Conn, shop: &ShopConfig, lang: Lang) -> Result<String, sqlx::Error> {
    Ok(match saved(conn, Key::Help).await? {
        Some(body) => render(&body, &[("toko", &shop.name)]),
        None => texts::help(shop, lang),
    })
}

/// The admin's text for `key`, if one is saved.
pub async fn saved(conn: &mut Conn, key: Key) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT body FROM shop_texts WHERE key = $1")
        .bind(key.name())
        .fetch_optional(&mut *conn)
        .await
}

/// Saves `body` (checked already) for `key`, or, with none, goes back to the built-in text.
pub(super) async fn save(tx: &mut Conn, key: Key, body: Option<&str>) -> Result<(), sqlx::Error> {
    match body {
        Some(body) => sqlx::query(
            "INSERT INTO shop_texts (key, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(key.name())
        .bind(body)
        .bind(now_ms()),
        None => sqlx::query("DELETE FROM shop_texts WHERE key = $1").bind(key.name()),
    }
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_checked_before_a_text_is_saved() {
        assert_eq!(check(Key::Welcome, "Halo {nama}, ini {toko}!"), Ok(()));
        assert_eq!(check(Key::Welcome, "Halo { nama }"), Ok(()));
        assert_eq!(
            check(Key::Help, "Halo {nama}"),
            Err(Refused::UnknownPlaceholder("nama".into()))
        );
        assert_eq!(
            check(Key::Welcome, "Harga {harga}"),
            Err(Refused::UnknownPlaceholder("harga".into()))
        );
        for open in ["Halo {nama", "Halo nama}", "Halo {na{ma}}", "}{"] {
            assert_eq!(check(Key::Welcome, open), Err(Refused::OpenBrace), "{open}");
        }
        assert_eq!(check(Key::Welcome, "  "), Err(Refused::Empty));
        assert_eq!(
            check(Key::Welcome, &"x".repeat(2_001)),
            Err(Refused::TooLong)
        );
    }

    #[test]
    fn a_text_and_its_values_are_escaped() {
        let html = render(
            "<b>Halo</b> {nama} & {toko}",
            &[("nama", "<Budi>"), ("toko", "Toko & Co")],
        );
        assert_eq!(
            html,
            "&lt;b&gt;Halo&lt;/b&gt; &lt;Budi&gt; &amp; Toko &amp; Co"
        );
    }
}
