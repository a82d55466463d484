//! Cutting a CSV body into pieces at line ends, so the quote-free fast paths of `crm rfm` and
//! `crm attribution` parse it on every core; counting its lines and looking for a quote in it.

/// Splits `body` into about `parts` pieces at line ends.
pub fn pieces(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(parts);
    let mut rest = body;
    for left in (1..=parts).rev() {
        if left == 1 || rest.is_empty() {
            out.push(rest);
            break;
        }
        let cut = rest.len() / left;
        let end = rest[cut..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |p| cut + p + 1);
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// How many line ends `piece` holds.
pub fn lines(piece: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', piece).count()
}

/// Whether `data` holds `byte`.
pub fn holds(data: &[u8], byte: u8) -> bool {
    memchr::memchr(byte, data).is_some()
}

/// Where the first `,` or line end at or after `from` is (`data.len()` without one).
pub fn next_stop(data: &[u8], from: usize) -> usize {
    data.get(from..)
        .and_then(|rest| memchr::memchr2(b',', b'\n', rest))
        .map_or(data.len(), |p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_lines_and_quotes_are_found_as_a_byte_loop_finds_them() {
        let samples: [&[u8]; 7] = [
            b"",
            b"abc",
            b"opp-1,cmp-108,2025-12-10T22:12:48Z\nopp-1,cmp-76,2025-12-06T13:04:48Z\n",
            b",,\n\n,",
            b"\x80\xff,\x81\n\x7f\x2c\x0b\x0a\x2d\x2b,",
            b"0123456789abcdef0123456789abcdef\"",
            b"\r\n\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\n",
        ];
        for data in samples {
            for from in 0..=data.len() {
                let expected = data[from..]
                    .iter()
                    .position(|&c| c == b',' || c == b'\n')
                    .map_or(data.len(), |p| from + p);
                assert_eq!(next_stop(data, from), expected, "{data:?} from {from}");
            }
            assert_eq!(lines(data), data.iter().filter(|&&c| c == b'\n').count());
            assert_eq!(holds(data, b'"'), data.contains(&b'"'));
        }
        let long = [b'x'; 10_000];
        assert!(!holds(&long, b'"'));
        assert_eq!(next_stop(&long, 3), long.len());
    }
}
