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
    piece.iter().filter(|&&c| c == b'\n').count()
}

/// Whether `data` holds `byte`: a block at a time without stopping inside a block, which the
/// compiler turns into wide compares.
pub fn holds(data: &[u8], byte: u8) -> bool {
    data.chunks(4096)
        .any(|block| block.iter().fold(false, |found, &c| found | (c == byte)))
}

/// Where the first `,` or line end at or after `from` is (`data.len()` without one): eight bytes
/// at a time.
pub fn next_stop(data: &[u8], mut from: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    const COMMAS: u64 = u64::from_le_bytes([b','; 8]);
    const LINE_ENDS: u64 = u64::from_le_bytes([b'\n'; 8]);
    while let Some(chunk) = data.get(from..from + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let (c, n) = (word ^ COMMAS, word ^ LINE_ENDS);
        // A high bit in each byte that was zero (a byte above one may be marked too, but never
        // one below: the lowest mark is exact).
        let found = ((c.wrapping_sub(ONES) & !c) | (n.wrapping_sub(ONES) & !n)) & HIGH;
        if found != 0 {
            return from + (found.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    data[from.min(data.len())..]
        .iter()
        .position(|&c| c == b',' || c == b'\n')
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
