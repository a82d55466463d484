//! Wall-clock working intervals such as `09:00-12:00` or the overnight `22:00-06:00`.

use std::fmt;
use std::str::FromStr;

/// Minutes in a day; `24:00` may end an interval.
pub const DAY_MINUTES: u32 = 24 * 60;

/// A local working interval of one day, in minutes after local midnight. `end <= start` in the
/// written form means the interval runs overnight; it is stored with `end` past `DAY_MINUTES` and
/// belongs to the day it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkInterval {
    pub start: u32,
    pub end: u32,
}

impl WorkInterval {
    /// `start` and `end` as written (`end` 0..=1440); `end <= start` runs overnight.
    pub fn new(start: u32, end: u32) -> Result<Self, String> {
        if start >= DAY_MINUTES {
            return Err(format!("start {} is not a time of day", hhmm(start)));
        }
        if end > DAY_MINUTES {
            return Err(format!("end {} is past 24:00", hhmm(end)));
        }
        let end = if end <= start { end + DAY_MINUTES } else { end };
        Ok(WorkInterval { start, end })
    }

    pub fn overnight(&self) -> bool {
        self.end > DAY_MINUTES
    }

    pub fn minutes(&self) -> u32 {
        self.end - self.start
    }
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn parse_time(s: &str) -> Result<u32, String> {
    let (h, m) = s
        .trim()
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not HH:MM"))?;
    let valid = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !valid(h) || !valid(m) {
        return Err(format!("{s:?} is not HH:MM"));
    }
    let (h, m): (u32, u32) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99));
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(format!("{s:?} is not a time between 00:00 and 24:00"));
    }
    Ok(h * 60 + m)
}

impl FromStr for WorkInterval {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("{s:?} is not an interval like \"09:00-12:00\""))?;
        let start = parse_time(a)?;
        if start == DAY_MINUTES {
            return Err(format!("{s:?}: an interval cannot start at 24:00"));
        }
        WorkInterval::new(start, parse_time(b)?)
    }
}

impl fmt::Display for WorkInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.overnight() {
            self.end - DAY_MINUTES
        } else {
            self.end
        };
        write!(f, "{}-{}", hhmm(self.start), hhmm(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_day_overnight_and_midnight_forms() {
        let i: WorkInterval = "09:00-12:00".parse().unwrap();
        assert_eq!((i.start, i.end, i.overnight()), (540, 720, false));
        let n: WorkInterval = "22:00-06:00".parse().unwrap();
        assert_eq!((n.start, n.end, n.overnight()), (1320, 1800, true));
        let m: WorkInterval = "18:00-24:00".parse().unwrap();
        assert_eq!((m.end, m.overnight()), (1440, false));
        assert_eq!(n.to_string(), "22:00-06:00");
        for bad in [
            "9-12",
            "09:00",
            "25:00-26:00",
            "24:00-01:00",
            "09:60-10:00",
            "24:30-01:00",
            "ab:cd-01:00",
        ] {
            assert!(bad.parse::<WorkInterval>().is_err(), "{bad}");
        }
    }
}
