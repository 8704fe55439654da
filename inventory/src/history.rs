//! `auditmap history DIR`: the snapshots of a folder by collection time, grouped by
//! calendar quarter, with the quarters in between that have none (an auditor asks for
//! evidence of a review in every period).
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::snapshot::Timestamp;

/// The `*.json` files of `dir` (any case of the extension), sorted by path: the
/// snapshot candidates of `auditmap history` and `package --history`.
pub fn snapshot_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")))
        .collect();
    files.sort();
    Ok(files)
}

/// One snapshot file of the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub file: String,
    pub collected_at: Timestamp,
    pub sha256: String,
    pub resources: usize,
    pub findings: usize,
    pub gaps: usize,
}

/// A calendar quarter ("2026-Q4") and its snapshots, oldest first (none: a gap in the
/// evidence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarter {
    pub quarter: String,
    pub snapshots: Vec<Entry>,
}

fn quarter_of(t: &Timestamp) -> (i32, u8) {
    // "YYYY-MM-DD": the date text is the one place the calendar fields are exposed.
    let date = t.date();
    let year = date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: u8 = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    (year, (month - 1) / 3 + 1)
}

/// Every quarter from the oldest snapshot's to the newest's, each with its snapshots
/// sorted by collection time (then file name).
pub fn by_quarter(mut entries: Vec<Entry>) -> Vec<Quarter> {
    entries.sort_by(|a, b| (a.collected_at, &a.file).cmp(&(b.collected_at, &b.file)));
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else { return Vec::new() };
    let (mut q, end) = (quarter_of(&first.collected_at), quarter_of(&last.collected_at));
    let mut out = Vec::new();
    let mut rest = entries.into_iter().peekable();
    while q <= end {
        let mut snapshots = Vec::new();
        while let Some(e) = rest.next_if(|e| quarter_of(&e.collected_at) == q) {
            snapshots.push(e);
        }
        out.push(Quarter { quarter: format!("{}-Q{}", q.0, q.1), snapshots });
        q = if q.1 == 4 { (q.0 + 1, 1) } else { (q.0, q.1 + 1) };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, at: &str) -> Entry {
        Entry {
            file: file.into(),
            collected_at: Timestamp::parse(at).unwrap(),
            sha256: String::new(),
            resources: 1,
            findings: 0,
            gaps: 0,
        }
    }

    #[test]
    fn quarters_in_order_with_the_empty_ones() {
        let q = by_quarter(vec![
            entry("c.json", "2026-11-20T09:30:00Z"),
            entry("a.json", "2025-12-31T23:59:59Z"),
            entry("b.json", "2026-04-01T00:00:00Z"),
            entry("d.json", "2026-10-01T00:00:00Z"),
        ]);
        let got: Vec<(String, Vec<String>)> =
            q.into_iter().map(|q| (q.quarter, q.snapshots.into_iter().map(|e| e.file).collect())).collect();
        let want: Vec<(String, Vec<String>)> = vec![
            ("2025-Q4".into(), vec!["a.json".into()]),
            ("2026-Q1".into(), vec![]),
            ("2026-Q2".into(), vec!["b.json".into()]),
            ("2026-Q3".into(), vec![]),
            ("2026-Q4".into(), vec!["d.json".into(), "c.json".into()]),
        ];
        assert_eq!(got, want);
        assert!(by_quarter(Vec::new()).is_empty());
    }
}
