-- Documents gain the date time-driven lists find them by (a contract: its earliest open instalment).
ALTER TABLE docs ADD COLUMN due DATE;
-- Existing contracts: the earliest instalment of any not cancelled, a lower bound of the earliest
-- open one (the collection list checks each candidate exactly), so none is missed.
UPDATE docs SET due = (SELECT min((i ->> 'due_date')::date)
                       FROM jsonb_array_elements(docs.body -> 'instalments') AS i)
 WHERE kind = 'contract' AND body ->> 'status' <> 'cancelled';
CREATE INDEX docs_by_due ON docs (org_id, kind, due) WHERE due IS NOT NULL;
