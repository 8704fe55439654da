//! The bundled example estate, embedded so `auditmap package --demo` needs no files.
use std::path::Path;

use crate::snapshot::{load_bytes, Snapshot, SnapshotError};

/// Source of `examples/estates/demo.json`.
pub const DEMO_JSON: &str = include_str!("../../examples/estates/demo.json");

/// The demo estate, parsed and validated.
pub fn demo_snapshot() -> Result<Snapshot, SnapshotError> {
    load_bytes(Path::new("<embedded demo estate>"), DEMO_JSON.as_bytes())
}
