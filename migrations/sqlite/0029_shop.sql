-- The digital-product shop (src/shop/): its catalogue, the stock of each product one item
-- a row, each buyer's cart, coupons, invoices paid by QRIS through Pakasir (a purchase of
-- one or more products, or a deposit to the balance), and each buyer's balance as an
-- append-only ledger.

-- A product. `seeded_as` is the `[[shop.products]]` entry last applied from the settings
-- file: a value changed later in the file wins on the next start, one changed by an admin
-- stands until then.
CREATE TABLE shop_products (
    code        TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    price       INTEGER NOT NULL CHECK (price > 0),
    description TEXT    NOT NULL DEFAULT '',
    snk         TEXT    NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    seeded_as   TEXT,
    updated_at  INTEGER NOT NULL
);

-- One item of stock (a code, an account, a link). Available, reserved by a pending
-- invoice, or sold by a paid one; an item is never in two invoices.
CREATE TABLE shop_items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_code TEXT    NOT NULL REFERENCES shop_products (code),
    content      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'available'
                         CHECK (state IN ('available', 'reserved', 'sold')),
    invoice_id   INTEGER,
    added_at     INTEGER NOT NULL,
    UNIQUE (product_code, content)
);
-- Checkout takes the oldest available items of a product.
CREATE INDEX shop_items_available ON shop_items (product_code, state, id);
CREATE INDEX shop_items_invoice ON shop_items (invoice_id);

-- An invoice: a purchase (its products in `shop_invoice_lines`) or a deposit to the
-- balance; what it costs (`subtotal` less a coupon's `discount` is `total`, and `amount` =
-- total + fee is what the gateway is asked for), its state, and the gateway call still
-- owed (`gateway_call`: create, confirm, cancel), tried again from `call_after`.
CREATE TABLE shop_invoices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT    NOT NULL UNIQUE,
    buyer_id     INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    lang         TEXT    NOT NULL DEFAULT 'id',
    kind         TEXT    NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'deposit')),
    subtotal     INTEGER NOT NULL,
    discount     INTEGER NOT NULL DEFAULT 0,
    coupon_code  TEXT,
    total        INTEGER NOT NULL,
    fee          INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    status       TEXT    NOT NULL
                         CHECK (status IN ('pending', 'paid', 'expired', 'cancelled', 'credited')),
    gateway_call TEXT,
    call_after   INTEGER NOT NULL DEFAULT 0,
    call_failures INTEGER NOT NULL DEFAULT 0,
    qr           TEXT,
    message_row  INTEGER,
    qr_row       INTEGER,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    paid_at      INTEGER,
    closed_at    INTEGER
);
-- What a purchase is of: each product once, with its name and price when it was bought.
CREATE TABLE shop_invoice_lines (
    invoice_id   INTEGER NOT NULL REFERENCES shop_invoices (id),
    product_code TEXT    NOT NULL REFERENCES shop_products (code),
    name         TEXT    NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    price        INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, product_code)
);
-- A coupon's uses are the invoices that hold it, pending or paid.
CREATE INDEX shop_invoices_coupon ON shop_invoices (coupon_code, status) WHERE coupon_code IS NOT NULL;
CREATE INDEX shop_invoices_calls ON shop_invoices (call_after) WHERE gateway_call IS NOT NULL;
CREATE INDEX shop_invoices_buyer ON shop_invoices (buyer_id, status);

-- A buyer's balance: credits (a payment that came after its invoice closed, a deposit, a
-- refund) and debits, never changed once written; the balance is their sum.
CREATE TABLE shop_ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id   INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    invoice_id INTEGER,
    at         INTEGER NOT NULL,
    -- One credit per invoice and reason: a confirmation told twice credits once.
    UNIQUE (invoice_id, reason)
);
CREATE INDEX shop_ledger_buyer ON shop_ledger (buyer_id);

-- What a buyer put in their cart, each product once, and the coupon they typed for it.
CREATE TABLE shop_carts (
    buyer_id     INTEGER NOT NULL,
    product_code TEXT    NOT NULL REFERENCES shop_products (code),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (buyer_id, product_code)
);
CREATE TABLE shop_cart_coupons (
    buyer_id     INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL
);

-- A coupon: a percent or a fixed amount off, from a minimum purchase, for at most
-- `max_uses` invoices (none: no limit), until `expires_at` (none: no end).
CREATE TABLE shop_coupons (
    code         TEXT    PRIMARY KEY,
    percent      INTEGER CHECK (percent BETWEEN 1 AND 100),
    amount       INTEGER CHECK (amount > 0),
    min_total    INTEGER NOT NULL DEFAULT 0,
    max_uses     INTEGER CHECK (max_uses > 0),
    expires_at   INTEGER,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    CHECK ((percent IS NULL) <> (amount IS NULL))
);

-- Everyone the shop has met (a /start, an invoice), where to write to them, and whether
-- they take the admins' broadcasts (a tap under any broadcast stops them).
CREATE TABLE shop_buyers (
    buyer_id     INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    broadcasts   INTEGER NOT NULL DEFAULT 1,
    first_seen   INTEGER NOT NULL
);
CREATE INDEX shop_buyers_broadcasts ON shop_buyers (broadcasts, buyer_id);

-- The bot's texts an admin rewrote (src/shop/custom_texts.rs), by name; without a row, the
-- built-in text.
CREATE TABLE shop_texts (
    key          TEXT    PRIMARY KEY,
    body         TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);
