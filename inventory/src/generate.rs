//! Deterministic synthetic estates of a requested size (filled by the generator work).
