-- Payments, payment codes, cash reconciliation and incentive statements (DOMAIN.md §6-§8). The
-- SQLite twin is migrations/sqlite/0003_payments.sql: keep both in step.
-- Money is whole rupiah (BIGINT); months are 'YYYY-MM' text; times are epoch milliseconds.

-- A branch's UTC offset (minutes): a payment belongs to the statement of the month of its
-- confirmation in the branch's time zone. No row: WIB (+420).
CREATE TABLE branch_time_zones (
    branch             TEXT PRIMARY KEY REFERENCES branches (code),
    utc_offset_minutes BIGINT NOT NULL CHECK (utc_offset_minutes BETWEEN -720 AND 840)
);

-- Payment codes (kode iuran), issued when a record is first approved. A code is never deleted
-- nor reused: a reversed approval keeps its code, unique across the country. A row also says
-- the record was approved once: `nik_hmac` (copied from the enrollment) finds the first approved
-- record of an NIK (only that one earns an acquisition) without an index on `enrollments`.
CREATE TABLE payment_codes (
    branch       TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    payment_code TEXT NOT NULL UNIQUE,
    issued_ms    BIGINT NOT NULL,
    nik_hmac     TEXT,
    PRIMARY KEY (branch, record_id)
);
CREATE INDEX payment_codes_agent ON payment_codes (branch, agent_id);
CREATE INDEX payment_codes_nik ON payment_codes (nik_hmac, issued_ms);

-- Payment confirmations imported from the payment channel, one row per contribution month. The
-- channel's reference is unique: it makes a re-import idempotent. `id` is the downsync cursor.
CREATE TABLE payments (
    id                 BIGSERIAL PRIMARY KEY,
    payment_ref        TEXT NOT NULL UNIQUE,
    branch             TEXT NOT NULL,
    record_id          TEXT NOT NULL,
    agent_id           TEXT NOT NULL,
    contribution_month TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    quoted             BIGINT,
    paid_ms            BIGINT NOT NULL,
    paid_month         TEXT NOT NULL,
    short              BIGINT NOT NULL,
    content_hash       TEXT NOT NULL,
    imported_ms        BIGINT NOT NULL
);
CREATE INDEX payments_record ON payments (branch, record_id, contribution_month);
CREATE INDEX payments_agent ON payments (branch, agent_id, id);
CREATE INDEX payments_paid_month ON payments (branch, paid_month);

-- Cash an agent says was collected (signed downsync requests), reconciled with payments:
-- `outcome` stays NULL until confirmed payments cover it ('confirmed') or 7 days pass without
-- them ('flagged'), so each check only reads the open ones.
CREATE TABLE cash_records (
    branch       TEXT NOT NULL,
    id           TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    months       BIGINT NOT NULL,
    collected_ms BIGINT NOT NULL,
    received_ms  BIGINT NOT NULL,
    outcome      TEXT CHECK (outcome IN ('confirmed', 'flagged')),
    outcome_ms   BIGINT,
    PRIMARY KEY (branch, id)
);
CREATE INDEX cash_records_open ON cash_records (outcome, collected_ms);

-- The incentive scheme of a Wadah from a month on (schemes are data in perisai-core). No row:
-- the default scheme, perisai-2022.
CREATE TABLE wadah_schemes (
    wadah_id       TEXT NOT NULL REFERENCES wadah (id),
    effective_from TEXT NOT NULL,
    scheme_id      TEXT NOT NULL,
    PRIMARY KEY (wadah_id, effective_from)
);

-- Issued statements, per agent and per Wadah and month. Never updated: a later fact about an
-- issued month becomes an adjustment line of a later statement.
CREATE TABLE statements (
    id           BIGSERIAL PRIMARY KEY,
    branch       TEXT NOT NULL,
    month        TEXT NOT NULL,
    holder_kind  TEXT NOT NULL CHECK (holder_kind IN ('agent', 'wadah')),
    holder_id    TEXT NOT NULL,
    acquisition  BIGINT NOT NULL,
    contribution BIGINT NOT NULL,
    adjustments  BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    body         TEXT NOT NULL,
    issued_ms    BIGINT NOT NULL,
    UNIQUE (branch, month, holder_kind, holder_id)
);
CREATE INDEX statements_holder ON statements (branch, holder_kind, holder_id, id);

CREATE TABLE statement_lines (
    statement_id BIGINT NOT NULL REFERENCES statements (id),
    line_no      BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    record_id    TEXT,
    amount       BIGINT NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (statement_id, line_no)
);

-- A month issued for a branch: written last in the issuing transaction, so a second run (or a
-- second process) finds it and changes nothing.
CREATE TABLE statement_months (
    branch    TEXT NOT NULL,
    month     TEXT NOT NULL,
    issued_ms BIGINT NOT NULL,
    PRIMARY KEY (branch, month)
);
