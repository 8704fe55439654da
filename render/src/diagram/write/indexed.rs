//! Pages drawn in palette colours, one byte per pixel, for PNG colour type 3.
//!
//! At 1 px per unit (estates of over a hundred pages) the PNG writer drew and compressed
//! four bytes per pixel (RGBA canvas, RGB rows) for pages that use a few dozen colours:
//! fills, outlines, text ink and the blends of ink over a background at anti-aliased
//! edges. Here blends are rounded to `LEVELS` steps of coverage (at most 1/32 of the
//! range off the exact blend), so a page needs well under 256 colours; a page that needs
//! more is reported (`Palette::overflowed`) and drawn in RGB instead.
use super::spans::{over, Surface};
use inventory::topology::hash::FastMap;

/// Steps of partial coverage a blend is rounded to (0 and `LEVELS` are none and full).
pub const LEVELS: u32 = 8;

/// The colours of one page, in order of first use (so the same page gives the same PNG).
pub struct Palette {
    colors: Colors,
    /// Per ink that has been blended: its slot in `mixes` + 1 (0: none yet).
    ink_slot: [u16; 256],
    /// Per (background, level): the blend's index + 1 (0: not yet known).
    mixes: Vec<Box<MixTable>>,
}

/// Entries per background in a `MixTable`: levels 0 … LEVELS, padded to a power of two.
const STRIDE: usize = 16;
const _: () = assert!((LEVELS as usize) < STRIDE);

/// One ink's blends, at `background · STRIDE + level`: the blend's index + 1 (0: not yet
/// known). Levels 0 and LEVELS (the background, the ink) are filled in up front, so the
/// blend of a pixel is one lookup with no branch on its coverage.
type MixTable = [u16; 256 * STRIDE];

/// The palette's colours and their indices.
struct Colors {
    rgb: Vec<[u8; 3]>,
    index: FastMap<[u8; 3], u8>,
    overflowed: bool,
}

impl Colors {
    fn get(&mut self, rgb: [u8; 3]) -> u8 {
        if let Some(&i) = self.index.get(&rgb) {
            return i;
        }
        if self.rgb.len() == 256 {
            self.overflowed = true;
            return 0;
        }
        let i = self.rgb.len() as u8;
        self.rgb.push(rgb);
        self.index.insert(rgb, i);
        i
    }

    /// `ink` over `background` at `level` (1 … LEVELS − 1) of LEVELS, recorded in `table`.
    #[cold]
    fn mix(&mut self, table: &mut MixTable, ink: u8, background: u8, level: usize) -> u8 {
        let (i, b) = (self.rgb[ink as usize], self.rgb[background as usize]);
        let a = (level as u32 * 255 + LEVELS / 2) / LEVELS;
        let mixed = self.get([over(i[0], b[0], a), over(i[1], b[1], a), over(i[2], b[2], a)]);
        table[background as usize * STRIDE + level] = mixed as u16 + 1;
        mixed
    }
}

impl Palette {
    /// A palette whose colour 0 is `background`.
    pub fn new(background: [u8; 3]) -> Palette {
        let mut colors = Colors { rgb: Vec::new(), index: FastMap::default(), overflowed: false };
        colors.get(background);
        Palette { colors, ink_slot: [0; 256], mixes: Vec::new() }
    }

    /// The index of `rgb`, added when new; index 0 once the palette is full (and the
    /// page marked as needing more than 256 colours).
    pub fn color(&mut self, rgb: [u8; 3]) -> u8 {
        self.colors.get(rgb)
    }

    /// Whether the page asked for more than 256 colours (its indices are then wrong).
    pub fn overflowed(&self) -> bool {
        self.colors.overflowed
    }

    /// The PLTE chunk's data: three bytes per colour.
    pub fn rgb_bytes(&self) -> Vec<u8> {
        self.colors.rgb.iter().flatten().copied().collect()
    }

    /// `ink`'s blend table (created on first use) and the colours.
    #[inline]
    fn blends(&mut self, ink: u8) -> (&mut MixTable, &mut Colors) {
        let slot = &mut self.ink_slot[ink as usize];
        if *slot == 0 {
            let mut table = Box::new([0; 256 * STRIDE]);
            for background in 0..256 {
                table[background * STRIDE] = background as u16 + 1;
                table[background * STRIDE + LEVELS as usize] = ink as u16 + 1;
            }
            self.mixes.push(table);
            *slot = self.mixes.len() as u16;
        }
        (&mut self.mixes[*slot as usize - 1], &mut self.colors)
    }
}

/// Coverage 0–255 → level 0 … LEVELS, rounded.
static LEVEL: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut a = 0;
    while a < 256 {
        t[a] = ((a as u32 * LEVELS + 127) / 255) as u8;
        a += 1;
    }
    t
};

/// One pixel: `ink` over `p` at coverage `a` (0–255).
#[inline(always)]
fn blend_pixel(p: &mut u8, a: u8, ink: u8, table: &mut MixTable, colors: &mut Colors) {
    let level = LEVEL[a as usize] as usize;
    let known = table[*p as usize * STRIDE + level];
    *p = if known != 0 { (known - 1) as u8 } else { colors.mix(table, ink, *p, level) };
}

/// Rows of a page band as palette indices.
pub struct Band<'a> {
    pub pixels: &'a mut [u8],
    pub width: usize,
    pub palette: &'a mut Palette,
}

impl Band<'_> {
    /// `ink` over row `py` from column `x` on, each pixel covered by the matching byte of
    /// `coverage` (0–255): a glyph's row of coverage, or a shape rasterised apart. Eight
    /// uncovered pixels are skipped at once (most of a glyph's box is empty).
    pub fn blend_coverage(&mut self, py: usize, x: usize, coverage: &[u8], ink: u8) {
        let (table, colors) = self.palette.blends(ink);
        let at = py * self.width + x;
        let pixels = &mut self.pixels[at..at + coverage.len()];
        let mut chunks = pixels.chunks_exact_mut(8).zip(coverage.chunks_exact(8));
        for (px, cov) in &mut chunks {
            if u64::from_ne_bytes(cov.try_into().unwrap_or([0; 8])) == 0 {
                continue;
            }
            for (p, &a) in px.iter_mut().zip(cov) {
                blend_pixel(p, a, ink, table, colors);
            }
        }
        let whole = coverage.len() / 8 * 8;
        for (p, &a) in pixels[whole..].iter_mut().zip(&coverage[whole..]) {
            blend_pixel(p, a, ink, table, colors);
        }
    }

    /// `ink` over a glyph's rows from `py` on (one row of coverage each), from column
    /// `x`: one blend table for the glyph and every pixel looked up, no test for empty
    /// ones. Glyph rows are a few pixels wide (25 M of them, 6 pixels on average, in a
    /// 100k package), so a call per row and the eight-pixel skip of `blend_coverage`
    /// cost more than the blends.
    pub fn blend_glyph<'m>(&mut self, py: usize, x: usize, rows: impl Iterator<Item = &'m [u8]>, ink: u8) {
        let (table, colors) = self.palette.blends(ink);
        let mut at = py * self.width + x;
        for coverage in rows {
            for (p, &a) in self.pixels[at..at + coverage.len()].iter_mut().zip(coverage) {
                blend_pixel(p, a, ink, table, colors);
            }
            at += self.width;
        }
    }
}

impl Surface for Band<'_> {
    type Color = u8;

    fn size(&self) -> (i64, i64) {
        (self.width as i64, (self.pixels.len() / self.width.max(1)) as i64)
    }

    fn color(&mut self, rgb: [u8; 3]) -> u8 {
        self.palette.color(rgb)
    }

    fn fill(&mut self, py: i64, x0: i64, x1: i64, color: u8) {
        let at = py as usize * self.width;
        self.pixels[at + x0 as usize..at + x1 as usize].fill(color);
    }

    fn blend(&mut self, py: i64, x0: i64, x1: i64, color: u8, a: u32) {
        let (table, colors) = self.palette.blends(color);
        let at = py as usize * self.width;
        for p in &mut self.pixels[at + x0 as usize..at + x1 as usize] {
            blend_pixel(p, a.min(255) as u8, color, table, colors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blends_are_within_half_a_level_of_the_exact_blend_and_reuse_entries() {
        let mut palette = Palette::new([255, 255, 255]);
        let ink = palette.color([27, 38, 49]);
        let mut pixels = vec![0u8; 256];
        let coverage: Vec<u8> = (0..=255).collect();
        Band { pixels: &mut pixels, width: 256, palette: &mut palette }.blend_coverage(0, 0, &coverage, ink);
        for (a, &p) in pixels.iter().enumerate() {
            let got = palette.colors.rgb[p as usize];
            for (c, (&g, &i)) in got.iter().zip(&[27u8, 38, 49]).enumerate() {
                let exact = over(i, 255, a as u32) as i32;
                assert!(
                    (g as i32 - exact).abs() <= 255 / (2 * LEVELS as i32) + 1,
                    "coverage {a} channel {c}: {g} vs {exact}"
                );
            }
        }
        assert_eq!(pixels[0], 0, "no coverage keeps the background");
        assert_eq!(pixels[255], ink, "full coverage is the ink itself");
        // White, the ink and one colour per partial level.
        assert_eq!(palette.colors.rgb.len(), 2 + LEVELS as usize - 1);
        assert!(!palette.overflowed());
    }

    #[test]
    fn the_257th_colour_marks_the_palette_overflowed() {
        let mut palette = Palette::new([255, 255, 255]);
        for i in 0..255u32 {
            palette.color([i as u8, 0, 1]);
        }
        assert!(!palette.overflowed());
        assert_eq!(palette.rgb_bytes().len(), 256 * 3);
        assert_eq!(palette.color([0, 0, 1]), 1, "a known colour still resolves");
        palette.color([9, 9, 9]);
        assert!(palette.overflowed());
    }
}
