//! inventory.xlsx: Assets, Exposures, Load balancers, LB targets, Security group rules, NACL rules,
//! Routes, Connectivity, Coverage, Metadata. Every text cell is a plain string (never a formula),
//! neutralised like the CSV cells; header rows are bold, frozen and filtered.
//!
//! Written as SpreadsheetML parts straight into the zip: one pass over the rows, strings
//! shared (account ids, regions, kinds repeat on every row; columns of distinct texts
//! such as ids get a table entry per cell, without a lookup). rust_xlsxwriter, used before,
//! spent ~4.5 s on a 100k-resource estate streaming rows through temp files; this
//! writer about 2.5 s, most of it deflate. It also stores every string
//! as text: the library wrote a shared string that looked like `<r>…</r>` into the XML
//! unescaped, as rich text.
use std::fmt::Write as _;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::io;

use inventory::topology::hash::{FastMap, FastSet, FxHasher};

use super::csv::cell;
use super::inventory_table::{InventoryRow, HEADERS};
use super::tables::Table;
use super::zip_parts::ZipParts;
use crate::diagram::views::matrix::Matrix;
use crate::text::xml_escape;

const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;
/// Every this-many-th row's texts decide which columns' strings are not deduplicated.
const SAMPLE_STRIDE: usize = 8;
/// Sampled texts a column needs before its strings go undeduplicated (so sheets
/// under 512 rows share every repeated string).
const MIN_SAMPLES: usize = 64;
/// Sheet XML is handed to the compressor in pieces of this size (whole sheets, the
/// largest 66 MB at 100k, raised the package's peak memory from ~790 to 942 MiB).
const FLUSH_BYTES: usize = 256 * 1024;

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
    /// RFC 3339, written as the document's creation time (not now: byte-identical runs).
    pub created: String,
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

/// The whole workbook.
pub fn write(s: &Sheets<'_>) -> io::Result<Vec<u8>> {
    let mut book = Book::new();
    let assets = || s.assets.iter().map(|r| r.cells());
    book.sheet("Assets", &HEADERS, &[false; HEADERS.len()], assets)?;
    for (name, t) in [
        ("Exposures", s.exposures),
        ("Load balancers", s.load_balancers),
        ("LB targets", s.lb_targets),
        ("Security group rules", s.sg_rules),
        ("NACL rules", s.nacl_rules),
        ("Routes", s.routes),
    ] {
        book.sheet(name, &t.headers, &t.numeric, || t.rows.iter())?;
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
    book.sheet("Connectivity", &headers, &vec![false; headers.len()], rows)?;
    let c = s.coverage;
    book.sheet("Coverage", &c.headers, &c.numeric, || c.rows.iter())?;
    let meta = || s.metadata.iter().map(|(k, v)| [k.as_str(), v.as_str()]);
    book.sheet("Metadata", &["field", "value"], &[false, false], meta)?;
    book.finish(&s.created)
}

struct Book {
    /// Worksheets streamed through zlib-rs, the other parts (the 41 MB string table at
    /// 100k) deflated whole by libdeflate: 0.7× the time, 3 % smaller.
    zip: ZipParts,
    /// Index in the shared-string table of each text deduplicated so far.
    strings: FastMap<String, usize>,
    /// The shared-string table: a slot for its head (`SST_HEAD_SLOT`), then its `<si>`
    /// entries in index order; and how many.
    table: String,
    entries: usize,
    string_cells: usize,
    /// (name, last cell reference) per sheet written, for the workbook's filter ranges.
    sheets: Vec<(String, String)>,
}

impl Book {
    fn new() -> Book {
        Book {
            zip: ZipParts::default(),
            strings: FastMap::default(),
            // The table's head goes in front once its counts are known (`finish`).
            table: " ".repeat(SST_HEAD_SLOT),
            entries: 0,
            string_cells: 0,
            sheets: vec![],
        }
    }

    fn part(&mut self, name: &str, xml: &str) -> io::Result<()> {
        self.zip.add(name, xml.as_bytes())
    }

    /// The table index of `text`, added on first use.
    fn shared(&mut self, text: &str) -> usize {
        self.string_cells += 1;
        if let Some(&i) = self.strings.get(text) {
            return i;
        }
        let i = self.add_entry(text);
        self.strings.insert(text.to_string(), i);
        i
    }

    /// A new table entry for `text`, not looked up or remembered (a text that rarely
    /// repeats; a repeat gets a second entry, which readers take as they do any other).
    fn unshared(&mut self, text: &str) -> usize {
        self.string_cells += 1;
        self.add_entry(text)
    }

    fn add_entry(&mut self, text: &str) -> usize {
        self.table.push_str("<si>");
        self.table.push_str(text_open(text));
        escape_text(text, &mut self.table);
        self.table.push_str("</t></si>");
        self.entries += 1;
        self.entries - 1
    }

    /// One worksheet: bold header row, then `rows` (called twice: widths, then cells).
    fn sheet<R, C, I, S>(&mut self, name: &str, headers: &[&str], numeric: &[bool], rows: R) -> io::Result<()>
    where
        R: Fn() -> I,
        I: Iterator<Item = C>,
        C: AsRef<[S]>,
        S: AsRef<str>,
    {
        // Widths from the raw text (the quote prefix adds one character at most).
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        // Columns whose texts rarely repeat (ids, names, ARNs) get a table entry per cell
        // without a lookup: deduplicating them bought nothing but a hash probe and a copy
        // per cell. Decided from every SAMPLE_STRIDE-th row, so the same rows decide alike.
        let hasher = BuildHasherDefault::<FxHasher>::default();
        let mut samples: Vec<(usize, FastSet<u64>)> = vec![(0, FastSet::default()); headers.len()];
        let mut n_rows = 0;
        for row in rows() {
            let sampled = n_rows % SAMPLE_STRIDE == 0;
            n_rows += 1;
            for (c, (w, v)) in widths.iter_mut().zip(row.as_ref()).enumerate() {
                let v = v.as_ref();
                if v.len() > *w {
                    *w = (*w).max(v.chars().take(MAX_WIDTH).count());
                }
                if sampled && !v.is_empty() {
                    let (count, distinct) = &mut samples[c];
                    *count += 1;
                    distinct.insert(hasher.hash_one(v));
                }
            }
        }
        let distinct: Vec<bool> = samples
            .iter()
            .zip(numeric.iter().chain(std::iter::repeat(&false)))
            .map(|((count, distinct), &numeric)| !numeric && *count >= MIN_SAMPLES && distinct.len() * 10 >= count * 9)
            .collect();
        let columns: Vec<String> = (0..headers.len().max(1)).map(column_name).collect();
        let last = format!("{}{}", columns[columns.len() - 1], n_rows + 1);
        let index = self.sheets.len() + 1;
        let mut part = self.zip.begin(&format!("xl/worksheets/sheet{index}.xml"))?;
        let mut xml = String::with_capacity(FLUSH_BYTES + 64 * 1024);
        xml.push_str(XML_DECLARATION);
        xml.push_str(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#);
        let selected = if index == 1 { r#" tabSelected="1""# } else { "" };
        let _ = write!(
            xml,
            r#"<dimension ref="A1:{last}"/><sheetViews><sheetView{selected} workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>"#
        );
        if !widths.is_empty() {
            xml.push_str("<cols>");
            for (c, w) in widths.iter().enumerate() {
                let _ = write!(
                    xml,
                    r#"<col min="{n}" max="{n}" width="{}" customWidth="1"/>"#,
                    excel_width((*w).clamp(MIN_WIDTH, MAX_WIDTH) as f64 + 1.0),
                    n = c + 1
                );
            }
            xml.push_str("</cols>");
        }
        xml.push_str(r#"<sheetData><row r="1">"#);
        for (c, h) in headers.iter().enumerate() {
            let i = self.shared(&cell(h));
            let _ = write!(xml, r#"<c r="{}1" s="1" t="s"><v>{i}</v></c>"#, columns[c]);
        }
        xml.push_str("</row>");
        // Millions of cells: numbers formatted with itoa, not through `fmt`.
        let (mut digits, mut row_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
        // Each column's last text and its string index: a third of the assets' cells
        // repeat the row above (kind, service, region…), and a compare is cheaper than a
        // hash lookup.
        let mut above: Vec<(String, usize)> = vec![(String::new(), 0); headers.len()];
        for (i, row) in rows().enumerate() {
            let r = row_digits.format(i + 2);
            xml.push_str(r#"<row r=""#);
            xml.push_str(r);
            xml.push_str(r#"">"#);
            for (c, v) in row.as_ref().iter().enumerate() {
                let v = v.as_ref();
                let Some(col) = columns.get(c) else { break };
                if numeric.get(c).copied().unwrap_or(false) {
                    if let Some(n) = v.parse::<f64>().ok().filter(|n| n.is_finite()) {
                        let _ = write!(xml, r#"<c r="{col}{r}"><v>{n}</v></c>"#);
                        continue;
                    }
                }
                if v.is_empty() {
                    continue;
                }
                let distinct = distinct.get(c).copied().unwrap_or(false);
                let add = |book: &mut Book, v: &str| {
                    if distinct {
                        book.unshared(&cell(v))
                    } else {
                        book.shared(&cell(v))
                    }
                };
                let s = match above.get_mut(c) {
                    Some((text, i)) if text == v => {
                        self.string_cells += 1;
                        *i
                    }
                    Some((text, i)) => {
                        *i = add(self, v);
                        text.clear();
                        text.push_str(v);
                        *i
                    }
                    None => add(self, v),
                };
                for piece in [r#"<c r=""#, col, r, r#"" t="s"><v>"#, digits.format(s), "</v></c>"] {
                    xml.push_str(piece);
                }
            }
            xml.push_str("</row>");
            if xml.len() >= FLUSH_BYTES {
                part.write(&mut self.zip, xml.as_bytes())?;
                xml.clear();
            }
        }
        let _ = write!(
            xml,
            r#"</sheetData><autoFilter ref="A1:{last}"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#
        );
        part.write(&mut self.zip, xml.as_bytes())?;
        part.end(&mut self.zip)?;
        self.sheets.push((name.to_string(), last));
        Ok(())
    }

    /// The shared strings, workbook, styles and package parts, then the zip's directory.
    fn finish(mut self, created: &str) -> io::Result<Vec<u8>> {
        // Written over the slot at the table's start, padded inside the tag: the table
        // (41 MB at 100k) is compressed where it is, not copied behind its head.
        let mut head = sst_head(self.string_cells, self.entries);
        head.insert_str(head.len() - 1, &" ".repeat(SST_HEAD_SLOT - head.len()));
        self.table.replace_range(..SST_HEAD_SLOT, &head);
        self.table.push_str("</sst>");
        self.zip.add("xl/sharedStrings.xml", self.table.as_bytes())?;
        self.table = String::new();

        let n = self.sheets.len();
        let names: Vec<&str> = self.sheets.iter().map(|(name, _)| name.as_str()).collect();
        let parts = [
            ("[Content_Types].xml", content_types(n)),
            ("_rels/.rels", PACKAGE_RELS.to_string()),
            ("docProps/app.xml", app_properties(&names)),
            ("docProps/core.xml", core_properties(created)),
            ("xl/_rels/workbook.xml.rels", workbook_rels(n)),
            ("xl/workbook.xml", workbook(&self.sheets)),
            ("xl/styles.xml", STYLES.to_string()),
        ];
        for (name, xml) in parts {
            self.part(name, &xml)?;
        }
        self.zip.finish()
    }
}

/// The shared-string table's opening: declaration and `<sst …>` with its counts.
fn sst_head(cells: usize, entries: usize) -> String {
    format!(
        r#"{XML_DECLARATION}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{cells}" uniqueCount="{entries}">"#
    )
}

/// Room for `sst_head` with counts of any size (151 bytes and up to 2 × 20 digits).
const SST_HEAD_SLOT: usize = 200 + 2 * 20;

/// "A", …, "Z", "AA", … for a zero-based column index.
fn column_name(mut c: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// A width in characters as Excel stores it: whole pixels of a 7-pixel digit plus 5 of
/// padding, in 1/256ths.
fn excel_width(chars: f64) -> f64 {
    ((chars * 7.0 + 5.0) / 7.0 * 256.0).floor() / 256.0
}

/// The `<t>` tag opening `s`: one that keeps leading or trailing whitespace, which XML
/// readers would otherwise drop.
fn text_open(s: &str) -> &'static str {
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\n'));
    if edge(s.as_bytes().first()) || edge(s.as_bytes().last()) {
        r#"<t xml:space="preserve">"#
    } else {
        "<t>"
    }
}

/// Cell text as XML character data. `cell` has already made control characters visible;
/// what is left to escape is markup, the two non-characters, and text that reads as
/// Excel's own `_xHHHH_` escape (prefixed with `_x005F`, an escaped underscore).
/// Scanned by byte: every byte that can start one of those is ASCII or 0xEF (U+FFFE
/// and U+FFFF are EF BF BE / EF BF BF), so the cuts fall on character boundaries.
fn escape_text(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !ESCAPE_LEAD[b as usize] {
            i += 1;
            continue;
        }
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'_' if looks_like_escape(&bytes[i..]) => "_x005F_",
            0xEF if bytes[i + 1..].starts_with(&[0xBF, 0xBE]) => "_xFFFE_",
            0xEF if bytes[i + 1..].starts_with(&[0xBF, 0xBF]) => "_xFFFF_",
            0..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F => {
                out.push_str(&s[start..i]);
                let _ = write!(out, "_x{b:04X}_");
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(replacement);
        i += if b == 0xEF { 3 } else { 1 };
        start = i;
    }
    out.push_str(&s[start..]);
}

/// Bytes that may start something `escape_text` replaces.
static ESCAPE_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b, 0x09 | 0x0A | 0x0D);
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'_' as usize] = true;
    t[0xEF] = true;
    t
};

/// `_x` + four hex digits + `_`.
fn looks_like_escape(b: &[u8]) -> bool {
    b.len() >= 7 && b[1] == b'x' && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

const PACKAGE_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#,
    r#"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#,
    "</Relationships>"
);

/// Calibri 11 and its bold (style 1, the header rows).
const STYLES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="2"><font><sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>"#,
    "</styleSheet>"
);

fn content_types(sheets: usize) -> String {
    let mut x = String::from(XML_DECLARATION);
    x.push_str(r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#);
    for i in 1..=sheets {
        let _ = write!(
            x,
            r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        );
    }
    x.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#);
    x
}

fn workbook_rels(sheets: usize) -> String {
    let mut x = String::from(XML_DECLARATION);
    x.push_str(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
    for i in 1..=sheets {
        let _ = write!(
            x,
            r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#
        );
    }
    let _ = write!(
        x,
        r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        sheets + 1,
        sheets + 2
    );
    x
}

/// Sheet names in formulas: quoted, with quotes doubled.
fn quoted_sheet(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

fn workbook(sheets: &[(String, String)]) -> String {
    let mut x = String::from(XML_DECLARATION);
    x.push_str(r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews><sheets>"#);
    for (i, (name, _)) in sheets.iter().enumerate() {
        let _ = write!(x, r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#, xml_escape(name), n = i + 1);
    }
    x.push_str("</sheets><definedNames>");
    // The autofilter of each sheet, as Excel records it.
    for (i, (name, last)) in sheets.iter().enumerate() {
        let (col, row) = last.split_at(last.find(|c: char| c.is_ascii_digit()).unwrap_or(last.len()));
        let range = xml_escape(&format!("{}!$A$1:${col}${row}", quoted_sheet(name)));
        let _ = write!(
            x,
            r#"<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">{range}</definedName>"#
        );
    }
    x.push_str(r#"</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>"#);
    x
}

fn core_properties(created: &str) -> String {
    let when = xml_escape(created);
    format!(
        "{XML_DECLARATION}{}<dc:title>auditmap inventory</dc:title><dc:creator>auditmap</dc:creator><cp:lastModifiedBy>auditmap</cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified></cp:coreProperties>",
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
    )
}

fn app_properties(sheets: &[&str]) -> String {
    let mut x = String::from(XML_DECLARATION);
    let _ = write!(
        x,
        r#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>auditmap</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{}" baseType="lpstr">"#,
        sheets.len(),
        sheets.len()
    );
    for s in sheets {
        let _ = write!(x, "<vt:lpstr>{}</vt:lpstr>", xml_escape(s));
    }
    x.push_str("</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_run_like_excel() {
        let names: Vec<String> =
            [0, 1, 25, 26, 27, 51, 52, 701, 702, 1000, 16383].into_iter().map(column_name).collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "ALM", "XFD"]);
    }

    #[test]
    fn widths_match_excels_pixel_rounding() {
        assert_eq!(excel_width(61.0), 61.7109375);
        assert_eq!(excel_width(9.0), 9.7109375);
    }

    /// The escaping as first written, a character at a time: the reference for the
    /// byte scan.
    fn escape_text_by_char(s: &str) -> String {
        let mut out = String::new();
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\u{FFFE}' => "_xFFFE_",
                '\u{FFFF}' => "_xFFFF_",
                '\0'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' => {
                    out.push_str(&s[start..i]);
                    out.push_str(&format!("_x{:04X}_", c as u32));
                    start = i + 1;
                    continue;
                }
                '_' if looks_like_escape(&s.as_bytes()[i..]) => "_x005F_",
                _ => continue,
            };
            out.push_str(&s[start..i]);
            out.push_str(replacement);
            start = i + c.len_utf8();
        }
        out.push_str(&s[start..]);
        out
    }

    proptest::proptest! {
        #[test]
        fn byte_scan_escapes_like_the_character_walk(
            s in "([&<>_x0-9A-Fa-f\u{0}-\u{1f}\u{fffd}-\u{ffff}\u{ef}\u{bf}é€😀 a]|_x[0-9A-F]{4}_){0,40}"
        ) {
            let mut out = String::new();
            escape_text(&s, &mut out);
            proptest::prop_assert_eq!(out, escape_text_by_char(&s));
        }
    }

    /// A sheet of 600 rows: the column of distinct ids gets an entry per cell, the
    /// column that repeats is deduplicated, and an independent reader (openpyxl) reads
    /// back every cell, leading space and markup included.
    #[test]
    fn distinct_columns_skip_deduplication_and_read_back() {
        let rows: Vec<[String; 3]> = (0..600)
            .map(|i| {
                [
                    format!(" id-{i} <b>&"),
                    format!("region-{}", i % 4),
                    if i % 7 == 0 { String::new() } else { format!("{i}") },
                ]
            })
            .collect();
        let mut book = Book::new();
        book.sheet("T", &["id", "region", "n"], &[false, false, true], || rows.iter()).unwrap();
        assert_eq!(book.strings.len(), 3 + 4, "headers and the four regions deduplicated, ids not");
        assert_eq!(book.entries, 3 + 4 + 600, "an entry per id");
        let bytes = book.finish("2026-01-01T00:00:00Z").unwrap();
        assert!(sst_head(usize::MAX, usize::MAX).len() < SST_HEAD_SLOT);
        let mut zip = zip::ZipArchive::new(io::Cursor::new(&bytes)).unwrap();
        let mut table = String::new();
        io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut table).unwrap();
        assert!(table.contains(r#"count="1203" uniqueCount="607""#), "{}", &table[..300]);
        assert!(table.contains(r#"<si><t xml:space="preserve"> id-599 &lt;b&gt;&amp;</t></si></sst>"#));

        let dir = std::env::temp_dir().join(format!("auditmap-xlsx-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let python = std::env::var("AUDITMAP_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = "import json,sys,openpyxl\nwb=openpyxl.load_workbook(sys.argv[1],read_only=True)\nprint(json.dumps([['' if v is None else str(v) for v in r] for r in wb['T'].iter_rows(values_only=True)]))";
        let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&path).output().expect("python runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success(), "openpyxl failed: {}", String::from_utf8_lossy(&out.stderr));
        let got: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got.len(), 601);
        for (i, (g, want)) in got[1..].iter().zip(&rows).enumerate() {
            let mut g = g.clone();
            g.resize(3, String::new());
            // Whole numbers come back as floats ("7.0").
            if let Some(n) = g[2].strip_suffix(".0") {
                g[2] = n.to_string();
            }
            assert!(g[..] == want[..], "row {}: {g:?} vs {want:?}", i + 2);
        }
    }

    #[test]
    fn text_escapes_markup_and_excel_escapes_only() {
        let mut out = String::new();
        escape_text("<r><t>x</t></r> & _x0041_ _x12_ _xZZZZ_ é\u{FFFF}\u{1}", &mut out);
        assert_eq!(out, "&lt;r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r&gt; &amp; _x005F_x0041_ _x12_ _xZZZZ_ é_xFFFF__x0001_");
    }
}
