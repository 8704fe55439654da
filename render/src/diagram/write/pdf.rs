//! Scene → PDF, drawn directly with pdf-writer: boxes, lines, arrow heads and
//! text exactly as the SVG writer draws them (same order, dashes, marker
//! geometry), 1 scene unit = 1 pt. Text is real text in Type 3 fonts built from
//! the embedded DejaVu outlines (see `pdf_font`), so it is searchable. Output is
//! deterministic by construction: fixed object numbers, no dates or random ids,
//! fonts and codes in first-use order.
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect as PdfRect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use super::glyphs;
use crate::diagram::scene::{BoxStyle, Rect, Scene, SceneBox, SceneEdge, SceneText};

#[path = "pdf_font.rs"]
mod pdf_font;
use pdf_font::FontSet;

/// Dash patterns of the SVG writer (`stroke-dasharray`).
const BOX_DASH: [f32; 2] = [5.0, 3.0];
const EDGE_DASH: [f32; 2] = [6.0, 4.0];
/// SVG's default stroke-miterlimit (PDF's default is 10).
const SVG_MITER_LIMIT: f32 = 4.0;
/// Circle-arc approximation constant for the rounded corners.
const KAPPA: f64 = 0.552_284_749_8;

/// Largest page side in user units that Acrobat accepts (PDF 1.7 Annex C.2);
/// bigger pages (the overview of a large estate) declare a /UserUnit instead, so
/// the physical size stays 1 scene unit = 1 pt.
const MAX_PAGE_SIDE: f64 = 14_400.0;

/// Points per user unit for the page: 1, or just enough to bring its longer side within limits.
fn user_unit(scene: &Scene) -> f64 {
    let side = scene.width.max(scene.height);
    if side <= MAX_PAGE_SIDE {
        1.0
    } else {
        (side / MAX_PAGE_SIDE * 100.0).ceil() / 100.0
    }
}

/// The scene as a one-page PDF.
pub fn scene_pdf(scene: &Scene) -> Vec<u8> {
    let mut fonts = FontSet::default();
    let content = page_content(scene, &mut fonts);

    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page = Ref::new(3);
    let contents = Ref::new(4);
    let info = Ref::new(5);
    let mut next = Ref::new(6);

    let mut pdf = Pdf::with_capacity(content.len() + 16 * 1024);
    // The trailer's /ID from what the page shows, not from time or chance (hashing the
    // compressed stream: a quarter of the bytes, and as much a function of the page).
    // libdeflate level 1: the 100k PDFs 47.9 → 47.4 MB, in 0.64× the time of zlib-rs level 2.
    let packed = crate::deflate::zlib(&content);
    let id = Sha256::new().chain_update(scene.title.as_bytes()).chain_update(&packed).finalize()[..16].to_vec();
    pdf.set_file_id((id.clone(), id));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    pdf.document_info(info).title(TextStr(&scene.title)).producer(TextStr("auditmap"));
    let font_ids = fonts.write(&mut pdf, &mut next);
    let uu = user_unit(scene);
    let mut p = pdf.page(page);
    p.media_box(PdfRect::new(0.0, 0.0, q(scene.width.max(1.0) / uu), q(scene.height.max(1.0) / uu)))
        .parent(pages)
        .contents(contents);
    if uu != 1.0 {
        p.user_unit(uu as f32);
    }
    {
        let mut res = p.resources();
        let mut f = res.fonts();
        for (i, id) in font_ids.iter().enumerate() {
            f.pair(Name(FontSet::resource_name(i).as_bytes()), *id);
        }
    }
    p.finish();
    pdf.stream(contents, &packed).filter(Filter::FlateDecode);
    pdf.finish()
}

/// Page coordinate with two decimals: ample for print, short in the stream. A
/// non-finite value (never produced by the layout) becomes 0 rather than an
/// invalid "NaN" token in the content stream.
fn q(v: f64) -> f32 {
    if v.is_finite() {
        ((v * 100.0).round() / 100.0) as f32
    } else {
        0.0
    }
}

/// "#rrggbb" / "#rgb" → RGB in 0..1; "none" (or anything unparsable) draws nothing,
/// as it would in the SVG.
fn rgb(color: &str) -> Option<[f32; 3]> {
    let hex = color.strip_prefix('#')?.as_bytes();
    if hex.len() != 6 && hex.len() != 3 {
        return None;
    }
    // Called for every box and line: digits parsed in place, no allocation.
    let mut digits = [0u32; 6];
    for (d, &c) in digits.iter_mut().zip(hex) {
        *d = (c as char).to_digit(16)?;
    }
    // Four decimals are exact after conversion back to 8 bits, and short in the stream.
    let channel = |hi: u32, lo: u32| ((hi * 16 + lo) as f32 / 255.0 * 1e4).round() / 1e4;
    match &digits[..hex.len()] {
        [r1, r0, g1, g0, b1, b0] => Some([channel(*r1, *r0), channel(*g1, *g0), channel(*b1, *b0)]),
        [r, g, b] => Some([channel(*r, *r), channel(*g, *g), channel(*b, *b)]),
        _ => None,
    }
}

/// Content stream writer that skips redundant state changes.
struct Painter {
    c: Content,
    fill: Option<[f32; 3]>,
    stroke: Option<[f32; 3]>,
    width: Option<f32>,
    dash: Option<&'static [f32]>,
}

impl Painter {
    fn fill(&mut self, c: [f32; 3]) {
        if self.fill != Some(c) {
            self.c.set_fill_rgb(c[0], c[1], c[2]);
            self.fill = Some(c);
        }
    }
    fn stroke(&mut self, c: [f32; 3], width: f64, dash: &'static [f32]) {
        if self.stroke != Some(c) {
            self.c.set_stroke_rgb(c[0], c[1], c[2]);
            self.stroke = Some(c);
        }
        let w = q(width);
        if self.width != Some(w) {
            self.c.set_line_width(w);
            self.width = Some(w);
        }
        if self.dash != Some(dash) {
            self.c.set_dash_pattern(dash.iter().copied(), 0.0);
            self.dash = Some(dash);
        }
    }
}

fn page_content(scene: &Scene, fonts: &mut FontSet) -> Vec<u8> {
    let mut p = Painter {
        c: Content::with_capacity(256 + scene.boxes.len() * 80 + scene.texts.len() * 60 + scene.edges.len() * 60),
        fill: None,
        stroke: None,
        width: None,
        dash: None,
    };
    // Flip y (and scale to user units) once so scene coordinates (y down) are used as they are.
    let k = 1.0 / user_unit(scene);
    p.c.transform([k as f32, 0.0, 0.0, -k as f32, 0.0, q(scene.height.max(1.0) * k)]);
    p.c.set_miter_limit(SVG_MITER_LIMIT);
    // Same order as the SVG: containers and leaves, lines, label chips, text.
    for b in scene.boxes.iter().filter(|b| !b.over_lines()) {
        draw_box(&mut p, b);
    }
    for e in &scene.edges {
        draw_edge(&mut p, e);
    }
    for b in scene.boxes.iter().filter(|b| b.over_lines()) {
        draw_box(&mut p, b);
    }
    for t in &scene.texts {
        draw_text(&mut p, fonts, t);
    }
    p.c.finish()
}

fn draw_box(p: &mut Painter, b: &SceneBox) {
    let BoxStyle { fill, stroke, stroke_width, dashed, radius } = b.style;
    let r = b.rect;
    // SVG draws nothing for an empty rect, and no stroke of width 0.
    if !(r.w > 0.0 && r.h > 0.0) {
        return;
    }
    let fill = rgb(fill);
    let stroke = if stroke_width > 0.0 { rgb(stroke) } else { None };
    if fill.is_none() && stroke.is_none() {
        return;
    }
    rect_path(&mut p.c, &r, radius);
    if let Some(f) = fill {
        p.fill(f);
    }
    if let Some(s) = stroke {
        p.stroke(s, stroke_width, if dashed { &BOX_DASH } else { &[] });
    }
    match (fill.is_some(), stroke.is_some()) {
        (true, true) => p.c.fill_nonzero_and_stroke(),
        (true, false) => p.c.fill_nonzero(),
        _ => p.c.stroke(),
    };
}

/// The outline of an SVG `<rect rx>`, starting where SVG's does (top edge, after the
/// corner, clockwise on screen) so dash patterns start at the same place.
fn rect_path(c: &mut Content, r: &Rect, radius: f64) {
    let rx = radius.max(0.0).min(r.w / 2.0);
    let ry = radius.max(0.0).min(r.h / 2.0);
    let (x0, y0, x1, y1) = (r.x, r.y, r.right(), r.bottom());
    if rx <= 0.0 || ry <= 0.0 {
        // `re` is the same closed path (from the corner, along the top edge first) in one
        // operator and four numbers instead of five operators and eight: most of a page's
        // content stream is boxes. Width and height from the rounded corners, so the far
        // corner lands where it did.
        let (qx, qy) = (q(x0), q(y0));
        c.rect(qx, qy, q(q(x1) as f64 - qx as f64), q(q(y1) as f64 - qy as f64));
        return;
    }
    let (kx, ky) = (KAPPA * rx, KAPPA * ry);
    c.move_to(q(x0 + rx), q(y0));
    c.line_to(q(x1 - rx), q(y0));
    c.cubic_to(q(x1 - rx + kx), q(y0), q(x1), q(y0 + ry - ky), q(x1), q(y0 + ry));
    c.line_to(q(x1), q(y1 - ry));
    c.cubic_to(q(x1), q(y1 - ry + ky), q(x1 - rx + kx), q(y1), q(x1 - rx), q(y1));
    c.line_to(q(x0 + rx), q(y1));
    c.cubic_to(q(x0 + rx - kx), q(y1), q(x0), q(y1 - ry + ky), q(x0), q(y1 - ry));
    c.line_to(q(x0), q(y0 + ry));
    c.cubic_to(q(x0), q(y0 + ry - ky), q(x0 + rx - kx), q(y0), q(x0 + rx), q(y0));
    c.close_path();
}

fn draw_edge(p: &mut Painter, e: &SceneEdge) {
    let Some(color) = rgb(e.style.color) else { return };
    // A polyline needs two points; SVG draws nothing (not even the marker) otherwise.
    if e.points.len() < 2 || e.style.width <= 0.0 {
        return;
    }
    let (x, y) = e.points[0];
    p.c.move_to(q(x), q(y));
    for &(x, y) in &e.points[1..] {
        p.c.line_to(q(x), q(y));
    }
    p.stroke(color, e.style.width, if e.style.dashed { &EDGE_DASH } else { &[] });
    p.c.stroke();
    if e.style.arrow {
        if let Some(head) = arrow_head(&e.points, e.style.width) {
            p.fill(color);
            p.c.move_to(q(head[0].0), q(head[0].1));
            p.c.line_to(q(head[1].0), q(head[1].1)).line_to(q(head[2].0), q(head[2].1)).close_path();
            p.c.fill_nonzero();
        }
    }
}

/// The SVG marker `M0,0 L10,5 L0,10 z` (viewBox 10×10, refX 9, refY 5,
/// markerWidth/Height 7, markerUnits strokeWidth, orient auto) placed at the last
/// point along the last segment of non-zero length.
fn arrow_head(points: &[(f64, f64)], stroke_width: f64) -> Option<[(f64, f64); 3]> {
    let end = *points.last()?;
    let (dx, dy) =
        points.windows(2).rev().map(|w| (w[1].0 - w[0].0, w[1].1 - w[0].1)).find(|d| d.0 != 0.0 || d.1 != 0.0)?;
    let len = (dx * dx + dy * dy).sqrt();
    let (ux, uy) = (dx / len, dy / len);
    let s = 7.0 / 10.0 * stroke_width;
    let place = |mx: f64, my: f64| {
        let (lx, ly) = ((mx - 9.0) * s, (my - 5.0) * s);
        (end.0 + lx * ux - ly * uy, end.1 + lx * uy + ly * ux)
    };
    Some([place(0.0, 0.0), place(10.0, 5.0), place(0.0, 10.0)])
}

fn draw_text(p: &mut Painter, fonts: &mut FontSet, t: &SceneText) {
    let Some(color) = rgb(t.color) else { return };
    let placed = glyphs::place(t);
    // NaN or non-positive sizes draw nothing, as in the SVG.
    if placed.is_empty() || t.size.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    let coded: Vec<(usize, u8)> = placed.iter().map(|g| fonts.code(t.bold, g.glyph, g.ch)).collect();
    let k = glyphs::scale(t.size, t.bold);
    let size = t.size as f32;
    p.fill(color);
    p.c.begin_text();
    let mut i = 0;
    // One run per font (almost always the whole text): Tf, Tm at the run's first
    // glyph, then TJ with an adjustment wherever `place` put kerning.
    while i < placed.len() {
        let slot = coded[i].0;
        let end = (i..placed.len()).find(|&j| coded[j].0 != slot).unwrap_or(placed.len());
        p.c.set_font(Name(FontSet::resource_name(slot).as_bytes()), size);
        p.c.set_text_matrix([1.0, 0.0, 0.0, -1.0, q(placed[i].x), q(t.y)]);
        let mut tj = p.c.show_positioned();
        let mut items = tj.items();
        let mut bytes: Vec<u8> = Vec::with_capacity(end - i);
        for j in i..end {
            if j > i {
                let pen = placed[j - 1].x + glyphs::advance_units(placed[j - 1].glyph, t.bold) * k;
                // TJ numbers are thousandths of the font size, subtracted from the pen.
                let adj = ((pen - placed[j].x) * 1000.0 / t.size * 100.0).round() / 100.0;
                if adj != 0.0 {
                    items.show(Str(&bytes));
                    items.adjust(adj as f32);
                    bytes.clear();
                }
            }
            bytes.push(coded[j].1);
        }
        items.show(Str(&bytes));
        items.finish();
        tj.finish();
        i = end;
    }
    p.c.end_text();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::scene::{Anchor, EdgeStyle, Role};
    use crate::diagram::style;

    fn content_of(pdf: &[u8]) -> String {
        // The page content is object 4, the first FlateDecode stream after "4 0 obj".
        let at = pdf.windows(8).position(|w| w == b"4 0 obj\n").unwrap();
        let rest = &pdf[at..];
        let s = rest.windows(7).position(|w| w == b"stream\n").unwrap() + 7;
        let e = rest.windows(10).position(|w| w == b"\nendstream").unwrap();
        String::from_utf8(miniz_oxide::inflate::decompress_to_vec_zlib(&rest[s..e]).unwrap()).unwrap()
    }

    #[test]
    fn huge_pages_use_a_user_unit() {
        let mut s = Scene::new("huge");
        s.width = 17262.0;
        s.height = 10126.0;
        s.add_box("page", Role::Page, Rect::new(0.0, 0.0, s.width, s.height), None, style::frame());
        let pdf = scene_pdf(&s);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/MediaBox [0 0 14385 8438.33]"), "{text}");
        assert!(text.contains("/UserUnit 1.2"), "{text}");
        assert!(content_of(&pdf).starts_with("0.8333333 0 0 -0.8333333 0 8438.33 cm\n"), "{}", content_of(&pdf));
        s.width = 14400.0;
        assert_eq!(user_unit(&s), 1.0);
        assert!(!String::from_utf8_lossy(&scene_pdf(&s)).contains("UserUnit"));
    }

    #[test]
    fn colours() {
        assert_eq!(rgb("#ff0000"), Some([1.0, 0.0, 0.0]));
        assert_eq!(rgb("#0f0"), Some([0.0, 1.0, 0.0]));
        assert_eq!(rgb("none"), None);
        for bad in ["#", "#12", "#1234", "#12345", "#1234567", "#ggg", "#ééé"] {
            assert_eq!(rgb(bad), None, "{bad}");
        }
    }

    #[test]
    fn arrow_head_follows_the_svg_marker() {
        // Pointing right along the last segment, width 2: scale 1.4, tip 1.4 past the end.
        let h = arrow_head(&[(0.0, 0.0), (0.0, 10.0), (100.0, 10.0), (100.0, 10.0)], 2.0).unwrap();
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9;
        assert!(close(h[0], (100.0 - 9.0 * 1.4, 10.0 - 5.0 * 1.4)), "{h:?}");
        assert!(close(h[1], (100.0 + 1.4, 10.0)), "{h:?}");
        assert!(close(h[2], (100.0 - 9.0 * 1.4, 10.0 + 5.0 * 1.4)), "{h:?}");
        // Pointing down.
        let h = arrow_head(&[(5.0, 0.0), (5.0, 50.0)], 1.0).unwrap();
        assert!(close(h[1], (5.0, 50.7)), "{h:?}");
        assert!(arrow_head(&[(1.0, 1.0), (1.0, 1.0)], 1.0).is_none());
    }

    #[test]
    fn draws_in_svg_order_with_svg_styles() {
        let mut s = Scene::new("order");
        s.width = 200.0;
        s.height = 100.0;
        s.add_box("page", Role::Page, Rect::new(0.0, 0.0, 200.0, 100.0), None, style::page());
        s.add_box("chip", Role::Chip, Rect::new(10.0, 10.0, 30.0, 10.0), None, style::chip());
        s.add_box("az", Role::AvailabilityZone, Rect::new(50.0, 10.0, 60.0, 40.0), None, style::az());
        s.edges.push(SceneEdge {
            from: "a".into(),
            to: "b".into(),
            points: vec![(0.0, 90.0), (150.0, 90.0)],
            style: EdgeStyle { color: "#34495e", width: 1.4, dashed: true, arrow: true },
            label: None,
        });
        s.add_text(None, 20.0, 80.0, "Hi", 10.0, false, "#d00000", Anchor::Start, 100.0);
        let c = content_of(&scene_pdf(&s));
        // Page box: one `re` (square corners), white fill, no stroke (stroke-width 0 draws
        // nothing in SVG).
        let page = c.find("0 0 200 100 re\n1 1 1 rg\nf\n").expect(&c);
        let az = c.find("[5 3] 0 d").expect(&c);
        let edge = c.find("[6 4] 0 d").expect(&c);
        let chip = c.find("12 10 m").expect(&c);
        let text = c.find("BT").expect(&c);
        assert!(page < az && az < edge && edge < chip && chip < text, "{c}");
        assert!(c.contains("0.8157 0 0 rg"), "text colour: {c}");
        assert!(c.contains("/F0 10 Tf\n1 0 0 -1 20 80 Tm"), "{c}");
        assert!(c.starts_with("1 0 0 -1 0 100 cm\n4 M\n"), "{c}");
    }
}
