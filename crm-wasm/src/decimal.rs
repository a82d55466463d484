//! Decimals at the typed-array boundary: floats in (the one place JavaScript numbers stand for
//! money: a float becomes the decimal its shortest round-trip text reads, so `0.1` is 0.1 and
//! `19.99` is 19.99, never 19.989999999999998436805981327779591083526611328125), and decimal text
//! out for columns of hundreds of thousands of totals, written without the formatting machinery.

use rust_decimal::Decimal;
use std::str::FromStr;

/// 2^53: below it every integer is a float exactly.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// The decimal `x`'s shortest round-trip text reads; None for NaN and infinities, or beyond
/// Decimal's range.
pub(crate) fn of_float(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    // Amounts have few decimal places: the first scale at which an integer divided back gives
    // `x` exactly is the shortest text's (both are the nearest decimal at the fewest places).
    let mut power = 1.0;
    for scale in 0..=6u32 {
        let scaled = x * power;
        if scaled.abs() >= EXACT {
            break;
        }
        // Ties cannot pass the check below, so the cheaper rounding (one wasm instruction) does.
        let mantissa = scaled.round_ties_even();
        if mantissa / power == x {
            return Some(Decimal::new(mantissa as i64, scale));
        }
        power *= 10.0;
    }
    // Otherwise Rust's float formatting, which is the shortest text that reads back as `x`.
    let text = x.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&format!("{x:e}")))
        .ok()
}

/// Appends `d` as its `Display` writes it ("20000.00", "0.05"), directly for the common case (not
/// negative, a mantissa below 2^64), through `Display` otherwise.
pub(crate) fn push_text(out: &mut String, d: &Decimal) {
    let (mantissa, scale) = (d.mantissa(), d.scale() as usize);
    let Ok(mut m) = u64::try_from(mantissa) else {
        out.push_str(&d.to_string());
        return;
    };
    // A u64 has at most 20 digits; a scale at most 28, so 29 with the leading zero.
    let mut digits = [0u8; 32];
    let mut len = 0;
    while m > 0 || len <= scale {
        digits[len] = b'0' + (m % 10) as u8;
        m /= 10;
        len += 1;
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i == scale && scale > 0 {
            out.push('.');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_their_shortest_text() {
        assert_eq!(of_float(0.1), Decimal::from_str("0.1").ok());
        assert_eq!(of_float(19.99), Decimal::from_str("19.99").ok());
        assert_eq!(of_float(-5000.0), Decimal::from_str("-5000").ok());
        assert_eq!(of_float(1e-9), Decimal::from_str("0.000000001").ok());
        assert_eq!(
            of_float(1.5e20),
            Decimal::from_str("150000000000000000000").ok()
        );
        assert_eq!(of_float(f64::NAN), None);
        assert_eq!(of_float(f64::INFINITY), None);
        assert_eq!(of_float(1e300), None);
    }

    #[test]
    fn decimal_text_is_what_display_writes() {
        let texts = [
            "0",
            "0.00",
            "0.05",
            "5",
            "20000.00",
            "125000.50",
            "-3.10",
            "-0.01",
            "1e-28",
            "79228162514264337593543950335",
            "18446744073709551615",
            "18446744073709551616",
            "0.0000000000000000000000000001",
            "123456789.123456789",
        ];
        for t in texts {
            let d = Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .unwrap();
            let mut out = String::from("x");
            push_text(&mut out, &d);
            assert_eq!(out, format!("x{d}"), "{t}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_formatted_text() {
        // A fixed pseudo-random walk over cents, odd fractions and magnitudes.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 1_000_000_000_000) as f64;
            let x = digits / 10f64.powi((state >> 40) as i32 % 9)
                * if state & 1 == 0 { 1.0 } else { -1.0 };
            let text = Decimal::from_str(&x.to_string()).ok();
            assert_eq!(of_float(x), text, "{x}");
        }
    }
}
