-- Perisai sync server, schema 1 (PostgreSQL). The SQLite twin is migrations/sqlite/0001_initial.sql:
-- keep both in step (same tables, columns and constraints; only the types differ).
-- Times are milliseconds since the Unix epoch (BIGINT); dates are 'YYYY-MM-DD' text.
-- Personal data never appears in clear: record content is sealed (AES-256-GCM, server data key in
-- the key folder), NIKs and phones are HMACs under the server secret (also in the key folder).

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE branches (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES branches (code),
    -- the key of the branch's 24-bit NIK tags; devices receive it (a tag is too short to confirm a NIK)
    tag_key     BYTEA NOT NULL,
    tag_key_id  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE wadah (
    id         TEXT PRIMARY KEY,
    branch     TEXT NOT NULL REFERENCES branches (code),
    name       TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE agents (
    id                TEXT PRIMARY KEY,
    branch            TEXT NOT NULL REFERENCES branches (code),
    wadah_id          TEXT NOT NULL REFERENCES wadah (id),
    name              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'suspended', 'dismissed')),
    status_changed_ms BIGINT NOT NULL,
    created_ms        BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'wadah')),
    branch        TEXT REFERENCES branches (code),
    wadah_id      TEXT REFERENCES wadah (id),
    password_hash TEXT NOT NULL,
    created_ms    BIGINT NOT NULL
);

-- One-time activation codes, stored as an HMAC of the normalized code (never in clear).
CREATE TABLE activation_codes (
    code_hash    TEXT PRIMARY KEY,
    agent_id     TEXT NOT NULL REFERENCES agents (id),
    branch       TEXT NOT NULL REFERENCES branches (code),
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    failed_tries BIGINT NOT NULL DEFAULT 0,
    used_ms      BIGINT,
    device_id    TEXT,
    public_key   BYTEA
);

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    branch            TEXT NOT NULL REFERENCES branches (code),
    agent_id          TEXT NOT NULL REFERENCES agents (id),
    public_key        BYTEA NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'retired')),
    app_version       TEXT NOT NULL,
    activated_ms      BIGINT NOT NULL,
    status_changed_ms BIGINT NOT NULL,
    -- the chain head: the last stored seq and its batch hash (genesis hash before the first batch)
    last_seq          BIGINT NOT NULL DEFAULT 0,
    head_hash         TEXT NOT NULL,
    last_receipt_no   BIGINT NOT NULL DEFAULT 0,
    flagged           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_agent ON devices (agent_id);

-- Exactly-once ingest: one row per (branch, device, seq), with the signed acknowledgement sent.
CREATE TABLE batches (
    branch       TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    batch_hash   TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    header       BYTEA NOT NULL,
    signature    BYTEA NOT NULL,
    record_count BIGINT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('stored', 'body_rejected')),
    ack          TEXT NOT NULL,
    received_ms  BIGINT NOT NULL,
    PRIMARY KEY (branch, device_id, seq)
);
CREATE INDEX batches_recent ON batches (branch, device_id, received_ms);

CREATE TABLE enrollments (
    branch        TEXT NOT NULL,
    id            TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    agent_id      TEXT NOT NULL,
    batch_seq     BIGINT NOT NULL,
    receipt_no    BIGINT,
    content_hash  TEXT NOT NULL,
    content       BYTEA NOT NULL,
    nik_hmac      TEXT,
    phone_hmac    TEXT,
    enrolled_on   TEXT,
    created_ms    BIGINT,
    received_ms   BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('received', 'rejected_at_ingest', 'approved',
                                                   'rejected', 'has_issues', 'superseded')),
    codes         TEXT NOT NULL,
    supersedes    TEXT,
    superseded_by TEXT,
    has_location  BIGINT NOT NULL,
    PRIMARY KEY (branch, id)
);
CREATE INDEX enrollments_agent_time ON enrollments (branch, agent_id, created_ms);
CREATE INDEX enrollments_device ON enrollments (branch, device_id);
CREATE INDEX enrollments_agent_phone ON enrollments (branch, agent_id, phone_hmac);

-- National: an NIK may have one active BPU enrollment. The one table not keyed by branch, on
-- purpose: the claim must be settled across branches (INSERT ... ON CONFLICT).
CREATE TABLE nik_claims (
    nik_hmac   TEXT PRIMARY KEY,
    branch     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    claimed_ms BIGINT NOT NULL
);

-- Records whose NIK was already claimed by another record: the supervisors' duplicate queue.
CREATE TABLE duplicate_queue (
    branch          TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    nik_hmac        TEXT NOT NULL,
    other_branch    TEXT NOT NULL,
    other_record_id TEXT NOT NULL,
    created_ms      BIGINT NOT NULL,
    resolved_ms     BIGINT,
    PRIMARY KEY (branch, record_id)
);

-- The branch's registered-NIK tags (24 bits of HMAC under the branch tag key), in arrival order:
-- `id` is the downsync cursor position.
CREATE TABLE nik_tags (
    id         BIGSERIAL PRIMARY KEY,
    branch     TEXT NOT NULL,
    tag        BYTEA NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (branch, tag)
);

CREATE TABLE decisions (
    id         BIGSERIAL PRIMARY KEY,
    branch     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    agent_id   TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected', 'has_issues')),
    reason     BYTEA,
    decided_by TEXT NOT NULL,
    decided_ms BIGINT NOT NULL,
    FOREIGN KEY (branch, record_id) REFERENCES enrollments (branch, id)
);
CREATE INDEX decisions_agent ON decisions (branch, agent_id, id);

CREATE TABLE device_commands (
    id         BIGSERIAL PRIMARY KEY,
    branch     TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX device_commands_device ON device_commands (device_id, id);

-- Rule-set updates published to devices (JSON, effective-dated inside).
CREATE TABLE rule_sets (
    id           BIGSERIAL PRIMARY KEY,
    rule_set_id  TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    published_ms BIGINT NOT NULL
);

-- Single-use nonces handed out in signed responses; a signed request consumes one.
CREATE TABLE nonces (
    nonce      TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX nonces_device ON nonces (device_id, created_ms);

-- Fixed-window counters for throttles shared by every server instance.
CREATE TABLE rate_windows (
    scope           TEXT NOT NULL,
    subject         TEXT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (scope, subject, window_start_ms)
);

-- What a revoked or retired device still sent: evidence, sealed, never exported.
CREATE TABLE quarantine (
    branch       TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    batch_hash   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    sealed_batch BYTEA NOT NULL,
    received_ms  BIGINT NOT NULL,
    PRIMARY KEY (branch, device_id, batch_hash)
);

CREATE TABLE fraud_flags (
    id         BIGSERIAL PRIMARY KEY,
    branch     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    agent_id   TEXT,
    device_id  TEXT,
    record_id  TEXT,
    evidence   TEXT NOT NULL,
    dedup_key  TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (branch, dedup_key)
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    branch  TEXT,
    subject TEXT,
    detail  TEXT NOT NULL
);
