//! `auditmap exposure --accepted/--fail-on/--baseline`: every gate's exit code, the
//! accepted/expired/unaccepted/stale statuses, and malformed accepted files.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("run auditmap")
}

fn estate(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates").join(name).display().to_string()
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// One entry per resource, every port, optionally with an expiry.
fn accept_file(dir: &Path, name: &str, resources: &[&str], expires: Option<&str>) -> PathBuf {
    let mut text = String::new();
    for r in resources {
        text.push_str(&format!(
            "[[accept]]\nresource = \"{r}\"\nports = \"all\"\nreason = \"reviewed\"\napproved_by = \"sec@example.com\"\nticket = \"SEC-1\"\n"
        ));
        if let Some(e) = expires {
            text.push_str(&format!("expires = \"{e}\"\n"));
        }
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn demo_exposed_resources() -> Vec<String> {
    let v = json(&auditmap(&["exposure", &estate("demo.json"), "--json"]));
    let mut ids: Vec<String> =
        v["exposures"].as_array().unwrap().iter().map(|f| f["resource_id"].as_str().unwrap().to_string()).collect();
    // A load balancer's findings are not adjacent (one per node ENI): sort first.
    ids.sort();
    ids.dedup();
    assert!(ids.len() > 2, "{ids:?}");
    ids
}

#[test]
fn fail_on_any_and_its_alias() {
    let demo = estate("demo.json");
    assert_eq!(code(&auditmap(&["exposure", &demo])), Some(0));
    assert_eq!(code(&auditmap(&["exposure", &demo, "--fail-on", "any"])), Some(4));
    assert_eq!(code(&auditmap(&["exposure", &demo, "--fail-on-exposure"])), Some(4));
    let both = auditmap(&["exposure", &demo, "--fail-on-exposure", "--fail-on", "any"]);
    assert_eq!(code(&both), Some(2), "conflicting flags are a usage error");
}

#[test]
fn fail_on_unaccepted_accepted_expired_and_stale() {
    let dir = tempfile::tempdir().unwrap();
    let demo = estate("demo.json");
    let ids = demo_exposed_resources();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    // Everything accepted, plus an entry that matches nothing.
    let mut all = refs.clone();
    all.push("i-0gone");
    let file = accept_file(dir.path(), "all.toml", &all, Some("2027-06-30"));
    let out = auditmap(&["exposure", &demo, "--accepted", file.to_str().unwrap(), "--fail-on", "unaccepted"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("accepted (SEC-1, sec@example.com, until 2027-06-30)"), "{text}");
    assert!(
        text.contains(&format!("stale (matches no finding): line {}: resource i-0gone all", 1 + 8 * refs.len())),
        "{text}"
    );
    // Expired before the snapshot was collected (2026-11-20): expired, and the gate trips.
    let file = accept_file(dir.path(), "old.toml", &refs, Some("2026-11-19"));
    let out = auditmap(&["exposure", &demo, "--json", "--accepted", file.to_str().unwrap(), "--fail-on", "unaccepted"]);
    assert_eq!(code(&out), Some(4));
    let v = json(&out);
    for f in v["exposures"].as_array().unwrap() {
        assert_eq!(f["acceptance"]["status"], "expired", "{f}");
        assert_eq!(f["acceptance"]["expires"], "2026-11-19");
        assert_eq!(f["acceptance"]["approved_by"], "sec@example.com");
    }
    assert_eq!(v["stale_acceptances"], serde_json::json!([]));
    // All but one accepted: the one left is unaccepted and trips the gate; `any` trips regardless.
    let file = accept_file(dir.path(), "some.toml", &refs[1..], None);
    let out = auditmap(&["exposure", &demo, "--json", "--accepted", file.to_str().unwrap(), "--fail-on", "unaccepted"]);
    assert_eq!(code(&out), Some(4));
    let v = json(&out);
    let unaccepted: Vec<&str> = v["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["acceptance"]["status"] == "unaccepted")
        .map(|f| f["resource_id"].as_str().unwrap())
        .collect();
    assert!(!unaccepted.is_empty() && unaccepted.iter().all(|r| *r == refs[0]), "{unaccepted:?}");
    let all_file = dir.path().join("all.toml");
    let any = auditmap(&["exposure", &demo, "--accepted", all_file.to_str().unwrap(), "--fail-on", "any"]);
    assert_eq!(code(&any), Some(4));
}

#[test]
fn fail_on_new_against_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (estate("demo.json"), estate("demo-next.json"));
    let out = auditmap(&["exposure", &new, "--fail-on", "new", "--baseline", &old]);
    assert_eq!(code(&out), Some(4));
    // The new host, the legacy host behind the removed NACL deny, the bastion's world-open
    // rule (its office-only finding was there before: not new).
    assert!(stderr(&out).contains("exposure gate (--fail-on new): 3 finding(s)"), "{}", stderr(&out));
    assert_eq!(code(&auditmap(&["exposure", &old, "--fail-on", "new", "--baseline", &old])), Some(0));
    // Accepting what is new clears the gate; `unaccepted` still sees the rest.
    let file = accept_file(dir.path(), "two.toml", &["i-0a11c0ffee0000001", "i-09025814dc3004ef8"], None);
    let out =
        auditmap(&["exposure", &new, "--fail-on", "new", "--baseline", &old, "--accepted", file.to_str().unwrap()]);
    assert!(stderr(&out).contains("(--fail-on new): 1 finding(s)"), "{}", stderr(&out));
    let file = accept_file(
        dir.path(),
        "new.toml",
        &["i-0a11c0ffee0000001", "i-09025814dc3004ef8", "i-0c1425424139e128e"],
        None,
    );
    let f = file.to_str().unwrap();
    assert_eq!(code(&auditmap(&["exposure", &new, "--fail-on", "new", "--baseline", &old, "--accepted", f])), Some(0));
    assert_eq!(code(&auditmap(&["exposure", &new, "--fail-on", "unaccepted", "--accepted", f])), Some(4));
    // Usage errors: no baseline; a baseline without the gate; a baseline collected later.
    assert_eq!(code(&auditmap(&["exposure", &new, "--fail-on", "new"])), Some(2));
    assert_eq!(code(&auditmap(&["exposure", &new, "--baseline", &old])), Some(2));
    let swapped = auditmap(&["exposure", &old, "--fail-on", "new", "--baseline", &new]);
    assert_eq!(code(&swapped), Some(2));
    assert!(stderr(&swapped).contains("after NEW"), "{}", stderr(&swapped));
}

#[test]
fn malformed_accepted_file_is_bad_input_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accepted.toml");
    std::fs::write(&path, "[[accept]]\nresource = \"i-1\"\nports = \"tcp/22\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = \"next year\"\n").unwrap();
    let out = auditmap(&["exposure", &estate("demo.json"), "--accepted", path.to_str().unwrap()]);
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("accepted.toml:6: expires: \"next year\" is not a date (YYYY-MM-DD)"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&path, "[[accept]\n").unwrap();
    let out = auditmap(&["exposure", &estate("demo.json"), "--accepted", path.to_str().unwrap()]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("accepted.toml:1: invalid TOML"), "{}", stderr(&out));
    let missing = auditmap(&["exposure", &estate("demo.json"), "--accepted", "/nonexistent/a.toml"]);
    assert_eq!(code(&missing), Some(2));
}
