//! The parser fuzz targets of fuzz/ (calendar, commission plan and RFM configuration TOML, CSV
//! files imported as customers), run
//! without libFuzzer so CI covers them: every stored input (fuzz/corpus and fuzz/regressions),
//! then seeded mutations of those inputs (bytes flipped, cut and repeated, extreme numbers and
//! broken times spliced in). Coverage-guided runs are `bash fuzz/run.sh TARGET SECONDS`.
//!
//! Budget: `CRM_FUZZ_CASES` mutated inputs per target (default 5,000, the CI budget),
//! `CRM_FUZZ_SEED`. Panicking inputs are written to `CARGO_TARGET_TMPDIR/fuzz_parsers-*`.

#[allow(dead_code)]
#[path = "../../fuzz/src/core_targets.rs"]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// A target: a name (its corpus directory), its body, and the share of the case budget it gets
/// (an import runs a whole organisation per input, so it gets a tenth).
type Target = (&'static str, fn(&[u8]), usize);

const TARGETS: &[Target] = &[
    ("calendar", targets::calendar, 1),
    ("commission_plan", targets::commission_plan, 1),
    ("rfm_config", targets::rfm_config, 1),
    ("import_csv", targets::import_csv, 10),
];

/// Tokens a parser may mishandle, spliced into valid inputs.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "99999999999",
    "4294967295",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "1e400",
    "inf",
    "nan",
    "-0",
    "\"79228162514264337593543950335\"",
    "\"-79228162514264337593543950335\"",
    "\"0.0000000000000000000000000001\"",
    "\"\"",
    "\"x\"",
    "\"24:00-00:00\"",
    "\"00:00-24:00\"",
    "\"23:59-00:01\"",
    "\"09:00-09:00\"",
    "\"2026-02-30\"",
    "\"9999-12-31\"",
    "\"1899-12-31\"",
    "\"2300-01-01\"",
    "1979-05-27T07:32:00Z",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "\"",
    "'",
    "#",
    "\\u0000",
    "\"Mars/Olympus\"",
    "\"UTC\"",
    "true",
    "[]",
    "{}",
    "[\"09:00-12:00\"]",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    let at = rng.below(input.len() + 1);
    match rng.below(6) {
        0 if !input.is_empty() => {
            let i = at.min(input.len() - 1);
            input[i] ^= 1 << rng.below(8);
        }
        1 => {
            let end = (at + rng.below(16)).min(input.len());
            input.drain(at..end);
        }
        2 => {
            let end = (at + rng.below(64)).min(input.len());
            let piece = input[at..end].to_vec();
            input.splice(
                at..at,
                piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * rng.below(4)),
            );
        }
        _ => {
            // Replace the value after an `=` or a token in place.
            let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
            match input[at..].iter().position(|&b| b == b'=') {
                Some(eq) if rng.below(2) == 0 => {
                    let start = at + eq + 1;
                    let end = input[start..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(input.len(), |p| start + p);
                    input.splice(start..end, b" ".iter().chain(token).copied());
                }
                _ => {
                    input.splice(at..at, token.iter().copied());
                }
            }
        }
    }
}

fn stored(name: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) {
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            out.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
        }
    }
    out
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Runs `target` over its stored inputs and `cases` mutations; the inputs that panicked.
fn fuzz(name: &str, target: fn(&[u8]), cases: usize, seed: u64) -> (usize, Vec<Vec<u8>>) {
    let seeds = stored(name);
    assert!(
        !seeds.is_empty(),
        "no stored inputs for {name} in fuzz/corpus"
    );
    let mut rng = Rng(seed ^ name.len() as u64);
    let mut panicked = Vec::new();
    let mut inputs: Vec<Vec<u8>> = seeds.clone();
    for _ in 0..cases {
        let mut input = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut rng, &mut input);
        }
        inputs.push(input);
    }
    quiet_panics();
    QUIET.with(|q| q.set(true));
    for input in &inputs {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            panicked.push(input.clone());
        }
    }
    QUIET.with(|q| q.set(false));
    (inputs.len(), panicked)
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics caught by the replay are counted, not printed (other threads' panics still print).
fn quiet_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                default(info);
            }
        }));
    });
}

#[test]
fn parsers_survive_stored_and_mutated_inputs() {
    let cases = env_number("CRM_FUZZ_CASES", 5_000) as usize;
    let seed = env_number("CRM_FUZZ_SEED", 20_260_302);
    let mut failures = Vec::new();
    for (name, target, share) in TARGETS {
        let t0 = std::time::Instant::now();
        let (ran, panicked) = fuzz(name, *target, cases / share, seed);
        println!(
            "fuzz_parsers {name}: {ran} inputs in {:.1} s, {} panics",
            t0.elapsed().as_secs_f64(),
            panicked.len()
        );
        for (i, input) in panicked.iter().enumerate() {
            let path =
                Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz_parsers-{name}-{i}"));
            std::fs::write(&path, input).unwrap();
            failures.push(format!(
                "{name}: {} ({})",
                String::from_utf8_lossy(input)
                    .chars()
                    .take(200)
                    .collect::<String>(),
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_replay_catches_a_panicking_target() {
    fn faulty(data: &[u8]) {
        assert!(!data.contains(&b'['), "injected panic");
    }
    let (_, panicked) = fuzz("calendar", faulty, 10, 1);
    assert!(!panicked.is_empty());
}
