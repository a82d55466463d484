-- One database, many organisations. Every table leads its primary key with org_id, and row-level
-- security (forced, so it binds the owning role too) shows and accepts only the rows of the
-- organisation named by the transaction-local setting `crm.org`: a connection that forgot to set it
-- sees nothing and can write nothing. Records are stored whole as JSONB (`body`); the columns beside
-- it are what queries filter on. Text keys use the C collation so ranges follow code point order.
CREATE TABLE orgs (
    id        TEXT COLLATE "C" PRIMARY KEY,
    event_seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE settings (
    org_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    body    JSONB NOT NULL
);
CREATE TABLE sequences (
    org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name   TEXT COLLATE "C" NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);
CREATE TABLE users (
    org_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id      TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    body    JSONB NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE TABLE teams (
    org_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id      TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    body    JSONB NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE TABLE customers (
    org_id            TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                TEXT COLLATE "C" NOT NULL,
    version           BIGINT NOT NULL,
    owner_id          TEXT COLLATE "C",
    status            TEXT NOT NULL,
    next_follow_up_at TIMESTAMPTZ,
    pool_id           TEXT COLLATE "C",
    -- Set only while the customer is owned and active: the sweep's and warnings' index.
    recycle_due_at    TIMESTAMPTZ,
    body              JSONB NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX customers_by_owner ON customers (org_id, owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX customers_by_follow_up ON customers (org_id, next_follow_up_at)
    WHERE next_follow_up_at IS NOT NULL;
CREATE INDEX customers_in_pool ON customers (org_id, pool_id) WHERE owner_id IS NULL;
CREATE INDEX customers_by_recycle_due ON customers (org_id, recycle_due_at)
    WHERE recycle_due_at IS NOT NULL;
-- Normalised phones, emails and names: the duplicate look-up (exact and by prefix).
CREATE TABLE dedup_keys (
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key         TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, key, customer_id)
);
CREATE INDEX dedup_keys_by_customer ON dedup_keys (org_id, customer_id);
CREATE TABLE contacts (
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    version     BIGINT NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    body        JSONB NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX contacts_by_customer ON contacts (org_id, customer_id);
CREATE TABLE follow_ups (
    org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    version     BIGINT NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    body        JSONB NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX follow_ups_by_customer ON follow_ups (org_id, customer_id);
-- Pools, leads, allocators, opportunities, contracts, pipelines and counters.
CREATE TABLE docs (
    org_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind    TEXT COLLATE "C" NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    parent  TEXT COLLATE "C",
    version BIGINT NOT NULL,
    body    JSONB NOT NULL,
    PRIMARY KEY (org_id, kind, id)
);
CREATE INDEX docs_by_parent ON docs (org_id, kind, parent) WHERE parent IS NOT NULL;
-- The log: per organisation, sequence numbers from 1 without gaps (orgs.event_seq hands them out
-- under the organisation's row lock).
CREATE TABLE events (
    org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    body   JSONB NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE TABLE event_customers (
    org_id      TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (org_id, customer_id, seq),
    FOREIGN KEY (org_id, seq) REFERENCES events (org_id, seq) ON DELETE CASCADE
);

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['settings', 'sequences', 'users', 'teams', 'customers', 'dedup_keys',
                             'contacts', 'follow_ups', 'docs', 'events', 'event_customers'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY same_org ON %I USING (org_id = current_setting(''crm.org'', true))
                        WITH CHECK (org_id = current_setting(''crm.org'', true))', t);
    END LOOP;
END $$;
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY same_org ON orgs USING (id = current_setting('crm.org', true))
    WITH CHECK (id = current_setting('crm.org', true));
