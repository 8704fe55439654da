//! Reading and writing snapshot files, with errors that point at the problem.
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::validate::{validate, Problem, Severity};
use super::{Snapshot, SCHEMA_VERSION};

/// Longest string accepted anywhere in a snapshot. AWS's own limits are far lower
/// (tag values 256 chars, descriptions 255); anything longer is corrupt or hostile.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: file is empty; expected a snapshot JSON object")]
    Empty { path: PathBuf },
    #[error("{path}:{line}:{column}: invalid snapshot JSON: {message}")]
    Json { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}:{line}:{column}: string of {len} bytes exceeds the {limit}-byte limit (corrupt or hostile input)")]
    StringTooLong { path: PathBuf, line: usize, column: usize, len: usize, limit: usize },
    #[error(
        "{path}: snapshot schema_version {found} is newer than this auditmap supports ({supported}); upgrade auditmap"
    )]
    NewerSchema { path: PathBuf, found: u32, supported: u32 },
    #[error("{path}: {} problem(s) in snapshot:\n{}", problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

pub fn load_file(path: &Path) -> Result<Snapshot, SnapshotError> {
    let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?;
    load_bytes(path, &bytes)
}

/// Parses and validates a snapshot. `path` is only used in messages.
pub fn load_bytes(path: &Path, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let _span = tracing::info_span!("load").entered();
    let path_buf = path.to_path_buf();
    // Windows tools write a UTF-8 byte order mark; JSON parsers reject it.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(SnapshotError::Empty { path: path_buf });
    };
    if bytes[first] != b'{' {
        let (line, column) = line_column(bytes, first);
        let found = match bytes[first] {
            b'[' => "an array",
            b'"' => "a string",
            b'n' => "null",
            b't' | b'f' => "a boolean",
            b'-' | b'0'..=b'9' => "a number",
            _ => "something that is not JSON",
        };
        let message = format!("expected a snapshot JSON object, found {found}");
        return Err(SnapshotError::Json { path: path_buf, line, column, message });
    }
    check_string_lengths(bytes, MAX_STRING_BYTES).map_err(|(line, column, len)| SnapshotError::StringTooLong {
        path: path_buf.clone(),
        line,
        column,
        len,
        limit: MAX_STRING_BYTES,
    })?;
    #[derive(Deserialize)]
    struct VersionProbe {
        schema_version: Option<u32>,
    }
    let json_err = |e: serde_json::Error| SnapshotError::Json {
        path: path_buf.clone(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    let newer = |found: u32| SnapshotError::NewerSchema { path: path_buf.clone(), found, supported: SCHEMA_VERSION };
    // Parsed as this version first; only a snapshot that fails is probed for its version
    // (a probe of every file was a second pass over 125 MB at 100k resources).
    // Valid UTF-8 (nearly always) is checked once and parsed as text: from bytes,
    // serde_json checks every string on its own, slower in all (~0.7 % of a 100k package).
    // Invalid UTF-8 is parsed from bytes for serde_json's error with line and column.
    let parse = || match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    };
    let mut snapshot: Snapshot = match tracing::info_span!("parse").in_scope(parse) {
        Ok(snapshot) => snapshot,
        Err(e) => {
            // A newer format may not parse as this one: "upgrade auditmap" is the useful message then.
            let found = serde_json::from_slice::<VersionProbe>(bytes).ok().and_then(|p| p.schema_version);
            return Err(match found.filter(|v| *v > SCHEMA_VERSION) {
                Some(found) => newer(found),
                None => json_err(e),
            });
        }
    };
    if snapshot.schema_version > SCHEMA_VERSION {
        return Err(newer(snapshot.schema_version));
    }
    let _validate = tracing::info_span!("validate").entered();
    let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
        validate(&snapshot).into_iter().partition(|p| p.severity == Severity::Error);
    for w in warnings.iter().filter(|w| w.normalised) {
        tracing::warn!("{}: {w}", path.display());
    }
    if !errors.is_empty() {
        return Err(SnapshotError::Invalid { path: path_buf, problems: errors });
    }
    snapshot.normalize();
    Ok(snapshot)
}

/// Canonical bytes of a snapshot: normalized, pretty-printed, trailing newline.
/// Loading a file written this way and writing it again gives the same bytes.
pub fn to_json_bytes(snapshot: &Snapshot) -> Vec<u8> {
    let mut s = snapshot.clone();
    s.normalize();
    let mut out = serde_json::to_vec_pretty(&s).expect("snapshot types always serialize");
    out.push(b'\n');
    out
}

pub fn write_file(path: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    std::fs::write(path, to_json_bytes(snapshot))
}

/// 1-based line and column of a byte offset.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = offset - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// Finds the first JSON string longer than the limit, without building it.
/// Returns (line, column, length in bytes) of the offending string, 1-based.
/// Quotes and backslashes are found with memchr, and the line and column are only
/// counted for the string reported (a loop over every byte keeping them was most of
/// the 0.43 s the load spent outside the JSON parser at 100k resources).
fn check_string_lengths(bytes: &[u8], limit: usize) -> Result<(), (usize, usize, usize)> {
    let mut at = 0;
    while let Some(open) = bytes.get(at..).and_then(|rest| memchr::memchr(b'"', rest)).map(|i| at + i) {
        let start = open + 1;
        // The closing quote, escapes skipped; the end of the input if there is none.
        let mut end = start;
        let end = loop {
            match bytes.get(end..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
                Some(i) if bytes[end + i] == b'\\' => end += i + 2,
                Some(i) => break end + i,
                None => break bytes.len(),
            }
        };
        if end - start > limit {
            let (line, column) = line_column(bytes, open);
            return Err((line, column, string_len_from(&bytes[start..])));
        }
        at = end + 1;
    }
    Ok(())
}

/// Byte length of a JSON string body up to its closing quote (or end of input).
fn string_len_from(body: &[u8]) -> usize {
    let mut escaped = false;
    for (i, &b) in body.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            return i;
        }
    }
    body.len()
}

#[cfg(test)]
mod string_length_tests {
    use super::*;
    use proptest::prelude::*;

    /// The byte-by-byte scan this replaced: the reference for quotes, escapes, newlines.
    fn reference(bytes: &[u8], limit: usize) -> Result<(), (usize, usize, usize)> {
        let (mut line, mut col) = (1usize, 0usize);
        let (mut in_string, mut escaped) = (false, false);
        let (mut start, mut start_line, mut start_col) = (0usize, 0usize, 0usize);
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
            if !in_string {
                if b == b'"' {
                    in_string = true;
                    (start, start_line, start_col) = (i + 1, line, col);
                }
                continue;
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                continue;
            }
            if i - start >= limit {
                return Err((start_line, start_col, string_len_from(&bytes[start..])));
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn finds_the_same_long_string_as_a_byte_by_byte_scan(
            bytes in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(b'\n'), Just(b'a'), Just(b' ')], 0..60),
            limit in 0usize..6,
        ) {
            prop_assert_eq!(check_string_lengths(&bytes, limit), reference(&bytes, limit));
        }
    }

    #[test]
    fn long_strings_are_found_with_their_position() {
        let doc = format!("{{\n  \"a\": \"x\",\n  \"b\": \"{}\\\"{}\"\n}}", "y".repeat(10), "z".repeat(5));
        assert_eq!(check_string_lengths(doc.as_bytes(), 17), Ok(()));
        assert_eq!(check_string_lengths(doc.as_bytes(), 16), Err((3, 8, 17)));
        assert_eq!(reference(doc.as_bytes(), 16), Err((3, 8, 17)));
    }
}
