-- Documents gain the instant deadline lists find them by (a ticket: its earliest running SLA
-- clock's due time), in epoch milliseconds like every other instant column. No stored document
-- has one yet, so nothing is filled.
ALTER TABLE docs ADD COLUMN due_at INTEGER;
CREATE INDEX docs_by_due_at ON docs (kind, due_at) WHERE due_at IS NOT NULL;
