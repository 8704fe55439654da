//! The audit package writer (being built).
