//! Any webhook body through the update decoder: never a panic; only a JSON object is
//! taken, kept byte for byte under its own `update_id`, and when it decodes as an update, the text of its
//! message (or its caption) goes through command recognition and the `/moban` parser without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tangkap::{bot::Command, orders::moban, telegram::inbox::RawUpdate};
use teloxide::types::{Update, UpdateKind};

fuzz_target!(|body: &[u8]| {
    let Some(raw) = RawUpdate::from_body(body) else {
        return;
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    assert_eq!(first, Some(&b'{'), "only a JSON object is an update");
    assert_eq!(
        raw.json.as_bytes(),
        body,
        "the stored copy differs from the body"
    );
    // (A body may hold numbers too large for `Value`, such as 1e400; the update is still
    // kept, and fails to decode below.)
    if let Ok(head) = serde_json::from_slice::<serde_json::Value>(body) {
        assert_eq!(head["update_id"].as_i64(), Some(raw.update_id));
    }
    let Ok(update) = serde_json::from_str::<Update>(&raw.json) else {
        return;
    };
    assert_eq!(i64::from(update.id.0), raw.update_id);
    if let UpdateKind::Message(message) = &update.kind {
        let text = message.text().or(message.caption());
        if let Some((text, command)) =
            text.and_then(|t| Some((t, Command::parse(t, "tangkap_bot")?)))
        {
            let _ = moban::parse(command.arguments, text.chars().count());
        }
    }
});
