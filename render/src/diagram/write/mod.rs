//! Writers over a scene: SVG (the master), PNG and PDF (drawn from the same scene
//! with the embedded font only), draw.io (editable, same geometry), DOT (layered graphs).
//! `Format` is the registry every caller goes through.
pub mod dot;
pub mod drawio;
pub mod glyphs;
mod indexed;
pub mod pdf;
pub mod png;
mod scanline_deflate;
mod spans;
pub mod svg;

use super::{scene_to_pdf, scene_to_png, DiagramError, PageScene};

/// Fixed-precision number so output is byte-identical across runs and platforms:
/// tenths, without a trailing ".0" ("12", "-0.5", "3.1").
pub fn num(v: f64) -> Num {
    Num(v)
}

/// `num`'s value, written as digits of whole tenths: float formatting was a tenth of
/// the SVG and draw.io writers' time.
#[derive(Clone, Copy)]
pub struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

impl Num {
    /// Appends the number to `s` without going through a `Formatter` (the draw.io
    /// writer's millions of coordinates).
    pub fn push_to(self, s: &mut String) {
        let _ = self.write_to(s);
    }

    fn write_to(self, f: &mut impl std::fmt::Write) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        // Beyond 2^53 tenths there is no fraction to show; let the float formatter do it.
        if !tenths.is_finite() || tenths.abs() >= 9.0e15 {
            let r = tenths / 10.0;
            return if r.fract() == 0.0 { write!(f, "{}", r as i64) } else { write!(f, "{r:.1}") };
        }
        let t = tenths as i64;
        let mut buf = itoa::Buffer::new();
        if t < 0 {
            f.write_str("-")?;
        }
        let (whole, tenth) = (t.unsigned_abs() / 10, t.unsigned_abs() % 10);
        f.write_str(buf.format(whole))?;
        if tenth != 0 {
            f.write_str(".")?;
            f.write_str(buf.format(tenth))?;
        }
        Ok(())
    }
}

/// Every output format of a diagram page: the one registry `auditmap diagram` and
/// the package both write through. Order is file order within a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Svg,
    Png,
    Pdf,
    Drawio,
    Dot,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Svg, Format::Png, Format::Pdf, Format::Drawio, Format::Dot];
    /// The formats in the audit package (DOT is for comparison with Graphviz, on request).
    pub const PACKAGE: [Format; 4] = [Format::Svg, Format::Png, Format::Pdf, Format::Drawio];

    /// The name on the command line, which is also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Pdf => "pdf",
            Format::Drawio => "drawio",
            Format::Dot => "dot",
        }
    }

    pub fn extension(self) -> &'static str {
        self.name()
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The page in this format; `None` when the page has no such form (DOT exists
    /// for the layered pages only). `png_scale`: pixels per unit (see `png_scale`).
    pub fn write(self, page: &PageScene, png_scale: f64) -> Result<Option<Vec<u8>>, DiagramError> {
        let scene = &page.scene;
        // One span per format: `--timings` rows are named after them.
        Ok(match self {
            Format::Svg => Some(tracing::info_span!("svg").in_scope(|| svg::write(scene)).into_bytes()),
            Format::Png => Some(tracing::info_span!("png").in_scope(|| scene_to_png(scene, png_scale))?),
            Format::Pdf => Some(tracing::info_span!("pdf").in_scope(|| scene_to_pdf(scene))?),
            Format::Drawio => {
                Some(tracing::info_span!("drawio").in_scope(|| drawio::write(scene, &page.file_stem)).into_bytes())
            }
            Format::Dot => page.graph.as_ref().map(|g| dot::write(g).into_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    /// The old definition, through the float formatter.
    fn by_format(v: f64) -> String {
        let r = (v * 10.0).round() / 10.0;
        let r = if r == 0.0 { 0.0 } else { r };
        if r.fract() == 0.0 {
            format!("{}", r as i64)
        } else {
            format!("{r:.1}")
        }
    }

    #[test]
    fn numbers_read_as_the_float_formatter_writes_them() {
        let mut values = vec![0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.25, -0.35, 1.0, -1.0, 12.5, 7.77, 1e6 + 0.3];
        values.extend((-3000..3000).map(|i| i as f64 * 0.037));
        values.extend((0..2000).map(|i| (i as f64).powf(2.7) * 1.0001));
        for v in values {
            assert_eq!(super::num(v).to_string(), by_format(v), "{v}");
            let mut pushed = String::from("x");
            super::num(v).push_to(&mut pushed);
            assert_eq!(pushed, format!("x{}", by_format(v)), "{v}");
        }
    }
}
