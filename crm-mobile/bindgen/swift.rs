//! Swift `Date`s to the nearest microsecond on the way in.
//!
//! A `Date` is a `Double` of seconds, so an instant read from the core (whole seconds plus
//! nanoseconds) comes back a little above or below itself, about 0.1 µs for dates of this century.
//! uniffi's converter then cuts the fraction down to whole nanoseconds, so `x.123456` goes back as
//! `x.123455999` or `x.123456087` (199,091 of 200,000 instants in the test below), and the core
//! sees a different instant than the one it gave: a filter on `createdAt` misses its own record. The core's clock ticks in whole
//! microseconds (`SystemClock`), the finest step a `Date` holds across this century, so the
//! converter here rounds to the nearest microsecond instead, which gives every such instant back
//! exactly (`tests::a_date_goes_back_as_it_came` replays the arithmetic of both directions).
//! Finer digits given from another surface are beyond what a `Date` can carry either way.

/// uniffi 0.32's lines that cut the fraction, and the rounding that replaces them.
const CUT: &str = "        let seconds = Int64(delta)
        let nanoseconds = UInt32((delta - Double(seconds)) * 1.0e9)
";
const ROUNDED: &str = "        // crm: to the nearest microsecond, undoing the Double's rounding (crm-mobile/bindgen/swift.rs).
        var seconds = Int64(delta)
        var micros = ((delta - Double(seconds)) * 1.0e6).rounded()
        if micros >= 1.0e6 {
            seconds += 1
            micros = 0
        }
        let nanoseconds = UInt32(micros) * 1000
";

/// The edited file; an error when a file converting instants lacks the lines to replace.
pub fn microseconds(source: &str) -> Result<String, String> {
    if !source.contains("struct FfiConverterTimestamp") {
        return Ok(source.to_string());
    }
    match source.matches(CUT).count() {
        1 => Ok(source.replace(CUT, ROUNDED)),
        n => Err(format!(
            "expected uniffi's Timestamp write once, found it {n} times"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seconds from 1970 to 2001, Foundation's reference date (`Date` counts from there).
    const REFERENCE: f64 = 978_307_200.0;

    /// uniffi's Swift read: a `Date` (seconds since 2001) from seconds and nanoseconds.
    fn read(seconds: i64, nanos: u32) -> f64 {
        (seconds as f64 - REFERENCE) + f64::from(nanos) / 1.0e9
    }

    /// uniffi's Swift write as generated (`cut`) or as edited: seconds and nanoseconds of a `Date`.
    fn write(date: f64, cut: bool) -> (i64, u32) {
        let mut delta = date + REFERENCE; // timeIntervalSince1970
        let sign = if delta < 0.0 { -1 } else { 1 };
        delta = delta.abs();
        let mut seconds = delta as i64;
        let nanos = if cut {
            ((delta - seconds as f64) * 1.0e9) as u32
        } else {
            let mut micros = ((delta - seconds as f64) * 1.0e6).round();
            if micros >= 1.0e6 {
                seconds += 1;
                micros = 0.0;
            }
            micros as u32 * 1000
        };
        (sign * seconds, nanos)
    }

    #[test]
    fn a_date_goes_back_as_it_came() {
        // Instants in whole microseconds across 1970-2100, as the core's clock makes them.
        let (mut cut_wrong, mut checked) = (0, 0);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let seconds = (x % 4_102_444_800) as i64;
            let nanos = ((x >> 32) % 1_000_000) as u32 * 1000;
            let date = read(seconds, nanos);
            assert_eq!(write(date, false), (seconds, nanos), "{seconds}.{nanos:09}");
            cut_wrong += usize::from(write(date, true) != (seconds, nanos));
            checked += 1;
        }
        // uniffi's own cut gets a large part of them wrong: the edit is needed.
        println!("uniffi's cut changes {cut_wrong} of {checked} instants; the rounding none");
        assert!(cut_wrong > checked / 10, "{cut_wrong} of {checked}");
    }

    #[test]
    fn the_edit_is_made_once_or_generation_fails() {
        let file = format!("struct FfiConverterTimestamp {{\n{CUT}}}\n");
        assert!(microseconds(&file).unwrap().contains("rounded()"));
        assert!(microseconds("struct FfiConverterTimestamp {}").is_err());
        assert_eq!(microseconds("no instants").unwrap(), "no instants");
    }
}
