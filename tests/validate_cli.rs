//! `auditmap validate`: summary on good input, documented exit codes on bad input.
use std::path::Path;
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).output().expect("run auditmap")
}

fn demo_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates/demo.json").display().to_string()
}

#[test]
fn validates_the_demo_estate_with_a_summary() {
    let out = auditmap(&["validate", &demo_path()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    let demo = inventory::demo::demo_snapshot().unwrap();
    assert!(stdout.contains(&format!("resources: {}", demo.resources.total())), "{stdout}");
    assert!(stdout.contains(&format!("{:<30} {:>8}", "vpc", demo.resources.vpcs.len())), "{stdout}");
    assert!(stdout.contains("gaps: none"), "{stdout}");
    for account in &demo.scope.accounts {
        assert!(stdout.contains(account.as_str()), "per-account line for {account}: {stdout}");
    }
}

#[test]
fn json_summary_is_machine_readable() {
    let out = auditmap(&["validate", "--json", &demo_path()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let demo = inventory::demo::demo_snapshot().unwrap();
    assert_eq!(v["total_resources"], demo.resources.total());
    assert_eq!(v["per_kind"]["network_interface"], demo.resources.network_interfaces.len());
}

#[test]
fn coverage_gaps_exit_3_and_are_listed() {
    let mut s = inventory::demo::demo_snapshot().unwrap();
    let mut gap = s.coverage[0].clone();
    gap.api = "ec2:DescribeNetworkAcls".into();
    gap.status = inventory::snapshot::CoverageStatus::Denied;
    gap.error_code = Some("UnauthorizedOperation".into());
    gap.error_message = Some("You are not authorized to perform this operation.".into());
    s.coverage.retain(|c| !(c.account_id == gap.account_id && c.region == gap.region && c.api == gap.api));
    s.coverage.push(gap);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gaps.json");
    inventory::snapshot::write_file(&path, &s).unwrap();
    let out = auditmap(&["validate", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("gaps: 1"), "{stdout}");
    assert!(stdout.contains("ec2:DescribeNetworkAcls denied: UnauthorizedOperation"), "{stdout}");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 4] = [
        ("empty.json", "", "file is empty"),
        ("truncated.json", "{\n  \"schema_version\": 1,\n  \"generator\": {", "truncated.json:3:"),
        ("newer.json", "{\"schema_version\": 7}", "newer than this auditmap supports"),
        ("array.json", "[1, 2]", "invalid snapshot JSON"),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = auditmap(&["validate", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: expected {expected:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let out = auditmap(&["validate", dir.path().join("missing.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(auditmap(&["validate"]).status.code(), Some(2));
    assert_eq!(auditmap(&["no-such-command"]).status.code(), Some(2));
    let help = auditmap(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes"));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let out = auditmap(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

/// The committed malformed-snapshot corpus through the CLI: documented exit code,
/// the message on stderr, never a panic.
#[test]
fn malformed_corpus_exits_as_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventory/tests/fixtures");
    let base = std::fs::read_to_string(root.join("every_kind.json")).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("malformed/cases.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for c in doc["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let text = match (c["text"].as_str(), c["repeat"].as_str()) {
            (Some(t), _) => t.to_string(),
            (None, Some(r)) => r.repeat(c["times"].as_u64().unwrap() as usize),
            (None, None) => base.replace(c["from"].as_str().unwrap(), c["to"].as_str().unwrap()),
        };
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, text).unwrap();
        let out = auditmap(&["validate", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(c["exit"].as_i64().unwrap() as i32), "{name}: {stderr}");
        assert!(stderr.contains(c["message"].as_str().unwrap()), "{name}: stderr lacks the message: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}
