//! Output of the report commands: a CSV, or an aligned text table (first column left, the
//! figures right).

use std::io::Write;

pub fn write(
    out: &mut dyn Write,
    head: &[&str],
    rows: &[Vec<String>],
    csv_out: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    write_left(out, head, rows, csv_out, &[0])
}

/// Columns a terminal gives a character: two for East Asian wide and full-width characters
/// (Han, kana, Hangul, full-width forms), one for the rest.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// Like [`write`], with the columns in `left` aligned left (text) and the others right.
pub fn write_left(
    out: &mut dyn Write,
    head: &[&str],
    rows: &[Vec<String>],
    csv_out: bool,
    left: &[usize],
) -> Result<(), Box<dyn std::error::Error>> {
    if csv_out {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(head)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
        return Ok(());
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(head[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w.saturating_sub(width(c)));
                if left.contains(&i) {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(&mut head.iter().copied()))?;
    for r in rows {
        writeln!(out, "{}", line(&mut r.iter().map(String::as_str)))?;
    }
    Ok(())
}
