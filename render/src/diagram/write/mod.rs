//! Writers over a scene: SVG (the master), PNG and PDF (drawn from the same scene
//! with the embedded font only), draw.io (editable, same geometry), DOT (layered graphs).
pub mod dot;
pub mod drawio;
pub mod glyphs;
pub mod pdf;
pub mod png;
pub mod svg;

/// Fixed-precision number so output is byte-identical across runs and platforms.
pub fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}
