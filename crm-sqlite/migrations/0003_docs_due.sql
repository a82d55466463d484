-- Documents gain the date time-driven lists find them by (a contract: its earliest open instalment).
ALTER TABLE docs ADD COLUMN due TEXT;
-- Existing contracts: the earliest instalment of any not cancelled, a lower bound of the earliest
-- open one (the collection list checks each candidate exactly), so none is missed.
UPDATE docs SET due = (SELECT min(json_extract(i.value, '$.due_date'))
                       FROM json_each(docs.body, '$.instalments') AS i)
 WHERE kind = 'contract' AND json_extract(body, '$.status') <> 'cancelled';
CREATE INDEX docs_by_due ON docs (kind, due) WHERE due IS NOT NULL;
