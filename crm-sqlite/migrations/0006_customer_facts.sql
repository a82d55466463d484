-- What the quality report needs of each customer not merged (crm_core's `CustomerFacts`, JSON),
-- kept on every write of the customer so the report reads these short rows instead of decoding
-- and checking every record. The migration fills it for stored customers (migrations.rs).
CREATE TABLE customer_facts (
    id       TEXT PRIMARY KEY,
    owner_id TEXT,
    facts    TEXT NOT NULL
) WITHOUT ROWID;
