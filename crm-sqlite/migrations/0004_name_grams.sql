-- The gram index of customer names behind fuzzy duplicate checks (crm_core::customer::grams):
-- each distinct name of a name key ('n:' prefix) under each of its 3-grams, padded with '^^' in
-- front and '$$' behind, with its length in characters; and how many names hold each gram.
CREATE TABLE name_grams (
    gram TEXT NOT NULL,
    len  INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (gram, len, name)
) WITHOUT ROWID;
CREATE TABLE name_gram_counts (
    gram  TEXT PRIMARY KEY,
    names INTEGER NOT NULL
) WITHOUT ROWID;
-- Names already stored: SQLite's length() and substr() count characters, as the core does.
WITH RECURSIVE
    names(name) AS (
        SELECT DISTINCT substr(key, 3) FROM dedup_keys WHERE key >= 'n:' AND key < 'n;'
    ),
    windows(name, padded, at) AS (
        SELECT name, '^^' || name || '$$', 1 FROM names
        UNION ALL
        SELECT name, padded, at + 1 FROM windows WHERE at + 3 <= length(padded)
    )
INSERT OR IGNORE INTO name_grams (gram, len, name)
    SELECT substr(padded, at, 3), length(name), name FROM windows;
INSERT INTO name_gram_counts (gram, names) SELECT gram, count(*) FROM name_grams GROUP BY gram;
