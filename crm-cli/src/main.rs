//! `crm`: the command-line surface of the crm engine.

mod demo;
mod report;

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
}

#[derive(Subcommand)]
enum Command {
    /// Runs a realistic demo organisation on an embedded SQLite file and reports what happened.
    Demo {
        /// The SQLite database file (created if missing).
        #[arg(long, default_value = "crm-demo.db")]
        db: PathBuf,
        /// Delete the database file first, so the demo starts from an empty organisation.
        #[arg(long)]
        reset: bool,
        /// Run on the in-memory store instead of a file.
        #[arg(long, conflicts_with_all = ["db", "reset"])]
        memory: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { db, reset, memory } => {
            demo::run(if memory { None } else { Some(db) }, reset)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm: {e}");
            ExitCode::FAILURE
        }
    }
}
