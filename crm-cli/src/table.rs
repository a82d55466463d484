//! Output of the report commands: a CSV, or an aligned text table (first column left, the
//! figures right).

use std::io::Write;

pub fn write(
    out: &mut dyn Write,
    head: &[&str],
    rows: &[Vec<String>],
    csv_out: bool,
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
                .map(|r| r[i].chars().count())
                .chain([head[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
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
