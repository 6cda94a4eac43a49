//! Parses the arguments of `/moban #ORDER_ID #TRANSAKSI #KETERANGAN`.
//!
//! Fields are separated by `#`. The keterangan is everything after the third `#`, so it
//! may hold spaces, more `#` and several lines. The seed also writes
//! `/moban #order_id Transaksi #keterangan`: when only two `#` fields are given and the
//! first holds two words, those words are the Order_ID and the Transaksi.

use std::fmt;

pub const ORDER_ID_MAX: usize = 64;
pub const TRANSAKSI_MAX: usize = 64;
pub const KETERANGAN_MAX: usize = 1000;
/// The whole message, command included.
pub const MESSAGE_MAX: usize = 1500;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobanRequest {
    pub order_id: String,
    pub transaksi: String,
    pub keterangan: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    OrderId,
    Transaksi,
    Keterangan,
}

impl Field {
    fn label(self) -> &'static str {
        match self {
            Field::OrderId => "ORDER_ID",
            Field::Transaksi => "TRANSAKSI",
            Field::Keterangan => "KETERANGAN",
        }
    }

    fn max_chars(self) -> usize {
        match self {
            Field::OrderId => ORDER_ID_MAX,
            Field::Transaksi => TRANSAKSI_MAX,
            Field::Keterangan => KETERANGAN_MAX,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MobanError {
    /// The text after `/moban` does not start with `#`.
    NoHash,
    Missing(Field),
    TooLong(Field),
    /// Order_ID and Transaksi must fit on one line.
    LineBreak(Field),
    MessageTooLong,
}

/// Written in Indonesian: the sentence is shown to the group as is.
impl fmt::Display for MobanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MobanError::NoHash => f.write_str("setiap kolom harus diawali tanda #."),
            MobanError::Missing(field) => write!(f, "{} belum diisi.", field.label()),
            MobanError::TooLong(field) => write!(
                f,
                "{} terlalu panjang (maksimal {} karakter).",
                field.label(),
                field.max_chars()
            ),
            MobanError::LineBreak(field) => write!(f, "{} harus dalam satu baris.", field.label()),
            MobanError::MessageTooLong => {
                write!(
                    f,
                    "pesan terlalu panjang (maksimal {MESSAGE_MAX} karakter)."
                )
            }
        }
    }
}

/// Parses everything after the command word. `whole_message_chars` is the length of the
/// full message, checked against [`MESSAGE_MAX`] before anything else.
pub fn parse(arguments: &str, whole_message_chars: usize) -> Result<MobanRequest, MobanError> {
    if whole_message_chars > MESSAGE_MAX {
        return Err(MobanError::MessageTooLong);
    }
    let arguments = arguments.trim();
    if is_blank(arguments) {
        return Err(MobanError::Missing(Field::OrderId));
    }
    let body = arguments.strip_prefix('#').ok_or(MobanError::NoHash)?;
    let mut parts = body.splitn(3, '#');
    let first = parts.next().unwrap_or_default();
    let (order_id, transaksi, keterangan) = match (parts.next(), parts.next()) {
        (Some(transaksi), Some(keterangan)) => (first, transaksi, keterangan),
        (Some(keterangan), None) => match split_first_word(first) {
            Some((order_id, transaksi)) => (order_id, transaksi, keterangan),
            None => return Err(first_missing(&[first, keterangan, ""])),
        },
        (None, _) => return Err(first_missing(&[first, "", ""])),
    };
    Ok(MobanRequest {
        order_id: single_line(Field::OrderId, order_id)?,
        transaksi: single_line(Field::Transaksi, transaksi)?,
        keterangan: checked(Field::Keterangan, keterangan)?,
    })
}

/// For two `#` fields without a two-word first one: the first field that is not given.
fn first_missing(values: &[&str; 3]) -> MobanError {
    let fields = [Field::OrderId, Field::Transaksi, Field::Keterangan];
    let missing = values
        .iter()
        .zip(fields)
        .find(|(value, _)| is_blank(value))
        .map_or(Field::Keterangan, |(_, field)| field);
    MobanError::Missing(missing)
}

/// `"ORD-1 Topup saldo"` → `("ORD-1", "Topup saldo")`.
fn split_first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace)?;
    (!is_blank(rest)).then_some((word, rest))
}

fn single_line(field: Field, value: &str) -> Result<String, MobanError> {
    let value = checked(field, value)?;
    if value.contains(['\n', '\r']) {
        return Err(MobanError::LineBreak(field));
    }
    Ok(value)
}

/// Drops control characters other than line breaks and tabs (they would only hide text
/// or confuse a terminal), trims, and refuses blank and over-long values. Trimming comes
/// last, so white space a control character hid at either end goes too.
fn checked(field: Field, value: &str) -> Result<String, MobanError> {
    let value: String = value
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    let value = value.trim().to_owned();
    if is_blank(&value) {
        return Err(MobanError::Missing(field));
    }
    if value.chars().count() > field.max_chars() {
        return Err(MobanError::TooLong(field));
    }
    Ok(value)
}

/// Blank means nothing a reader could see: white space and invisible format characters
/// (zero-width spaces and joiners, direction marks, the byte-order mark).
fn is_blank(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &str) -> MobanRequest {
        parse(args, args.chars().count() + 7).unwrap()
    }

    fn err(args: &str) -> MobanError {
        parse(args, args.chars().count() + 7).unwrap_err()
    }

    /// Found by the `moban` fuzz target: a space before hidden NULs stayed at the end.
    #[test]
    fn control_characters_cannot_hide_padding() {
        let request = ok("#INV-1 \0\0\0\0 #TOPUP\u{7} #\u{1b} catatan \0");
        assert_eq!(request.order_id, "INV-1");
        assert_eq!(request.transaksi, "TOPUP");
        assert_eq!(request.keterangan, "catatan");
    }

    #[test]
    fn three_fields() {
        let r = ok(" #ORD-1 #TOPUP #Saldo belum masuk");
        assert_eq!(r.order_id, "ORD-1");
        assert_eq!(r.transaksi, "TOPUP");
        assert_eq!(r.keterangan, "Saldo belum masuk");
    }

    #[test]
    fn keterangan_keeps_hashes_and_lines() {
        let r = ok("#A1 #TRX #baris satu #penting\nbaris dua");
        assert_eq!(r.keterangan, "baris satu #penting\nbaris dua");
    }

    #[test]
    fn seed_form_without_hash_before_transaksi() {
        let r = ok("#ORD-9 Transfer bank #uang belum diterima");
        assert_eq!(r.order_id, "ORD-9");
        assert_eq!(r.transaksi, "Transfer bank");
        assert_eq!(r.keterangan, "uang belum diterima");
    }

    #[test]
    fn each_missing_field_is_named() {
        assert_eq!(err(""), MobanError::Missing(Field::OrderId));
        assert_eq!(err("#"), MobanError::Missing(Field::OrderId));
        assert_eq!(err("#ORD"), MobanError::Missing(Field::Transaksi));
        assert_eq!(err("#ORD #TRX"), MobanError::Missing(Field::Keterangan));
        assert_eq!(
            err("#ORD #TRX #   "),
            MobanError::Missing(Field::Keterangan)
        );
        assert_eq!(err("# #TRX #note"), MobanError::Missing(Field::OrderId));
        assert_eq!(err("#ORD # #note"), MobanError::Missing(Field::Transaksi));
        assert_eq!(
            err("#\u{200B} #TRX #note"),
            MobanError::Missing(Field::OrderId)
        );
        assert_eq!(err("ORD TRX note"), MobanError::NoHash);
    }

    #[test]
    fn limits_are_enforced() {
        let long = "x".repeat(ORDER_ID_MAX + 1);
        assert_eq!(
            err(&format!("#{long} #T #K")),
            MobanError::TooLong(Field::OrderId)
        );
        let emoji = "😀".repeat(KETERANGAN_MAX + 1);
        assert_eq!(
            err(&format!("#O #T #{emoji}")),
            MobanError::TooLong(Field::Keterangan)
        );
        assert_eq!(
            parse("#O #T #K", MESSAGE_MAX + 1),
            Err(MobanError::MessageTooLong)
        );
        assert_eq!(err("#O\nX #T #K"), MobanError::LineBreak(Field::OrderId));
    }

    #[test]
    fn unicode_and_markup_survive_as_text() {
        let r = ok("#<b>ORD</b> #שלום #'; DROP TABLE orders; -- 😀");
        assert_eq!(r.order_id, "<b>ORD</b>");
        assert_eq!(r.transaksi, "שלום");
        assert_eq!(r.keterangan, "'; DROP TABLE orders; -- 😀");
    }

    #[test]
    fn control_characters_are_dropped() {
        let r = ok("#OR\u{0007}D #T #K\u{0000}");
        assert_eq!(r.order_id, "ORD");
        assert_eq!(r.keterangan, "K");
    }
}
