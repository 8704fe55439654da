//! `auditmap example`: writes a valid snapshot, deterministically; bad arguments exit 2.
use std::process::Command;

fn auditmap() -> Command {
    Command::new(env!("CARGO_BIN_EXE_auditmap"))
}

fn example(out: &std::path::Path, resources: &str, seed: &str) -> std::process::Output {
    auditmap()
        .args(["example", "--resources", resources, "--seed", seed, "--out"])
        .arg(out)
        .output()
        .expect("run auditmap")
}

#[test]
fn example_writes_a_valid_deterministic_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for path in [&a, &b] {
        let out = example(path, "1000", "7");
        assert!(out.status.success(), "example failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(!ba.is_empty() && ba == bb, "two runs with the same seed differ");

    let v = auditmap().args(["validate", "--json"]).arg(&a).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "validate: {}", String::from_utf8_lossy(&v.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&v.stdout).expect("validate --json prints JSON");
    assert_eq!(summary["total_resources"], 1000);

    let other = dir.path().join("c.json");
    assert!(example(&other, "1000", "8").status.success());
    assert!(std::fs::read(&other).unwrap() != ba, "a different seed gives a different estate");
}

#[test]
fn example_to_stdout_matches_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.json");
    assert!(example(&file, "300", "3").status.success());
    let out = auditmap().args(["example", "--resources", "300", "--seed", "3", "--out", "-"]).output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout == std::fs::read(&file).unwrap(), "stdout output differs from file output");
}

#[test]
fn defaults_are_1000_resources_seed_1() {
    let dir = tempfile::tempdir().unwrap();
    let (d, e) = (dir.path().join("d.json"), dir.path().join("e.json"));
    assert!(auditmap().args(["example", "--out"]).arg(&d).status().unwrap().success());
    assert!(example(&e, "1000", "1").status.success());
    assert!(std::fs::read(&d).unwrap() == std::fs::read(&e).unwrap());
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.json");
    for args in [
        vec!["example", "--resources", "lots", "--out"],
        vec!["example", "--resources", "-5", "--out"],
        vec!["example", "--seed", "x", "--out"],
        vec!["example", "--bogus", "--out"],
    ] {
        let out = auditmap().args(&args).arg(&f).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!f.exists());
    }
    // Missing --out.
    assert_eq!(auditmap().args(["example"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn unwritable_output_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = example(&dir.path().join("no/such/dir/x.json"), "200", "1");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write") && err.contains("x.json"), "{err}");
}
