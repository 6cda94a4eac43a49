//! Any text as Mini App initData: verifying never panics, and whatever verifies was signed
//! with the bot's token: its own fields, signed again, give its hash, and one more field
//! breaks it. The corpus holds initData signed for the token below, so the fuzzer starts
//! from data that verifies and mutates it.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tangkap::{config::BotToken, telegram::init_data};

const TOKEN: &str = "123456789:AAHfuzzTokenForInitDataOnly_012345";
/// `auth_date` of the signed corpus entries is 1,800,000,000 − 60.
const NOW: i64 = 1_800_000_000;
const DAY: Duration = Duration::from_secs(86_400);

fuzz_target!(|raw: &str| {
    let token = BotToken::parse(TOKEN).unwrap();
    let Ok(verified) = init_data::verify(raw, &token, DAY, NOW) else {
        return;
    };
    assert!(NOW - verified.auth_date <= DAY.as_secs() as i64);
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap();
    let hash = fields
        .iter()
        .find(|(k, _)| k == "hash")
        .unwrap()
        .1
        .to_lowercase();
    let unsigned: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| k != "hash")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resigned = init_data::sign(&unsigned, &token);
    assert!(
        resigned.ends_with(&format!("hash={hash}")),
        "verified without the token's signature"
    );
    let extended = format!("{raw}&fuzz_extra=1");
    assert!(
        init_data::verify(&extended, &token, DAY, NOW).is_err(),
        "an added field still verified"
    );
});
