-- Records are stored whole as JSON (`body`); the columns beside it are what queries filter on.
CREATE TABLE settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    body    TEXT NOT NULL
);
CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE users (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE teams (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE customers (
    id                TEXT PRIMARY KEY,
    version           INTEGER NOT NULL,
    owner_id          TEXT,
    status            TEXT NOT NULL,
    next_follow_up_at INTEGER,
    body              TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX customers_by_owner ON customers (owner_id);
CREATE INDEX customers_by_follow_up ON customers (next_follow_up_at) WHERE next_follow_up_at IS NOT NULL;
CREATE TABLE dedup_keys (
    key         TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (key, customer_id)
) WITHOUT ROWID;
CREATE INDEX dedup_keys_by_customer ON dedup_keys (customer_id);
CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX contacts_by_customer ON contacts (customer_id);
CREATE TABLE follow_ups (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX follow_ups_by_customer ON follow_ups (customer_id);
CREATE TABLE events (
    seq  INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE event_customers (
    customer_id TEXT NOT NULL,
    seq         INTEGER NOT NULL REFERENCES events (seq),
    PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;
