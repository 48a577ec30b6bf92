-- Tombstones of records an agent withdrew before they were ever sent (docs/PROTOCOL.md): stored
-- apart from enrollments (nothing to review), so that their receipt numbers are accounted for and
-- a resent tombstone is answered `duplicate_record`. The PostgreSQL twin is
-- migrations/postgres/0004_withdrawn.sql.
CREATE TABLE withdrawn_records (
    branch       TEXT NOT NULL,
    id           TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    batch_seq    BIGINT NOT NULL,
    receipt_no   BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_ms   BIGINT,
    received_ms  BIGINT NOT NULL,
    PRIMARY KEY (branch, id)
);
CREATE INDEX withdrawn_records_device ON withdrawn_records (branch, device_id);
