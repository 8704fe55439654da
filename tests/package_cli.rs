//! `auditmap package` from the command line: exit codes, the demo, live discovery
//! (against moto), and files on disk.
#[path = "../discover/tests/support/moto.rs"]
mod moto;

use std::path::Path;
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("auditmap runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn demo_json() -> serde_json::Value {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates/demo.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn demo_package_exits_zero_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("evidence");
    let o = auditmap(&["package", "--demo", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("sha256sum -c SHA256SUMS"), "{stdout}");
    for f in ["manifest.json", "SHA256SUMS", "snapshot.json", "report.html", "inventory.xlsx", "README.txt"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    assert_eq!(
        std::fs::read(out.join("snapshot.json")).unwrap(),
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates/demo.json")).unwrap()
    );
    let v = Command::new("sha256sum").args(["-c", "--quiet", "SHA256SUMS"]).current_dir(&out).status().unwrap();
    assert!(v.success());
    // No staging directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn snapshot_file_package_and_gaps_exit_three() {
    let tmp = tempfile::tempdir().unwrap();
    let mut snap = demo_json();
    let account = snap["scope"]["accounts"][0].clone();
    snap["coverage"].as_array_mut().unwrap().push(serde_json::json!({
        "account_id": account, "region": "eu-west-1", "api": "ec2:DescribeInstances",
        "status": "denied", "error_code": "UnauthorizedOperation", "error_message": "not authorized"
    }));
    let path = tmp.path().join("gappy.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&snap).unwrap()).unwrap();
    let out = tmp.path().join("pkg");
    let o = auditmap(&[
        "package",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--redact",
        "--valid-days",
        "30",
    ]);
    assert_eq!(code(&o), 3, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("coverage gaps"));
    let readme = std::fs::read_to_string(out.join("README.txt")).unwrap();
    assert!(readme.lines().take(3).any(|l| l.contains("COVERAGE GAPS")), "{readme}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["redaction"]["applied"], true);
    assert_eq!(m["valid_days"], 30);
    assert_eq!(m["coverage"]["complete"], false);
}

#[test]
fn plain_snapshot_file_keeps_its_exact_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    // Deliberately not canonical formatting: the package must keep the bytes as given.
    let path = tmp.path().join("compact.json");
    std::fs::write(&path, serde_json::to_vec(&demo_json()).unwrap()).unwrap();
    let out = tmp.path().join("pkg");
    let o = auditmap(&[
        "package",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--scope-tag",
        "Environment=prod",
        "--owner-tag",
        "Team",
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.join("snapshot.json")).unwrap(), std::fs::read(&path).unwrap());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["tag_keys"]["owner"], serde_json::json!(["Team"]));
    assert_eq!(m["scope"]["scope_tags"][0]["value"], "prod");
}

#[test]
fn bad_input_exits_two() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pkg");
    let out_s = out.to_str().unwrap();
    // Missing file, invalid JSON, no source, bad scope tag, bad validity, non-empty out dir.
    assert_eq!(code(&auditmap(&["package", "/nonexistent/snap.json", "--out", out_s])), 2);
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let o = auditmap(&["package", bad.to_str().unwrap(), "--out", out_s]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.json:1:"), "points at the file and line");
    assert_eq!(code(&auditmap(&["package", "--out", out_s])), 2);
    assert_eq!(code(&auditmap(&["package", "--demo", "--out", out_s, "--scope-tag", "novalue"])), 2);
    assert_eq!(code(&auditmap(&["package", "--demo", "--out", out_s, "--valid-days", "0"])), 2);
    assert!(!out.exists(), "nothing written on bad input");
    let full = tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep.txt"), "x").unwrap();
    let o = auditmap(&["package", "--demo", "--out", full.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
}

#[test]
fn live_discovery_is_packaged() {
    let moto = moto::Moto::start();
    moto.seed(false);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("live");
    let o = moto::clean_aws_command(env!("CARGO_BIN_EXE_auditmap"), &moto.endpoint)
        .args(["package", "--live", "--region", "us-east-1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(matches!(code(&o), 0 | 3), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(m["source"].as_str().unwrap().starts_with("live discovery"));
    assert_eq!(m["coverage"]["complete"], code(&o) == 0);
    let snap = inventory_total(&out.join("snapshot.json"));
    assert!(snap > 0, "live snapshot has resources");
    assert_eq!(m["row_counts"]["inventory.csv"], snap);
    let v = Command::new("sha256sum").args(["-c", "--quiet", "SHA256SUMS"]).current_dir(&out).status().unwrap();
    assert!(v.success());
    // Live flags without --live are a usage error.
    assert_eq!(
        code(&auditmap(&[
            "package",
            "--demo",
            "--region",
            "us-east-1",
            "--out",
            tmp.path().join("x").to_str().unwrap()
        ])),
        2
    );
}

/// Resources in a snapshot file, counted from the JSON.
fn inventory_total(path: &Path) -> usize {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["resources"].as_object().unwrap().values().map(|l| l.as_array().map_or(0, Vec::len)).sum()
}

/// `--redact-key FILE` and `AUDITMAP_REDACT_KEY` give the same pseudonyms run after run
/// (a trailing newline in the file is ignored), the file name is not shown, a short key
/// is refused (exit 2) without echoing it, and the key needs --redact.
#[test]
fn redact_key_from_file_or_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = demo_json();
    let account = snap["scope"]["accounts"][0].as_str().unwrap().to_string();
    let path = tmp.path().join(format!("snap-{account}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&snap).unwrap()).unwrap();
    let key = tmp.path().join("redact.key");
    std::fs::write(&key, "a secret of at least sixteen bytes\n").unwrap();
    let run = |name: &str, args: &[&str], env: Option<&str>| {
        let out = tmp.path().join(name);
        let mut c = Command::new(env!("CARGO_BIN_EXE_auditmap"));
        c.args(["package", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--redact"]).args(args);
        c.env_remove("AUDITMAP_REDACT_KEY");
        if let Some(v) = env {
            c.env("AUDITMAP_REDACT_KEY", v);
        }
        let o = c.output().expect("auditmap runs");
        (o, out)
    };
    let (o1, out1) = run("a", &["--redact-key", key.to_str().unwrap()], None);
    assert_eq!(code(&o1), 0, "stderr: {}", String::from_utf8_lossy(&o1.stderr));
    let (o2, out2) = run("b", &[], Some("a secret of at least sixteen bytes"));
    assert_eq!(code(&o2), 0, "stderr: {}", String::from_utf8_lossy(&o2.stderr));
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    assert_eq!(read(&out1, "snapshot.json"), read(&out2, "snapshot.json"), "same key, same pseudonyms");
    assert_eq!(read(&out1, "inventory.csv"), read(&out2, "inventory.csv"));
    let manifest = String::from_utf8(read(&out1, "manifest.json")).unwrap();
    assert!(!manifest.contains(&account) && !manifest.contains("snap-"), "{manifest}");
    assert!(manifest.contains("HMAC-SHA256, user key") && !manifest.contains("a secret"));
    // No key: a random one; pseudonyms differ from the keyed package's.
    let (o3, out3) = run("c", &[], None);
    assert_eq!(code(&o3), 0);
    assert_ne!(read(&out1, "snapshot.json"), read(&out3, "snapshot.json"));
    assert!(String::from_utf8(read(&out3, "README.txt")).unwrap().contains("NOT comparable across packages"));
    // A short key is refused and never echoed.
    let (o4, _) = run("d", &[], Some("short-secret"));
    assert_eq!(code(&o4), 2);
    let err = String::from_utf8_lossy(&o4.stderr);
    assert!(
        err.contains("AUDITMAP_REDACT_KEY") && err.contains("at least 16") && !err.contains("short-secret"),
        "{err}"
    );
    // --redact-key without --redact is a usage error.
    let o5 = auditmap(&["package", "--demo", "--out", tmp.path().join("e").to_str().unwrap(), "--redact-key", "k"]);
    assert_eq!(code(&o5), 2);
}

/// `package NEW --previous OLD --accepted FILE`: changes.csv says which new or widened
/// exposure was accepted; the manifest records the file's hash beside the previous
/// snapshot's. A malformed file (also with --demo) is exit 2 naming file:line: field,
/// before anything is written.
#[test]
fn accepted_file_with_previous_and_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let estates = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates");
    let accepted = tmp.path().join("accepted.toml");
    let text = "[[accept]]\nresource = \"i-09025814dc3004ef8\"\nports = \"tcp/8080\"\nreason = \"legacy report until the migration\"\napproved_by = \"sec@example.com\"\nticket = \"SEC-200\"\n";
    std::fs::write(&accepted, text).unwrap();
    let out = tmp.path().join("pkg");
    let o = auditmap(&[
        "package",
        estates.join("demo-next.json").to_str().unwrap(),
        "--previous",
        estates.join("demo.json").to_str().unwrap(),
        "--accepted",
        accepted.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(matches!(code(&o), 0 | 3), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    let exposure_rows: Vec<&str> = csv.lines().filter(|l| l.starts_with("exposure,")).collect();
    let legacy = exposure_rows.iter().find(|l| l.contains("i-09025814dc3004ef8")).expect("the new exposure");
    assert!(legacy.starts_with("exposure,new,") && legacy.ends_with("; accepted"), "{legacy}");
    let bastion = exposure_rows.iter().find(|l| l.contains("i-0c1425424139e128e")).expect("the widened exposure");
    assert!(bastion.starts_with("exposure,widened,") && bastion.ends_with("; unaccepted"), "{bastion}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["accepted"]["sha256"], render::package::sha256_hex(text.as_bytes()));
    assert_eq!(m["accepted"]["file"], accepted.to_str().unwrap());
    assert_eq!(m["accepted"]["accepted"], 1);
    assert!(m["previous"]["snapshot_sha256"].is_string());
    let (_, rows) = exposures_csv(&out);
    assert_eq!(
        rows.iter()
            .filter(|r| r.ends_with(",accepted,legacy report until the migration,sec@example.com,SEC-200,"))
            .count(),
        1
    );

    // Malformed: a misspelt field, then a missing file; exit 2, nothing written.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[[accept]]\nresource = \"i-1\"\nports = \"tcp/22\"\nreason = \"r\"\napproved_by = \"a\"\nexpire = \"2027-01-01\"\n")
        .unwrap();
    let out2 = tmp.path().join("pkg2");
    let o = auditmap(&["package", "--demo", "--accepted", bad.to_str().unwrap(), "--out", out2.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("{}:6: expire: unknown field", bad.display())), "{err}");
    let missing = tmp.path().join("missing.toml");
    let o = auditmap(&["package", "--demo", "--accepted", missing.to_str().unwrap(), "--out", out2.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.toml"));
    assert!(!out2.exists(), "nothing written on a bad accepted file");
}

/// exposures.csv's header and raw lines.
fn exposures_csv(dir: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(dir.join("exposures.csv")).unwrap();
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap_or_default();
    (header, lines.collect())
}
