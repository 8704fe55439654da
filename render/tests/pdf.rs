//! Scene → PDF: determinism, structure checked with an independent reader
//! (poppler's pdfinfo / pdftotext / pdftoppm; scripts/test installs poppler-utils,
//! elsewhere those checks are skipped with a message), searchable text including
//! hostile and uncovered characters, and a pixel comparison with the SVG rendering
//! (the PDF must draw what the SVG draws).
#[path = "support/svg_reference.rs"]
mod svg_reference;
use std::path::{Path, PathBuf};
use std::process::Command;

use inventory::analysis::analyze;
use render::diagram::scene::{Anchor, Rect, Role, Scene};
use render::diagram::{render_scenes, scene_to_pdf, PageScene};

fn demo() -> (inventory::Snapshot, Vec<PageScene>) {
    let s = inventory::demo::demo_snapshot().expect("demo estate loads");
    let pages = render_scenes(&s, &analyze(&s)).expect("demo renders");
    (s, pages)
}

/// A poppler tool must be installed (scripts/test installs poppler-utils): an
/// independent reader is the point of these checks, so its absence fails them.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    assert!(ok, "{tool} not installed: run scripts/test (it installs poppler-utils) or apt-get install poppler-utils");
    ok
}

/// Runs a poppler tool on `pdf`; its stderr must be empty (poppler reports
/// broken xref tables, bad streams and font errors there).
fn poppler(tool: &str, args: &[&str], pdf: &[u8], dir: &Path) -> Vec<u8> {
    let file = dir.join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new(tool).args(args).arg(&file).args(["-"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.trim().is_empty(), "{tool} {args:?}: {err}");
    out.stdout
}

fn pdftotext(pdf: &[u8], dir: &Path) -> String {
    String::from_utf8(poppler("pdftotext", &["-enc", "UTF-8"], pdf, dir)).unwrap()
}

fn pdfinfo_field(info: &str, key: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .unwrap_or_else(|| panic!("pdfinfo has no {key}: {info}"))
        .trim()
        .to_string()
}

fn pdfinfo(pdf: &[u8], dir: &Path) -> String {
    let file = dir.join("info.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdfinfo").args(["-enc", "UTF-8"]).arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.trim().is_empty(), "pdfinfo: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn check_page_size(info: &str, scene: &Scene) {
    let size = pdfinfo_field(info, "Page size");
    let nums: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(nums.len(), 2, "{size}");
    assert!((nums[0] - scene.width).abs() < 0.05 && (nums[1] - scene.height).abs() < 0.05, "{size} vs {scene:?}");
}

#[test]
fn demo_pages_are_deterministic_and_read_back() {
    let (snap, pages) = demo();
    let tmp = tempfile::tempdir().unwrap();
    let poppler = have("pdfinfo") && have("pdftotext");
    let mut vpc_pages = 0;
    for p in &pages {
        let a = scene_to_pdf(&p.scene).unwrap();
        let b = scene_to_pdf(&p.scene).unwrap();
        assert!(a == b, "{}: PDF differs between runs", p.file_stem);
        assert!(a.starts_with(b"%PDF-1.7\n"), "{}", p.file_stem);
        assert!(a.trim_ascii_end().ends_with(b"%%EOF"), "{}", p.file_stem);
        if !poppler {
            continue;
        }
        let info = pdfinfo(&a, tmp.path());
        assert_eq!(pdfinfo_field(&info, "Pages"), "1");
        assert_eq!(pdfinfo_field(&info, "Title"), p.scene.title);
        assert_eq!(pdfinfo_field(&info, "Producer"), "auditmap");
        assert!(!info.contains("CreationDate") && !info.contains("ModDate"), "{info}");
        check_page_size(&info, &p.scene);

        // Every word of every label is extractable text.
        let text = pdftotext(&a, tmp.path());
        for t in &p.scene.texts {
            for w in t.text.split_whitespace() {
                assert!(text.contains(w), "{}: {w:?} (of {:?}) not in the PDF text:\n{text}", p.file_stem, t.text);
            }
        }
        if let Some(vpc) = snap.resources.vpcs.iter().find(|v| p.file_stem == v.id) {
            vpc_pages += 1;
            assert!(text.contains(&vpc.id), "{}", p.file_stem);
            let cidr = snap
                .resources
                .subnets
                .iter()
                .filter(|s| s.vpc_id == vpc.id)
                .find_map(|s| s.cidr_block.map(|c| c.to_string()))
                .expect("demo VPCs have subnets");
            assert!(text.contains(&cidr), "{}: subnet CIDR {cidr} not in the PDF text", p.file_stem);
        }
    }
    if poppler {
        assert!(vpc_pages >= 2, "checked {vpc_pages} VPC pages");
    }
}

fn hostile_scene() -> Scene {
    let mut s = Scene::new("T(i)tle \\ ) ( \u{7} <b>&amp; 日本 🔥");
    s.width = 900.0;
    s.height = 200.0;
    s.add_box("page", Role::Page, Rect::new(0.0, 0.0, 900.0, 200.0), None, render::diagram::style::page());
    let lines = [
        "a(b)c\\d <script> )) ((",
        "日本 🔥 i-0abc \u{202e}evil",
        // More than 256 distinct glyphs of one weight: a second font.
        &('\u{100}'..='\u{17f}').chain('\u{391}'..='\u{3a9}').collect::<String>(),
        &('\u{410}'..='\u{44f}').chain('\u{3b1}'..='\u{3c9}').chain('a'..='z').collect::<String>(),
    ];
    for (i, l) in lines.iter().enumerate() {
        let size = if i < 2 { 14.0 } else { 8.0 };
        s.add_text(None, 10.0, 30.0 + 40.0 * i as f64, l, size, false, "#1b2631", Anchor::Start, 880.0);
    }
    s.add_text(None, 450.0, 190.0, "bold (centred) \\ 日本", 10.0, true, "#d00000", Anchor::Middle, 880.0);
    s
}

#[test]
fn hostile_and_uncovered_text_round_trips() {
    let s = hostile_scene();
    let pdf = scene_to_pdf(&s).unwrap();
    assert_eq!(pdf, scene_to_pdf(&s).unwrap());
    // The Type 3 fonts: two regular (> 256 glyphs), one bold.
    let fonts = pdf.windows(b"/Subtype /Type3".len()).filter(|w| w == b"/Subtype /Type3").count();
    assert_eq!(fonts, 3);
    if !(have("pdfinfo") && have("pdftotext")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let info = pdfinfo(&pdf, tmp.path());
    assert_eq!(pdfinfo_field(&info, "Title"), s.title);
    let text = pdftotext(&pdf, tmp.path());
    for t in &s.texts {
        for w in t.text.split_whitespace() {
            assert!(text.contains(w), "{w:?} not in:\n{text}");
        }
    }
    assert!(text.contains("a(b)c\\d <script>"), "{text}");
    assert!(text.contains("日本 🔥"), "{text}");
}

#[test]
fn huge_page_keeps_its_size_and_text() {
    // Beyond Acrobat's 14 400-unit page side: written with a /UserUnit.
    let mut s = Scene::new("huge");
    s.width = 20000.0;
    s.height = 300.0;
    s.add_box("page", Role::Page, Rect::new(0.0, 0.0, 20000.0, 300.0), None, render::diagram::style::frame());
    s.add_text(None, 19000.0, 150.0, "i-0far0away", 12.0, false, "#1b2631", Anchor::Start, 900.0);
    let pdf = scene_to_pdf(&s).unwrap();
    if !(have("pdfinfo") && have("pdftotext")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // poppler reports the MediaBox in user units (it ignores /UserUnit): × 1.39 = 20 000 pt.
    assert!(String::from_utf8_lossy(&pdf).contains("/UserUnit 1.39"));
    let info = pdfinfo(&pdf, tmp.path());
    let size = pdfinfo_field(&info, "Page size");
    let nums: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!((nums[0] * 1.39 - 20000.0).abs() < 1.0 && (nums[1] * 1.39 - 300.0).abs() < 1.0, "{size}");
    assert!(pdftotext(&pdf, tmp.path()).contains("i-0far0away"));
}

/// RGB pixels of a PNG file (pdftoppm writes 8-bit RGB).
fn read_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let dec = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let px = buf[..info.buffer_size()].chunks(ch).map(|c| [c[0], c[1.min(ch - 1)], c[2.min(ch - 1)]]).collect();
    (info.width, info.height, px)
}

/// How far apart the SVG (resvg) and the PDF (pdftoppm) renderings of a page are:
/// both rendered at 2× and averaged down to 1× (poppler snaps thin strokes and
/// Type 3 glyphs to whole pixels where resvg anti-aliases; supersampling both
/// evens that out), then the share of pixels where some channel differs by more
/// than 64 (`raw`), and the share with no such match anywhere in the 3×3
/// neighbourhood of the other image, in either direction (`shifted`: what is
/// drawn differs, not just where an edge fell).
struct Difference {
    raw: f64,
    shifted: f64,
    /// Largest share of `shifted` pixels in one TILE×TILE tile, and where: edge
    /// effects are thin and scattered, a missing or misplaced shape is a dense patch.
    worst_tile: f64,
    worst_at: (usize, usize),
}

const TILE: usize = 8;

/// `img` (w×h) averaged over k×k blocks.
fn downsample(img: &[[u8; 3]], w: u32, h: u32, k: u32) -> Vec<[u8; 3]> {
    let (ow, oh) = (w / k, h / k);
    let mut out = Vec::with_capacity((ow * oh) as usize);
    for y in 0..oh {
        for x in 0..ow {
            let mut sum = [0u32; 3];
            for dy in 0..k {
                for dx in 0..k {
                    let px = img[((y * k + dy) * w + x * k + dx) as usize];
                    (0..3).for_each(|c| sum[c] += px[c] as u32);
                }
            }
            out.push(sum.map(|v| (v / (k * k)) as u8));
        }
    }
    out
}

fn pixel_difference(p: &PageScene, dir: &Path) -> Difference {
    let svg = render::diagram::write::svg::write(&p.scene);
    let tree = svg_reference::parse(&svg).unwrap();
    const SS: u32 = 2;
    let (w, h) = (p.scene.width.ceil() as u32, p.scene.height.ceil() as u32);
    let mut pm = resvg::tiny_skia::Pixmap::new(w * SS, h * SS).unwrap();
    pm.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(SS as f32, SS as f32), &mut pm.as_mut());
    let big: Vec<[u8; 3]> = pm.pixels().iter().map(|c| [c.red(), c.green(), c.blue()]).collect();
    let svg_px = downsample(&big, w * SS, h * SS, SS);

    let file = dir.join(format!("{}.pdf", p.file_stem));
    std::fs::write(&file, scene_to_pdf(&p.scene).unwrap()).unwrap();
    let stem: PathBuf = dir.join(format!("{}-pdf", p.file_stem));
    let dpi = (72 * SS).to_string();
    let out =
        Command::new("pdftoppm").args(["-r", &dpi, "-png", "-singlefile"]).arg(&file).arg(&stem).output().unwrap();
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    let (bw, bh, big) = read_png(&stem.with_extension("png"));
    assert!(bw.abs_diff(w * SS) <= SS && bh.abs_diff(h * SS) <= SS, "{}: {bw}×{bh} vs {w}×{h}", p.file_stem);
    let (pw, ph) = (bw / SS, bh / SS);
    let pdf_px = downsample(&big, bw, bh, SS);
    assert!(pw.abs_diff(w) <= 1 && ph.abs_diff(h) <= 1, "{}: {pw}×{ph} vs {w}×{h}", p.file_stem);
    let (cw, ch) = (w.min(pw) as i64, h.min(ph) as i64);
    let at = |img: &[[u8; 3]], stride: u32, x: i64, y: i64| img[(y * stride as i64 + x) as usize];
    let close = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(u, v)| u.abs_diff(v) <= 64);
    let near = |img: &[[u8; 3]], stride: u32, x: i64, y: i64, c: [u8; 3]| {
        (-1..=1).any(|dy| {
            (-1..=1).any(|dx| {
                let (nx, ny) = (x + dx, y + dy);
                nx >= 0 && ny >= 0 && nx < cw && ny < ch && close(at(img, stride, nx, ny), c)
            })
        })
    };
    let (mut raw, mut shifted) = (0usize, 0usize);
    let tiles_x = (cw as usize).div_ceil(TILE);
    let mut tiles = vec![0usize; tiles_x * (ch as usize).div_ceil(TILE)];
    // Differing pixels in red over a faded copy of the SVG (kept with AUDITMAP_PDF_DUMP).
    let mut diff = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    for y in 0..ch {
        for x in 0..cw {
            let (s, a) = (at(&svg_px, w, x, y), at(&pdf_px, pw, x, y));
            raw += !close(s, a) as usize;
            let moved = !near(&pdf_px, pw, x, y, s) || !near(&svg_px, w, x, y, a);
            shifted += moved as usize;
            tiles[y as usize / TILE * tiles_x + x as usize / TILE] += moved as usize;
            let c = if moved {
                resvg::tiny_skia::ColorU8::from_rgba(255, 0, 0, 255)
            } else if !close(s, a) {
                resvg::tiny_skia::ColorU8::from_rgba(255, 170, 0, 255)
            } else {
                let g = 192 + s[0] / 4;
                resvg::tiny_skia::ColorU8::from_rgba(g, g, g, 255)
            };
            diff.pixels_mut()[(y * w as i64 + x) as usize] = c.premultiply();
        }
    }
    diff.save_png(dir.join(format!("{}-diff.png", p.file_stem))).unwrap();
    let n = (cw * ch) as f64;
    let worst =
        tiles.iter().enumerate().max_by_key(|t| t.1).map(|(i, &c)| (c, (i % tiles_x * TILE, i / tiles_x * TILE)));
    let (worst_tile, worst_at) = worst.unwrap_or((0, (0, 0)));
    Difference {
        raw: raw as f64 / n,
        shifted: shifted as f64 / n,
        worst_tile: worst_tile as f64 / (TILE * TILE) as f64,
        worst_at,
    }
}

#[test]
fn pdf_draws_what_the_svg_draws() {
    if !have("pdftoppm") {
        return;
    }
    let (_, pages) = demo();
    let keep = std::env::var("AUDITMAP_PDF_DUMP").ok();
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.as_deref().map(Path::new).unwrap_or(tmp.path());
    for p in &pages {
        let d = pixel_difference(p, dir);
        println!(
            "{}: {:.3} % of pixels differ (channel diff > 64), {:.3} % beyond a one-pixel shift, worst {TILE}×{TILE} tile {:.0} % at {:?}",
            p.file_stem,
            d.raw * 100.0,
            d.shifted * 100.0,
            d.worst_tile * 100.0,
            d.worst_at
        );
        assert!(
            d.shifted < 0.005,
            "{}: {:.2} % of pixels differ between the SVG and the PDF",
            p.file_stem,
            d.shifted * 100.0
        );
        // Text anti-aliasing differs by up to ~28 % of a tile; leaving out the arrow
        // heads (14 px triangles) makes a 55 % tile on the exposure page.
        assert!(
            d.worst_tile < 0.45,
            "{}: {:.0} % of the pixels of the tile at {:?} differ",
            p.file_stem,
            d.worst_tile * 100.0,
            d.worst_at
        );
        assert!(d.raw < 0.03, "{}: {:.2} % of pixels differ (unshifted)", p.file_stem, d.raw * 100.0);
    }
    let mut s = hostile_scene();
    s.texts.truncate(2);
    let d =
        pixel_difference(&PageScene { file_stem: "hostile".into(), title: String::new(), scene: s, graph: None }, dir);
    println!("hostile: {:.3} % / {:.3} %", d.raw * 100.0, d.shifted * 100.0);
}
