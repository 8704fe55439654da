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
    colors: Vec<[u8; 3]>,
    index: FastMap<[u8; 3], u8>,
    /// Per ink that has been blended: its slot in `mixes`.
    ink_slot: FastMap<u8, usize>,
    /// Per (background, level): the blend's index + 1 (0: not yet known).
    mixes: Vec<Box<[u16; 256 * LEVELS as usize]>>,
    overflowed: bool,
}

impl Palette {
    /// A palette whose colour 0 is `background`.
    pub fn new(background: [u8; 3]) -> Palette {
        let mut p = Palette {
            colors: Vec::new(),
            index: FastMap::default(),
            ink_slot: FastMap::default(),
            mixes: Vec::new(),
            overflowed: false,
        };
        p.color(background);
        p
    }

    /// The index of `rgb`, added when new; index 0 once the palette is full (and the
    /// page marked as needing more than 256 colours).
    pub fn color(&mut self, rgb: [u8; 3]) -> u8 {
        if let Some(&i) = self.index.get(&rgb) {
            return i;
        }
        if self.colors.len() == 256 {
            self.overflowed = true;
            return 0;
        }
        let i = self.colors.len() as u8;
        self.colors.push(rgb);
        self.index.insert(rgb, i);
        i
    }

    /// Whether the page asked for more than 256 colours (its indices are then wrong).
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The PLTE chunk's data: three bytes per colour.
    pub fn rgb_bytes(&self) -> Vec<u8> {
        self.colors.iter().flatten().copied().collect()
    }

    /// The slot of `ink`'s blend table (created on first use).
    fn slot(&mut self, ink: u8) -> usize {
        let mixes = &mut self.mixes;
        *self.ink_slot.entry(ink).or_insert_with(|| {
            mixes.push(Box::new([0; 256 * LEVELS as usize]));
            mixes.len() - 1
        })
    }

    /// `ink` over `background` at `level` (1 … LEVELS − 1) of LEVELS, through `slot`'s table.
    #[inline]
    fn mix(&mut self, slot: usize, ink: u8, background: u8, level: u32) -> u8 {
        let at = background as usize * LEVELS as usize + level as usize;
        let known = self.mixes[slot][at];
        if known != 0 {
            return (known - 1) as u8;
        }
        let (i, b) = (self.colors[ink as usize], self.colors[background as usize]);
        let a = (level * 255 + LEVELS / 2) / LEVELS;
        let mixed = self.color([over(i[0], b[0], a), over(i[1], b[1], a), over(i[2], b[2], a)]);
        self.mixes[slot][at] = mixed as u16 + 1;
        mixed
    }
}

/// Coverage 0–255 → level 0 … LEVELS.
#[inline]
fn level(a: u32) -> u32 {
    (a * LEVELS + 127) / 255
}

/// Rows of a page band as palette indices.
pub struct Band<'a> {
    pub pixels: &'a mut [u8],
    pub width: usize,
    pub palette: &'a mut Palette,
}

impl Band<'_> {
    /// `ink` over row `py` from column `x` on, each pixel covered by the matching byte of
    /// `coverage` (0–255): a glyph's row of coverage, or a shape rasterised apart.
    pub fn blend_coverage(&mut self, py: usize, x: usize, coverage: &[u8], ink: u8) {
        let slot = self.palette.slot(ink);
        let at = py * self.width + x;
        for (p, &c) in self.pixels[at..at + coverage.len()].iter_mut().zip(coverage) {
            match level(c as u32) {
                0 => {}
                LEVELS => *p = ink,
                l => *p = self.palette.mix(slot, ink, *p, l),
            }
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
        match level(a) {
            0 => {}
            LEVELS => self.fill(py, x0, x1, color),
            l => {
                let slot = self.palette.slot(color);
                let at = py as usize * self.width;
                for p in &mut self.pixels[at + x0 as usize..at + x1 as usize] {
                    *p = self.palette.mix(slot, color, *p, l);
                }
            }
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
            let got = palette.colors[p as usize];
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
        assert_eq!(palette.colors.len(), 2 + LEVELS as usize - 1);
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
