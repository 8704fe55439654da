//! CSV writers. Every cell goes through `cell()`: bidi controls dropped and formula
//! starters neutralised, so opening the file in a spreadsheet runs nothing.
use super::inventory_table::{InventoryRow, HEADERS};
use super::tables::Table;
use crate::text::{spreadsheet_safe, strip_bidi};

/// The text a spreadsheet cell gets, in CSV and XLSX alike.
pub fn cell(s: &str) -> String {
    spreadsheet_safe(&strip_bidi(s))
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, String> {
    w.into_inner().map_err(|e| e.to_string())
}

pub fn inventory_csv(rows: &[InventoryRow]) -> Result<Vec<u8>, String> {
    let mut w = writer();
    w.write_record(HEADERS).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r.cells().iter().map(|c| cell(c))).map_err(|e| e.to_string())?;
    }
    finish(w)
}

pub fn table_csv(t: &Table) -> Result<Vec<u8>, String> {
    let mut w = writer();
    w.write_record(&t.headers).map_err(|e| e.to_string())?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| cell(c))).map_err(|e| e.to_string())?;
    }
    finish(w)
}
