-- What buyers sent as proof under a paid order's terms (SNK): a text, or a photo kept by
-- Telegram (its file id) with its caption. Sent on to the shop's admins as it arrives;
-- kept so that an admin can look back at what a buyer claimed, and when.
CREATE TABLE shop_snk_proofs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id    INTEGER NOT NULL REFERENCES shop_invoices (id),
    buyer_id      INTEGER NOT NULL,
    body          TEXT    NOT NULL DEFAULT '',
    photo_file_id TEXT,
    received_at   INTEGER NOT NULL
);
CREATE INDEX shop_snk_proofs_invoice ON shop_snk_proofs (invoice_id, id);

-- The paid invoice whose proof the buyer's next message is, after they tapped 📎.
ALTER TABLE shop_buyers ADD COLUMN proof_for INTEGER REFERENCES shop_invoices (id);
