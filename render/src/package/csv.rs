//! CSV writers. Every cell goes through `cell()`: bidi controls dropped, control
//! characters made visible and formula starters neutralised, so opening the file in a
//! spreadsheet runs nothing and `cat` replays no terminal escapes.
use std::borrow::Cow;
use std::io::Write;

use super::inventory_table::{InventoryRow, HEADERS};
use super::tables::Table;
use crate::text::{spreadsheet_safe, strip_bidi, visible_controls};

/// The text a spreadsheet cell gets, in CSV and XLSX alike.
pub fn cell(s: &str) -> Cow<'_, str> {
    // Nearly every cell is short printable ASCII not starting a formula: nothing to do,
    // and no copy (millions of cells at 100k resources).
    let plain = s.len() <= crate::text::MAX_CELL_CHARS
        && s.bytes().all(|b| (b' '..=b'~').contains(&b))
        && !s.starts_with(['=', '+', '-', '@']);
    if plain {
        return Cow::Borrowed(s);
    }
    Cow::Owned(spreadsheet_safe(&visible_controls(&strip_bidi(s))))
}

/// One CSV record, every field through `cell`.
pub fn record<W: Write, S: AsRef<str>>(w: &mut csv::Writer<W>, fields: &[S]) -> Result<(), String> {
    for f in fields {
        w.write_field(cell(f.as_ref()).as_bytes()).map_err(|e| e.to_string())?;
    }
    w.write_record(None::<&[u8]>).map_err(|e| e.to_string())
}

// Written straight into `out` (the package streams big files to disk through a
// hashing writer rather than holding them whole in memory).
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out)
}

pub fn inventory_csv<W: Write>(rows: &[InventoryRow], out: W) -> Result<(), String> {
    let mut w = writer(out);
    w.write_record(HEADERS).map_err(|e| e.to_string())?;
    for r in rows {
        record(&mut w, &r.cells())?;
    }
    w.flush().map_err(|e| e.to_string())
}

pub fn table_csv<W: Write>(t: &Table, out: W) -> Result<(), String> {
    let mut w = writer(out);
    w.write_record(&t.headers).map_err(|e| e.to_string())?;
    for r in &t.rows {
        record(&mut w, r)?;
    }
    w.flush().map_err(|e| e.to_string())
}
