//! Scene → PNG, drawn directly with tiny-skia (no SVG round trip).
//!
//! Going through usvg cost ~60 ms a page (text shaping, one path per glyph), which
//! is a minute on a 900-page estate. Here boxes and lines are tiny-skia paths and
//! text is blitted from a cache of glyph coverage masks rasterised once per glyph,
//! size and quarter-pixel offset, placed with the same advances and kerning the
//! layout measured with. Same drawing order and styles as the SVG writer.
use ab_glyph::{Font, GlyphId, PxScale};
use inventory::topology::hash::FastMap;
use tiny_skia::{Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, StrokeDash, Transform};

use super::glyphs;
use super::indexed;
use super::scanline_deflate::ScanlineDeflate;
use super::spans::{self, Device};
use crate::diagram::font::metrics;
use crate::diagram::scene::{Role, Scene, SceneBox, SceneEdge, SceneText};
use crate::diagram::style;

/// Largest raster we produce; bigger pages are scaled down to fit.
pub const MAX_PIXELS: f64 = 40_000_000.0;

/// Renders `scene` at `scale` pixels per scene unit (reduced to stay under `MAX_PIXELS`).
/// Drawn and encoded in horizontal bands, so a 40-megapixel overview needs a band's
/// memory, not 160 MB of canvas.
pub fn png(scene: &Scene, scale: f64) -> Result<Vec<u8>, String> {
    png_in_bands(scene, scale, BAND_PIXELS)
}

fn png_in_bands(scene: &Scene, scale: f64, band_pixels: u32) -> Result<Vec<u8>, String> {
    let scale = effective_scale(scene, scale);
    let (pw, ph) = page_pixels(scene, scale);
    let band_rows = (band_pixels / pw).clamp(1, ph);
    let mut cache = GlyphCache::take();
    let mut canvas = Canvas::take();
    // At 1 px per unit in palette colours when the page fits in 256 (see `indexed`).
    let indexed = if (scale as f32) < LINE_AA_SCALE {
        encode_indexed(scene, scale, pw, ph, band_pixels.min(INDEXED_BAND_PIXELS), &mut cache, &mut canvas)
    } else {
        None
    };
    let result = match indexed {
        Some(png) => Ok(png),
        None => encode(scene, scale, pw, ph, band_rows, &mut cache, &mut canvas),
    };
    canvas.give_back();
    cache.give_back();
    result
}

/// The PNG container around one zlib stream of Sub-filtered RGB rows, filtered straight
/// from the RGBA canvas into the compressor's buffer (no RGB copy of the page).
/// `ScanlineDeflate` takes ~0.75× the CPU of zlib's fastest level on these pages, for
/// 4 % smaller files; fdeflate, the png crate's fast path, made them nearly twice the size.
fn encode(
    scene: &Scene,
    scale: f64,
    pw: u32,
    ph: u32,
    band_rows: u32,
    cache: &mut GlyphCache,
    canvas: &mut Canvas,
) -> Result<Vec<u8>, String> {
    let row_len = 1 + pw as usize * 3;
    let mut z = ScanlineDeflate::new(row_len, 3);
    let mut rgb = vec![0u8; pw as usize * 3];
    let mut y0 = 0;
    while y0 < ph {
        let rows = band_rows.min(ph - y0);
        let band = draw_into(canvas, scene, scale, pw, y0, rows, cache)?;
        let mut above: Option<&[u8]> = None;
        for rgba in band.data().chunks_exact(pw as usize * 4) {
            if above == Some(rgba) && z.repeat_row() {
                continue;
            }
            let row = z.row();
            row[0] = 1; // filter type Sub
            sub_filter_rgb(rgba, &mut rgb, &mut row[1..]);
            z.push_row();
            above = Some(rgba);
        }
        canvas.keep(band);
        y0 += rows;
    }
    // Colour type 2: RGB.
    Ok(container(pw, ph, 2, None, &z.finish()))
}

/// The page in palette colours, one byte per pixel, rows unfiltered (filter type None:
/// runs of one index and rows like the one above compress as they are), or None when
/// it needs more than 256 colours. Bands of `band_pixels` pixels.
fn encode_indexed(
    scene: &Scene,
    scale: f64,
    pw: u32,
    ph: u32,
    band_pixels: u32,
    cache: &mut GlyphCache,
    canvas: &mut Canvas,
) -> Option<Vec<u8>> {
    let width = pw as usize;
    let band_rows = (band_pixels / pw).clamp(1, ph);
    let mut palette = indexed::Palette::new([255, 255, 255]);
    let mut z = ScanlineDeflate::new(1 + width, 1);
    let mut y0 = 0;
    while y0 < ph {
        let rows = band_rows.min(ph - y0);
        let buffer = &mut canvas.buffer;
        buffer.clear();
        // Index 0 is white.
        buffer.resize(width * rows as usize, 0);
        draw_scene(&mut indexed::Band { pixels: buffer, width, palette: &mut palette }, scene, scale, y0, rows, cache);
        if palette.overflowed() {
            z.finish(); // hands its buffer back for the RGB attempt
            return None;
        }
        let mut above: Option<&[u8]> = None;
        for pixels in buffer.chunks_exact(width) {
            if above == Some(pixels) && z.repeat_row() {
                continue;
            }
            let row = z.row();
            row[0] = 0; // filter type None
            row[1..].copy_from_slice(pixels);
            z.push_row();
            above = Some(pixels);
        }
        y0 += rows;
    }
    Some(container(pw, ph, 3, Some(&palette.rgb_bytes()), &z.finish()))
}

/// The PNG file: signature, IHDR (8 bits per sample, `color_type`), PLTE when given,
/// one IDAT and IEND.
fn container(pw: u32, ph: u32, color_type: u8, palette: Option<&[u8]>, idat: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(idat.len() + 64 + palette.map_or(0, |p| p.len() + 12));
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&pw.to_be_bytes());
    ihdr[4..8].copy_from_slice(&ph.to_be_bytes());
    // Bit depth 8, the colour type, deflate, adaptive filtering, no interlace.
    ihdr[8..].copy_from_slice(&[8, color_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    if let Some(p) = palette {
        chunk(&mut out, b"PLTE", p);
    }
    chunk(&mut out, b"IDAT", idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// One row of premultiplied RGBA → PNG "Sub" filtered RGB (`rgb`: scratch for the
/// portable version). The page starts opaque white and everything is drawn over it:
/// alpha is 255, so premultiplied RGBA is plain RGBA and dropping A gives RGB. One SSSE3
/// pass where the CPU has it (`ssse3`), else two simple passes.
fn sub_filter_rgb(rgba: &[u8], rgb: &mut [u8], out: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the CPU has SSSE3, checked just above.
        unsafe { ssse3::sub_filter_rgb(rgba, out) };
        return;
    }
    sub_filter_rgb_portable(rgba, rgb, out);
}

/// `sub_filter_rgb` in plain Rust (no SSSE3, other architectures; tests compare both),
/// through `rgb` (a row of plain RGB): two simple passes (drop A, then subtract the pixel
/// to the left) vectorise; one pass carrying the previous pixel did not.
fn sub_filter_rgb_portable(rgba: &[u8], rgb: &mut [u8], out: &mut [u8]) {
    rgba_to_rgb(rgba, rgb);
    let n = rgb.len().min(out.len());
    let head = n.min(3);
    out[..head].copy_from_slice(&rgb[..head]);
    for ((d, s), left) in out[head..n].iter_mut().zip(&rgb[head..n]).zip(&rgb[..n - head]) {
        *d = s.wrapping_sub(*left);
    }
}

/// Drops the alpha bytes, four pixels (16 bytes in, 12 out) at a time with whole-word
/// shifts: byte-by-byte gathering did not vectorise and cost a tenth of the PNG time.
fn rgba_to_rgb(rgba: &[u8], rgb: &mut [u8]) {
    const RGB: u128 = 0xFF_FFFF;
    let mut out = rgb.chunks_exact_mut(12);
    let mut pixels = rgba.chunks_exact(16);
    for (d, s) in (&mut out).zip(&mut pixels) {
        let x = u128::from_le_bytes(s.try_into().unwrap_or([0; 16]));
        let packed = (x & RGB) | (x >> 8 & RGB << 24) | (x >> 16 & RGB << 48) | (x >> 24 & RGB << 72);
        d.copy_from_slice(&packed.to_le_bytes()[..12]);
    }
    for (d, s) in out.into_remainder().chunks_exact_mut(3).zip(pixels.remainder().chunks_exact(4)) {
        d.copy_from_slice(&s[..3]);
    }
}

/// Sub filter and RGBA → RGB in one pass, four pixels per step: the pixel to the left
/// of each is the same vector shifted by one pixel (`palignr`), subtracted bytewise,
/// then the alpha bytes dropped with one shuffle (`pshufb`). SSSE3 is on every x86-64
/// CPU since 2006 but not in the baseline target; this pass was a sixth of the PNG
/// time in the portable version (the compiler packs pixels one word at a time).
#[cfg(target_arch = "x86_64")]
mod ssse3 {
    use std::arch::x86_64::{
        __m128i, _mm_alignr_epi8, _mm_cvtsi128_si32, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_setr_epi8,
        _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_si128, _mm_sub_epi8,
    };

    /// `out[..3 n]` = the Sub-filtered RGB of the `n` pixels of `rgba` (n = the fewer of both).
    #[target_feature(enable = "ssse3")]
    pub unsafe fn sub_filter_rgb(rgba: &[u8], out: &mut [u8]) {
        let pixels = (rgba.len() / 4).min(out.len() / 3);
        let keep_rgb = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
        // The four pixels before the current four (none before the first: zero).
        let mut last = _mm_setzero_si128();
        let whole = pixels / 4 * 4;
        for (src, dst) in rgba[..whole * 4].chunks_exact(16).zip(out[..whole * 3].chunks_exact_mut(12)) {
            // SAFETY: `src` is 16 readable bytes (unaligned loads are allowed).
            let cur = unsafe { _mm_loadu_si128(src.as_ptr().cast::<__m128i>()) };
            let left = _mm_alignr_epi8::<12>(cur, last);
            let filtered = _mm_shuffle_epi8(_mm_sub_epi8(cur, left), keep_rgb);
            let low = _mm_cvtsi128_si64(filtered) as u64;
            let high = _mm_cvtsi128_si32(_mm_srli_si128::<8>(filtered)) as u32;
            dst[..8].copy_from_slice(&low.to_le_bytes());
            dst[8..].copy_from_slice(&high.to_le_bytes());
            last = cur;
        }
        for p in whole..pixels {
            for c in 0..3 {
                let left = if p == 0 { 0 } else { rgba[(p - 1) * 4 + c] };
                out[p * 3 + c] = rgba[p * 4 + c].wrapping_sub(left);
            }
        }
    }
}

/// The band canvas, kept per thread between bands and pages: a fresh multi-megabyte
/// allocation per band cost a page fault per 4 KiB.
#[derive(Default)]
struct Canvas {
    buffer: Vec<u8>,
}

thread_local! {
    static CANVAS: std::cell::RefCell<Canvas> = std::cell::RefCell::new(Canvas::default());
}

impl Canvas {
    fn take() -> Canvas {
        CANVAS.with(|c| std::mem::take(&mut *c.borrow_mut()))
    }

    fn give_back(self) {
        CANVAS.with(|c| *c.borrow_mut() = self);
    }

    fn pixmap(&mut self, w: u32, h: u32) -> Result<Pixmap, String> {
        let size = tiny_skia::IntSize::from_wh(w, h).ok_or_else(|| format!("cannot allocate a {w}×{h} image"))?;
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.resize(w as usize * h as usize * 4, 0);
        Pixmap::from_vec(buffer, size).ok_or_else(|| format!("cannot allocate a {w}×{h} image"))
    }

    fn keep(&mut self, pixmap: Pixmap) {
        self.buffer = pixmap.take();
    }
}

/// Pixels drawn per band (about 32 MB of canvas).
const BAND_PIXELS: u32 = 8_000_000;
/// Pixels per band of a palette page (256 KB, in the L2 cache while it is cleared, drawn
/// and compressed): 3 % less CPU for the 100k package than 8-megapixel bands, measured;
/// 512 KB bands gained nothing.
const INDEXED_BAND_PIXELS: u32 = 1 << 18;

/// The scale actually used for a page of this size.
pub fn effective_scale(scene: &Scene, scale: f64) -> f64 {
    scale.min((MAX_PIXELS / (scene.width * scene.height).max(1.0)).sqrt())
}

fn page_pixels(scene: &Scene, scale: f64) -> (u32, u32) {
    (((scene.width * scale).ceil() as u32).max(1), ((scene.height * scale).ceil() as u32).max(1))
}

/// The whole page as one canvas (tests compare it with the SVG's rendering).
pub fn rasterise(scene: &Scene, scale: f64) -> Result<Pixmap, String> {
    let scale = effective_scale(scene, scale);
    let (pw, ph) = page_pixels(scene, scale);
    draw_into(&mut Canvas::default(), scene, scale, pw, 0, ph, &mut GlyphCache::default())
}

/// Rows `y0 .. y0 + rows` of the page on an RGBA canvas.
fn draw_into(
    canvas: &mut Canvas,
    scene: &Scene,
    scale: f64,
    pw: u32,
    y0: u32,
    rows: u32,
    cache: &mut GlyphCache,
) -> Result<Pixmap, String> {
    let mut pixmap = canvas.pixmap(pw, rows)?;
    // Opaque white is all bytes 0xFF: a plain memset, twice as fast as `Pixmap::fill`.
    pixmap.data_mut().fill(0xFF);
    draw_scene(&mut pixmap, scene, scale, y0, rows, cache);
    Ok(pixmap)
}

/// A tiny-skia drawing call: onto this pixmap, with this paint, under this transform.
type Draw<'a> = dyn Fn(&mut Pixmap, &Paint, Transform) + 'a;

/// What a page band is drawn on: an RGBA pixmap, or palette indices (`indexed::Band`).
/// Boxes and lines go through `spans::Surface`; the rest through these.
trait Target: spans::Surface {
    /// Whatever `draw` draws with tiny-skia in opaque `rgb` (given the paint and the
    /// transform to use), where it falls within `area` (scene units, under `t`).
    fn tiny_skia(&mut self, t: Transform, area: tiny_skia::Rect, rgb: [u8; 3], draw: &Draw);
    /// `ink` over the rows from `py` on, from column `x`, each pixel covered by its byte
    /// of that row's `coverage` (a glyph mask's rows, clipped to the band).
    fn glyph<'m>(&mut self, py: usize, x: usize, rows: impl Iterator<Item = &'m [u8]>, ink: Self::Color);
}

impl Target for Pixmap {
    fn tiny_skia(&mut self, t: Transform, _: tiny_skia::Rect, rgb: [u8; 3], draw: &Draw) {
        draw(self, &paint(rgb), t);
    }

    fn glyph<'m>(
        &mut self,
        py: usize,
        x: usize,
        rows: impl Iterator<Item = &'m [u8]>,
        ink: tiny_skia::PremultipliedColorU8,
    ) {
        let width = self.width() as usize;
        for (k, coverage) in rows.enumerate() {
            let at = ((py + k) * width + x) * 4;
            blend_row(
                &mut self.data_mut()[at..at + coverage.len() * 4],
                coverage,
                [ink.red(), ink.green(), ink.blue()],
            );
        }
    }
}

impl Target for indexed::Band<'_> {
    /// Drawn on a transparent scratch pixmap over the shape's pixels, whose alpha is
    /// then the coverage blended in palette colours.
    fn tiny_skia(&mut self, t: Transform, area: tiny_skia::Rect, rgb: [u8; 3], draw: &Draw) {
        let (w, h) = spans::Surface::size(self);
        let Some(device) = area.transform(t) else { return };
        // Two pixels of margin for anti-aliasing and miter corners.
        let x0 = (spans::floor(device.left() as f64) - 2).clamp(0, w);
        let y0 = (spans::floor(device.top() as f64) - 2).clamp(0, h);
        let x1 = (spans::floor(device.right() as f64) + 3).clamp(0, w);
        let y1 = (spans::floor(device.bottom() as f64) + 3).clamp(0, h);
        let Some(mut scratch) = Pixmap::new((x1 - x0) as u32, (y1 - y0) as u32) else { return };
        draw(&mut scratch, &paint(rgb), t.post_translate(-x0 as f32, -y0 as f32));
        let ink = self.palette.color(rgb);
        let mut coverage = vec![0u8; scratch.width() as usize];
        for (row, py) in scratch.pixels().chunks_exact(scratch.width() as usize).zip(y0 as usize..) {
            for (c, p) in coverage.iter_mut().zip(row) {
                *c = p.alpha();
            }
            self.blend_coverage(py, x0 as usize, &coverage, ink);
        }
    }

    fn glyph<'m>(&mut self, py: usize, x: usize, rows: impl Iterator<Item = &'m [u8]>, ink: u8) {
        self.blend_glyph(py, x, rows, ink);
    }
}

/// Draws the scene's rows `y0 .. y0 + rows` on `target` (already white).
fn draw_scene<T: Target>(target: &mut T, scene: &Scene, scale: f64, y0: u32, rows: u32, cache: &mut GlyphCache) {
    let t = Transform::from_scale(scale as f32, scale as f32).post_translate(0.0, -(y0 as f32));
    // Only what reaches this band (plus a margin for strokes and arrow heads).
    let (top, bottom) = (y0 as f64 / scale, (y0 + rows) as f64 / scale);
    let margin = 16.0;
    let in_band = |y_min: f64, y_max: f64| y_max + margin >= top && y_min - margin <= bottom;
    let box_in_band = |b: &&SceneBox| in_band(b.rect.y, b.rect.bottom());
    // The page box is white on the white canvas: drawing it (anti-aliased, the whole
    // page) was a tenth of the PNG time and changed no pixel.
    let blank_page =
        |b: &&SceneBox| b.role == Role::Page && b.style.fill == style::WHITE && b.style.stroke_width == 0.0;
    // Lines without anti-aliasing: the common shapes go row by row (`spans`).
    let spans = (t.sy < LINE_AA_SCALE).then_some(Device { scale, top: y0 as f64 });
    for b in scene.boxes.iter().filter(|b| !b.over_lines()).filter(box_in_band).filter(|b| !blank_page(b)) {
        draw_box(target, b, t, spans);
    }
    for e in &scene.edges {
        let (lo, hi) = e.points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
        if in_band(lo, hi) {
            draw_edge(target, e, t, spans);
        }
    }
    for b in scene.boxes.iter().filter(|b| b.over_lines()).filter(box_in_band) {
        draw_box(target, b, t, spans);
    }
    for text in &scene.texts {
        // Glyphs reach at most about one em above and below the baseline.
        if text.y + text.size < top || text.y - 2.0 * text.size > bottom {
            continue;
        }
        draw_text(target, text, scale, y0 as i32, cache);
    }
}

/// "#rrggbb" → its red, green and blue; anything else (never produced by our styles) is black.
fn rgb(hex: &str) -> [u8; 3] {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(0);
    if h.len() == 6 {
        [c(0), c(2), c(4)]
    } else {
        [0, 0, 0]
    }
}

fn paint([r, g, b]: [u8; 3]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(Color::from_rgba8(r, g, b, 255));
    p.anti_alias = true;
    p
}

/// Our lines are horizontal and vertical: at 1 px per unit they look the same without
/// anti-aliasing (only rounded corners step), and drawing them is several times faster.
/// Above that, where the image is meant for zooming, they are smoothed.
fn line_aa(t: Transform) -> bool {
    t.sy >= LINE_AA_SCALE
}

/// Pixels per unit from which lines are anti-aliased.
const LINE_AA_SCALE: f32 = 1.5;

fn stroke(width: f64, dash: Option<[f32; 2]>) -> Stroke {
    Stroke {
        width: width as f32,
        miter_limit: 4.0,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Miter,
        dash: dash.and_then(|d| StrokeDash::new(d.to_vec(), 0.0)),
    }
}

fn draw_box<T: Target>(target: &mut T, b: &SceneBox, t: Transform, spans: Option<Device>) {
    let r = &b.rect;
    let st = &b.style;
    if let Some(d) = spans {
        let radius = st.radius.min(r.w / 2.0).min(r.h / 2.0).max(0.0);
        // An outline of a pixel or more covers the fill's edge; a thinner one (or none)
        // needs an anti-aliased fill to show an edge at all (rounded ones: tiny-skia's).
        // A rounded box's outline under a pixel (the link-label chips) is drawn one pixel
        // wide instead: as crisp, and tiny-skia's path for it was ~1 % of a 100k package.
        let mut stroke_width = st.stroke_width;
        let mut thin = stroke_width * d.scale < 1.0;
        if thin && radius > 0.0 && stroke_width > 0.0 && !st.dashed {
            (stroke_width, thin) = (1.0 / d.scale, false);
        }
        if r.w > 0.0 && r.h > 0.0 && (!st.dashed || radius == 0.0) && !(thin && radius > 0.0) {
            let rect = [r.x, r.y, r.w, r.h];
            if thin {
                spans::fill_box_smooth(target, d, rect, rgb(st.fill));
            } else {
                spans::fill_box(target, d, rect, radius, rgb(st.fill));
            }
            if st.dashed && stroke_width > 0.0 {
                spans::dashed_box(target, d, rect, stroke_width, BOX_DASH, rgb(st.stroke));
            } else if stroke_width > 0.0 {
                spans::stroke_box(target, d, rect, radius, stroke_width, rgb(st.stroke));
            }
            return;
        }
    }
    let Some(path) = rounded_rect(r.x, r.y, r.w, r.h, st.radius) else { return };
    // The stroke (centred on the edge, at least a pixel wide) covers the fill's edge,
    // so the fill needs no anti-aliasing there: 3× faster on big containers.
    let fill_aa = st.stroke_width * (t.sy as f64) < 1.0;
    let area = path.bounds();
    target.tiny_skia(t, area, rgb(st.fill), &|p, paint, t| {
        let mut paint = paint.clone();
        paint.anti_alias = fill_aa;
        p.fill_path(&path, &paint, FillRule::Winding, t, None);
    });
    if st.stroke_width > 0.0 {
        let dash = st.dashed.then_some(BOX_DASH.map(|v| v as f32));
        let stroke = stroke(st.stroke_width, dash);
        let w = st.stroke_width as f32;
        let area = area.outset(2.0 * w + 1.0, 2.0 * w + 1.0).unwrap_or(area);
        target.tiny_skia(t, area, rgb(st.stroke), &|p, paint, t| {
            let mut paint = paint.clone();
            paint.anti_alias = line_aa(t);
            p.stroke_path(&path, &paint, &stroke, t, None);
        });
    }
}

/// SVG `<rect rx>` geometry: corners are quarter ellipses of radius min(rx, w/2, h/2).
fn rounded_rect(x: f64, y: f64, w: f64, h: f64, radius: f64) -> Option<tiny_skia::Path> {
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    let (x, y, w, h) = (x as f32, y as f32, w as f32, h as f32);
    let r = (radius as f32).min(w / 2.0).min(h / 2.0).max(0.0);
    let mut pb = PathBuilder::new();
    if r == 0.0 {
        pb.push_rect(tiny_skia::Rect::from_xywh(x, y, w, h)?);
        return pb.finish();
    }
    // Cubic approximation of a quarter circle.
    let k = r * 0.552_284_8;
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

/// Dash patterns (on, off) in units, as the SVG writer's `stroke-dasharray`.
const BOX_DASH: [f64; 2] = [5.0, 3.0];
const EDGE_DASH: [f64; 2] = [6.0, 4.0];

fn draw_edge<T: Target>(target: &mut T, e: &SceneEdge, t: Transform, spans: Option<Device>) {
    if e.points.len() < 2 {
        return;
    }
    if let Some(d) = spans.filter(|d| e.style.width * d.scale >= 1.0 && spans::is_orthogonal(&e.points)) {
        let dash = e.style.dashed.then_some(EDGE_DASH);
        spans::polyline(target, d, &e.points, e.style.width, dash, rgb(e.style.color));
        draw_arrow_head(target, e, t);
        return;
    }
    let mut pb = PathBuilder::new();
    pb.move_to(e.points[0].0 as f32, e.points[0].1 as f32);
    for p in &e.points[1..] {
        pb.line_to(p.0 as f32, p.1 as f32);
    }
    let Some(path) = pb.finish() else { return };
    let dash = e.style.dashed.then_some(EDGE_DASH.map(|v| v as f32));
    let stroke = stroke(e.style.width, dash);
    let w = e.style.width as f32;
    // Miter corners reach out up to twice the width (miter limit 4).
    let area = path.bounds().outset(2.0 * w + 1.0, 2.0 * w + 1.0).unwrap_or(path.bounds());
    target.tiny_skia(t, area, rgb(e.style.color), &|p, paint, t| {
        let mut paint = paint.clone();
        paint.anti_alias = line_aa(t);
        p.stroke_path(&path, &paint, &stroke, t, None);
    });
    draw_arrow_head(target, e, t);
}

fn draw_arrow_head<T: Target>(target: &mut T, e: &SceneEdge, t: Transform) {
    if let Some(head) = e.style.arrow.then(|| arrow_head(e)).flatten() {
        target.tiny_skia(t, head.bounds(), rgb(e.style.color), &|p, paint, t| {
            p.fill_path(&head, paint, FillRule::Winding, t, None);
        });
    }
}

/// The SVG writer's marker: path M0,0 L10,5 L0,10 z in a 10-unit box drawn 7 stroke
/// widths wide, reference point (9,5) on the last vertex, turned along the last segment.
fn arrow_head(e: &SceneEdge) -> Option<tiny_skia::Path> {
    let n = e.points.len();
    let (end, prev) = (e.points[n - 1], e.points[n - 2]);
    let (dx, dy) = (end.0 - prev.0, end.1 - prev.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len == 0.0 {
        return None;
    }
    let (c, s) = (dx / len, dy / len);
    let unit = 0.7 * e.style.width;
    let at = |u: f64, v: f64| {
        let (lx, ly) = ((u - 9.0) * unit, (v - 5.0) * unit);
        ((end.0 + lx * c - ly * s) as f32, (end.1 + lx * s + ly * c) as f32)
    };
    let mut pb = PathBuilder::new();
    let (a, b, d) = (at(0.0, 0.0), at(10.0, 5.0), at(0.0, 10.0));
    pb.move_to(a.0, a.1);
    pb.line_to(b.0, b.1);
    pb.line_to(d.0, d.1);
    pb.close();
    pb.finish()
}

/// Quarter-pixel horizontal positions: close enough to the measured advances that
/// words keep their shape, few enough that every glyph is rasterised a handful of times.
const SUBPIXEL_STEPS: f64 = 4.0;

/// Glyph masks by weight, size, glyph and quarter-pixel offset. The weight and size are
/// looked up once per text (`size`), each glyph by index (`get`): hashing the whole key
/// per glyph took ~0.2 s of the 100k package (perf).
#[derive(Default)]
struct GlyphCache {
    /// Rasterised masks (None: the glyph draws nothing).
    masks: Vec<Option<Mask>>,
    /// (weight, size in 1/64 px) → its entry in `sizes`.
    size_of: FastMap<(bool, u32), usize>,
    sizes: Vec<SizeIndex>,
}

/// Where each glyph of one weight and size has its masks in `GlyphCache::masks`.
#[derive(Default)]
struct SizeIndex {
    bold: bool,
    px_size: f64,
    /// Glyph ids below `LOW_GLYPHS` (the Latin letters, digits and punctuation of our
    /// fonts): index + 1 per offset, 0 until rasterised.
    low: Vec<[u32; SUBPIXEL_STEPS as usize]>,
    other: FastMap<(u16, u8), u32>,
}

/// Glyph ids kept in a table rather than a map.
const LOW_GLYPHS: usize = 256;

/// Coverage of one glyph, positioned relative to its (integer) pen pixel.
struct Mask {
    left: i32,
    top: i32,
    width: u32,
    height: u32,
    coverage: Vec<u8>,
}

thread_local! {
    /// Glyph masks outlive a page: the next page on this thread needs mostly the same ones.
    static GLYPHS: std::cell::RefCell<GlyphCache> = std::cell::RefCell::new(GlyphCache::default());
}

/// More masks than any estate's labels need; a bound all the same.
const MAX_CACHED_GLYPHS: usize = 100_000;

impl GlyphCache {
    fn take() -> GlyphCache {
        GLYPHS.with(|c| std::mem::take(&mut *c.borrow_mut()))
    }

    fn give_back(mut self) {
        if self.masks.len() > MAX_CACHED_GLYPHS {
            self = GlyphCache::default();
        }
        GLYPHS.with(|c| *c.borrow_mut() = self);
    }

    /// The entry of one weight and size (`get` takes it).
    fn size(&mut self, bold: bool, px_size: f64) -> usize {
        let key = (bold, (px_size * 64.0).round() as u32);
        let sizes = &mut self.sizes;
        *self.size_of.entry(key).or_insert_with(|| {
            sizes.push(SizeIndex { bold, px_size, ..SizeIndex::default() });
            sizes.len() - 1
        })
    }

    /// The mask of `glyph` at quarter-pixel offset `frac` (0–3) in size entry `size`.
    fn get(&mut self, size: usize, glyph: GlyphId, frac: u8) -> Option<&Mask> {
        let s = &mut self.sizes[size];
        let slot = if (glyph.0 as usize) < LOW_GLYPHS {
            if s.low.is_empty() {
                s.low = vec![[0; SUBPIXEL_STEPS as usize]; LOW_GLYPHS];
            }
            &mut s.low[glyph.0 as usize][frac as usize]
        } else {
            s.other.entry((glyph.0, frac)).or_insert(0)
        };
        if *slot == 0 {
            self.masks.push(rasterise_glyph(glyph, s.bold, s.px_size, frac));
            *slot = self.masks.len() as u32;
        }
        self.masks[*slot as usize - 1].as_ref()
    }
}

fn rasterise_glyph(glyph: GlyphId, bold: bool, px_size: f64, frac: u8) -> Option<Mask> {
    let font = metrics::font(bold);
    // ab_glyph scales by the font's height (ascent − descent), not the em.
    let upem = font.units_per_em().unwrap_or(2048.0) as f64;
    let scale = PxScale::from((px_size * font.height_unscaled() as f64 / upem) as f32);
    let x = frac as f32 / SUBPIXEL_STEPS as f32;
    let outlined = font.outline_glyph(glyph.with_scale_and_position(scale, ab_glyph::point(x, 0.0)))?;
    let b = outlined.px_bounds();
    let (width, height) = (b.width() as u32, b.height() as u32);
    if width == 0 || height == 0 {
        return None;
    }
    let mut coverage = vec![0u8; (width * height) as usize];
    outlined.draw(|gx, gy, c| {
        if let Some(v) = coverage.get_mut((gy * width + gx) as usize) {
            *v = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    });
    Some(Mask { left: b.min.x as i32, top: b.min.y as i32, width, height, coverage })
}

fn draw_text<T: Target>(target: &mut T, text: &SceneText, scale: f64, y0: i32, cache: &mut GlyphCache) {
    let px_size = text.size * scale;
    let ink = target.color(rgb(text.color));
    let baseline = (text.y * scale).round() as i32 - y0;
    let (pw, ph) = target.size();
    let (pw, ph) = (pw as i32, ph as i32);
    let size = cache.size(text.bold, px_size);
    for g in glyphs::place(text) {
        let pen = g.x * scale;
        let whole = spans::floor(pen) as f64;
        let frac = spans::round((pen - whole) * SUBPIXEL_STEPS).clamp(0, SUBPIXEL_STEPS as i64) as u8;
        let (whole, frac) = if frac == SUBPIXEL_STEPS as u8 { (whole + 1.0, 0) } else { (whole, frac) };
        let Some(mask) = cache.get(size, g.glyph, frac) else { continue };
        let (ox, oy) = (whole as i32 + mask.left, baseline + mask.top);
        // The part of the mask on this band, found once rather than tested per pixel.
        let (mw, mh) = (mask.width as i32, mask.height as i32);
        let (x_lo, x_hi) = ((-ox).max(0), (pw - ox).min(mw));
        let (y_lo, y_hi) = ((-oy).max(0), (ph - oy).min(mh));
        if x_lo >= x_hi || y_lo >= y_hi {
            continue;
        }
        let rows = (y_lo..y_hi).map(|my| &mask.coverage[(my * mw + x_lo) as usize..(my * mw + x_hi) as usize]);
        target.glyph((oy + y_lo) as usize, (ox + x_lo) as usize, rows, ink);
    }
}

/// Source-over of an opaque colour with coverage `a` (0–255) onto opaque pixels
/// (`spans::over` per channel); alpha stays 255. Four pixels at a time with SSE2 (part of
/// x86-64), skipping four at once where the glyph leaves them uncovered: the compiler did
/// not vectorise the three-of-four-channel loop well, and text is most of `draw_into`'s
/// own time (~5 % of the 100k package's CPU).
#[inline]
fn blend_row(row: &mut [u8], coverage: &[u8], ink: [u8; 3]) {
    #[cfg(target_arch = "x86_64")]
    {
        let whole = coverage.len().min(row.len() / 4) / 4 * 4;
        // SAFETY: SSE2 is in every x86-64 CPU (the target's baseline).
        unsafe { sse2::blend_row(&mut row[..whole * 4], &coverage[..whole], ink) };
        blend_row_portable(&mut row[whole * 4..], &coverage[whole..], ink);
    }
    #[cfg(not(target_arch = "x86_64"))]
    blend_row_portable(row, coverage, ink);
}

/// `blend_row` one channel at a time (the SSE2 version's tail; other architectures).
fn blend_row_portable(row: &mut [u8], coverage: &[u8], ink: [u8; 3]) {
    for (dst, &a) in row.chunks_exact_mut(4).zip(coverage) {
        for (d, &s) in dst[..3].iter_mut().zip(&ink) {
            *d = spans::over(s, *d, a as u32);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi16, _mm_cvtsi32_si128, _mm_loadu_si128, _mm_mullo_epi16, _mm_packus_epi16, _mm_set1_epi16,
        _mm_setr_epi16, _mm_setzero_si128, _mm_srli_epi16, _mm_storeu_si128, _mm_sub_epi16, _mm_unpackhi_epi8,
        _mm_unpacklo_epi16, _mm_unpacklo_epi8,
    };

    /// `super::blend_row` on whole groups of four pixels (`coverage.len()` a multiple of 4,
    /// `row` four bytes per coverage byte). All four channels are blended, alpha with ink
    /// alpha 255 over 255, which stays 255; (x + 128) · 257 >> 16 is computed as
    /// (y + (y >> 8)) >> 8 with y = x + 128, the same integer for every x ≤ 255².
    #[target_feature(enable = "sse2")]
    pub unsafe fn blend_row(row: &mut [u8], coverage: &[u8], [r, g, b]: [u8; 3]) {
        let ink = _mm_setr_epi16(r as i16, g as i16, b as i16, 255, r as i16, g as i16, b as i16, 255);
        let (zero, full, half) = (_mm_setzero_si128(), _mm_set1_epi16(255), _mm_set1_epi16(128));
        let over = |dst: __m128i, a: __m128i| {
            let x = _mm_add_epi16(_mm_mullo_epi16(ink, a), _mm_mullo_epi16(dst, _mm_sub_epi16(full, a)));
            let y = _mm_add_epi16(x, half);
            _mm_srli_epi16::<8>(_mm_add_epi16(y, _mm_srli_epi16::<8>(y)))
        };
        for (px, cov) in row.chunks_exact_mut(16).zip(coverage.chunks_exact(4)) {
            let c = u32::from_le_bytes([cov[0], cov[1], cov[2], cov[3]]);
            if c == 0 {
                continue;
            }
            // SAFETY: `px` is 16 bytes (unaligned loads and stores are allowed).
            let dst = unsafe { _mm_loadu_si128(px.as_ptr().cast::<__m128i>()) };
            // a0 a0 a0 a0 a1 a1 a1 a1 … a3: each pixel's coverage on its four channels.
            let c8 = _mm_cvtsi32_si128(c as i32);
            let c8 = _mm_unpacklo_epi8(c8, c8);
            let c8 = _mm_unpacklo_epi16(c8, c8);
            let lo = over(_mm_unpacklo_epi8(dst, zero), _mm_unpacklo_epi8(c8, zero));
            let hi = over(_mm_unpackhi_epi8(dst, zero), _mm_unpackhi_epi8(c8, zero));
            // SAFETY: as the load.
            unsafe { _mm_storeu_si128(px.as_mut_ptr().cast::<__m128i>(), _mm_packus_epi16(lo, hi)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::scene::{Anchor, Rect, Role};
    use crate::diagram::style;

    fn demo_scenes() -> Vec<crate::diagram::PageScene> {
        let s = inventory::demo::demo_snapshot().unwrap();
        crate::diagram::render_scenes(&s, &inventory::analysis::analyze(&s)).unwrap()
    }

    #[test]
    fn sub_filter_matches_the_png_definition_at_every_width() {
        for width in [1usize, 2, 3, 4, 5, 7, 8, 13, 64, 1001] {
            let rgba: Vec<u8> = (0..width * 4).map(|i| (i * 37 % 251) as u8).collect();
            let (mut rgb, mut out) = (vec![0; width * 3], vec![0; width * 3]);
            sub_filter_rgb(&rgba, &mut rgb, &mut out);
            let mut portable = vec![0; width * 3];
            sub_filter_rgb_portable(&rgba, &mut rgb, &mut portable);
            assert_eq!(portable, out, "portable version, width {width}");
            let mut expected = Vec::new();
            for x in 0..width {
                for c in 0..3 {
                    let left = if x == 0 { 0 } else { rgba[(x - 1) * 4 + c] };
                    expected.push(rgba[x * 4 + c].wrapping_sub(left));
                }
            }
            assert_eq!(out, expected, "width {width}");
        }
    }

    #[test]
    fn text_blend_is_exact_source_over_and_keeps_alpha() {
        for ink in [[0u8, 0, 0], [255, 255, 255], [27, 38, 49], [208, 0, 0]] {
            for a in 0..=255u32 {
                let row: Vec<u8> = (0..=255u8).flat_map(|d| [d, 255 - d, d / 2, 255]).collect();
                let mut out = row.clone();
                blend_row(&mut out, &vec![a as u8; 256], ink);
                let mut mixed = row.clone();
                let coverage: Vec<u8> =
                    (0..256u32).map(|i| if (i / 4) % 3 == 0 || i % 7 == 0 { 0 } else { (a + i) as u8 }).collect();
                blend_row(&mut mixed[..255 * 4], &coverage[..255], ink);
                let mut portable = row.clone();
                blend_row_portable(&mut portable[..255 * 4], &coverage[..255], ink);
                assert_eq!(mixed, portable, "ink {ink:?} coverage {a}: vector and portable versions");
                for (px, was) in out.chunks_exact(4).zip(row.chunks_exact(4)) {
                    for c in 0..3 {
                        let want = (ink[c] as u32 * a + was[c] as u32 * (255 - a) + 127) / 255;
                        assert_eq!(px[c] as u32, want, "ink {ink:?} coverage {a} dst {was:?}");
                    }
                    assert_eq!(px[3], 255);
                }
            }
        }
    }

    /// Pixels as RGB (palette pages expanded).
    fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut d = ::png::Decoder::new(png);
        d.set_transformations(::png::Transformations::EXPAND);
        let mut r = d.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    /// The PNG must show what the SVG shows: compare with resvg's rendering of the SVG.
    #[test]
    fn draws_what_the_svg_draws() {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(crate::diagram::font::REGULAR.to_vec());
        db.load_font_data(crate::diagram::font::BOLD.to_vec());
        let opt = usvg::Options {
            fontdb: std::sync::Arc::new(db),
            font_family: crate::diagram::font::FAMILY.to_string(),
            ..usvg::Options::default()
        };
        // 2 px per unit (estates up to 100 pages; lines anti-aliased like resvg's) and
        // 1 px per unit (larger estates; lines drawn without anti-aliasing, so looser).
        for (scale, limit) in [(2.0, 0.02), (1.0, 0.05)] {
            for p in demo_scenes() {
                let ours = rasterise(&p.scene, scale).unwrap();
                let tree = usvg::Tree::from_str(&super::super::svg::write(&p.scene), &opt).unwrap();
                let mut theirs = Pixmap::new(ours.width(), ours.height()).unwrap();
                theirs.fill(Color::WHITE);
                let t = resvg::tiny_skia::Transform::from_scale(scale as f32, scale as f32);
                resvg::render(&tree, t, &mut theirs.as_mut());
                let differing = ours
                    .pixels()
                    .iter()
                    .zip(theirs.pixels())
                    .filter(|(a, b)| {
                        let d = |x: u8, y: u8| (x as i32 - y as i32).abs();
                        d(a.red(), b.red()).max(d(a.green(), b.green())).max(d(a.blue(), b.blue())) > 64
                    })
                    .count();
                let share = differing as f64 / ours.pixels().len() as f64;
                assert!(
                    share < limit,
                    "{} at {scale}×: {:.2} % of pixels differ from the SVG rendering",
                    p.file_stem,
                    share * 100.0
                );
                let inked = ours.pixels().iter().filter(|c| c.red() < 128).count();
                assert!(inked > 1000, "{}: page is nearly blank", p.file_stem);
            }
        }
    }

    /// The colour type byte of IHDR.
    fn color_type(png: &[u8]) -> u8 {
        png[25]
    }

    /// At 1 px per unit pages go out in palette colours: the same picture as the RGBA
    /// drawing, a blend within half a coverage step (a step where two blends meet);
    /// in bands too.
    #[test]
    fn palette_pages_show_the_rgba_drawing() {
        let tolerance = (255 / (2 * indexed::LEVELS) + 1) as i32;
        let mut over_half_step = 0;
        let mut pixels = 0;
        for p in demo_scenes() {
            let png = png_in_bands(&p.scene, 1.0, BAND_PIXELS).unwrap();
            assert_eq!(color_type(&png), 3, "{}: palette", p.file_stem);
            let (w, h, ours) = decode(&png);
            let rgba = rasterise(&p.scene, 1.0).unwrap();
            assert_eq!((w, h), (rgba.width(), rgba.height()));
            for (i, (a, b)) in ours.chunks_exact(3).zip(rgba.pixels()).enumerate() {
                let worst = (0..3).map(|c| (a[c] as i32 - [b.red(), b.green(), b.blue()][c] as i32).abs()).max();
                assert!(worst <= Some(2 * tolerance), "{} pixel {i}: {a:?} vs {b:?}", p.file_stem);
                over_half_step += usize::from(worst > Some(tolerance));
            }
            pixels += rgba.pixels().len();
            let banded = decode(&png_in_bands(&p.scene, 1.0, 50_000).unwrap());
            assert!(h > 2 * (50_000 / w), "several bands");
            // Band edges may round tiny-skia's anti-aliased coverage a step apart.
            let off = banded.2.iter().zip(&ours).filter(|(x, y)| x != y).count();
            assert!(off * 10_000 < ours.len(), "{}: {off} channels differ where bands join", p.file_stem);
        }
        assert!(over_half_step * 10_000 < pixels, "{over_half_step} of {pixels} pixels over half a step");
    }

    /// A page of more than 256 colours is drawn in RGB, exactly as before.
    #[test]
    fn pages_of_many_colours_fall_back_to_rgb() {
        let mut s = Scene::new("many colours");
        s.width = 400.0;
        s.height = 400.0;
        let hex: Vec<String> = (0..300).map(|i| format!("#{:02x}{:02x}40", i % 256, i / 256 * 100)).collect();
        for (i, h) in hex.iter().enumerate() {
            let (x, y) = ((i % 20) as f64 * 20.0, (i / 20) as f64 * 20.0);
            let style = style::plain(h.clone().leak(), style::INK, 0.0, false);
            s.add_box("b", Role::Vpc, Rect::new(x, y, 18.0, 18.0), None, style);
        }
        let png = png(&s, 1.0).unwrap();
        assert_eq!(color_type(&png), 2, "RGB");
        let (_, _, ours) = decode(&png);
        let rgba = rasterise(&s, 1.0).unwrap();
        let exact: Vec<u8> = rgba.pixels().iter().flat_map(|p| [p.red(), p.green(), p.blue()]).collect();
        assert_eq!(ours, exact);
    }

    #[test]
    fn bands_join_seamlessly_and_output_is_deterministic() {
        let scenes = demo_scenes();
        let page = &scenes[1].scene;
        let whole = png_in_bands(page, 2.0, u32::MAX).unwrap();
        let banded = png_in_bands(page, 2.0, 100_000).unwrap();
        let (w, h, a) = decode(&whole);
        let (w2, h2, b) = decode(&banded);
        assert_eq!((w, h), (w2, h2));
        assert_eq!((w as f64, h as f64), ((page.width * 2.0).ceil(), (page.height * 2.0).ceil()));
        assert!(h > 10 * (100_000 / w), "the banded run really used several bands");
        // Band edges may round anti-aliased coverage differently by a step or two.
        let off = a.iter().zip(&b).filter(|(x, y)| (**x as i32 - **y as i32).abs() > 2).count();
        let worst = a.iter().zip(&b).map(|(x, y)| (*x as i32 - *y as i32).abs()).max().unwrap_or(0);
        assert!(off * 10_000 < a.len(), "{off} of {} channels differ by more than 2 (worst {worst})", a.len());
        assert_eq!(png(page, 2.0).unwrap(), png(page, 2.0).unwrap());
    }

    #[test]
    fn huge_pages_are_scaled_to_the_pixel_cap_and_odd_text_is_safe() {
        let mut s = Scene::new("big");
        s.width = 20_000.0;
        s.height = 10_000.0;
        s.add_box(
            "a",
            Role::Vpc,
            Rect::new(10.0, 10.0, 500.0, 300.0),
            None,
            style::plain("#e8f8f5", "#148f77", 2.0, true),
        );
        for (i, t) in ["a(b)c\\d <script>", "日本 \u{1F600} \u{202E}x", "", "…"].iter().enumerate() {
            s.add_text(None, 20.0, 40.0 + 20.0 * i as f64, t, 12.0, i % 2 == 0, style::INK, Anchor::Start, 400.0);
        }
        let (w, h, _) = decode(&png(&s, 2.0).unwrap());
        assert!((w as f64 * h as f64) <= MAX_PIXELS * 1.01, "{w}×{h}");
        assert!(w > 8000, "scaled down, not cropped: {w}");
    }
}
