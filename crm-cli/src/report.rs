//! A plain-text report: titled sections of aligned lines, printed as the demo goes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::fmt::Write;

pub struct Report {
    tz: Tz,
    text: String,
    echo: bool,
}

impl Report {
    /// `echo` prints each line as it is written (the CLI); tests collect silently.
    pub fn new(tz: Tz, echo: bool) -> Self {
        Report {
            tz,
            text: String::new(),
            echo,
        }
    }

    pub fn section(&mut self, title: &str) {
        self.line("");
        self.line(&format!("== {title} =="));
    }

    pub fn line(&mut self, line: &str) {
        if self.echo {
            println!("{line}");
        }
        let _ = writeln!(self.text, "{line}");
    }

    pub fn item(&mut self, line: &str) {
        self.line(&format!("  - {line}"));
    }

    /// An instant in the organisation's local time.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }
}
