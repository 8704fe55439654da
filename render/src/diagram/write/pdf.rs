//! Deterministic PDF bytes. svg2pdf 0.13 keeps fonts and page resources in
//! HashMaps, so (a) the entries of a page's resource sub-dictionaries (/Font,
//! /XObject, ...) and (b) the order (and object numbers) of the embedded fonts change
//! from run to run. (a) is fixed by sorting each such dictionary's entry lines (they
//! only move within the block, so every xref offset stays valid). (b) has one variant
//! per font order: we convert again until the fonts come out sorted by name, which
//! for our two fonts takes two attempts on average.
use crate::diagram::DiagramError;

/// Attempts before giving up on the canonical font order (each has p >= 1/2 with two fonts).
const MAX_ATTEMPTS: usize = 64;

/// svg2pdf's output, made byte-for-byte deterministic.
pub fn deterministic_pdf(svg: &str) -> Result<Vec<u8>, DiagramError> {
    let mut last = Vec::new();
    for _ in 0..MAX_ATTEMPTS {
        let raw = super::raster::pdf(svg).map_err(|message| DiagramError::Render { page: "pdf".into(), message })?;
        last = canonical(&raw);
        if fonts_in_name_order(&last) {
            return Ok(last);
        }
    }
    tracing::warn!("PDF fonts never came out in canonical order; this PDF may differ between runs");
    Ok(last)
}

/// Whether the embedded fonts (`/BaseFont /ABCDEF+Name`) appear sorted by name.
fn fonts_in_name_order(pdf: &[u8]) -> bool {
    const KEY: &[u8] = b"/BaseFont /";
    let mut names: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while let Some(pos) = pdf[i..].windows(KEY.len()).position(|w| w == KEY) {
        let start = i + pos + KEY.len();
        let end = pdf[start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .map_or(pdf.len(), |e| start + e);
        let name = &pdf[start..end];
        // Drop the 6-letter subset tag ("ABCDEF+"), which depends on the glyphs, not the order.
        names.push(if name.len() > 7 && name[6] == b'+' { &name[7..] } else { name });
        i = end;
    }
    names.windows(2).all(|w| w[0] <= w[1])
}

const RESOURCE_DICTS: [&[u8]; 6] =
    [b"/Font <<", b"/XObject <<", b"/ExtGState <<", b"/Pattern <<", b"/Shading <<", b"/ColorSpace <<"];

pub fn canonical(pdf: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = pdf.split(|b| *b == b'\n').collect();
    let mut out: Vec<&[u8]> = Vec::with_capacity(lines.len());
    let mut i = 0;
    let mut in_stream = false;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_ascii();
        out.push(line);
        i += 1;
        if in_stream {
            in_stream = !t.ends_with(b"endstream");
            continue;
        }
        if t == b"stream" {
            in_stream = true;
            continue;
        }
        if !RESOURCE_DICTS.contains(&t) {
            continue;
        }
        // One entry per line up to the closing ">>"; nested dictionaries are left alone.
        let start = i;
        while i < lines.len() && lines[i].trim_ascii() != b">>" && !lines[i].windows(2).any(|w| w == b"<<") {
            i += 1;
        }
        if i < lines.len() && lines[i].trim_ascii() == b">>" {
            let mut block: Vec<&[u8]> = lines[start..i].to_vec();
            block.sort();
            out.extend(block);
        } else {
            out.extend(&lines[start..i]);
        }
    }
    out.join(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn sorts_resource_entries_and_keeps_length() {
        let a = b"5 0 obj\n<<\n  /Resources <<\n    /Font <<\n      /fo1 2 0 R\n      /fo0 1 0 R\n    >>\n  >>\nstream\n/Font <<\n/b\n/a\n>>\nendstream\n";
        let b = b"5 0 obj\n<<\n  /Resources <<\n    /Font <<\n      /fo0 1 0 R\n      /fo1 2 0 R\n    >>\n  >>\nstream\n/Font <<\n/b\n/a\n>>\nendstream\n";
        assert_eq!(canonical(a), b.to_vec());
        assert_eq!(canonical(b), b.to_vec());
        assert_eq!(canonical(a).len(), a.len());
    }

    #[test]
    fn font_order_check() {
        assert!(super::fonts_in_name_order(
            b"/BaseFont /AAAAAA+DejaVuSans\n/BaseFont /BBBBBB+DejaVuSans\n/BaseFont /CCCCCC+DejaVuSans-Bold\n"
        ));
        assert!(!super::fonts_in_name_order(b"/BaseFont /CCCCCC+DejaVuSans-Bold\n/BaseFont /AAAAAA+DejaVuSans\n"));
    }

    #[test]
    fn demo_pages_convert_identically() {
        let s = inventory::demo::demo_snapshot().unwrap();
        let pages = crate::diagram::render_pages(&s, &inventory::analysis::analyze(&s)).unwrap();
        for p in pages.iter().take(2) {
            let first = super::deterministic_pdf(&p.svg).unwrap();
            for _ in 0..6 {
                assert_eq!(super::deterministic_pdf(&p.svg).unwrap(), first, "{}", p.file_stem);
            }
        }
    }
}
