-- The gram index of customer names behind fuzzy duplicate checks (crm_core::customer::grams):
-- each distinct name of a name key ('n:' prefix) under each of its 3-grams, padded with '^^' in
-- front and '$$' behind, with its length in characters; and how many names hold each gram.
CREATE TABLE name_grams (
    org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    gram   TEXT COLLATE "C" NOT NULL,
    len    INTEGER NOT NULL,
    name   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, gram, len, name)
);
CREATE TABLE name_gram_counts (
    org_id TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    gram   TEXT COLLATE "C" NOT NULL,
    names  BIGINT NOT NULL,
    PRIMARY KEY (org_id, gram)
);
-- Names already stored, of every organisation: the owner reads them past row-level security for
-- this transaction only. length() and substr() count characters, as the core does.
ALTER TABLE dedup_keys NO FORCE ROW LEVEL SECURITY;
INSERT INTO name_grams (org_id, gram, len, name)
SELECT DISTINCT n.org_id, substr('^^' || n.name || '$$', at, 3), length(n.name), n.name
  FROM (SELECT DISTINCT org_id, substr(key, 3) AS name FROM dedup_keys
         WHERE key >= 'n:' AND key < 'n;') AS n,
       generate_series(1, length(n.name) + 2) AS at;
INSERT INTO name_gram_counts (org_id, gram, names)
SELECT org_id, gram, count(*) FROM name_grams GROUP BY org_id, gram;
ALTER TABLE dedup_keys FORCE ROW LEVEL SECURITY;
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['name_grams', 'name_gram_counts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY same_org ON %I USING (org_id = current_setting(''crm.org'', true))
                        WITH CHECK (org_id = current_setting(''crm.org'', true))', t);
    END LOOP;
END $$;
