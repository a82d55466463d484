//! `crm`: the command-line surface of the crm engine.

mod attribution;
mod campaign;
mod commission;
mod db;
mod demo;
mod demo_campaign;
mod demo_import;
mod demo_pipeline;
mod demo_pool;
mod demo_server;
mod demo_service;
mod forecast;
mod import;
mod pool;
mod report;
mod rfm;
mod serve;
mod sla;
mod split;
mod table;
mod tickets;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "An embeddable CRM domain engine: demo and tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The organisation to work on when --db is a PostgreSQL URL (one database holds many).
    #[arg(long, global = true, default_value = db::DEFAULT_ORG)]
    org: String,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a realistic demo organisation on an embedded SQLite file and reports what happened.
    Demo {
        /// The SQLite database file (created if missing), or a postgres:// URL (with --org).
        #[arg(long, default_value = "crm-demo.db")]
        db: PathBuf,
        /// Delete the database file (or the organisation's rows) first, to start from nothing.
        #[arg(long)]
        reset: bool,
        /// Run on the in-memory store instead of a file.
        #[arg(long, conflicts_with_all = ["db", "reset"])]
        memory: bool,
        /// Run every call of the story through the HTTP API of a server (crm-server) started
        /// on a free loopback port over the same store.
        #[arg(long)]
        server: bool,
    },
    /// RFM scores and segments from `customer_id,order_date,amount`; CSV out, sorted by customer id.
    Rfm {
        /// Orders CSV, or - for standard input.
        #[arg(long)]
        orders: PathBuf,
        /// The as-of date (YYYY-MM-DD); later orders are ignored.
        #[arg(long)]
        as_of: chrono::NaiveDate,
        /// Scoring method; overrides the config file's.
        #[arg(long, value_enum)]
        method: Option<RfmMethod>,
        /// RFM configuration (TOML: method, buckets, window, weights, thresholds, levels, segments).
        #[arg(long)]
        config: Option<PathBuf>,
        /// IANA zone whose local dates RFC 3339 order times fall on (default: as written).
        #[arg(long)]
        timezone: Option<chrono_tz::Tz>,
        /// Report malformed rows on stderr and go on.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// SLA timing on a business calendar (TOML, see DOMAIN.md section 7).
    #[command(subcommand)]
    Sla(SlaCommand),
    /// The public pool (公海): the recycling sweep and its warnings on a database file.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Commission statements of a plan (TOML) over credits (CSV: kind,deal_id,rep_id,split,date,amount,contract_total).
    Commission {
        /// The plan (TOML; see crm_core::commission).
        #[arg(long)]
        plan: PathBuf,
        /// The credits CSV.
        #[arg(long)]
        credits: PathBuf,
        /// The period: YYYY-MM (monthly plans) or YYYY-Qn (quarterly).
        #[arg(long)]
        period: String,
        /// Only this rep's statement.
        #[arg(long)]
        rep: Option<String>,
        /// A readable table (default) or CSV lines
        /// (rep_id,period,deal_id,kind,base,tier,rate,amount,explanation).
        #[arg(long, value_parser = ["table", "csv"], default_value = "table")]
        format: String,
        /// Same as --format csv.
        #[arg(long)]
        csv: bool,
    },
    /// Attribution of won deals to the campaigns that touched them (CSV in, CSV out:
    /// deal_id,campaign_id,touch_at,position,share,amount,explanation).
    Attribution {
        /// Touches CSV: deal_id,campaign_id,at (RFC 3339).
        #[arg(long)]
        touches: PathBuf,
        /// Deals CSV: deal_id,amount,won_at,created_at,lead_created_at,primary_campaign_id.
        #[arg(long)]
        deals: PathBuf,
        #[arg(long, value_parser = attribution::MODELS)]
        model: String,
        /// Touches more than this many days before the win are ignored (default 180).
        #[arg(long)]
        lookback_days: Option<u32>,
        /// Time decay: a touch this many days before the win weighs half as much (default 7).
        #[arg(long)]
        half_life_days: Option<u32>,
        /// The output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Serves the organisation's data over an authenticated HTTP API (see crm-server).
    Serve {
        /// The SQLite database file (one organisation), or a postgres:// URL (every
        /// organisation in it; each credential names its own).
        #[arg(long)]
        db: PathBuf,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// The largest request body accepted, in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        max_body: usize,
        /// Seconds a call may take before the caller gets 504.
        #[arg(long, default_value_t = 30)]
        call_timeout: u64,
    },
    /// API tokens of crm serve: bootstrap, issue, revoke, list.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Marketing campaigns on a database file.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// The service desk on a database file: the SLA breach list and the service report.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Imports customers, contacts or leads from a CSV file through a column mapping: every row
    /// normalised and checked, duplicates matched by the entry rules, committed in batches on a
    /// stored job (resumable, revertible). Exits 2 when rows were refused.
    Import {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// The CSV file (UTF-8, with or without a byte-order mark; see --encoding).
        file: PathBuf,
        /// The column mapping (TOML: kind, mode, match_on, in_file_duplicates, default_region,
        /// all_or_nothing, [columns] header = "field").
        #[arg(long, conflicts_with = "mapping")]
        map: Option<PathBuf>,
        /// A mapping saved in the database, by id.
        #[arg(long)]
        mapping: Option<String>,
        /// customers, contacts or leads (overrides the mapping's).
        #[arg(long, value_parser = parse_enum::<crm_core::import::ImportKind>)]
        kind: Option<crm_core::import::ImportKind>,
        /// create, update or upsert (overrides the mapping's).
        #[arg(long, value_parser = parse_enum::<crm_core::import::ImportMode>)]
        mode: Option<crm_core::import::ImportMode>,
        /// Check every row and report its outcome; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the refused rows here, with an `error` column, to fix and import again.
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The acting user: scope, owner of new customers, permission checks.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// utf-8 or gbk (Excel's Chinese default).
        #[arg(long, default_value = "utf-8")]
        encoding: String,
        /// Rows per committed batch (default 5000; larger batches write faster and hold the
        /// database longer).
        #[arg(long)]
        batch_size: Option<u32>,
        /// Carry on a stopped import (its id) from the same file, after its last committed batch.
        #[arg(long, conflicts_with_all = ["map", "mapping", "dry_run"])]
        resume: Option<String>,
    },
    /// The imports on a database file, newest first, with their counts.
    ImportJobs {
        #[arg(long)]
        db: PathBuf,
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
    },
    /// Reverts an import: deletes the records it created and restores the fields it updated,
    /// unless they changed since (those are listed and kept).
    ImportRevert {
        #[arg(long)]
        db: PathBuf,
        /// The import's id (imp-N).
        job: String,
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
    },
    /// The data quality report: completeness and validity per field, owner and team; duplicate
    /// clusters; stale customers; one person's conflicting phones and emails.
    Quality {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// Whose view: the report covers the customers they see.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// Days without a follow-up after which a customer is stale (default 90).
        #[arg(long)]
        stale_days: Option<u32>,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// The weighted pipeline forecast per period on a database file (also as of a past moment).
    Forecast {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// month, quarter or year (local dates of the organisation).
        #[arg(long, default_value = "month")]
        period: String,
        /// The moment the forecast describes (RFC 3339); defaults to now.
        #[arg(long)]
        as_of: Option<DateTime<Utc>>,
        /// Whose view: a rep sees their own deals, a manager their team's, an admin all.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates the first administrator of an empty organisation and prints their token.
    Bootstrap {
        /// The SQLite database file (created if missing), or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// The administrator's name.
        #[arg(long)]
        admin_name: String,
    },
    /// Issues a token acting as a user; the credential is printed once and never stored.
    Issue {
        #[arg(long)]
        db: PathBuf,
        /// The administrator issuing it.
        #[arg(long = "as")]
        actor: String,
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// What the token is for (a device, a script).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revokes a token at once.
    Revoke {
        #[arg(long)]
        db: PathBuf,
        #[arg(long = "as")]
        actor: String,
        /// The token's id (`tk-N`).
        #[arg(long)]
        token: String,
    },
    /// Lists tokens as CSV (an administrator sees every token, anyone else their own).
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long = "as")]
        actor: String,
    },
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Every campaign's results (or one's), rolled up over its child campaigns, with won deals
    /// and collected cash attributed by a model.
    Report {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// One campaign (with the campaigns under it); default: every campaign.
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long, value_parser = attribution::MODELS, default_value = "u_shaped")]
        model: String,
        /// Touches more than this many days before the win are ignored (default 180).
        #[arg(long)]
        lookback_days: Option<u32>,
        /// Time decay: a touch this many days before the win weighs half as much (default 7).
        #[arg(long)]
        half_life_days: Option<u32>,
        /// Whose view (a manager or an admin): the figures cover their data scope.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum TicketsCommand {
    /// Tickets whose SLA is breached or runs out within a window: breached first, then the
    /// soonest due; ticket, assignee, group, the clock that runs out first, its state, due time
    /// and minutes left (negative once breached).
    Breaches {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// The moment to look from (RFC 3339); defaults to the current time.
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// How far ahead to look: 90m, 2h, 1d, 1h30m (default 1h).
        #[arg(long, value_name = "DURATION", value_parser = tickets::parse_minutes)]
        within: Option<i64>,
        /// Whose view: an agent sees their own and their group's tickets, an admin all.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// Only this agent's tickets.
        #[arg(long)]
        assignee: Option<String>,
        /// Only this group's (team's) tickets.
        #[arg(long)]
        group: Option<String>,
        /// CSV (due_at in UTC) instead of a table (due_at in the organisation's time zone).
        #[arg(long)]
        csv: bool,
    },
    /// Service performance for a period per agent, per group and in total: solved, median and
    /// 90th percentile first response and resolution (business minutes), SLA attainment, CSAT,
    /// reopen rate, backlog.
    Report {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// YYYY-MM, YYYY-Qn or YYYY (local dates of the organisation).
        #[arg(long)]
        period: String,
        /// Only this group's (team's) tickets.
        #[arg(long)]
        group: Option<String>,
        /// The moment the backlog's ages are measured at (RFC 3339); defaults to now.
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// Whose view: the figures cover the tickets they see.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum PoolCommand {
    /// Returns every customer a recycling rule makes due to its pool; CSV of those recycled.
    Sweep {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// The sweep's `now` (RFC 3339); defaults to the current time.
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// The administrator running the sweep.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
    },
    /// Customers a rule will recycle within their pool's warning days; CSV, soonest first.
    Warnings {
        /// The SQLite database file, or a postgres:// URL (with --org).
        #[arg(long)]
        db: PathBuf,
        /// The moment to look ahead from (RFC 3339); defaults to the current time.
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// Whose view: a rep sees their own customers, a manager their team's, an admin all.
        #[arg(long = "as", default_value = "u-1")]
        actor: String,
        /// Only this owner's customers.
        #[arg(long)]
        owner: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RfmMethod {
    Quantile,
    Thresholds,
}

#[derive(Subcommand)]
enum SlaCommand {
    /// Reads `ticket_id,created_at,target_minutes`, writes `ticket_id,due_at` (RFC 3339, calendar zone).
    Due {
        #[arg(long)]
        calendar: PathBuf,
        /// CSV file, or - for standard input.
        #[arg(long)]
        tickets: PathBuf,
        /// Report on stderr how long the due-time computation took (I/O excluded).
        #[arg(long)]
        timing: bool,
    },
    /// Reads `ticket_id,start,end`, writes `ticket_id,elapsed_minutes` of business time.
    Elapsed {
        #[arg(long)]
        calendar: PathBuf,
        #[arg(long)]
        tickets: PathBuf,
    },
}

/// A snake_case name of a core enum (`customers`, `upsert`).
fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_string()))
        .map_err(|_| format!("{text:?} is not one of the accepted names"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let target = |db: PathBuf| db::Target {
        db,
        org: cli.org.clone(),
    };
    let result = match cli.command {
        Command::Demo {
            db,
            reset,
            memory,
            server,
        } => demo::run(if memory { None } else { Some(target(db)) }, reset, server),
        Command::Rfm {
            orders,
            as_of,
            method,
            config,
            timezone,
            skip_bad_rows,
        } => rfm::run(
            &rfm::Options {
                config: config.as_deref(),
                method: method.map(|m| match m {
                    RfmMethod::Quantile => crm_core::rfm::RfmMethod::Quantile,
                    RfmMethod::Thresholds => crm_core::rfm::RfmMethod::Thresholds,
                }),
                orders: &orders,
                as_of,
                timezone,
                skip_bad_rows,
            },
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
            &mut std::io::stderr(),
        ),
        Command::Sla(SlaCommand::Due {
            calendar,
            tickets,
            timing,
        }) => sla::due(
            &calendar,
            &tickets,
            timing,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Sla(SlaCommand::Elapsed { calendar, tickets }) => sla::elapsed(
            &calendar,
            &tickets,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Pool(PoolCommand::Sweep { db, at, actor }) => pool::sweep(
            &target(db),
            at.unwrap_or_else(Utc::now),
            &actor,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
            &mut std::io::stderr(),
        ),
        Command::Pool(PoolCommand::Warnings {
            db,
            at,
            actor,
            owner,
        }) => pool::warnings(
            &target(db),
            at.unwrap_or_else(Utc::now),
            &actor,
            owner.as_deref(),
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Commission {
            plan,
            credits,
            period,
            rep,
            format,
            csv,
        } => commission::run(
            &plan,
            &credits,
            &period,
            rep.as_deref(),
            csv || format == "csv",
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Attribution {
            touches,
            deals,
            model,
            lookback_days,
            half_life_days,
            out,
        } => {
            return attribution::main(&attribution::Options {
                touches: &touches,
                deals: &deals,
                model: &model,
                lookback_days,
                half_life_days,
                out: out.as_deref(),
            })
        }
        Command::Serve {
            db,
            listen,
            max_body,
            call_timeout,
        } => serve::serve(
            &target(db),
            &listen,
            crm_server::Limits {
                body_bytes: max_body,
                call_time: std::time::Duration::from_secs(call_timeout),
                ..Default::default()
            },
        ),
        Command::Token(command) => {
            let out = &mut std::io::stdout().lock();
            match command {
                TokenCommand::Bootstrap { db, admin_name } => {
                    serve::bootstrap(&target(db), &admin_name, out)
                }
                TokenCommand::Issue {
                    db,
                    actor,
                    user,
                    label,
                } => serve::issue(&target(db), &actor, &user, &label, out),
                TokenCommand::Revoke { db, actor, token } => {
                    serve::revoke(&target(db), &actor, &token, out)
                }
                TokenCommand::List { db, actor } => serve::list(&target(db), &actor, out),
            }
        }
        Command::Campaign(CampaignCommand::Report {
            db,
            campaign: id,
            model,
            lookback_days,
            half_life_days,
            actor,
            csv,
        }) => model
            .parse()
            .map_err(|e: crm_core::CrmError| e.into())
            .and_then(|model| {
                campaign::report(
                    &target(db),
                    &campaign::Options {
                        campaign: id.as_deref(),
                        model,
                        lookback_days,
                        half_life_days,
                        actor: &actor,
                        csv,
                    },
                    &mut std::io::BufWriter::new(std::io::stdout().lock()),
                )
            }),
        Command::Import {
            db,
            file,
            map,
            mapping,
            kind,
            mode,
            dry_run,
            rejects,
            actor,
            encoding,
            batch_size,
            resume,
        } => {
            let args = import::ImportArgs {
                db: target(db),
                file,
                map,
                mapping_id: mapping,
                kind,
                mode,
                dry_run,
                rejects,
                actor,
                encoding,
                batch_size,
                resume,
            };
            match import::run(&args, &mut std::io::stdout().lock()) {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::from(import::ROWS_REFUSED),
                Err(e) => Err(e),
            }
        }
        Command::ImportJobs { db, actor } => {
            import::jobs(&target(db), &actor, &mut std::io::stdout().lock())
        }
        Command::ImportRevert { db, job, actor } => {
            import::revert(&target(db), &actor, &job, &mut std::io::stdout().lock())
        }
        Command::Quality {
            db,
            actor,
            stale_days,
            csv,
        } => import::quality(
            &target(db),
            &actor,
            stale_days,
            csv,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Tickets(TicketsCommand::Breaches {
            db,
            at,
            within,
            actor,
            assignee,
            group,
            csv,
        }) => tickets::breaches(
            &target(db),
            &tickets::BreachOptions {
                at,
                within_minutes: within,
                actor: &actor,
                assignee: assignee.as_deref(),
                group: group.as_deref(),
                csv,
            },
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Tickets(TicketsCommand::Report {
            db,
            period,
            group,
            at,
            actor,
            csv,
        }) => tickets::report(
            &target(db),
            &tickets::ReportOptions {
                period: &period,
                group: group.as_deref(),
                at,
                actor: &actor,
                csv,
            },
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
        Command::Forecast {
            db,
            period,
            as_of,
            actor,
            csv,
        } => forecast::run(
            &target(db),
            &period,
            as_of.unwrap_or_else(Utc::now),
            &actor,
            csv,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm: {e}");
            ExitCode::FAILURE
        }
    }
}
