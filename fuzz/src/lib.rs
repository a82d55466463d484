//! Bodies of the fuzz targets: the parsers of crm-core (core_targets.rs) and the CLI's CSV readers.
//!
//! The CSV readers are private to the `crm` binary, so their modules are compiled in here from
//! crm-cli/src by path, unchanged: the fuzzer runs the very code the binary runs. Each reader
//! gets a file (they take paths) and writes to a sink; a panic is the finding.

mod core_targets;

pub use core_targets::{calendar, commission_plan, import_csv, rfm_config};

use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::OnceLock;

#[allow(dead_code)]
#[path = "../../crm-cli/src/commission.rs"]
mod cli_commission;
#[allow(dead_code)]
#[path = "../../crm-cli/src/rfm.rs"]
mod cli_rfm;
#[allow(dead_code)]
#[path = "../../crm-cli/src/sla.rs"]
mod cli_sla;
/// The CSV splitting `cli_rfm` reaches as `crate::split`.
#[path = "../../crm-cli/src/split.rs"]
mod split;

/// A file of this process for a target's input (the CLI readers take paths).
fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crm-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("a scratch file");
    path
}

/// A fixed input file written once per process.
fn fixture(name: &str, text: &str, cell: &'static OnceLock<PathBuf>) -> PathBuf {
    cell.get_or_init(|| scratch(name, text.as_bytes())).clone()
}

const CALENDAR: &str = "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"09:00-12:00\", \"13:30-18:00\"]\ntue = [\"09:00-18:00\"]\nwed = [\"09:00-18:00\"]\nthu = [\"09:00-18:00\"]\nfri = [\"09:00-18:00\"]\n[[holiday]]\ndate = \"2026-10-01\"\n";
const PLAN: &str = "name = \"tiers\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"graduated\"\n[[rates.tiers]]\nlower = \"0\"\nupper = \"5000\"\nrate = \"2\"\n[[rates.tiers]]\nlower = \"5000\"\nrate = \"4\"\n";

/// `crm rfm`'s orders CSV reader; the first byte picks the options (skip bad rows, time zone).
pub fn rfm_csv(data: &[u8]) {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let orders = scratch("orders.csv", body);
    let opts = cli_rfm::Options {
        orders: &orders,
        as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("a valid date"),
        config: None,
        method: None,
        timezone: (flags & 2 != 0).then_some(chrono_tz::Asia::Shanghai),
        skip_bad_rows: flags & 1 != 0,
    };
    let _ = cli_rfm::run(&opts, &mut std::io::sink(), &mut std::io::sink());
}

/// `crm sla due` and `crm sla elapsed`'s tickets CSV reader on a fixed calendar.
pub fn sla_csv(data: &[u8]) {
    static CAL: OnceLock<PathBuf> = OnceLock::new();
    let cal = fixture("calendar.toml", CALENDAR, &CAL);
    let tickets = scratch("tickets.csv", data);
    let _ = cli_sla::due(&cal, &tickets, false, &mut std::io::sink());
    let _ = cli_sla::elapsed(&cal, &tickets, &mut std::io::sink());
}

/// `crm commission`'s credits CSV reader, then statements on a fixed plan, as a table and CSV.
pub fn commission_csv(data: &[u8]) {
    static PLAN_FILE: OnceLock<PathBuf> = OnceLock::new();
    let plan = fixture("plan.toml", PLAN, &PLAN_FILE);
    let credits = scratch("credits.csv", data);
    let _ = cli_commission::read_credits(&credits);
    for csv_out in [false, true] {
        let _ = cli_commission::run(
            &plan,
            &credits,
            "2026-03",
            None,
            csv_out,
            &mut std::io::sink(),
        );
    }
}

/// Every target by name, for the corpus replay test and run.sh.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("calendar", calendar),
    ("commission_plan", commission_plan),
    ("rfm_config", rfm_config),
    ("rfm_csv", rfm_csv),
    ("sla_csv", sla_csv),
    ("commission_csv", commission_csv),
    ("import_csv", import_csv),
];
