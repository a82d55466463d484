-- Migration 2 filled `due` for stored contracts under forced row-level security with no
-- organisation set, so it saw no rows and filled none: contracts stored before it were missing
-- from the overdue list. Fill them now, past row-level security for this transaction only. A
-- contract written since has its `due` set by the store; one with every instalment closed may
-- have none, and gets a lower bound, which the overdue list checks exactly.
ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;
UPDATE docs SET due = (SELECT min((i ->> 'due_date')::date)
                       FROM jsonb_array_elements(docs.body -> 'instalments') AS i)
 WHERE kind = 'contract' AND due IS NULL AND body ->> 'status' <> 'cancelled';
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
