//! inventory.xlsx: Assets, Exposures, Security group rules, NACL rules, Routes,
//! Coverage, Metadata. Text cells are always written with `write_string` (never as
//! formulas) and neutralised like the CSV cells; header rows are frozen and filtered.
//!
//! Sheets use constant-memory mode: each row is streamed to an unnamed temp file as
//! it is written (strings inline, no shared-string table), so a 100k-row estate does
//! not hold millions of cell objects in memory. Rows must therefore be written in
//! order, and column widths are worked out in a cheap pre-pass before any row.
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::csv::cell;
use super::inventory_table::{InventoryRow, HEADERS};
use super::tables::Table;

const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

pub struct Sheets<'a> {
    pub assets: &'a [InventoryRow],
    pub exposures: &'a Table,
    pub sg_rules: &'a Table,
    pub nacl_rules: &'a Table,
    pub routes: &'a Table,
    pub coverage: &'a Table,
    pub metadata: &'a [(String, String)],
    /// Written as the document's creation time, so the file is byte-identical across runs.
    pub created_unix: i64,
}

/// Row count of each sheet (header excluded), in sheet order.
pub fn sheet_rows(s: &Sheets<'_>) -> Vec<(&'static str, usize)> {
    vec![
        ("Assets", s.assets.len()),
        ("Exposures", s.exposures.rows.len()),
        ("Security group rules", s.sg_rules.rows.len()),
        ("NACL rules", s.nacl_rules.rows.len()),
        ("Routes", s.routes.rows.len()),
        ("Coverage", s.coverage.rows.len()),
        ("Metadata", s.metadata.len()),
    ]
}

/// Builds the workbook; `tempdir` receives the (unnamed, self-deleting) row files.
pub fn write(s: &Sheets<'_>, tempdir: &Path) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_tempdir(tempdir)?;
    // Default deflate level 6 kept on purpose: level 3 saves ~2 s at 100k resources
    // but takes the file from 19 to 22 MB, over the 20 MB evidence-upload limit.
    let created = ExcelDateTime::from_timestamp(s.created_unix)?;
    wb.set_properties(
        &DocProperties::new().set_title("auditmap inventory").set_author("auditmap").set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();

    let ws = wb.add_worksheet_with_constant_memory()?.set_name("Assets")?;
    let headers: Vec<&str> = HEADERS.to_vec();
    let cells = || s.assets.iter().map(|r| r.cells());
    write_sheet(ws, &headers, &vec![false; headers.len()], cells, s.assets.len(), &bold)?;

    for (name, t) in [
        ("Exposures", s.exposures),
        ("Security group rules", s.sg_rules),
        ("NACL rules", s.nacl_rules),
        ("Routes", s.routes),
        ("Coverage", s.coverage),
    ] {
        let ws = wb.add_worksheet_with_constant_memory()?.set_name(name)?;
        write_sheet(ws, &t.headers, &t.numeric, || t.rows.iter(), t.rows.len(), &bold)?;
    }

    let ws = wb.add_worksheet_with_constant_memory()?.set_name("Metadata")?;
    let meta = || s.metadata.iter().map(|(k, v)| [k.as_str(), v.as_str()]);
    write_sheet(ws, &["field", "value"], &[false, false], meta, s.metadata.len(), &bold)?;

    wb.save_to_buffer()
}

/// Writes header and rows in order (constant-memory sheets cannot go back).
/// `rows` is called twice: once for the column widths, once to write.
fn write_sheet<R, C, I, S>(
    ws: &mut Worksheet,
    headers: &[&str],
    numeric: &[bool],
    rows: R,
    n_rows: usize,
    bold: &Format,
) -> Result<(), XlsxError>
where
    R: Fn() -> I,
    I: Iterator<Item = C>,
    C: AsRef<[S]>,
    S: AsRef<str>,
{
    // Widths first: in constant-memory mode they must be set before the rows. The
    // raw length is close enough (the quote prefix adds one character at most).
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows() {
        for (w, v) in widths.iter_mut().zip(row.as_ref()) {
            let v = v.as_ref();
            if v.len() > *w {
                *w = (*w).max(v.chars().take(MAX_WIDTH).count());
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(MIN_WIDTH, MAX_WIDTH) as f64 + 1.0)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        ws.autofilter(0, 0, n_rows as u32, (headers.len() - 1) as u16)?;
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    for (i, row) in rows().enumerate() {
        let r = (i + 1) as u32;
        for (c, v) in row.as_ref().iter().enumerate() {
            let v = v.as_ref();
            let col = c as u16;
            if numeric.get(c).copied().unwrap_or(false) {
                if let Ok(n) = v.parse::<f64>() {
                    ws.write_number(r, col, n)?;
                    continue;
                }
            }
            if v.is_empty() {
                continue;
            }
            ws.write_string(r, col, cell(v))?;
        }
    }
    Ok(())
}
