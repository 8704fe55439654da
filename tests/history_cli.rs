//! `auditmap history DIR`: snapshots by quarter with counts, the quarters without one,
//! and files that are not snapshots.
use std::path::Path;
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("run auditmap")
}

fn estate(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates").join(name)
}

#[test]
fn quarters_counts_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(estate("demo.json"), dir.path().join("q4-a.json")).unwrap();
    std::fs::copy(estate("demo-next.json"), dir.path().join("q4-b.json")).unwrap();
    // The demo moved back to the first quarter: Q2 and Q3 have no snapshot.
    let early =
        std::fs::read_to_string(estate("demo.json")).unwrap().replace("2026-11-20T09:30:00Z", "2026-02-01T08:00:00Z");
    std::fs::write(dir.path().join("q1.json"), early).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not json, ignored").unwrap();
    let out = auditmap(&["history", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().skip(2).collect();
    assert!(lines[0].starts_with("2026-Q1   2026-02-01T08:00:00Z        157         8     0  "), "{text}");
    assert!(lines[0].ends_with("  q1.json"), "{text}");
    assert_eq!(lines[1], "2026-Q2   (no snapshot)");
    assert_eq!(lines[2], "2026-Q3   (no snapshot)");
    assert!(
        lines[3].starts_with("2026-Q4   2026-11-20T09:30:00Z        157         8     0  fe9f1c37f8d4  q4-a.json"),
        "{text}"
    );
    // demo-next: 11 findings, one denied API.
    assert!(lines[4].starts_with("2026-Q4   2026-11-27T09:30:00Z        157        11     1  "), "{text}");
    assert_eq!(lines[5], "Quarters without a snapshot: 2026-Q2, 2026-Q3");

    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    let out = auditmap(&["history", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "a .json file that is not a snapshot is reported");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["quarters"].as_array().unwrap().len(), 4);
    assert_eq!(v["quarters"][3]["snapshots"][1]["findings"], 11);
    assert!(v["not_snapshots"][0].as_str().unwrap().contains("broken.json"), "{v}");
    assert_eq!(auditmap(&["history", "/nonexistent/dir"]).status.code(), Some(2));
}
