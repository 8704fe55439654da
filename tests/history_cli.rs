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
    assert!(lines[0].starts_with("2026-Q1   2026-02-01T08:00:00Z        175         9     0  "), "{text}");
    assert!(lines[0].ends_with("  q1.json"), "{text}");
    assert_eq!(lines[1], "2026-Q2   (no snapshot)");
    assert_eq!(lines[2], "2026-Q3   (no snapshot)");
    assert!(
        lines[3].starts_with("2026-Q4   2026-11-20T09:30:00Z        175         9     0  28df7a9d3837  q4-a.json"),
        "{text}"
    );
    // demo-next: 12 findings, one denied API.
    assert!(lines[4].starts_with("2026-Q4   2026-11-27T09:30:00Z        175        12     1  "), "{text}");
    assert_eq!(lines[5], "Quarters without a snapshot: 2026-Q2, 2026-Q3");

    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    let out = auditmap(&["history", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "a .json file that is not a snapshot is reported");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["quarters"].as_array().unwrap().len(), 4);
    assert_eq!(v["quarters"][3]["snapshots"][1]["findings"], 12);
    assert!(v["not_snapshots"][0].as_str().unwrap().contains("broken.json"), "{v}");
    assert_eq!(auditmap(&["history", "/nonexistent/dir"]).status.code(), Some(2));
}

#[test]
fn package_history_fills_first_and_last_seen() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history");
    std::fs::create_dir(&hist).unwrap();
    std::fs::copy(estate("demo.json"), hist.join("2026-11-20.json")).unwrap();
    // Collected after the packaged snapshot: not part of its history.
    let later =
        std::fs::read_to_string(estate("demo.json")).unwrap().replace("2026-11-20T09:30:00Z", "2026-11-29T00:00:00Z");
    std::fs::write(hist.join("later.json"), later).unwrap();
    let pkg = dir.path().join("pkg");
    let next = estate("demo-next.json");
    let out = auditmap(&[
        "package",
        next.to_str().unwrap(),
        "--history",
        hist.to_str().unwrap(),
        "--out",
        pkg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let inv: serde_json::Value = serde_json::from_slice(&std::fs::read(pkg.join("inventory.json")).unwrap()).unwrap();
    let seen = |id: &str| {
        let r = inv["resources"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap();
        (r["first_seen"].as_str().unwrap().to_string(), r["last_seen"].as_str().unwrap().to_string())
    };
    let (then, now) = ("2026-11-20T09:30:00Z".to_string(), "2026-11-27T09:30:00Z".to_string());
    assert_eq!(seen("i-0c1425424139e128e"), (then.clone(), now.clone()), "in both");
    assert_eq!(seen("i-0a11c0ffee0000001"), (now.clone(), now.clone()), "new this time");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    let used = manifest["history"].as_array().unwrap();
    assert_eq!(used.len(), 1, "{used:?}");
    assert_eq!(used[0]["file"], "2026-11-20.json");
    assert_eq!(used[0]["collected_at"], then.as_str());
    // A .json file in the folder that is not a snapshot: bad input naming it.
    std::fs::write(hist.join("broken.json"), "{\n  \"schema_version\": 1,\n  oops").unwrap();
    let out = auditmap(&[
        "package",
        next.to_str().unwrap(),
        "--history",
        hist.to_str().unwrap(),
        "--out",
        dir.path().join("p2").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.json:3:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
