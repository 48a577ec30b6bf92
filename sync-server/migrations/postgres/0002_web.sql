-- Perisai sync server, schema 2 (PostgreSQL): the supervisors' web app (src/web). The SQLite twin is
-- migrations/sqlite/0002_web.sql: keep both in step (same tables, columns and indexes).

-- Logged-in browsers. The cookie holds a random 256-bit id; only its SHA-256 is stored, so a copy
-- of the database cannot be replayed as a session. `csrf` is the session's form token.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    seen_ms    BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- The review queue, newest first, one branch (or one agent) at a time: keyset pagination walks
-- these indexes backwards and stops after one page, also with millions of enrollments.
CREATE INDEX enrollments_queue ON enrollments (branch, status, received_ms, id);
CREATE INDEX enrollments_recent ON enrollments (branch, received_ms, id);
CREATE INDEX enrollments_agent_recent ON enrollments (branch, agent_id, received_ms, id);
-- The admin's national queue filtered by status.
CREATE INDEX enrollments_status_recent ON enrollments (status, received_ms, id);
-- The batch view: the records of one device batch.
CREATE INDEX enrollments_batch ON enrollments (branch, device_id, batch_seq);
CREATE INDEX decisions_record ON decisions (branch, record_id, id);

-- Fraud flags are resolved by a supervisor with a note (sealed: free text may hold personal data).
ALTER TABLE fraud_flags ADD COLUMN resolved_ms BIGINT;
ALTER TABLE fraud_flags ADD COLUMN resolved_by TEXT;
ALTER TABLE fraud_flags ADD COLUMN resolution BYTEA;
CREATE INDEX fraud_flags_recent ON fraud_flags (branch, id);

-- Which record stayed when a duplicate was resolved, and who decided.
ALTER TABLE duplicate_queue ADD COLUMN resolved_by TEXT;
ALTER TABLE duplicate_queue ADD COLUMN kept_record_id TEXT;

-- Each agent's assigned area (DOMAIN.md §8): a centre in micro-degrees and a radius in metres
-- (integers: the same on both engines, no float rounding between them).
CREATE TABLE agent_areas (
    agent_id TEXT PRIMARY KEY REFERENCES agents (id),
    branch   TEXT NOT NULL,
    lat_e6   BIGINT NOT NULL,
    lon_e6   BIGINT NOT NULL,
    radius_m BIGINT NOT NULL,
    set_by   TEXT NOT NULL,
    set_ms   BIGINT NOT NULL
);

-- Monthly enrollment targets per agent ('YYYY-MM').
CREATE TABLE agent_targets (
    agent_id    TEXT NOT NULL REFERENCES agents (id),
    branch      TEXT NOT NULL,
    month       TEXT NOT NULL,
    enrollments BIGINT NOT NULL,
    set_by      TEXT NOT NULL,
    set_ms      BIGINT NOT NULL,
    PRIMARY KEY (agent_id, month)
);

-- The audit page, newest first, per branch.
CREATE INDEX audit_log_branch ON audit_log (branch, id);
