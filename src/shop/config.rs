//! The shop's `[shop]` section of the settings and the Pakasir project it is paid through.
//! The shop is off unless `enabled`; once on, it needs the project's slug and API key,
//! because a checkout without a gateway would take stock it can never sell.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{self, Invalid, Secret, Settings};

/// The shop as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopConfig {
    /// Shown to buyers in the welcome and on every invoice.
    pub name: String,
    /// How long an invoice holds its stock unpaid.
    pub invoice_ttl: Duration,
    /// What paying by QRIS adds to a total (Pakasir's fee, passed on to the buyer).
    pub fee: Fee,
    /// The shop's terms (SNK), sent with every delivery unless a product has its own.
    pub snk: String,
    /// An owner hears of a product once its stock is down to this.
    pub low_stock: u32,
    /// The catalogue as the file seeds it ([`super::catalogue::seed`]).
    pub products: Vec<ProductConfig>,
    pub pakasir: PakasirSettings,
}

/// The fee added to a total paid by QRIS: `ceil(total × percent / 100) + fixed`, in whole
/// Rupiah. The percent is kept in hundredths (0.7 % is 70) so that no float touches money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fee {
    pub hundredths_of_percent: i64,
    pub fixed: i64,
}

impl Fee {
    /// The fee on `total` Rupiah: Rp10.000 → Rp380 at 0.7 % + Rp310.
    pub fn on(self, total: i64) -> i64 {
        let percent_part = (total * self.hundredths_of_percent + 9_999) / 10_000;
        percent_part + self.fixed
    }
}

/// A product as `[[shop.products]]` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductConfig {
    pub code: String,
    pub name: String,
    pub price: i64,
    pub description: String,
    pub snk: String,
}

/// The gateway's project: `TANGKAP_PAKASIR_PROJECT`, `TANGKAP_PAKASIR_API_KEY`,
/// `TANGKAP_PAKASIR_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PakasirSettings {
    pub project: String,
    pub api_key: Secret,
    /// The gateway's base address, without a trailing slash.
    pub url: String,
}

pub const DEFAULT_NAME: &str = "Toko";
pub const DEFAULT_INVOICE_TTL: Duration = Duration::from_secs(15 * 60);
pub const DEFAULT_FEE: Fee = Fee {
    hundredths_of_percent: 70,
    fixed: 310,
};
pub const DEFAULT_LOW_STOCK: u32 = 5;
pub const DEFAULT_PAKASIR_URL: &str = "https://app.pakasir.com";
/// The most a product may cost, in Rupiah: a hundred million (QRIS's own ceiling is lower
/// still, ten million a payment).
pub const MOST_PRICE: i64 = 100_000_000;
/// The longest product name, description and terms, in characters.
pub const MOST_NAME_CHARS: usize = 64;
pub const MOST_DESCRIPTION_CHARS: usize = 1_000;
pub const MOST_SNK_CHARS: usize = 2_000;
/// Items one invoice may hold.
pub const MOST_QUANTITY: i64 = 100;

/// The file as the shop reads it: its section and the gateway's keys.
#[derive(Debug, Deserialize)]
pub struct ShopWritten {
    shop: Option<ShopFile>,
    pakasir_project: Option<String>,
    pakasir_api_key: Option<String>,
    pakasir_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopFile {
    #[serde(default)]
    enabled: bool,
    name: Option<String>,
    invoice_ttl: Option<String>,
    fee_percent: Option<Number>,
    fee_fixed: Option<i64>,
    snk: Option<String>,
    low_stock: Option<u32>,
    #[serde(default)]
    products: Vec<ProductFile>,
}

/// `fee_percent` as written: `0.7` or `"0.7"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    code: String,
    name: String,
    price: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    snk: String,
}

/// The shop configured, or `None` when it is not enabled.
impl Settings for Option<ShopConfig> {
    type Written = ShopWritten;

    fn check(written: ShopWritten) -> Result<Self, Invalid> {
        let Some(shop) = written.shop.filter(|shop| shop.enabled) else {
            return Ok(None);
        };
        let nonempty = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        let needs = |what: &str| {
            format!(
                "the shop is enabled, so it needs {what}: the Pakasir project it is paid through"
            )
        };
        let project = nonempty(written.pakasir_project)
            .ok_or_else(|| Invalid::new("pakasir_project", needs("the project's slug")))?;
        if project.len() > 100 || project.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Invalid::new(
                "pakasir_project",
                "expected the project's slug as Pakasir shows it (no spaces)",
            ));
        }
        let api_key = nonempty(written.pakasir_api_key)
            .ok_or_else(|| Invalid::new("pakasir_api_key", needs("the project's API key")))?;
        let url = match nonempty(written.pakasir_url) {
            Some(url) => check_url(&url)?,
            None => DEFAULT_PAKASIR_URL.to_owned(),
        };
        Ok(Some(ShopConfig {
            name: match shop.name {
                Some(name) => one_line("shop.name", &name, 60)?,
                None => DEFAULT_NAME.to_owned(),
            },
            invoice_ttl: match shop.invoice_ttl {
                Some(text) => config::duration_within(
                    "shop.invoice_ttl",
                    &text,
                    Duration::from_secs(1),
                    Duration::from_secs(24 * 3600),
                    "use 1s to 24h, e.g. 15m",
                )?,
                None => DEFAULT_INVOICE_TTL,
            },
            fee: Fee {
                hundredths_of_percent: match shop.fee_percent {
                    Some(percent) => hundredths_of_percent(percent)?,
                    None => DEFAULT_FEE.hundredths_of_percent,
                },
                fixed: match shop.fee_fixed {
                    Some(fixed) if (0..=1_000_000).contains(&fixed) => fixed,
                    Some(_) => {
                        return Err(Invalid::new("shop.fee_fixed", "use 0 to 1000000 Rupiah"))
                    }
                    None => DEFAULT_FEE.fixed,
                },
            },
            snk: text("shop.snk", shop.snk.as_deref().unwrap_or_default(), 2000)?,
            low_stock: shop.low_stock.unwrap_or(DEFAULT_LOW_STOCK),
            products: products(shop.products)?,
            pakasir: PakasirSettings {
                project,
                api_key: Secret::new(api_key.trim()),
                url,
            },
        }))
    }
}

fn products(written: Vec<ProductFile>) -> Result<Vec<ProductConfig>, Invalid> {
    let mut products: Vec<ProductConfig> = Vec::new();
    for product in written {
        let code = check_code(&product.code).map_err(|m| Invalid::new("shop.products.code", m))?;
        if products.iter().any(|p| p.code == code) {
            return Err(Invalid::new(
                "shop.products.code",
                format!("{code:?} is listed twice"),
            ));
        }
        products.push(ProductConfig {
            code,
            name: one_line("shop.products.name", &product.name, MOST_NAME_CHARS)?,
            price: check_price(product.price)
                .map_err(|m| Invalid::new("shop.products.price", m))?,
            description: text(
                "shop.products.description",
                &product.description,
                MOST_DESCRIPTION_CHARS,
            )?,
            snk: text("shop.products.snk", &product.snk, MOST_SNK_CHARS)?,
        });
    }
    Ok(products)
}

/// A product code: 1 to 32 letters, digits, `_` or `-`, kept in capitals (buyers type it
/// in any case after `/beli`).
pub fn check_code(code: &str) -> Result<String, String> {
    let code = code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "expected 1 to 32 letters, digits, _ or - (such as NETFLIX-1B), not {code:?}"
        ));
    }
    Ok(code.to_ascii_uppercase())
}

/// A price: 1 Rupiah to [`MOST_PRICE`].
pub fn check_price(price: i64) -> Result<i64, String> {
    if (1..=MOST_PRICE).contains(&price) {
        Ok(price)
    } else {
        Err(format!("use 1 to {MOST_PRICE} Rupiah"))
    }
}

fn hundredths_of_percent(written: Number) -> Result<i64, Invalid> {
    let invalid = || {
        Invalid::new(
            "shop.fee_percent",
            "use 0 to 100 with at most two decimals, e.g. 0.7",
        )
    };
    let percent = match written {
        Number::Float(percent) => percent,
        Number::Text(text) => text
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| invalid())?,
    };
    let hundredths = (percent * 100.0).round();
    if !(0.0..=10_000.0).contains(&hundredths) || (percent * 100.0 - hundredths).abs() > 1e-6 {
        return Err(invalid());
    }
    Ok(hundredths as i64)
}

fn check_url(url: &str) -> Result<String, Invalid> {
    let url = url.trim().trim_end_matches('/');
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(url.to_owned())
        }
        _ => Err(Invalid::new(
            "pakasir_url",
            "expected the gateway's address, such as https://app.pakasir.com",
        )),
    }
}

/// One line of at most `most` characters, spaces tidied.
fn one_line(key: &'static str, value: &str, most: usize) -> Result<String, Invalid> {
    one_line_within(value, most)
        .ok_or_else(|| Invalid::new(key, format!("use 1 to {most} characters")))
}

/// `value` on one line, its runs of white space made one space, if that is 1 to `most`
/// characters.
pub fn one_line_within(value: &str, most: usize) -> Option<String> {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    (!value.is_empty() && value.chars().count() <= most).then_some(value)
}

/// Text of at most `most` characters, lines kept.
fn text(key: &'static str, value: &str, most: usize) -> Result<String, Invalid> {
    text_within(value, most)
        .ok_or_else(|| Invalid::new(key, format!("use at most {most} characters")))
}

/// `value` trimmed, lines kept, if that is at most `most` characters.
pub fn text_within(value: &str, most: usize) -> Option<String> {
    let value = value.trim();
    (value.chars().count() <= most).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_rounded_up_and_whole() {
        assert_eq!(DEFAULT_FEE.on(10_000), 380);
        assert_eq!(10_000 + DEFAULT_FEE.on(10_000), 10_380);
        // 0.7 % of Rp15.001 is Rp105,007: a Rupiah more, never less.
        assert_eq!(DEFAULT_FEE.on(15_001), 106 + 310);
        assert_eq!(DEFAULT_FEE.on(0), 310);
    }

    #[test]
    fn fee_percent_is_read_without_floats_reaching_money() {
        assert_eq!(hundredths_of_percent(Number::Float(0.7)).unwrap(), 70);
        assert_eq!(
            hundredths_of_percent(Number::Text("1,25".into())).unwrap(),
            125
        );
        assert!(hundredths_of_percent(Number::Float(0.123)).is_err());
        assert!(hundredths_of_percent(Number::Float(-1.0)).is_err());
        assert!(hundredths_of_percent(Number::Float(f64::NAN)).is_err());
    }

    #[test]
    fn codes_are_capitals_and_plain() {
        assert_eq!(check_code(" netflix-1b ").unwrap(), "NETFLIX-1B");
        for bad in ["", "a b", "<b>", "x;DROP", &"A".repeat(33), "kopi☕"] {
            assert!(check_code(bad).is_err(), "{bad:?}");
        }
    }
}
