//! Verifying the `initData` Telegram hands to a Mini App, which is how the server knows
//! which Telegram user opened it.
//!
//! The data-check-string is every received field except `hash` — `signature` included —
//! sorted by key, as `key=value` with values percent-decoded, joined by `\n`. The key is
//! HMAC-SHA256("WebAppData", bot token); the expected `hash` is the hex HMAC-SHA256 of the
//! check string under that key, compared in constant time.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::config::BotToken;

type HmacSha256 = Hmac<Sha256>;

/// Longest initData accepted; real ones are well under 2 KiB.
const MAX_LEN: usize = 8 * 1024;
/// How far in the future `auth_date` may lie (clock differences).
const CLOCK_SKEW_SECS: i64 = 60;

/// The Telegram user who opened the Mini App.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WebAppUser {
    pub id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
}

/// initData whose signature and age were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedInitData {
    pub user: WebAppUser,
    pub auth_date: i64,
    /// The `startapp` parameter of a direct link, e.g. a ticket number.
    pub start_param: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("initData is empty, too long or not a query string")]
    Malformed,
    #[error("initData carries a field twice")]
    DuplicateField,
    #[error("initData has no hash")]
    MissingHash,
    #[error("initData was not signed with this bot's token")]
    BadSignature,
    #[error("initData has no valid auth_date")]
    MissingAuthDate,
    #[error("initData is too old")]
    Expired,
    #[error("initData names no user")]
    MissingUser,
}

/// Checks `raw` against `token`: signature, then age (`auth_date` at most `max_age` before
/// `now`, a Unix time in seconds), then that it names a user.
pub fn verify(
    raw: &str,
    token: &BotToken,
    max_age: Duration,
    now: i64,
) -> Result<VerifiedInitData, InitDataError> {
    if raw.is_empty() || raw.len() > MAX_LEN {
        return Err(InitDataError::Malformed);
    }
    let mut fields: Vec<(String, String)> =
        serde_urlencoded::from_str(raw).map_err(|_| InitDataError::Malformed)?;
    fields.sort();
    if fields.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err(InitDataError::DuplicateField);
    }
    let hash_at = fields
        .iter()
        .position(|(key, _)| key == "hash")
        .ok_or(InitDataError::MissingHash)?;
    let (_, hash) = fields.remove(hash_at);
    let hash = hex::decode(hash).map_err(|_| InitDataError::BadSignature)?;
    let mac = keyed_check_string(&fields, token);
    mac.verify_slice(&hash)
        .map_err(|_| InitDataError::BadSignature)?;

    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let auth_date: i64 = field("auth_date")
        .and_then(|d| d.parse().ok())
        .ok_or(InitDataError::MissingAuthDate)?;
    let age = now - auth_date;
    if age > max_age.as_secs() as i64 || age < -CLOCK_SKEW_SECS {
        return Err(InitDataError::Expired);
    }
    let user = field("user")
        .and_then(|u| serde_json::from_str::<WebAppUser>(u).ok())
        .ok_or(InitDataError::MissingUser)?;
    Ok(VerifiedInitData {
        user,
        auth_date,
        start_param: field("start_param").map(str::to_owned),
    })
}

/// The HMAC of the data-check-string of `sorted_fields` (sorted by key, without `hash`).
fn keyed_check_string<K: AsRef<str>, V: AsRef<str>>(
    sorted_fields: &[(K, V)],
    token: &BotToken,
) -> HmacSha256 {
    let check_string = sorted_fields
        .iter()
        .map(|(key, value)| format!("{}={}", key.as_ref(), value.as_ref()))
        .collect::<Vec<_>>()
        .join("\n");
    let mut mac =
        HmacSha256::new_from_slice(&secret_key(token)).expect("HMAC takes any key length");
    mac.update(check_string.as_bytes());
    mac
}

/// HMAC-SHA256 keyed with "WebAppData" over the bot token.
fn secret_key(token: &BotToken) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(b"WebAppData").expect("HMAC takes any key length");
    mac.update(token.expose().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Signs `fields` as Telegram would, returning a complete initData query string. Used by
/// the demo and the tests to stand in for the Telegram client.
pub fn sign(fields: &[(&str, &str)], token: &BotToken) -> String {
    let mut sorted: Vec<_> = fields.to_vec();
    sorted.sort();
    let mac = keyed_check_string(&sorted, token);
    let hash = hex::encode(mac.finalize().into_bytes());
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("hash", &hash));
    serde_urlencoded::to_string(all).expect("string pairs always encode")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    /// Published with Telegram's Bot API 8.0 third-party validation (carries `signature`).
    const SIGNED_TOKEN: &str = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4";
    const SIGNED_INIT_DATA: &str = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73";
    /// The long-standing sample from the Mini Apps documentation (no `signature`).
    const CLASSIC_TOKEN: &str = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
    const CLASSIC_INIT_DATA: &str = "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2";

    fn token(raw: &str) -> BotToken {
        BotToken::parse(raw).unwrap()
    }

    #[test]
    fn published_vectors_verify() {
        let data = verify(SIGNED_INIT_DATA, &token(SIGNED_TOKEN), DAY, 1733509682 + 20).unwrap();
        assert_eq!(data.user.id, 279058397);
        assert_eq!(data.user.first_name, "Vladislav + - ? /");
        let data = verify(
            CLASSIC_INIT_DATA,
            &token(CLASSIC_TOKEN),
            DAY,
            1662771648 + 5,
        )
        .unwrap();
        assert_eq!(data.user.username.as_deref(), Some("vdkfrost"));
    }

    #[test]
    fn signature_is_part_of_the_check_string() {
        let altered = SIGNED_INIT_DATA.replace("signature=TYJx", "signature=TYJy");
        assert_eq!(
            verify(&altered, &token(SIGNED_TOKEN), DAY, 1733509682),
            Err(InitDataError::BadSignature)
        );
        let renamed = SIGNED_INIT_DATA.replace("signature=", "modified=");
        assert_eq!(
            verify(&renamed, &token(SIGNED_TOKEN), DAY, 1733509682),
            Err(InitDataError::BadSignature)
        );
    }

    #[test]
    fn tampering_wrong_bot_age_and_shape_are_refused() {
        let now = 1733509682;
        let good = token(SIGNED_TOKEN);
        let cases = [
            (
                SIGNED_INIT_DATA.replace("279058397", "279058398"),
                InitDataError::BadSignature,
            ),
            (
                SIGNED_INIT_DATA.replace("&hash=a433", "&hash=b433"),
                InitDataError::BadSignature,
            ),
            (
                SIGNED_INIT_DATA.replace("&hash=", "&hsh="),
                InitDataError::MissingHash,
            ),
            (
                SIGNED_INIT_DATA.replace("&hash=a433", "&hash=zz33"),
                InitDataError::BadSignature,
            ),
            (
                format!("{SIGNED_INIT_DATA}&auth_date=1"),
                InitDataError::DuplicateField,
            ),
            (String::new(), InitDataError::Malformed),
            ("x".repeat(MAX_LEN + 1), InitDataError::Malformed),
        ];
        for (raw, expected) in cases {
            assert_eq!(verify(&raw, &good, DAY, now), Err(expected), "{raw}");
        }
        assert_eq!(
            verify(SIGNED_INIT_DATA, &token(CLASSIC_TOKEN), DAY, now),
            Err(InitDataError::BadSignature)
        );
        assert_eq!(
            verify(SIGNED_INIT_DATA, &good, DAY, now + 86_401),
            Err(InitDataError::Expired)
        );
        assert_eq!(
            verify(SIGNED_INIT_DATA, &good, DAY, now - 3600),
            Err(InitDataError::Expired)
        );
    }

    #[test]
    fn signing_round_trips_with_awkward_values() {
        let bot = token(CLASSIC_TOKEN);
        let user = r#"{"id":42,"first_name":"Siti & <Co> +%","username":"siti"}"#;
        let raw = sign(
            &[
                ("auth_date", "1000"),
                ("user", user),
                ("start_param", "K7M2QX"),
            ],
            &bot,
        );
        let data = verify(&raw, &bot, DAY, 1000).unwrap();
        assert_eq!(data.user.first_name, "Siti & <Co> +%");
        assert_eq!(data.start_param.as_deref(), Some("K7M2QX"));
        let no_user = sign(&[("auth_date", "1000")], &bot);
        assert_eq!(
            verify(&no_user, &bot, DAY, 1000),
            Err(InitDataError::MissingUser)
        );
    }
}
