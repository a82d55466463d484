-- Documents gain the instant deadline lists find them by (a ticket: its earliest running SLA
-- clock's due time). No stored document has one yet, so nothing is filled.
ALTER TABLE docs ADD COLUMN due_at TIMESTAMPTZ;
CREATE INDEX docs_by_due_at ON docs (org_id, kind, due_at) WHERE due_at IS NOT NULL;
