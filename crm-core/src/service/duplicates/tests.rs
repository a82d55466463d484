//! The indexed name look-up against the full scan it replaces, on random corpora.

use super::names::{similar_names, similar_names_picking, Pick, Variants};
use crate::customer::dedup::customer_keys;
use crate::customer::grams::{Blocking, Picked};
use crate::customer::normalize::normalize_name;
use crate::customer::variants::name_variants;
use crate::customer::{CustomerId, NAME_PREFIX};
use crate::error::Result;
use crate::store::{self, MemoryStore, Tx};
use crate::testing::conformance::customer;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

type Found = Vec<(CustomerId, String, f64)>;

/// The look-up before the index: every stored name, strsim's similarity.
fn full_scan(tx: &mut dyn Tx, name: &str, threshold: f64) -> Result<Found> {
    let wanted = normalize_name(name);
    let mut found = Vec::new();
    for (key, id) in tx.dedup_keys_with_prefix(NAME_PREFIX)? {
        let Some(name) = key.strip_prefix(NAME_PREFIX) else {
            continue;
        };
        let sim = if name == wanted {
            1.0
        } else {
            strsim::normalized_levenshtein(&wanted, name)
        };
        if sim >= threshold {
            found.push((id, name.to_string(), sim));
        }
    }
    Ok(found)
}

fn sorted(mut found: Found) -> Found {
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    found
}

fn stored(names: &[String]) -> MemoryStore {
    let store = MemoryStore::new();
    store::write(&store, |tx| {
        for (i, name) in names.iter().enumerate() {
            let mut c = customer(&format!("c-{i}"), None, 1);
            c.name = name.clone();
            tx.put_customer(&c)?;
            tx.set_dedup_keys(&c.id, &customer_keys(&c, &[])?)?;
        }
        Ok(())
    })
    .unwrap();
    store
}

/// Whether the look-up choosing grams with `pick`, and variants with `variants`, finds what the
/// full scan finds.
fn agrees(
    store: &MemoryStore,
    probe: &str,
    threshold: f64,
    pick: Pick,
    variants: Variants,
) -> bool {
    let (indexed, scanned) = store::read(store, |tx| {
        Ok((
            similar_names_picking(tx, probe, threshold, pick, variants)?,
            full_scan(tx, probe, threshold)?,
        ))
    })
    .unwrap();
    sorted(indexed) == sorted(scanned)
}

const WORDS: &[&str] = &[
    "Acme", "Acne", "Globex", "Globe", "Trading", "Trade", "Tech", "Star", "Sun", "Summit",
    "River", "Blue", "北京", "上海", "星辰", "星晨", "科技", "科枝", "贸易", "华为", "华泰",
    "电子",
];
const SUFFIXES: &[&str] = &[
    "",
    " Co., Ltd.",
    " Inc",
    " LLC",
    " GmbH",
    "有限公司",
    "股份有限公司",
    "（集团）有限公司",
];
const EDIT_CHARS: &[char] = &['a', 'e', 'x', 'o', '星', '科', '技', '1'];

/// ASCII letters and digits as their full-width forms (ＡＢＣ), which normalisation folds back.
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            ' ' => '\u{3000}',
            c => c,
        })
        .collect()
}

/// One to three shared words and a legal suffix, sometimes full-width, sometimes with one or
/// two characters inserted, replaced or deleted.
fn company() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(WORDS), 1..4),
        proptest::sample::select(SUFFIXES),
        any::<bool>(),
        proptest::collection::vec(
            (
                0usize..3,
                any::<prop::sample::Index>(),
                proptest::sample::select(EDIT_CHARS),
            ),
            0..3,
        ),
    )
        .prop_map(|(words, suffix, wide, edits)| {
            let mut chars: Vec<char> = words.join(" ").chars().collect();
            for (kind, at, c) in edits {
                let i = at.index(chars.len() + 1);
                match kind {
                    0 => chars.insert(i, c),
                    1 if i < chars.len() => chars[i] = c,
                    _ if i < chars.len() => {
                        chars.remove(i);
                    }
                    _ => {}
                }
            }
            let name: String = chars.into_iter().collect::<String>() + suffix;
            if wide {
                full_width(&name)
            } else {
                name
            }
        })
}

fn threshold() -> impl Strategy<Value = f64> {
    prop_oneof![
        proptest::sample::select(vec![
            0.5,
            0.6,
            2.0 / 3.0,
            0.7,
            0.75,
            0.8,
            0.85,
            0.9,
            0.95,
            1.0
        ]),
        0.0f64..=1.0,
    ]
}

/// A corpus, a probe (a stored name or a new one) and a threshold.
fn case() -> impl Strategy<Value = (Vec<String>, String, f64)> {
    (
        proptest::collection::vec(company(), 1..40),
        company(),
        any::<prop::sample::Index>(),
        any::<bool>(),
        threshold(),
    )
        .prop_map(|(corpus, fresh, i, reuse, t)| {
            let probe = if reuse {
                corpus[i.index(corpus.len())].clone()
            } else {
                fresh
            };
            (corpus, probe, t)
        })
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    /// Same matches, names and similarities as the full scan, at every threshold.
    #[test]
    fn the_indexed_look_up_finds_what_the_full_scan_finds((corpus, probe, t) in case()) {
        let store = stored(&corpus);
        prop_assert!(agrees(&store, &probe, t, Blocking::pick, Some(name_variants)));
        // Grams alone, whatever a store's cost says: one shared gram asked for whenever it can
        // be, and two.
        prop_assert!(agrees(&store, &probe, t, Blocking::pick, None));
        prop_assert!(agrees(&store, &probe, t, |b, counts, _| b.pick(counts, 0), None));
        prop_assert!(agrees(&store, &probe, t, |b, counts, _| b.pick(counts, u64::MAX), None));
    }
}

/// The property is not vacuous: reading one gram fewer than the blocking asks for misses names
/// the full scan finds, and the property says so.
#[test]
fn an_index_that_misses_a_candidate_fails_the_property() {
    fn one_gram_short(b: &Blocking, counts: &[u64], wider: u64) -> Option<Picked> {
        let mut picked = b.pick(counts, wider)?;
        picked.grams.pop();
        Some(picked)
    }
    assert!(misses(one_gram_short), "a short-read index went unnoticed");
}

/// Nor is the count a candidate must reach: asking one more than the blocking guarantees
/// misses names the full scan finds.
#[test]
fn an_index_that_asks_too_many_shared_grams_fails_the_property() {
    fn one_more(b: &Blocking, counts: &[u64], wider: u64) -> Option<Picked> {
        let mut picked = b.pick(counts, wider)?;
        for (_, at_least) in &mut picked.by_length {
            *at_least += 1;
        }
        Some(picked)
    }
    assert!(misses(one_more), "an over-strict index went unnoticed");
}

/// Nor are the variants: a look-up by the probe's deletions without the probe itself misses
/// the stored names one character longer, and one by the probe alone misses substitutions.
#[test]
fn a_look_up_by_too_few_variants_fails_the_property() {
    fn deletions_only(name: &str) -> Vec<String> {
        name_variants(name).into_iter().skip(1).collect()
    }
    assert!(
        misses_with(Blocking::pick, Some(deletions_only)),
        "a look-up without the probe itself went unnoticed"
    );
    fn itself_only(name: &str) -> Vec<String> {
        name_variants(name).into_iter().take(1).collect()
    }
    assert!(
        misses_with(Blocking::pick, Some(itself_only)),
        "a look-up without the probe's deletions went unnoticed"
    );
}

/// Whether the property fails for some case when the look-up picks grams with `pick` (and
/// never uses variants).
fn misses(pick: Pick) -> bool {
    misses_with(pick, None)
}

fn misses_with(pick: Pick, variants: Variants) -> bool {
    let config = Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let outcome = runner.run(&case(), |(corpus, probe, t)| {
        let store = stored(&corpus);
        prop_assert!(agrees(&store, &probe, t, pick, variants));
        Ok(())
    });
    outcome.is_err()
}

#[test]
fn chinese_and_latin_near_duplicates_are_found_through_the_index() {
    let store = stored(&[
        "北京星辰科技有限公司".into(),
        "北京星晨科技有限公司".into(),
        "上海星辰科技有限公司".into(),
        "Acme Trading Co., Ltd.".into(),
        "ＡＣＭＥ Tradin Inc".into(),
    ]);
    let found = |probe: &str| {
        let mut names: Vec<String> = store::read(&store, |tx| similar_names(tx, probe, 0.8))
            .unwrap()
            .into_iter()
            .map(|(_, name, _)| name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        found("北京星辰科技（集团）有限公司"),
        ["北京星晨科技", "北京星辰科技"]
    );
    assert_eq!(found("acme trading"), ["acmetradin", "acmetrading"]);
}
