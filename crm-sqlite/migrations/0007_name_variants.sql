-- Each distinct name of a name key ('n:' prefix) of at most 16 characters under its deletion
-- variants (crm_core::customer::variants): itself and every string one character shorter. Fuzzy
-- duplicate checks that allow one edit look these up instead of reading gram postings.
CREATE TABLE name_variants (
    variant TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (variant, name)
) WITHOUT ROWID;
-- Names already stored: SQLite's length() and substr() count characters, as the core does.
WITH RECURSIVE
    names(name) AS (
        SELECT DISTINCT substr(key, 3) FROM dedup_keys
         WHERE key >= 'n:' AND key < 'n;' AND length(substr(key, 3)) <= 16
    ),
    deletions(name, at) AS (
        SELECT name, 0 FROM names
        UNION ALL
        SELECT name, at + 1 FROM deletions WHERE at < length(name)
    )
INSERT OR IGNORE INTO name_variants (variant, name)
    SELECT CASE at WHEN 0 THEN name ELSE substr(name, 1, at - 1) || substr(name, at + 1) END, name
      FROM deletions;
