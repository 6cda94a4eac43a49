//! What the shop says to buyers, in Indonesian or English (one language a message),
//! as HTML with every value escaped. Money is whole Rupiah (`Rp10.380`), times on the
//! shop's clock (`14:05 WIB`).

use super::{
    admin::{OrderLine, RefundRefused, Refunded},
    cart,
    catalogue::{Added, Product},
    coupons,
    custom_texts::{Key, Refused as TextRefused},
    invoices::{Invoice, Kind, Line},
    ShopConfig,
};
use crate::{
    lang::Lang,
    telegram::texts::{clock, date_and_clock, escape, rupiah},
};

pub const PRODUCTS_ID: &str = "🛍 Produk";
pub const PRODUCTS_EN: &str = "🛍 Products";
pub const CART_ID: &str = "🛒 Keranjang";
pub const CART_EN: &str = "🛒 Cart";
pub const BALANCE_ID: &str = "💰 Saldo";
pub const BALANCE_EN: &str = "💰 Balance";
pub const HELP_ID: &str = "❓ Bantuan";
pub const HELP_EN: &str = "❓ Help";

/// The buyer's keyboard under the welcome, two buttons a row.
pub fn menu(lang: Lang) -> Vec<Vec<String>> {
    vec![
        vec![
            lang.pick(PRODUCTS_ID, PRODUCTS_EN).to_owned(),
            lang.pick(CART_ID, CART_EN).to_owned(),
        ],
        vec![
            lang.pick(BALANCE_ID, BALANCE_EN).to_owned(),
            lang.pick(HELP_ID, HELP_EN).to_owned(),
        ],
    ]
}

/// The one message `/start` sends a buyer.
pub fn welcome(shop: &ShopConfig, first_name: &str, lang: Lang) -> String {
    let name = escape(&shop.name);
    let first_name = escape(first_name);
    match lang {
        Lang::Id => format!(
            "👋 Halo {first_name}, selamat datang di <b>{name}</b>!\n\n\
             Pilih <b>🛍 Produk</b> untuk melihat produk dan stok, atau ketik \
             <code>/beli KODE JUMLAH</code>. Pembayaran dengan QRIS; produk dikirim di chat \
             ini begitu pembayaran diterima."
        ),
        Lang::En => format!(
            "👋 Hi {first_name}, welcome to <b>{name}</b>!\n\n\
             Choose <b>🛍 Products</b> to see what is in stock, or type \
             <code>/beli CODE QUANTITY</code>. You pay by QRIS; the product arrives in this \
             chat as soon as the payment is in."
        ),
    }
}

/// The list of products with price and stock, the stock as of `now`.
pub fn product_list(products: &[Product], now: i64, offset: time::UtcOffset, lang: Lang) -> String {
    if products.is_empty() {
        return lang
            .pick("Belum ada produk yang dijual.", "Nothing is on sale yet.")
            .to_owned();
    }
    let mut html = format!(
        "{} <i>({} {})</i>\n",
        lang.pick("<b>🛍 Produk</b>", "<b>🛍 Products</b>"),
        lang.pick("stok per", "stock as of"),
        clock(now, offset)
    );
    for product in products {
        html.push_str(&format!(
            "\n• <b>{}</b> <code>{}</code>\n  {} · {}",
            escape(&product.name),
            escape(&product.code),
            rupiah(product.price),
            stock(product.stock, lang)
        ));
    }
    html.push_str(lang.pick(
        "\n\nPilih produk di bawah untuk detail dan membeli.",
        "\n\nChoose a product below for details and to buy.",
    ));
    html
}

fn stock(count: i64, lang: Lang) -> String {
    match count {
        0 => lang.pick("stok habis", "out of stock").to_owned(),
        n => format!("{} {n}", lang.pick("stok", "stock")),
    }
}

/// A product's detail with the quantity chosen so far.
pub fn product_detail(
    product: &Product,
    quantity: i64,
    fee: i64,
    now: i64,
    offset: time::UtcOffset,
    lang: Lang,
) -> String {
    let mut html = format!(
        "<b>{}</b> <code>{}</code>\n{} · {} <i>({} {})</i>",
        escape(&product.name),
        escape(&product.code),
        rupiah(product.price),
        stock(product.stock, lang),
        lang.pick("per", "as of"),
        clock(now, offset)
    );
    if !product.description.is_empty() {
        html.push_str(&format!("\n\n{}", escape(&product.description)));
    }
    let total = product.price * quantity;
    html.push_str(&format!(
        "\n\n{}: <b>{quantity}</b>\n{}: {}\n{}: {}\n<b>{}: {}</b>",
        lang.pick("Jumlah", "Quantity"),
        lang.pick("Subtotal", "Subtotal"),
        rupiah(total),
        lang.pick("Biaya layanan", "Service fee"),
        rupiah(fee),
        lang.pick("Total bayar", "To pay"),
        rupiah(total + fee),
    ));
    html
}

pub fn buy_button(quantity: i64, lang: Lang) -> String {
    format!("{} {quantity}", lang.pick("🛒 Beli", "🛒 Buy"))
}

pub fn pay_from_balance_button(balance: i64, lang: Lang) -> String {
    format!(
        "{} ({})",
        lang.pick("💰 Bayar pakai saldo", "💰 Pay from balance"),
        rupiah(balance)
    )
}

pub fn paid_from_balance(total: i64, balance: i64, lang: Lang) -> String {
    format!(
        "{} {}; {} {}",
        lang.pick("Dibayar dari saldo:", "Paid from your balance:"),
        rupiah(total),
        lang.pick("sisa saldo", "balance left"),
        rupiah(balance)
    )
}

pub fn balance_too_low(balance: i64, lang: Lang) -> String {
    format!(
        "{} {}",
        lang.pick("Saldo tidak cukup:", "Not enough balance:"),
        rupiah(balance)
    )
}

pub fn check_button(lang: Lang) -> String {
    lang.pick("🔄 Cek status", "🔄 Check status").to_owned()
}

pub fn cancel_button(lang: Lang) -> String {
    lang.pick("✖️ Batal", "✖️ Cancel").to_owned()
}

/// What an invoice is for, in a line: `2 × Netflix, 1 × Spotify`, or the deposit.
fn what(invoice: &Invoice) -> String {
    match invoice.kind {
        Kind::Deposit => invoice.lang.pick("Isi saldo", "Balance top-up").to_owned(),
        Kind::Purchase => invoice
            .lines
            .iter()
            .map(|line| format!("{} × {}", line.quantity, escape(&line.name)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The invoice: what, how much with its fee, until when; the QR follows it.
pub fn invoice(invoice: &Invoice, offset: time::UtcOffset) -> String {
    let lang = invoice.lang;
    let mut html = format!("🧾 <b>Invoice {}</b>\n", escape(&invoice.order_id));
    match invoice.kind {
        Kind::Deposit => html.push_str(&format!(
            "\n{}: {}",
            lang.pick("Isi saldo", "Balance top-up"),
            rupiah(invoice.subtotal)
        )),
        Kind::Purchase => {
            for line in &invoice.lines {
                html.push_str(&format!(
                    "\n{} × {} · {}",
                    line.quantity,
                    escape(&line.name),
                    rupiah(line.price * line.quantity)
                ));
            }
            html.push_str(&format!(
                "\n{}: {}",
                lang.pick("Subtotal", "Subtotal"),
                rupiah(invoice.subtotal)
            ));
        }
    }
    if let Some(coupon) = &invoice.coupon {
        html.push_str(&format!(
            "\n{} <code>{}</code>: −{}",
            lang.pick("Kupon", "Coupon"),
            escape(coupon),
            rupiah(invoice.discount)
        ));
    }
    if invoice.total == 0 {
        html.push_str(&format!(
            "\n<b>{}: {}</b>",
            lang.pick("Total bayar", "To pay"),
            rupiah(0)
        ));
        return html;
    }
    html.push_str(&format!(
        "\n{}: {}\n<b>{}: {}</b>\n\n{} <b>{}</b>. {}",
        lang.pick("Biaya layanan", "Service fee"),
        rupiah(invoice.fee),
        lang.pick("Total bayar", "To pay"),
        rupiah(invoice.amount),
        lang.pick("Bayar dengan QRIS sebelum", "Pay by QRIS before"),
        clock(invoice.expires_at, offset),
        match invoice.kind {
            Kind::Purchase => lang.pick(
                "Stok disimpan untuk Anda sampai saat itu; QR menyusul di bawah.",
                "The stock is held for you until then; the QR follows below.",
            ),
            Kind::Deposit => lang.pick("QR menyusul di bawah.", "The QR follows below."),
        },
    ));
    html
}

/// The caption under the QR.
pub fn qr_caption(invoice: &Invoice) -> String {
    let lang = invoice.lang;
    format!(
        "QRIS · {} · <b>{}</b>\n{}",
        escape(&invoice.order_id),
        rupiah(invoice.amount),
        lang.pick(
            "Pindai dengan aplikasi bank atau e-wallet mana pun.",
            "Scan with any bank or e-wallet app.",
        )
    )
}

/// The invoice once paid (its buttons gone).
pub fn invoice_paid(invoice: &Invoice) -> String {
    let lang = invoice.lang;
    format!(
        "✅ <b>{} {}</b>\n{} · {}\n{}",
        lang.pick("Lunas:", "Paid:"),
        escape(&invoice.order_id),
        what(invoice),
        rupiah(invoice.amount),
        match invoice.kind {
            Kind::Purchase => lang.pick("Produk dikirim di bawah.", "Your items are below."),
            Kind::Deposit => lang.pick("Saldo sudah ditambahkan.", "Your balance is topped up."),
        },
    )
}

/// The items of one product of a paid purchase, one `<code>` a line so each copies with a
/// tap, and the product's terms. `part`/`parts` number the messages when there are too
/// many items for one.
pub fn delivery(
    invoice: &Invoice,
    line: &Line,
    items: &[String],
    snk: &str,
    (part, parts): (usize, usize),
) -> String {
    let lang = invoice.lang;
    let mut html = format!(
        "📦 <b>{}</b> · {} × {}",
        escape(&invoice.order_id),
        line.quantity,
        escape(&line.name)
    );
    if parts > 1 {
        html.push_str(&format!(" ({part}/{parts})"));
    }
    html.push('\n');
    for item in items {
        html.push_str(&format!("\n<code>{}</code>", escape(item)));
    }
    if part == parts && !snk.is_empty() {
        html.push_str(&format!(
            "\n\n<b>{}</b>\n{}",
            lang.pick("Syarat &amp; ketentuan (SNK)", "Terms (SNK)"),
            escape(snk)
        ));
    }
    html
}

/// A deposit paid: what came in and the balance now.
pub fn deposited(invoice: &Invoice, balance: i64) -> String {
    let lang = invoice.lang;
    format!(
        "💰 {} <b>{}</b> ({}). {}: <b>{}</b>",
        lang.pick("Saldo bertambah", "Your balance went up by"),
        rupiah(invoice.total),
        escape(&invoice.order_id),
        lang.pick("Saldo sekarang", "Balance now"),
        rupiah(balance)
    )
}

/// Why an invoice closed unpaid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    Expired,
    Cancelled,
    /// The gateway could not make the QR.
    GatewayDown,
}

pub fn invoice_closed(invoice: &Invoice, why: Closed) -> String {
    let lang = invoice.lang;
    let head = match why {
        Closed::Expired => lang.pick("⌛ Invoice kedaluwarsa:", "⌛ Invoice expired:"),
        Closed::Cancelled => lang.pick("✖️ Invoice dibatalkan:", "✖️ Invoice cancelled:"),
        Closed::GatewayDown => lang.pick(
            "⚠️ QRIS tidak bisa dibuat sekarang:",
            "⚠️ The QRIS could not be made right now:",
        ),
    };
    format!(
        "{head} <b>{}</b>\n{} · {}\n{}",
        escape(&invoice.order_id),
        what(invoice),
        rupiah(invoice.amount),
        match invoice.kind {
            Kind::Purchase => lang.pick(
                "Stok dikembalikan. Silakan pesan lagi bila masih ingin membeli.",
                "The stock went back on sale. Order again if you still want it.",
            ),
            Kind::Deposit => lang.pick(
                "Tidak ada yang ditagih. Silakan isi saldo lagi bila masih ingin.",
                "Nothing was charged. Top up again if you still want to.",
            ),
        }
    )
}

/// A payment confirmed after its invoice closed: credited to the balance.
pub fn credited(invoice: &Invoice, credit: i64, balance: i64) -> String {
    let lang = invoice.lang;
    format!(
        "💰 {} <b>{}</b> {} {} {}: <b>{}</b>.",
        lang.pick("Pembayaran untuk", "The payment for"),
        escape(&invoice.order_id),
        match invoice.kind {
            Kind::Purchase => lang.pick(
                "diterima setelah invoice ditutup, jadi produk tidak dikirim;",
                "came in after the invoice closed, so no items were sent;",
            ),
            Kind::Deposit => lang.pick(
                "diterima setelah invoice ditutup, tetap dihitung:",
                "came in after the invoice closed and still counts:",
            ),
        },
        rupiah(credit),
        lang.pick(
            "masuk ke saldo Anda. Saldo sekarang",
            "went to your balance. Balance now"
        ),
        rupiah(balance)
    )
}

pub fn not_paid_yet(invoice: &Invoice, now: i64, offset: time::UtcOffset) -> String {
    let lang = invoice.lang;
    format!(
        "⏳ {} <b>{}</b> ({} {}). {} {}.",
        lang.pick("Belum ada pembayaran untuk", "No payment yet for"),
        escape(&invoice.order_id),
        lang.pick("dicek", "checked"),
        clock(now, offset),
        lang.pick("Invoice berlaku sampai", "The invoice holds until"),
        clock(invoice.expires_at, offset)
    )
}

pub fn checking(lang: Lang) -> String {
    lang.pick("⏳ Memeriksa pembayaran…", "⏳ Checking the payment…")
        .to_owned()
}

/// The balance, and how to top it up.
pub fn balance(amount: i64, lang: Lang) -> String {
    format!(
        "💰 {}: <b>{}</b>\n\n{}",
        lang.pick("Saldo Anda", "Your balance"),
        rupiah(amount),
        lang.pick(
            "Isi saldo dengan QRIS: pilih jumlah di bawah, atau ketik <code>/deposit JUMLAH</code> (misalnya <code>/deposit 75000</code>). Saldo bisa dipakai membayar invoice.",
            "Top up by QRIS: pick an amount below, or type <code>/deposit AMOUNT</code> (e.g. <code>/deposit 75000</code>). The balance pays invoices.",
        )
    )
}

/// The amounts offered under the balance, a tap each.
pub const DEPOSIT_CHOICES: [i64; 4] = [10_000, 25_000, 50_000, 100_000];

pub fn deposit_usage(lang: Lang) -> String {
    format!(
        "{} {} {} {}.",
        lang.pick(
            "Ketik <code>/deposit JUMLAH</code>, misalnya <code>/deposit 50000</code>:",
            "Type <code>/deposit AMOUNT</code>, e.g. <code>/deposit 50000</code>:",
        ),
        rupiah(super::invoices::MIN_DEPOSIT),
        lang.pick("sampai", "to"),
        rupiah(super::invoices::MOST_DEPOSIT)
    )
}

pub fn bad_deposit(least: i64, most: i64, lang: Lang) -> String {
    format!(
        "{} {} {} {}.",
        lang.pick("Isi saldo harus", "A top-up must be"),
        rupiah(least),
        lang.pick("sampai", "to"),
        rupiah(most)
    )
}

/// The cart: its products, the coupon typed for it and what it takes off (or why it
/// takes nothing), and the total with the fee.
pub fn cart(
    lines: &[cart::Line],
    coupon: Option<(&str, Result<i64, coupons::Refused>)>,
    fee: impl Fn(i64) -> i64,
    lang: Lang,
) -> String {
    if lines.is_empty() {
        let mut html = empty_cart(lang);
        // A coupon typed before anything is in the cart waits for it; one that cannot
        // be used at all says so now. Its minimum is for the cart to come.
        match coupon {
            Some((code, Ok(_) | Err(coupons::Refused::BelowMinimum { .. }))) => {
                html.push_str(&format!(
                    "\n{} <code>{}</code> {}",
                    lang.pick("Kupon", "Coupon"),
                    escape(code),
                    lang.pick(
                        "dipasang untuk isi keranjang berikutnya.",
                        "is on, for what goes into the cart next.",
                    )
                ));
            }
            Some((code, Err(refused))) => html.push_str(&format!(
                "\n{} <code>{}</code>: {}.",
                lang.pick("Kupon", "Coupon"),
                escape(code),
                coupon_refused(refused, lang)
            )),
            None => {}
        }
        return html;
    }
    let mut html = lang
        .pick("🛒 <b>Keranjang</b>\n", "🛒 <b>Cart</b>\n")
        .to_owned();
    let mut subtotal = 0;
    for line in lines {
        let cost = line.product.price * line.quantity;
        subtotal += cost;
        html.push_str(&format!(
            "\n{} × {} <code>{}</code> · {}",
            line.quantity,
            escape(&line.product.name),
            escape(&line.product.code),
            rupiah(cost)
        ));
        if line.product.stock < line.quantity {
            html.push_str(&format!(
                " <i>({} {})</i>",
                lang.pick("stok tinggal", "only"),
                line.product.stock
            ));
        }
    }
    html.push_str(&format!(
        "\n\n{}: {}",
        lang.pick("Subtotal", "Subtotal"),
        rupiah(subtotal)
    ));
    let mut total = subtotal;
    match coupon {
        Some((code, Ok(off))) => {
            total -= off;
            html.push_str(&format!(
                "\n{} <code>{}</code>: −{}",
                lang.pick("Kupon", "Coupon"),
                escape(code),
                rupiah(off)
            ));
        }
        Some((code, Err(refused))) => html.push_str(&format!(
            "\n{} <code>{}</code>: {}",
            lang.pick("Kupon", "Coupon"),
            escape(code),
            coupon_refused(refused, lang)
        )),
        None => html.push_str(lang.pick(
            "\n<i>Punya kupon? Ketik <code>/kupon KODE</code>.</i>",
            "\n<i>Have a coupon? Type <code>/kupon CODE</code>.</i>",
        )),
    }
    let fee = if total > 0 { fee(total) } else { 0 };
    html.push_str(&format!(
        "\n{}: {}\n<b>{}: {}</b>",
        lang.pick("Biaya layanan", "Service fee"),
        rupiah(fee),
        lang.pick("Total bayar", "To pay"),
        rupiah(total + fee)
    ));
    html
}

pub fn empty_cart(lang: Lang) -> String {
    lang.pick(
        "🛒 Keranjang Anda kosong. Pilih 🛍 Produk, atau ketik <code>/beli KODE JUMLAH</code>.",
        "🛒 Your cart is empty. Choose 🛍 Products, or type <code>/beli CODE QUANTITY</code>.",
    )
    .to_owned()
}

pub fn checkout_button(lang: Lang) -> String {
    lang.pick("✅ Bayar", "✅ Check out").to_owned()
}

pub fn empty_cart_button(lang: Lang) -> String {
    lang.pick("🗑 Kosongkan", "🗑 Empty the cart").to_owned()
}

pub fn add_to_cart_button(quantity: i64, lang: Lang) -> String {
    format!("{} {quantity}", lang.pick("➕ Keranjang", "➕ Cart"))
}

/// A product put in the cart (plain text: a button's answer).
pub fn added_to_cart(product: &Product, quantity: i64, lang: Lang) -> String {
    format!(
        "{} {} ({} {quantity})",
        product.name,
        lang.pick("masuk keranjang", "is in your cart"),
        lang.pick("jumlah", "quantity")
    )
}

pub fn cart_refused(refused: cart::Refused, lang: Lang) -> String {
    match refused {
        cart::Refused::NoProduct => lang
            .pick(
                "Produk itu tidak dijual lagi.",
                "That product is no longer on sale.",
            )
            .to_owned(),
        cart::Refused::BadQuantity => bad_quantity(super::config::MOST_QUANTITY, lang),
        cart::Refused::Full => format!(
            "{} {} {}",
            lang.pick("Keranjang sudah berisi", "The cart already holds"),
            cart::MOST_LINES,
            lang.pick("produk.", "products.")
        ),
    }
}

/// Why a coupon takes nothing off.
pub fn coupon_refused(refused: coupons::Refused, lang: Lang) -> String {
    match refused {
        coupons::Refused::Unknown => lang
            .pick("kupon tidak dikenal", "no such coupon")
            .to_owned(),
        coupons::Refused::Expired => lang
            .pick("kupon sudah kedaluwarsa", "the coupon has expired")
            .to_owned(),
        coupons::Refused::UsedUp => lang
            .pick("kuota kupon sudah habis", "the coupon is used up")
            .to_owned(),
        coupons::Refused::BelowMinimum { min_total } => format!(
            "{} {}",
            lang.pick("minimal belanja", "for purchases from"),
            rupiah(min_total)
        ),
    }
}

pub fn kupon_usage(lang: Lang) -> String {
    lang.pick(
        "Ketik <code>/kupon KODE</code> untuk memakai kupon di keranjang, atau <code>/kupon hapus</code> untuk melepasnya.",
        "Type <code>/kupon CODE</code> to use a coupon on your cart, or <code>/kupon hapus</code> to take it off.",
    )
    .to_owned()
}

pub fn help(shop: &ShopConfig, lang: Lang) -> String {
    let mut html = match lang {
        Lang::Id => "❓ <b>Cara membeli</b>\n1. Pilih 🛍 Produk, atau ketik <code>/beli KODE JUMLAH</code>.\n\
             2. Masukkan ke 🛒 Keranjang untuk membeli beberapa produk sekaligus; kupon dengan <code>/kupon KODE</code>.\n\
             3. Bayar QRIS yang dikirim sebelum batas waktunya (biaya layanan QRIS ditambahkan ke total), atau pakai 💰 Saldo (isi dengan <code>/deposit JUMLAH</code>).\n\
             4. Produk dikirim otomatis di chat ini begitu pembayaran diterima."
            .to_owned(),
        Lang::En => "❓ <b>How to buy</b>\n1. Choose 🛍 Products, or type <code>/beli CODE QUANTITY</code>.\n\
             2. Put products in the 🛒 Cart to buy several at once; a coupon with <code>/kupon CODE</code>.\n\
             3. Pay the QRIS sent before it runs out (the QRIS service fee is added to the total), or use your 💰 Balance (top up with <code>/deposit AMOUNT</code>).\n\
             4. The product arrives in this chat as soon as the payment is in."
            .to_owned(),
    };
    if !shop.snk.is_empty() {
        html.push_str(&format!(
            "\n\n<b>{}</b>\n{}",
            lang.pick("Syarat &amp; ketentuan (SNK)", "Terms (SNK)"),
            escape(&shop.snk)
        ));
    }
    html
}

pub fn beli_usage(lang: Lang) -> String {
    lang.pick(
        "Ketik <code>/beli KODE</code>, <code>/beli KODE JUMLAH</code> atau <code>/beli KODE JUMLAH KUPON</code>, misalnya <code>/beli NETFLIX 2</code>. Kode ada di 🛍 Produk.",
        "Type <code>/beli CODE</code>, <code>/beli CODE QUANTITY</code> or <code>/beli CODE QUANTITY COUPON</code>, e.g. <code>/beli NETFLIX 2</code>. Codes are under 🛍 Products.",
    )
    .to_owned()
}

pub fn no_such_product(code: &str, lang: Lang) -> String {
    format!(
        "{} <code>{}</code>. {}",
        lang.pick(
            "Tidak ada produk dengan kode",
            "There is no product with code"
        ),
        escape(&code.chars().take(40).collect::<String>()),
        lang.pick("Lihat 🛍 Produk.", "See 🛍 Products.")
    )
}

pub fn bad_quantity(most: i64, lang: Lang) -> String {
    format!(
        "{} 1 {} {most}.",
        lang.pick("Jumlah harus", "The quantity must be"),
        lang.pick("sampai", "to")
    )
}

pub fn not_enough_stock(product: &Product, wanted: i64, lang: Lang) -> String {
    format!(
        "{} <b>{}</b>: {} {wanted}, {} {}.",
        lang.pick("Stok tidak cukup untuk", "Not enough stock of"),
        escape(&product.name),
        lang.pick("diminta", "asked for"),
        lang.pick("tersedia", "available"),
        product.stock
    )
}

pub fn too_many_open(most: i64, lang: Lang) -> String {
    format!(
        "{} {most} {}",
        lang.pick("Anda masih punya", "You already have",),
        lang.pick(
            "invoice yang belum dibayar. Bayar atau batalkan dulu salah satunya.",
            "unpaid invoices. Pay or cancel one of them first.",
        )
    )
}

pub fn not_open(lang: Lang) -> String {
    lang.pick(
        "Invoice ini sudah tidak berlaku.",
        "This invoice is no longer open.",
    )
    .to_owned()
}

/// A refund to the buyer's balance, told to the buyer.
pub fn refunded(invoice: &Invoice, amount: i64, balance: i64) -> String {
    let lang = invoice.lang;
    format!(
        "💰 {} <b>{}</b> {} <b>{}</b> {}. {}: <b>{}</b>",
        lang.pick("Pengembalian dana", "A refund of"),
        rupiah(amount),
        lang.pick("untuk", "for"),
        escape(&invoice.order_id),
        lang.pick("masuk ke saldo Anda", "went to your balance"),
        lang.pick("Saldo sekarang", "Balance now"),
        rupiah(balance)
    )
}

/// An admins' broadcast as buyers get it: their text as written (escaped), and how to
/// stop them.
pub fn broadcast(text: &str, lang: Lang) -> String {
    format!(
        "📣 {}\n\n<i>{}</i>",
        escape(text),
        lang.pick(
            "Info dari toko. Tidak ingin menerimanya lagi? Tekan 🔕 di bawah.",
            "News from the shop. Rather not get these? Tap 🔕 below.",
        )
    )
}

pub fn stop_broadcasts_button(lang: Lang) -> String {
    lang.pick("🔕 Berhenti terima info", "🔕 Stop these")
        .to_owned()
}

/// Broadcasts stopped (plain text: a button's answer), or taken again.
pub fn broadcasts_taken(on: bool, lang: Lang) -> String {
    match on {
        false => lang.pick(
            "Anda tidak akan menerima info toko lagi. Ketik /langganan untuk menerimanya lagi.",
            "You will get no more shop news. Type /langganan to get it again.",
        ),
        true => lang.pick(
            "Anda akan menerima info toko lagi.",
            "You will get the shop's news again.",
        ),
    }
    .to_owned()
}

// What admins are told (the admin menu, `bot::shop_admin`).

pub fn admin_menu(shop_name: &str, lang: Lang) -> String {
    format!(
        "🛠 <b>{} {}</b>\n\n{}",
        lang.pick("Kelola", "Running"),
        escape(shop_name),
        lang.pick(
            "/produk: produk, stok, harga, nyala/mati\n\
             <code>/stok KODE</code> lalu satu item per baris (di baris berikutnya), atau file .txt dengan keterangan <code>/stok KODE</code>: tambah stok; <code>/stok KODE</code> saja: lihat stok (disamarkan)\n\
             <code>/harga KODE HARGA</code>: ubah harga\n\
             /pesanan: 10 pesanan terakhir\n\
             <code>/refund INV-… [JUMLAH]</code>: kembalikan ke saldo pembeli\n\
             <code>/broadcast PESAN</code>: kirim info ke semua pembeli (yang tidak berhenti)\n\
             /teks: ubah teks sambutan dan bantuan bot\n\
             <code>/kupon_baru KODE DISKON</code>: buat kupon (ketik saja untuk contoh dan daftar kupon)",
            "/produk: products, stock, prices, on/off\n\
             <code>/stok CODE</code> then one item a line (on the next lines), or a .txt file captioned <code>/stok CODE</code>: add stock; <code>/stok CODE</code> alone: see the stock (masked)\n\
             <code>/harga CODE PRICE</code>: change a price\n\
             /pesanan: the last 10 orders\n\
             <code>/refund INV-… [AMOUNT]</code>: refund to the buyer's balance\n\
             <code>/broadcast MESSAGE</code>: send news to every buyer (who did not stop it)\n\
             /teks: change the bot's welcome and help\n\
             <code>/kupon_baru CODE DISCOUNT</code>: make a coupon (type it alone for an example and the coupons)",
        )
    )
}

pub fn admin_products(products: &[Product], lang: Lang) -> String {
    let mut html = lang
        .pick("🛠 <b>Produk</b>\n", "🛠 <b>Products</b>\n")
        .to_owned();
    if products.is_empty() {
        html.push_str(lang.pick("\nBelum ada produk.", "\nNo products yet."));
    }
    for product in products {
        html.push_str(&format!(
            "\n{} <b>{}</b> <code>{}</code> · {} · {}",
            if product.active { "🟢" } else { "⏸" },
            escape(&product.name),
            escape(&product.code),
            rupiah(product.price),
            stock(product.stock, lang)
        ));
    }
    html.push_str(lang.pick(
        "\n\nTombol di bawah menyalakan atau mematikan penjualan.",
        "\n\nThe buttons below put a product on sale or take it off.",
    ));
    html
}

/// A product switched on or off (plain text: a button's answer).
pub fn admin_product_switched(product: &Product, lang: Lang) -> String {
    format!(
        "{}: {}",
        product.name,
        if product.active {
            lang.pick("dijual", "on sale")
        } else {
            lang.pick("tidak dijual", "off sale")
        }
    )
}

pub fn admin_stock(product: &Product, masked: &[String], lang: Lang) -> String {
    let mut html = format!(
        "📦 <b>{}</b> <code>{}</code>: {}",
        escape(&product.name),
        escape(&product.code),
        stock(product.stock, lang)
    );
    for item in masked {
        html.push_str(&format!("\n<code>{}</code>", escape(item)));
    }
    if product.stock > masked.len() as i64 {
        html.push_str(&format!(
            "\n… {} {}",
            product.stock - masked.len() as i64,
            lang.pick("lagi", "more")
        ));
    }
    html.push_str(lang.pick(
        "\n\nItem disamarkan. Tambah: <code>/stok KODE</code> lalu satu item per baris, atau kirim file .txt dengan keterangan <code>/stok KODE</code>.",
        "\n\nItems are masked. Add: <code>/stok CODE</code> then one item a line, or send a .txt file captioned <code>/stok CODE</code>.",
    ));
    html
}

pub fn admin_stock_added(product: &Product, added: &Added, lang: Lang) -> String {
    format!(
        "📦 <b>{}</b>: {} {}, {} {}{}. {} {}.",
        escape(&product.code),
        added.added,
        lang.pick("ditambahkan", "added"),
        added.duplicates,
        lang.pick("duplikat ditolak", "duplicates refused"),
        match added.too_long {
            0 => String::new(),
            n => format!(", {n} {}", lang.pick("terlalu panjang", "too long")),
        },
        lang.pick("Stok sekarang", "Stock now"),
        product.stock
    )
}

pub fn admin_price_set(product: &Product, lang: Lang) -> String {
    format!(
        "{} <b>{}</b> {} {}.",
        lang.pick("Harga", "The price of"),
        escape(&product.name),
        lang.pick("sekarang", "is now"),
        rupiah(product.price)
    )
}

pub fn admin_harga_usage(lang: Lang) -> String {
    format!(
        "{} {}.",
        lang.pick(
            "Ketik <code>/harga KODE HARGA</code>, misalnya <code>/harga NETFLIX 12000</code>; harga 1 sampai",
            "Type <code>/harga CODE PRICE</code>, e.g. <code>/harga NETFLIX 12000</code>; a price from 1 to",
        ),
        rupiah(super::config::MOST_PRICE)
    )
}

pub fn admin_orders(orders: &[OrderLine], offset: time::UtcOffset, lang: Lang) -> String {
    let mut html = lang
        .pick("🧾 <b>Pesanan terakhir</b>\n", "🧾 <b>Latest orders</b>\n")
        .to_owned();
    if orders.is_empty() {
        html.push_str(lang.pick("\nBelum ada pesanan.", "\nNo orders yet."));
    }
    for order in orders {
        let status = match order.status.as_str() {
            "pending" => lang.pick("menunggu bayar", "awaiting payment"),
            "paid" => lang.pick("lunas", "paid"),
            "expired" => lang.pick("kedaluwarsa", "expired"),
            "cancelled" => lang.pick("dibatalkan", "cancelled"),
            _ => lang.pick("dibayar terlambat, ke saldo", "paid late, to the balance"),
        };
        html.push_str(&format!(
            "\n<code>{}</code> · {} · {} · {} {} · {}",
            escape(&order.order_id),
            date_and_clock(order.created_at, offset),
            rupiah(order.total),
            lang.pick("pembeli", "buyer"),
            order.buyer_id,
            status
        ));
        if order.deposit {
            html.push_str(lang.pick(" (isi saldo)", " (top-up)"));
        } else if order.status == "paid" {
            html.push_str(&format!(
                ", {} {}",
                order.delivered,
                lang.pick("item terkirim", "items delivered")
            ));
        }
    }
    html
}

pub fn admin_broadcast_usage(lang: Lang) -> String {
    format!(
        "{} {} {}.",
        lang.pick(
            "Ketik <code>/broadcast</code> lalu pesannya (boleh beberapa baris), paling panjang",
            "Type <code>/broadcast</code> then the message (several lines if you like), at most",
        ),
        super::admin::MOST_BROADCAST_CHARS,
        lang.pick("karakter", "characters")
    )
}

pub fn admin_broadcast_sent(count: usize, lang: Lang) -> String {
    format!(
        "📣 {} {count} {}",
        lang.pick("Dikirim ke", "Going to"),
        lang.pick(
            "pembeli, bertahap sesuai batas Telegram (30 pesan per detik).",
            "buyers, paced within Telegram's limits (30 messages a second).",
        )
    )
}

/// The texts an admin may rewrite, each with its placeholders and whether it is theirs.
pub fn admin_texts(saved: &[(Key, Option<String>)], lang: Lang) -> String {
    let mut html = lang
        .pick("✏️ <b>Teks bot</b>\n", "✏️ <b>The bot's texts</b>\n")
        .to_owned();
    for (key, body) in saved {
        let placeholders: Vec<String> = key
            .placeholders()
            .iter()
            .map(|name| format!("{{{name}}}"))
            .collect();
        html.push_str(&format!(
            "\n<b>{}</b> ({}: {}): {}",
            key.name(),
            lang.pick("isian", "placeholders"),
            placeholders.join(", "),
            match body {
                Some(body) => format!("<i>{}</i>", escape(body)),
                None => lang.pick("teks bawaan", "the built-in text").to_owned(),
            }
        ));
    }
    html.push_str(lang.pick(
        "\n\nUbah: <code>/teks sambutan Halo {nama}, selamat datang di {toko}!</code> Kembali ke bawaan: <code>/teks sambutan asal</code>.",
        "\n\nChange: <code>/teks sambutan Hi {nama}, welcome to {toko}!</code> Back to the built-in text: <code>/teks sambutan asal</code>.",
    ));
    html
}

pub fn admin_text_saved(key: Key, custom: bool, lang: Lang) -> String {
    format!(
        "✅ {} <b>{}</b> {}",
        lang.pick("Teks", "The text"),
        key.name(),
        match custom {
            true => lang.pick("disimpan.", "is saved."),
            false => lang.pick("kembali ke teks bawaan.", "is the built-in one again."),
        }
    )
}

pub fn admin_text_refused(key: Key, refused: &TextRefused, lang: Lang) -> String {
    format!(
        "{} <b>{}</b> {}: {}.",
        lang.pick("Teks", "The text"),
        key.name(),
        lang.pick("tidak disimpan", "was not saved"),
        escape(&text_refusal(key, refused, lang))
    )
}

/// Why a text was not saved, as plain text (the Mini App's answer; escaped in a message).
pub fn text_refusal(key: Key, refused: &TextRefused, lang: Lang) -> String {
    match refused {
        TextRefused::Empty => lang.pick("teksnya kosong", "the text is empty").to_owned(),
        TextRefused::TooLong => format!(
            "{} {}",
            lang.pick("paling panjang", "at most"),
            lang.pick("2.000 karakter", "2,000 characters")
        ),
        TextRefused::UnknownPlaceholder(name) => format!(
            "{} {{{}}} {}; {}: {}",
            lang.pick("isian", "the placeholder"),
            name,
            lang.pick("tidak dikenal", "is not known"),
            lang.pick("yang bisa dipakai", "use"),
            key.placeholders()
                .iter()
                .map(|name| format!("{{{name}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TextRefused::OpenBrace => lang
            .pick("ada { atau } tanpa pasangannya", "a { or } has no partner")
            .to_owned(),
    }
}

pub fn admin_refund_usage(lang: Lang) -> String {
    lang.pick(
        "Ketik <code>/refund INV-… </code> untuk mengembalikan seluruh total, atau <code>/refund INV-… JUMLAH</code> untuk sebagian. Dana masuk ke saldo pembeli.",
        "Type <code>/refund INV-…</code> to refund the whole total, or <code>/refund INV-… AMOUNT</code> for part of it. It goes to the buyer's balance.",
    )
    .to_owned()
}

pub fn admin_refunded(refunded: &Refunded, lang: Lang) -> String {
    format!(
        "✅ {} {} {} <code>{}</code> {} {}.",
        lang.pick("Refund", "Refunded"),
        rupiah(refunded.amount),
        lang.pick("untuk", "for"),
        escape(&refunded.order_id),
        lang.pick("masuk ke saldo pembeli", "to the balance of buyer"),
        refunded.buyer_id
    )
}

pub fn admin_refund_refused(refused: RefundRefused, lang: Lang) -> String {
    match refused {
        RefundRefused::NoInvoice => lang
            .pick(
                "Tidak ada pesanan dengan nomor itu.",
                "There is no order with that number.",
            )
            .to_owned(),
        RefundRefused::NotPaid => lang
            .pick(
                "Hanya pembelian yang sudah lunas yang bisa di-refund.",
                "Only a paid purchase can be refunded.",
            )
            .to_owned(),
        RefundRefused::BadAmount { most } => format!(
            "{} {}.",
            lang.pick("Jumlah refund harus Rp1 sampai", "A refund must be Rp1 to"),
            rupiah(most)
        ),
        RefundRefused::Already => lang
            .pick(
                "Pesanan ini sudah pernah di-refund.",
                "This order was refunded already.",
            )
            .to_owned(),
    }
}

/// Why an admin's stock file added nothing (`None`: it could not be fetched in time).
pub fn admin_stock_file_refused(
    fetched: Option<super::stock_files::Fetched>,
    lang: Lang,
) -> String {
    use super::stock_files::{Fetched, MOST_STOCK_FILE_BYTES};
    match fetched {
        Some(Fetched::TooLarge) => format!(
            "📦 {} {} KB.",
            lang.pick(
                "File stok terlalu besar: paling besar",
                "The stock file is too large: at most"
            ),
            MOST_STOCK_FILE_BYTES / 1024
        ),
        Some(Fetched::NotText) => lang
            .pick(
                "📦 File stok harus berupa teks (.txt), satu item per baris.",
                "📦 A stock file must be text (.txt), one item a line.",
            )
            .to_owned(),
        Some(Fetched::Text(_)) | Some(Fetched::Unreachable) | None => lang
            .pick(
                "📦 File stok tidak bisa diambil dari Telegram. Kirim lagi sebentar lagi; tidak ada yang ditambahkan.",
                "📦 The stock file could not be fetched from Telegram. Send it again shortly; nothing was added.",
            )
            .to_owned(),
    }
}

pub fn proof_button(lang: Lang) -> String {
    lang.pick("📎 Kirim bukti SNK", "📎 Send SNK proof")
        .to_owned()
}

/// After 📎: what the buyer's next message will be.
pub fn proof_asked(order_id: &str, lang: Lang) -> String {
    format!(
        "📎 {} <b>{}</b>: {}",
        lang.pick("Kirim bukti SNK untuk", "Send your SNK proof for"),
        escape(order_id),
        lang.pick(
            "tulis pesan atau kirim foto (dengan keterangan bila perlu). /batal untuk membatalkan.",
            "write a message or send a photo (with a caption if needed). /batal to cancel.",
        )
    )
}

pub fn proof_received(order_id: &str, lang: Lang) -> String {
    format!(
        "✅ {} <b>{}</b> {}",
        lang.pick("Bukti SNK untuk", "Your SNK proof for"),
        escape(order_id),
        lang.pick(
            "diterima dan diteruskan ke admin.",
            "was received and passed on to the admins.",
        )
    )
}

pub fn proof_cancelled(lang: Lang) -> String {
    lang.pick(
        "Pengiriman bukti SNK dibatalkan.",
        "Sending the SNK proof was cancelled.",
    )
    .to_owned()
}

/// What the admins get of a buyer's proof (as a photo's caption, or a message).
pub fn proof_for_admins(order_id: &str, from_name: &str, body: &str, lang: Lang) -> String {
    let mut html = format!(
        "🧾 {} <b>{}</b> {} {}",
        lang.pick("Bukti SNK untuk", "SNK proof for"),
        escape(order_id),
        lang.pick("dari", "from"),
        escape(from_name)
    );
    if !body.is_empty() {
        html.push_str(&format!("\n\n{}", escape(body)));
    }
    html
}

pub fn proof_kinds(lang: Lang) -> String {
    lang.pick(
        "📎 Bukti SNK berupa teks atau foto. Kirim lagi, atau /batal.",
        "📎 SNK proof is a text or a photo. Send it again, or /batal.",
    )
    .to_owned()
}

/// Why a coupon was not made, in a sentence (the Toko page names the field besides).
pub fn coupon_not_made(refused: &super::coupons::AddRefused, lang: Lang) -> String {
    use super::coupons::{AddRefused, MOST_MIN_TOTAL, MOST_USES};
    match refused {
        AddRefused::BadCode(_) => lang
            .pick(
                "Kode kupon 1 sampai 32 huruf, angka, _ atau -, misalnya HEMAT10.",
                "A coupon code is 1 to 32 letters, digits, _ or -, such as HEMAT10.",
            )
            .to_owned(),
        AddRefused::BadMinimum => format!(
            "{} {}.",
            lang.pick(
                "Minimal belanja harus Rp0 sampai",
                "The least purchase must be Rp0 to"
            ),
            rupiah(MOST_MIN_TOTAL)
        ),
        AddRefused::BadUses => format!(
            "{} {MOST_USES}.",
            lang.pick(
                "Batas pemakaian harus 1 sampai",
                "The most uses must be 1 to"
            )
        ),
        AddRefused::Ended => lang
            .pick(
                "Tanggal berakhir sudah lewat.",
                "The last day is over already.",
            )
            .to_owned(),
        AddRefused::Exists(code) => match lang {
            Lang::Id => format!("Kupon {code} sudah ada."),
            Lang::En => format!("A coupon {code} exists already."),
        },
    }
}

/// A coupon's terms, one line: `HEMAT10: 10%, min. belanja Rp20.000, maks. 5 kali, sampai
/// 31-12-2026 23:59`.
pub fn coupon_terms(
    coupon: &super::coupons::Coupon,
    offset: time::UtcOffset,
    lang: Lang,
) -> String {
    use super::coupons::Discount;
    let mut html = format!(
        "<code>{}</code>: {}",
        escape(&coupon.code),
        match coupon.discount {
            Discount::Percent(percent) => format!("{percent}%"),
            Discount::Amount(amount) => rupiah(amount),
        }
    );
    if coupon.min_total > 0 {
        html.push_str(&format!(
            ", {} {}",
            lang.pick("min. belanja", "from"),
            rupiah(coupon.min_total)
        ));
    }
    if let Some(uses) = coupon.max_uses {
        html.push_str(&format!(
            ", {} {uses} {}",
            lang.pick("maks.", "at most"),
            lang.pick("kali", "uses")
        ));
    }
    if let Some(ends) = coupon.expires_at {
        // It ends at the first moment of the next day: its last minute is shown.
        html.push_str(&format!(
            ", {} {}",
            lang.pick("sampai", "until"),
            crate::telegram::texts::date_and_clock(ends - 60_000, offset)
        ));
    }
    html
}

pub fn admin_coupon_added(
    coupon: &super::coupons::Coupon,
    offset: time::UtcOffset,
    lang: Lang,
) -> String {
    format!(
        "🎟 {} {}",
        lang.pick("Kupon dibuat:", "Coupon made:"),
        coupon_terms(coupon, offset, lang)
    )
}

/// `/kupon_baru` alone, or mistyped: how to write it, and the coupons there are.
pub fn admin_coupon_usage(
    coupons: &[(super::coupons::Coupon, i64)],
    offset: time::UtcOffset,
    lang: Lang,
) -> String {
    let mut html = lang
        .pick(
            "Ketik <code>/kupon_baru KODE DISKON [min=JUMLAH] [kuota=N] [sampai=YYYY-MM-DD]</code>, misalnya <code>/kupon_baru HEMAT10 10% min=20000 kuota=50 sampai=2026-12-31</code>. DISKON: persen (10%) atau Rupiah (5000).",
            "Type <code>/kupon_baru CODE DISCOUNT [min=AMOUNT] [kuota=N] [sampai=YYYY-MM-DD]</code>, e.g. <code>/kupon_baru HEMAT10 10% min=20000 kuota=50 sampai=2026-12-31</code>. DISCOUNT: a percent (10%) or Rupiah (5000).",
        )
        .to_owned();
    if !coupons.is_empty() {
        html.push_str(lang.pick("\n\n🎟 <b>Kupon</b>", "\n\n🎟 <b>Coupons</b>"));
        for (coupon, used) in coupons.iter().take(20) {
            html.push_str(&format!(
                "\n{}{} · {} {used}",
                if coupon.active { "" } else { "⏸ " },
                coupon_terms(coupon, offset, lang),
                lang.pick("dipakai", "used")
            ));
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_names_are_escaped() {
        let invoice = Invoice::example();
        let line = Line {
            name: "<Netflix>".into(),
            ..invoice.lines[0].clone()
        };
        let html = delivery(
            &invoice,
            &line,
            &["a<b>&c".to_owned()],
            "no <refund>",
            (1, 1),
        );
        assert!(html.contains("<code>a&lt;b&gt;&amp;c</code>"), "{html}");
        assert!(html.contains("&lt;Netflix&gt;"), "{html}");
        assert!(html.contains("no &lt;refund&gt;"), "{html}");
    }
}
