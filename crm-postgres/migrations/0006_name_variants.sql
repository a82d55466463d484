-- Each distinct name of a name key ('n:' prefix) of at most 16 characters under its deletion
-- variants (crm_core::customer::variants): itself and every string one character shorter. Fuzzy
-- duplicate checks that allow one edit look these up instead of reading gram postings.
CREATE TABLE name_variants (
    org_id  TEXT COLLATE "C" NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    variant TEXT COLLATE "C" NOT NULL,
    name    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (org_id, variant, name)
);
-- Names already stored, of every organisation: the owner reads them past row-level security for
-- this transaction only. length() and substr() count characters, as the core does.
ALTER TABLE dedup_keys NO FORCE ROW LEVEL SECURITY;
INSERT INTO name_variants (org_id, variant, name)
SELECT DISTINCT n.org_id,
       CASE at WHEN 0 THEN n.name ELSE substr(n.name, 1, at - 1) || substr(n.name, at + 1) END,
       n.name
  FROM (SELECT DISTINCT org_id, substr(key, 3) AS name FROM dedup_keys
         WHERE key >= 'n:' AND key < 'n;' AND length(substr(key, 3)) <= 16) AS n,
       generate_series(0, length(n.name)) AS at;
ALTER TABLE dedup_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE name_variants ENABLE ROW LEVEL SECURITY;
ALTER TABLE name_variants FORCE ROW LEVEL SECURITY;
CREATE POLICY same_org ON name_variants USING (org_id = current_setting('crm.org', true))
    WITH CHECK (org_id = current_setting('crm.org', true));
