//! `crm serve` (this package's binary) on a free loopback port, for the benches that measure it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `crm serve --db DB` and answers the process and its base URL. The server logs a line
/// per call: a thread drains them so its pipe never fills.
pub fn start(db: &str) -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(server.stderr.take().unwrap());
    // The address is on the line saying where it serves (the database may log before it).
    let base = (&mut log)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_string)
        })
        .expect("crm serve says where it listens");
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    (server, base)
}
