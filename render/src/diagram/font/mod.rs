//! The embedded font: measuring here and drawing in the PNG/PDF writers use the same
//! bytes, so a label measured to fit does fit in every output.
pub mod metrics;

/// DejaVu Sans (Bitstream Vera licence, see fonts/LICENSE-DejaVu.txt).
pub const REGULAR: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../../fonts/DejaVuSans-Bold.ttf");
/// The family name both files declare; every SVG names it.
pub const FAMILY: &str = "DejaVu Sans";
