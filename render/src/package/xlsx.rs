//! inventory.xlsx: Assets, Exposures, Load balancers, LB targets, Security group rules, NACL rules,
//! Routes, Connectivity, Coverage, Metadata. Text cells are always written with `write_string` (never as
//! formulas) and neutralised like the CSV cells; header rows are frozen and filtered.
//!
//! Sheets use low-memory mode: each row is streamed to an unnamed temp file as it is
//! written, so a 100k-row estate does not hold millions of cell objects in memory; only
//! the shared-string table (each distinct string once) stays. Rows must therefore be
//! written in order, and column widths are worked out in a cheap pre-pass before any row.
//!
//! rust_xlsxwriter panics (`expect`) when writing those row files fails, a full disk
//! above all: `write` turns such a panic into the I/O error it carried, without the
//! panic message on stderr.
use std::cell::Cell;
use std::io;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::csv::cell;
use super::inventory_table::{InventoryRow, HEADERS};
use super::tables::Table;
use crate::diagram::views::matrix::Matrix;

const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

pub struct Sheets<'a> {
    pub assets: &'a [InventoryRow],
    pub exposures: &'a Table,
    pub load_balancers: &'a Table,
    pub lb_targets: &'a Table,
    pub sg_rules: &'a Table,
    pub nacl_rules: &'a Table,
    pub routes: &'a Table,
    pub coverage: &'a Table,
    /// VPC × VPC / on-premises (`diagram::views::matrix`), as a grid of words.
    pub connectivity: &'a Matrix,
    pub metadata: &'a [(String, String)],
    /// Written as the document's creation time, so the file is byte-identical across runs.
    pub created_unix: i64,
}

/// Row count of each sheet (header excluded), in sheet order.
pub fn sheet_rows(s: &Sheets<'_>) -> Vec<(&'static str, usize)> {
    vec![
        ("Assets", s.assets.len()),
        ("Exposures", s.exposures.rows.len()),
        ("Load balancers", s.load_balancers.rows.len()),
        ("LB targets", s.lb_targets.rows.len()),
        ("Security group rules", s.sg_rules.rows.len()),
        ("NACL rules", s.nacl_rules.rows.len()),
        ("Routes", s.routes.rows.len()),
        ("Connectivity", s.connectivity.rows.len()),
        ("Coverage", s.coverage.rows.len()),
        ("Metadata", s.metadata.len()),
    ]
}

/// Builds the workbook; `tempdir` receives the (unnamed, self-deleting) row files.
/// Errors are I/O errors (the row files') or the library's, as `io::Error`s.
pub fn write(s: &Sheets<'_>, tempdir: &Path) -> io::Result<Vec<u8>> {
    match quietly(|| build(s, tempdir)) {
        Ok(Ok(book)) => Ok(book),
        Ok(Err(XlsxError::IoError(e))) | Ok(Err(XlsxError::TempFileError(_, e))) => Err(e),
        Ok(Err(e)) => Err(io::Error::other(e.to_string())),
        Err(panic) => Err(panic_error(&panic)),
    }
}

thread_local! {
    /// Set while this thread runs `quietly`: the panic hook then prints nothing.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// `f`, with a panic caught and returned as its message instead of printed.
fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // Wraps whatever hook is installed: every other panic prints as before.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    // Unwind safety: on a panic the workbook is dropped unused, nothing else is shared.
    let r = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the XLSX writer failed".into())
    })
}

/// The I/O error in a rust_xlsxwriter panic message (`...: Os { code: 28, kind:
/// StorageFull, message: "No space left on device" }`), else the message itself.
fn panic_error(message: &str) -> io::Error {
    let code = message.split_once("Os { code: ").and_then(|(_, rest)| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<i32>().ok()
    });
    match code {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::other(format!("the XLSX writer failed: {message}")),
    }
}

fn build(s: &Sheets<'_>, tempdir: &Path) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_tempdir(tempdir)?;
    // Shared strings make the sheets' XML a fraction of inline strings' (account ids,
    // regions, kinds repeat on every row), so the zip needs only deflate level 3 to stay
    // under the 20 MB evidence-upload limit: 100k resources gave 17.7 MB in 3.7 s,
    // against 19.9 MB in 4.5 s with inline strings at the default level 6.
    wb.set_zip_compression_level(3);
    let created = ExcelDateTime::from_timestamp(s.created_unix)?;
    wb.set_properties(
        &DocProperties::new().set_title("auditmap inventory").set_author("auditmap").set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();

    let ws = wb.add_worksheet_with_low_memory()?.set_name("Assets")?;
    let headers: Vec<&str> = HEADERS.to_vec();
    let cells = || s.assets.iter().map(|r| r.cells());
    write_sheet(ws, &headers, &vec![false; headers.len()], cells, s.assets.len(), &bold)?;

    for (name, t) in [
        ("Exposures", s.exposures),
        ("Load balancers", s.load_balancers),
        ("LB targets", s.lb_targets),
        ("Security group rules", s.sg_rules),
        ("NACL rules", s.nacl_rules),
        ("Routes", s.routes),
    ] {
        let ws = wb.add_worksheet_with_low_memory()?.set_name(name)?;
        write_sheet(ws, &t.headers, &t.numeric, || t.rows.iter(), t.rows.len(), &bold)?;
    }
    // Rows: from VPC; columns: to VPC / on-premises site, by id (names in column B).
    let m = s.connectivity;
    let headers: Vec<&str> = ["from VPC", "from (name · account · environment)"]
        .into_iter()
        .chain(m.cols.iter().map(|c| c.0.as_str()))
        .collect();
    let rows = || {
        m.rows.iter().enumerate().map(|(i, (id, label))| {
            let mut row = vec![id.clone(), label.clone()];
            row.extend((0..m.cols.len()).map(|j| m.cells.get(&(i, j)).map(|c| c.words()).unwrap_or_default()));
            row
        })
    };
    let ws = wb.add_worksheet_with_low_memory()?.set_name("Connectivity")?;
    write_sheet(ws, &headers, &vec![false; headers.len()], rows, m.rows.len(), &bold)?;
    let ws = wb.add_worksheet_with_low_memory()?.set_name("Coverage")?;
    write_sheet(ws, &s.coverage.headers, &s.coverage.numeric, || s.coverage.rows.iter(), s.coverage.rows.len(), &bold)?;

    let ws = wb.add_worksheet_with_low_memory()?.set_name("Metadata")?;
    let meta = || s.metadata.iter().map(|(k, v)| [k.as_str(), v.as_str()]);
    write_sheet(ws, &["field", "value"], &[false, false], meta, s.metadata.len(), &bold)?;

    wb.save_to_buffer()
}

/// Writes header and rows in order (streamed sheets cannot go back).
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
    // Widths first: in a streamed sheet they must be set before the rows. The
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_become_their_os_error() {
        let e = panic_error(
            "Couldn't write to xml file: Os { code: 28, kind: StorageFull, message: \"No space left on device\" }",
        );
        assert_eq!(e.raw_os_error(), Some(28));
        let e = panic_error("something else");
        assert!(e.to_string().contains("something else"), "{e}");
    }

    #[test]
    fn quietly_catches_and_returns_the_message() {
        let r: Result<(), String> = quietly(|| panic!("boom {}", 1));
        assert_eq!(r, Err("boom 1".to_string()));
        assert_eq!(quietly(|| 5), Ok(5));
        assert!(!QUIET.with(Cell::get));
    }
}
