-- Pools, leads, allocators, opportunities and counters are documents; customers gain the columns
-- the recycling sweep and pool listings filter on.
CREATE TABLE docs (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    parent  TEXT,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX docs_by_parent ON docs (kind, parent) WHERE parent IS NOT NULL;

ALTER TABLE customers ADD COLUMN pool_id TEXT;
ALTER TABLE customers ADD COLUMN recycle_due_at INTEGER;
-- Schema 1 had no pools, so nothing is due and recycle_due_at stays NULL.
UPDATE customers SET pool_id = json_extract(body, '$.pool_id');
CREATE INDEX customers_in_pool ON customers (pool_id) WHERE owner_id IS NULL;
CREATE INDEX customers_by_recycle_due ON customers (recycle_due_at) WHERE recycle_due_at IS NOT NULL;
