//! Coupons: a percent or a fixed amount off a purchase, from a minimum, for a number of
//! uses, until a day. A coupon's uses are the invoices holding it that are pending or
//! paid, counted under the coupon's lock at checkout, so that the last use is taken once
//! however many buyers try at the same moment; an invoice that runs out unpaid gives its
//! use back without anything to undo.

use sqlx::Row;

use super::config::check_code;
use crate::{
    db::{lock_until_commit, now_ms, Conn},
    telegram::texts::rupiah,
    users::{access::Actor, team},
};

/// The largest minimum purchase a coupon may ask, in Rupiah, and the most uses it may
/// allow.
pub const MOST_MIN_TOTAL: i64 = 1_000_000_000;
pub const MOST_USES: i64 = 1_000_000;

/// A day as people write it in a form: `2026-12-31`.
pub fn parse_day(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// When a coupon good until `day` (to its end, on the clock of `offset`) ends: the first
/// moment of the next day, in Unix ms.
pub fn end_of(day: time::Date, offset: time::UtcOffset) -> i64 {
    let next = day.next_day().unwrap_or(day);
    next.midnight().assume_offset(offset).unix_timestamp() * 1000
}

/// What a coupon takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discount {
    /// 1 to 100 percent of the subtotal, rounded down to whole Rupiah.
    Percent(i64),
    /// A fixed amount, at most the subtotal.
    Amount(i64),
}

impl Discount {
    /// `10%`, `5000`, `5.000` or `Rp5.000`; `None` for anything else, a percent past 100
    /// or nothing off.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(percent) = text.strip_suffix('%') {
            let percent: i64 = percent.trim().parse().ok()?;
            return (1..=100)
                .contains(&percent)
                .then_some(Discount::Percent(percent));
        }
        let amount = parse_rupiah(text)?;
        (amount > 0).then_some(Discount::Amount(amount))
    }

    /// What it takes off `subtotal`.
    pub fn off(self, subtotal: i64) -> i64 {
        match self {
            Discount::Percent(percent) => subtotal * percent / 100,
            Discount::Amount(amount) => amount.min(subtotal),
        }
    }
}

/// Whole Rupiah as people type them: `50000`, `50.000`, `Rp50.000`, `Rp 50.000`.
pub fn parse_rupiah(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text
        .strip_prefix("Rp")
        .or_else(|| text.strip_prefix("rp"))
        .or_else(|| text.strip_prefix("RP"))
        .unwrap_or(text)
        .trim()
        .replace('.', "");
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub code: String,
    pub discount: Discount,
    pub min_total: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<i64>,
    pub active: bool,
}

impl Coupon {
    /// One line for the console and the audit: `HEMAT10: 10% off, from Rp20.000, at most
    /// 50 uses, ends 2027-01-01 00:00 +07:00`.
    pub fn describe(&self, offset: time::UtcOffset) -> String {
        let mut text = match self.discount {
            Discount::Percent(percent) => format!("{}: {percent}% off", self.code),
            Discount::Amount(amount) => format!("{}: {} off", self.code, rupiah(amount)),
        };
        if self.min_total > 0 {
            text.push_str(&format!(", from {}", rupiah(self.min_total)));
        }
        if let Some(uses) = self.max_uses {
            text.push_str(&format!(", at most {uses} uses"));
        }
        if let Some(at) = self.expires_at {
            let ends = time::OffsetDateTime::from_unix_timestamp(at / 1000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
                .to_offset(offset);
            let format = time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] [offset_hour sign:mandatory]:[offset_minute]"
            );
            text.push_str(&format!(
                ", ends {}",
                ends.format(format).unwrap_or_default()
            ));
        }
        text
    }
}

/// Why a coupon takes nothing off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No such coupon, or one switched off: the buyer is told the same of both.
    Unknown,
    Expired,
    UsedUp,
    /// The purchase is under the coupon's minimum.
    BelowMinimum {
        min_total: i64,
    },
}

fn coupon(row: &sqlx::any::AnyRow) -> Result<Coupon, sqlx::Error> {
    let percent: Option<i64> = row.try_get(1)?;
    let amount: Option<i64> = row.try_get(2)?;
    Ok(Coupon {
        code: row.try_get(0)?,
        discount: match percent {
            Some(percent) => Discount::Percent(percent),
            None => Discount::Amount(amount.unwrap_or(0)),
        },
        min_total: row.try_get(3)?,
        max_uses: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        active: row.try_get::<i64, _>(6)? != 0,
    })
}

/// The coupon with `code` (any case).
pub async fn find(conn: &mut Conn, code: &str) -> Result<Option<Coupon>, sqlx::Error> {
    let Ok(code) = check_code(code) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT code, percent, amount, min_total, max_uses, expires_at, active
         FROM shop_coupons WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(coupon).transpose()
}

/// Adds `coupon`; false if a coupon with its code exists already.
pub async fn add(tx: &mut Conn, coupon: &Coupon) -> Result<bool, sqlx::Error> {
    let (percent, amount) = match coupon.discount {
        Discount::Percent(percent) => (Some(percent), None),
        Discount::Amount(amount) => (None, Some(amount)),
    };
    let added = sqlx::query(
        "INSERT INTO shop_coupons (code, percent, amount, min_total, max_uses, expires_at,
             active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING",
    )
    .bind(&coupon.code)
    .bind(percent)
    .bind(amount)
    .bind(coupon.min_total)
    .bind(coupon.max_uses)
    .bind(coupon.expires_at)
    .bind(i64::from(coupon.active))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(added.rows_affected() == 1)
}

/// Why a coupon was not added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddRefused {
    /// Not a code ([`check_code`] says why).
    BadCode(String),
    /// A minimum purchase past [`MOST_MIN_TOTAL`] or below nothing.
    BadMinimum,
    /// Uses outside 1 to [`MOST_USES`].
    BadUses,
    /// Its last day is over already.
    Ended,
    /// A coupon with its code exists already.
    Exists(String),
}

/// Adds `coupon`, its code checked (kept in capitals), audited as `actor`'s
/// (`shop_coupon_add`, with its [`Coupon::describe`] on the clock of `offset`): `tangkap
/// shop coupon add` and the Mini App's Toko page alike.
pub async fn add_as(
    tx: &mut Conn,
    actor: Actor<'_>,
    mut coupon: Coupon,
    offset: time::UtcOffset,
) -> Result<Result<Coupon, AddRefused>, sqlx::Error> {
    coupon.code = match check_code(&coupon.code) {
        Ok(code) => code,
        Err(why) => return Ok(Err(AddRefused::BadCode(why))),
    };
    if !(0..=MOST_MIN_TOTAL).contains(&coupon.min_total) {
        return Ok(Err(AddRefused::BadMinimum));
    }
    if coupon
        .max_uses
        .is_some_and(|uses| !(1..=MOST_USES).contains(&uses))
    {
        return Ok(Err(AddRefused::BadUses));
    }
    if coupon.expires_at.is_some_and(|at| at <= now_ms()) {
        return Ok(Err(AddRefused::Ended));
    }
    if !add(tx, &coupon).await? {
        return Ok(Err(AddRefused::Exists(coupon.code)));
    }
    let detail = coupon.describe(offset);
    team::record(tx, actor, "shop_coupon_add", None, &detail).await?;
    Ok(Ok(coupon))
}

/// Every coupon, newest first, with its uses: the invoices holding it, pending or paid.
pub async fn all(conn: &mut Conn) -> Result<Vec<(Coupon, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.code, c.percent, c.amount, c.min_total, c.max_uses, c.expires_at, c.active,
             (SELECT COUNT(*) FROM shop_invoices i
              WHERE i.coupon_code = c.code AND i.status IN ('pending', 'paid'))
         FROM shop_coupons c ORDER BY c.created_at DESC, c.code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((coupon(row)?, row.try_get(7)?)))
        .collect()
}

/// What coupon `code` takes off a purchase of `subtotal` now, if it may be used: read, and
/// its uses counted, under its lock, so that a checkout that goes on to hold it is the
/// only one counting at that moment.
pub async fn take(
    tx: &mut Conn,
    code: &str,
    subtotal: i64,
) -> Result<Result<(Coupon, i64), Refused>, sqlx::Error> {
    let Some(coupon) = find(tx, code).await?.filter(|coupon| coupon.active) else {
        return Ok(Err(Refused::Unknown));
    };
    lock_until_commit(tx, lock_of(&coupon.code)).await?;
    if coupon.expires_at.is_some_and(|at| at <= now_ms()) {
        return Ok(Err(Refused::Expired));
    }
    if subtotal < coupon.min_total {
        return Ok(Err(Refused::BelowMinimum {
            min_total: coupon.min_total,
        }));
    }
    if let Some(most) = coupon.max_uses {
        let uses: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM shop_invoices
             WHERE coupon_code = $1 AND status IN ('pending', 'paid')",
        )
        .bind(&coupon.code)
        .fetch_one(&mut *tx)
        .await?;
        if uses >= most {
            return Ok(Err(Refused::UsedUp));
        }
    }
    let off = coupon.discount.off(subtotal);
    Ok(Ok((coupon, off)))
}

/// The advisory lock under which a coupon's uses are counted (PostgreSQL; on SQLite the
/// writer is alone already).
fn lock_of(code: &str) -> i64 {
    super::named_lock(0x4350, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_are_read_as_people_type_them() {
        assert_eq!(Discount::parse("10%"), Some(Discount::Percent(10)));
        assert_eq!(Discount::parse(" 100 % "), Some(Discount::Percent(100)));
        assert_eq!(Discount::parse("5000"), Some(Discount::Amount(5_000)));
        assert_eq!(Discount::parse("Rp5.000"), Some(Discount::Amount(5_000)));
        for bad in [
            "0%",
            "101%",
            "-5%",
            "0",
            "",
            "lima ribu",
            "5,5%",
            "1e9",
            "99999999999999",
        ] {
            assert_eq!(Discount::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_discount_never_takes_more_than_the_subtotal() {
        assert_eq!(Discount::Percent(10).off(25_000), 2_500);
        assert_eq!(Discount::Percent(15).off(999), 149);
        assert_eq!(Discount::Percent(100).off(25_000), 25_000);
        assert_eq!(Discount::Amount(5_000).off(25_000), 5_000);
        assert_eq!(Discount::Amount(50_000).off(25_000), 25_000);
    }
}
