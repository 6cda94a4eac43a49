//! The language a person is spoken to in. Tangkap speaks Indonesian unless a person's
//! Telegram app is set to English (its `language_code` starts with `en`), or a guest
//! chose English on the booking page; each message is in one language, never both side by
//! side.

use serde::{Deserialize, Serialize};

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
