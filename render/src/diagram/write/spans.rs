//! The shapes nearly every large page is made of — boxes (square or rounded corners,
//! solid or dashed square outlines) and horizontal/vertical lines — filled row by row
//! straight into the canvas, without anti-aliasing. This is for pages drawn at about
//! 1 px per unit (estates of over a hundred pages), where `png` draws lines without
//! anti-aliasing anyway: tiny-skia's general path filler walked every edge of every box
//! on every row and was two fifths of the PNG time there.
//!
//! A pixel is inside a shape when its centre is, as in tiny-skia's non-anti-aliased fill
//! (a shape from x0 to x1 covers pixels `round(x0) .. round(x1)`, rounding halves up).
//! Strokes are centred on the outline, with square (miter) corners and butt ends.
use tiny_skia::{Pixmap, PremultipliedColorU8};

/// Device coordinates of a page band: x · scale, y · scale − top row.
#[derive(Clone, Copy)]
pub struct Device {
    pub scale: f64,
    pub top: f64,
}

impl Device {
    fn x(self, x: f64) -> f64 {
        x * self.scale
    }
    fn y(self, y: f64) -> f64 {
        y * self.scale - self.top
    }
}

/// An axis-aligned rectangle in device pixels, corners rounded with `radius`.
#[derive(Clone, Copy, Debug)]
struct Shape {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    radius: f64,
}

/// `v.round()` with halves up, as an integer.
pub(crate) fn round(v: f64) -> i64 {
    floor(v + 0.5)
}

/// `v.floor() as i64` (saturating, NaN → 0) without the libm call that `f64::floor` is on
/// x86-64 before SSE4.1: it was called four times per row of every box.
#[inline]
pub(crate) fn floor(v: f64) -> i64 {
    let t = v as i64;
    t.saturating_sub(((t as f64) > v) as i64)
}

/// `v.ceil() as i64`, the same way.
#[inline]
fn ceil(v: f64) -> i64 {
    let t = v as i64;
    t.saturating_add(((t as f64) < v) as i64)
}

impl Shape {
    fn grown(self, by: f64, radius: f64) -> Shape {
        Shape { x0: self.x0 - by, y0: self.y0 - by, x1: self.x1 + by, y1: self.y1 + by, radius }
    }

    fn rows(self) -> (i64, i64) {
        (round(self.y0), round(self.y1))
    }

    /// Pixels of row `py` inside the shape (empty range when none).
    fn span(self, py: i64) -> (i64, i64) {
        let yc = py as f64 + 0.5;
        let (top, bottom) = self.rows();
        if py < top || py >= bottom {
            return (0, 0);
        }
        let r = self.radius;
        let dy = if yc < self.y0 + r {
            self.y0 + r - yc
        } else if yc > self.y1 - r {
            yc - (self.y1 - r)
        } else {
            0.0
        };
        let dx = if dy > 0.0 { r - (r * r - dy * dy).max(0.0).sqrt() } else { 0.0 };
        (round(self.x0 + dx), round(self.x1 - dx))
    }
}

/// Where spans are drawn: a band of rows in some pixel format (RGBA for tiny-skia's
/// `Pixmap`, palette indices for `indexed::Band`). Callers clip to `size`.
pub trait Surface {
    /// A colour as the surface stores it, resolved once per shape.
    type Color: Copy;
    /// (width, height) in pixels.
    fn size(&self) -> (i64, i64);
    fn color(&mut self, rgb: [u8; 3]) -> Self::Color;
    /// Pixels `x0 .. x1` of row `py` set to `color`.
    fn fill(&mut self, py: i64, x0: i64, x1: i64, color: Self::Color);
    /// `color` over pixels `x0 .. x1` of row `py`, covering `a` (1–254) of 255 of each.
    fn blend(&mut self, py: i64, x0: i64, x1: i64, color: Self::Color, a: u32);
}

impl Surface for Pixmap {
    type Color = PremultipliedColorU8;

    fn size(&self) -> (i64, i64) {
        (self.width() as i64, self.height() as i64)
    }

    fn color(&mut self, [r, g, b]: [u8; 3]) -> PremultipliedColorU8 {
        PremultipliedColorU8::from_rgba(r, g, b, 255).unwrap_or(PremultipliedColorU8::TRANSPARENT)
    }

    fn fill(&mut self, py: i64, x0: i64, x1: i64, color: PremultipliedColorU8) {
        let at = (py * self.width() as i64) as usize;
        self.pixels_mut()[at + x0 as usize..at + x1 as usize].fill(color);
    }

    fn blend(&mut self, py: i64, x0: i64, x1: i64, color: PremultipliedColorU8, a: u32) {
        let at = (py * self.width() as i64) as usize;
        for p in &mut self.pixels_mut()[at + x0 as usize..at + x1 as usize] {
            let q = PremultipliedColorU8::from_rgba(
                over(color.red(), p.red(), a),
                over(color.green(), p.green(), a),
                over(color.blue(), p.blue(), a),
                255,
            );
            *p = q.unwrap_or(*p);
        }
    }
}

/// Rows of the band with their pixels, clipped to the canvas.
struct Canvas<'p, S: Surface> {
    surface: &'p mut S,
    width: i64,
    height: i64,
}

impl<S: Surface> Canvas<'_, S> {
    fn new(surface: &mut S) -> Canvas<'_, S> {
        let (width, height) = surface.size();
        Canvas { surface, width, height }
    }

    fn fill(&mut self, py: i64, x0: i64, x1: i64, color: S::Color) {
        let (x0, x1) = (x0.max(0), x1.min(self.width));
        if py < 0 || py >= self.height || x0 >= x1 {
            return;
        }
        self.surface.fill(py, x0, x1, color);
    }

    /// Source-over of `color` covering `share` (0–1) of each pixel (all opaque).
    fn blend(&mut self, py: i64, x0: i64, x1: i64, color: S::Color, share: f64) {
        let (x0, x1) = (x0.max(0), x1.min(self.width));
        let a = (share * 255.0).round() as u32;
        if py < 0 || py >= self.height || x0 >= x1 || a == 0 {
            return;
        }
        if a >= 255 {
            self.surface.fill(py, x0, x1, color);
        } else {
            self.surface.blend(py, x0, x1, color, a);
        }
    }

    fn rows(&self, (top, bottom): (i64, i64)) -> std::ops::Range<i64> {
        top.max(0)..bottom.min(self.height)
    }

    fn fill_shape(&mut self, s: Shape, color: S::Color) {
        for py in self.rows(s.rows()) {
            let (a, b) = s.span(py);
            self.fill(py, a, b, color);
        }
    }

    /// `outer` minus `inner` (a stroke's ring).
    fn fill_ring(&mut self, outer: Shape, inner: Option<Shape>, color: S::Color) {
        for py in self.rows(outer.rows()) {
            let (a, b) = outer.span(py);
            let (c, d) = inner.map(|s| s.span(py)).unwrap_or((0, 0));
            if c < d {
                self.fill(py, a, c.min(b), color);
                self.fill(py, d.max(a), b, color);
            } else {
                self.fill(py, a, b, color);
            }
        }
    }

    fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: S::Color) {
        self.fill_shape(Shape { x0: x0.min(x1), y0: y0.min(y1), x1: x0.max(x1), y1: y0.max(y1), radius: 0.0 }, color);
    }
}

/// One channel of an opaque colour `ink` over an opaque `dst` at coverage `a` (0–255):
/// (ink·a + dst·(255 − a) + 127) / 255, as a multiply and a shift (exact for x ≤ 255²).
#[inline]
pub fn over(ink: u8, dst: u8, a: u32) -> u8 {
    let x = ink as u32 * a + dst as u32 * (255 - a);
    (((x + 128) * 257) >> 16) as u8
}

/// A box's interior (scene units; `radius` as SVG's `rx`, already limited to half a side).
pub fn fill_box<S: Surface>(surface: &mut S, d: Device, rect: [f64; 4], radius: f64, rgb: [u8; 3]) {
    let shape = device_shape(d, rect, radius);
    let color = surface.color(rgb);
    Canvas::new(surface).fill_shape(shape, color);
}

/// A square-cornered box's interior, anti-aliased: each pixel takes the colour in
/// proportion to the share of it the box covers (boxes whose outline is too thin to
/// cover the fill's edge: legend swatches, matrix cells).
pub fn fill_box_smooth<S: Surface>(surface: &mut S, d: Device, rect: [f64; 4], rgb: [u8; 3]) {
    let s = device_shape(d, rect, 0.0);
    let color = surface.color(rgb);
    let mut canvas = Canvas::new(surface);
    // Share of pixel `p` (a row or a column) inside `lo .. hi`.
    let cover = |p: i64, lo: f64, hi: f64| (hi.min(p as f64 + 1.0) - lo.max(p as f64)).clamp(0.0, 1.0);
    let rows = canvas.rows((floor(s.y0), ceil(s.y1)));
    let (first, last) = (floor(s.x0), ceil(s.x1) - 1);
    // Whole pixels in the middle; the first and last columns partly covered.
    let (inner0, inner1) = (ceil(s.x0), floor(s.x1));
    for py in rows {
        let row_share = cover(py, s.y0, s.y1);
        if row_share >= 1.0 && inner0 < inner1 {
            canvas.fill(py, inner0, inner1, color);
        } else if inner0 < inner1 {
            canvas.blend(py, inner0, inner1, color, row_share);
        }
        for px in [first, last] {
            if px < inner0 || px >= inner1 {
                canvas.blend(py, px, px + 1, color, row_share * cover(px, s.x0, s.x1));
            }
            if first == last {
                break;
            }
        }
    }
}

/// A box's solid outline, `width` wide, centred on the edge.
pub fn stroke_box<S: Surface>(surface: &mut S, d: Device, rect: [f64; 4], radius: f64, width: f64, rgb: [u8; 3]) {
    let shape = device_shape(d, rect, radius);
    let h = width * d.scale / 2.0;
    let outer = shape.grown(h, if shape.radius > 0.0 { shape.radius + h } else { 0.0 });
    let inner = (shape.x1 - shape.x0 > 2.0 * h && shape.y1 - shape.y0 > 2.0 * h)
        .then(|| shape.grown(-h, (shape.radius - h).max(0.0)));
    let color = surface.color(rgb);
    Canvas::new(surface).fill_ring(outer, inner, color);
}

/// A square-cornered box's dashed outline: the dash pattern runs clockwise from the
/// top-left corner (as tiny-skia's rectangle path), corners squared where a dash turns one.
pub fn dashed_box<S: Surface>(surface: &mut S, d: Device, rect: [f64; 4], width: f64, dash: [f64; 2], rgb: [u8; 3]) {
    let [x, y, w, h] = rect;
    let points = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)];
    polyline(surface, d, &points, width, Some(dash), rgb);
}

/// A line through `points` (every segment horizontal or vertical: see `is_orthogonal`),
/// `width` wide, optionally dashed (pattern in scene units, starting at the first point).
pub fn polyline<S: Surface>(
    surface: &mut S,
    d: Device,
    points: &[(f64, f64)],
    width: f64,
    dash: Option<[f64; 2]>,
    rgb: [u8; 3],
) {
    let color = surface.color(rgb);
    let mut canvas = Canvas::new(surface);
    let h = width * d.scale / 2.0;
    let pts: Vec<(f64, f64)> = points.iter().map(|&(px, py)| (d.x(px), d.y(py))).collect();
    let (on, off) = match dash {
        Some([on, off]) if on > 0.0 && off >= 0.0 => (on * d.scale, off * d.scale),
        _ => (f64::INFINITY, 0.0),
    };
    let period = on + off;
    // Distance along the line where each segment starts.
    let mut along = 0.0;
    let is_on = |t: f64| period.is_infinite() || t.rem_euclid(period) < on;
    for (i, seg) in pts.windows(2).enumerate() {
        let ((ax, ay), (bx, by)) = (seg[0], seg[1]);
        let len = (bx - ax).abs() + (by - ay).abs();
        if len == 0.0 {
            continue;
        }
        let (ux, uy) = ((bx - ax) / len, (by - ay) / len);
        // The "on" stretches of the pattern within this segment: dash k is on from
        // k·period to k·period + on along the line (counted by k, so floating-point
        // rounding cannot stall the walk).
        let first_dash = if period.is_infinite() { 0.0 } else { (along / period).floor() };
        let mut k = first_dash;
        loop {
            let (start, end) =
                if period.is_infinite() { (0.0, len) } else { (k * period - along, k * period + on - along) };
            if start >= len {
                break;
            }
            let (t0, t1) = (start.max(0.0), end.min(len));
            if t0 < t1 {
                let (x0, y0) = (ax + ux * t0, ay + uy * t0);
                let (x1, y1) = (ax + ux * t1, ay + uy * t1);
                if ux != 0.0 {
                    canvas.fill_rect(x0, y0 - h, x1, y1 + h, color);
                } else {
                    canvas.fill_rect(x0 - h, y0, x1 + h, y1, color);
                }
            }
            if period.is_infinite() {
                break;
            }
            k += 1.0;
        }
        along += len;
        // The join with the next segment: a square, where the line runs on through it.
        let turns = pts.get(i + 2).is_some_and(|&n| n != seg[1]);
        if turns && is_on(along - 1e-9) && is_on(along) {
            canvas.fill_rect(bx - h, by - h, bx + h, by + h, color);
        }
    }
}

/// Whether every segment of `points` is horizontal or vertical and the line never
/// doubles back on itself (where a miter join would not be square).
pub fn is_orthogonal(points: &[(f64, f64)]) -> bool {
    let sign = |v: f64| (v > 0.0) as i8 - (v < 0.0) as i8;
    let dir = |a: (f64, f64), b: (f64, f64)| (sign(b.0 - a.0), sign(b.1 - a.1));
    let mut last: Option<(i8, i8)> = None;
    for seg in points.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        if a.0 != b.0 && a.1 != b.1 {
            return false;
        }
        if a == b {
            continue;
        }
        let d = dir(a, b);
        if last.is_some_and(|l| l.0 == -d.0 && l.1 == -d.1) {
            return false;
        }
        last = Some(d);
    }
    true
}

fn device_shape(d: Device, [x, y, w, h]: [f64; 4], radius: f64) -> Shape {
    Shape { x0: d.x(x), y0: d.y(y), x1: d.x(x + w), y1: d.y(y + h), radius: radius * d.scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(w: u32, h: u32) -> Pixmap {
        let mut p = Pixmap::new(w, h).unwrap();
        p.fill(tiny_skia::Color::WHITE);
        p
    }

    fn inked(p: &Pixmap) -> Vec<(u32, u32)> {
        let w = p.width();
        p.pixels().iter().enumerate().filter(|(_, c)| c.red() == 0).map(|(i, _)| (i as u32 % w, i as u32 / w)).collect()
    }

    const BLACK: [u8; 3] = [0, 0, 0];
    const AT_1X: Device = Device { scale: 1.0, top: 0.0 };

    /// The same pixels as tiny-skia's non-anti-aliased fill of the same shape.
    fn tiny_skia_fill(w: u32, h: u32, path: &tiny_skia::Path) -> Pixmap {
        let mut p = canvas(w, h);
        let mut paint = tiny_skia::Paint::default();
        paint.set_color(tiny_skia::Color::BLACK);
        paint.anti_alias = false;
        p.fill_path(path, &paint, tiny_skia::FillRule::Winding, tiny_skia::Transform::identity(), None);
        p
    }

    #[test]
    fn rectangles_cover_the_pixels_tiny_skia_covers() {
        for (x, y, w, h) in
            [(2.0, 3.0, 10.0, 7.0), (2.25, 3.5, 9.5, 6.75), (0.5, 0.5, 1.0, 1.0), (-3.0, 4.4, 30.0, 2.2)]
        {
            let mut ours = canvas(24, 16);
            fill_box(&mut ours, AT_1X, [x, y, w, h], 0.0, BLACK);
            let rect = tiny_skia::Rect::from_xywh(x as f32, y as f32, w as f32, h as f32).unwrap();
            let theirs = tiny_skia_fill(24, 16, &tiny_skia::PathBuilder::from_rect(rect));
            assert_eq!(inked(&ours), inked(&theirs), "rect {x},{y} {w}×{h}");
        }
    }

    #[test]
    fn smooth_fills_cover_pixels_in_proportion() {
        let mut p = canvas(8, 8);
        fill_box_smooth(&mut p, AT_1X, [1.5, 2.0, 3.0, 2.25], BLACK);
        let level = |x: usize, y: usize| p.pixels()[y * 8 + x].red();
        assert_eq!((level(2, 2), level(3, 3)), (0, 0), "inside");
        assert_eq!((level(1, 2), level(4, 3)), (127, 127), "half columns");
        assert_eq!(level(2, 4), 191, "a quarter row");
        assert_eq!(level(1, 4), 223, "an eighth: half a column of a quarter row");
        assert_eq!((level(0, 2), level(5, 2), level(2, 5), level(2, 1)), (255, 255, 255, 255), "outside");
        // Whole units: the same pixels as the plain fill.
        let (mut a, mut b) = (canvas(8, 8), canvas(8, 8));
        fill_box_smooth(&mut a, AT_1X, [1.0, 2.0, 3.0, 4.0], BLACK);
        fill_box(&mut b, AT_1X, [1.0, 2.0, 3.0, 4.0], 0.0, BLACK);
        assert_eq!(a.data(), b.data());
    }

    #[test]
    fn rounded_corners_cut_the_corner_pixels_and_rings_have_their_width() {
        let mut p = canvas(20, 20);
        fill_box(&mut p, AT_1X, [2.0, 2.0, 16.0, 16.0], 6.0, BLACK);
        let px = inked(&p);
        assert!(!px.contains(&(2, 2)) && !px.contains(&(17, 17)), "corners are cut");
        assert!(px.contains(&(2, 10)) && px.contains(&(10, 2)) && px.contains(&(10, 10)));
        // A 2-unit outline on whole coordinates: 14×14 outside, 10×10 hollow inside.
        let mut p = canvas(20, 20);
        stroke_box(&mut p, AT_1X, [4.0, 4.0, 12.0, 12.0], 0.0, 2.0, BLACK);
        let px = inked(&p);
        assert_eq!(px.len(), 14 * 14 - 10 * 10);
        assert!(px.contains(&(3, 3)) && px.contains(&(4, 4)) && px.contains(&(16, 16)));
        assert!(!px.contains(&(5, 5)) && !px.contains(&(17, 17)) && !px.contains(&(10, 10)));
    }

    #[test]
    fn dashes_follow_the_pattern_and_square_the_corners_they_turn() {
        // Right 12 then down 14, dashes of 5 on and 3 off from the start.
        let mut p = canvas(20, 20);
        polyline(&mut p, AT_1X, &[(0.0, 5.0), (12.0, 5.0), (12.0, 19.0)], 2.0, Some([5.0, 3.0]), BLACK);
        let px = inked(&p);
        let row: Vec<u32> = (0..20).filter(|x| px.contains(&(*x, 4))).collect();
        assert_eq!(row, vec![0, 1, 2, 3, 4, 8, 9, 10, 11, 12], "0–5, then 8–13 turning the corner (square join)");
        let column: Vec<u32> = (5..20).filter(|y| px.contains(&(11, *y))).collect();
        assert_eq!(column, vec![5, 9, 10, 11, 12, 13, 17, 18], "down: on to 13, off to 16, on to 21, off to 24, on");
        assert!(is_orthogonal(&[(0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (9.0, 5.0)]));
        assert!(!is_orthogonal(&[(0.0, 0.0), (5.0, 1.0)]));
        assert!(!is_orthogonal(&[(0.0, 0.0), (5.0, 0.0), (2.0, 0.0)]), "doubling back");
    }
}
