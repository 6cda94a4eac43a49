//! Any group message through command recognition and the `/moban` parser: it never
//! panics, an accepted request holds only what the rules allow, and Feedback 1 built from
//! it is HTML Telegram accepts that reads back exactly as the fields were typed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tangkap::{
    bot::Command,
    orders::moban::{self, KETERANGAN_MAX, ORDER_ID_MAX, TRANSAKSI_MAX},
    sim::html::to_plain_text,
    telegram::texts,
};

fuzz_target!(|text: &str| {
    let Some(command) = Command::parse(text, "tangkap_bot") else {
        return;
    };
    let Ok(request) = moban::parse(command.arguments, text.chars().count()) else {
        return;
    };
    for (field, max) in [
        (&request.order_id, ORDER_ID_MAX),
        (&request.transaksi, TRANSAKSI_MAX),
        (&request.keterangan, KETERANGAN_MAX),
    ] {
        assert!(
            !field.trim().is_empty(),
            "an empty field was accepted: {request:?}"
        );
        assert!(
            field.chars().count() <= max,
            "a field over its limit: {request:?}"
        );
        assert_eq!(
            field.trim(),
            field.as_str(),
            "a field kept its padding: {request:?}"
        );
    }
    assert!(!request.order_id.contains('\n') && !request.transaksi.contains('\n'));
    let feedback = texts::order_received(&request.order_id, &request.transaksi, "ABC234");
    let shown = to_plain_text(&feedback).expect("Telegram accepts Feedback 1");
    assert_eq!(
        shown,
        format!(
            "Permintaan Anda {} {} sudah kami proses dengan no tiket ABC234, silahkan tunggu",
            request.order_id, request.transaksi
        )
    );
});
