//! The snapshot file format: round trips, canonical writing, and clear errors for bad input.
use std::path::Path;

use inventory::model::ResourceKind;
use inventory::snapshot::{load_bytes, to_json_bytes, validate, Severity, Snapshot, SnapshotError, MAX_STRING_BYTES};

const EVERY_KIND: &str = include_str!("fixtures/every_kind.json");

fn load(text: &str) -> Result<Snapshot, SnapshotError> {
    load_bytes(Path::new("test.json"), text.as_bytes())
}

fn every_kind() -> Snapshot {
    load(EVERY_KIND).expect("fixture loads")
}

#[test]
fn fixture_has_every_kind_and_no_problems() {
    let s = every_kind();
    for kind in ResourceKind::ALL {
        assert!(s.resources.count(kind) > 0, "fixture lacks {kind}");
    }
    // The only problem: a blackhole route to a deleted NAT gateway, which AWS keeps
    // showing and which is worth a warning, not a refusal.
    let problems: Vec<String> = validate(&s).iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        vec!["warning: route_table rtb-0a field routes[4].target: refers to nat_gateway \"nat-0gone\", which is not in the snapshot"]
    );
}

#[test]
fn serde_round_trip_of_every_kind() {
    let s = every_kind();
    let json = serde_json::to_string(&s).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    for kind in ResourceKind::ALL {
        assert_eq!(back.resources.count(kind), s.resources.count(kind), "{kind}");
    }
}

#[test]
fn write_is_canonical_and_stable() {
    let s = every_kind();
    let first = to_json_bytes(&s);
    let reloaded = load_bytes(Path::new("x"), &first).unwrap();
    assert_eq!(to_json_bytes(&reloaded), first, "load → write must be byte-identical");
    // Order in the input does not matter: shuffle lists and write again.
    let mut shuffled = s.clone();
    shuffled.resources.network_acls[0].entries.reverse();
    shuffled.resources.route_tables[0].routes.reverse();
    shuffled.resources.vpc_endpoints.reverse();
    shuffled.resources.network_interfaces.reverse();
    assert_eq!(to_json_bytes(&shuffled), first);
}

#[test]
fn nacl_entries_sorted_by_direction_and_number() {
    let s = every_kind();
    let nums: Vec<(bool, u16)> =
        s.resources.network_acls[0].entries.iter().map(|e| (e.egress, e.rule_number)).collect();
    assert_eq!(nums, vec![(false, 90), (false, 100), (false, 32767), (true, 100), (true, 32767)]);
}

#[test]
fn empty_file_is_reported() {
    for text in ["", "  \n"] {
        let e = load(text).unwrap_err();
        assert!(matches!(e, SnapshotError::Empty { .. }), "{e}");
        assert!(e.to_string().contains("empty"));
    }
}

#[test]
fn truncated_json_reports_line_and_column() {
    let cut = &EVERY_KIND[..EVERY_KIND.len() / 2];
    let e = load(cut).unwrap_err();
    match &e {
        SnapshotError::Json { line, column, .. } => assert!(*line > 1 && *column > 0, "{e}"),
        other => panic!("expected JSON error, got {other}"),
    }
    assert!(e.to_string().starts_with("test.json:"), "{e}");
}

#[test]
fn invalid_utf8_reports_its_line() {
    // A tag value with a byte that is not UTF-8 (a Latin-1 "é"), as a hand-edited file may have.
    let line = EVERY_KIND.lines().position(|l| l.contains("map_public_ip_on_launch")).unwrap() + 1;
    let mut bytes = Vec::new();
    for (i, l) in EVERY_KIND.lines().enumerate() {
        bytes.extend_from_slice(l.as_bytes());
        if i + 1 == line {
            bytes.extend_from_slice(b" \"caf\xE9\": 1,");
        }
        bytes.push(b'\n');
    }
    // The byte is on `line` (an unknown field too, but the encoding fails first).
    let e = load_bytes(Path::new("test.json"), &bytes).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SnapshotError::Json { .. }), "{msg}");
    assert!(msg.contains(&format!("test.json:{line}:")), "{msg} should point at line {line}");
    assert!(msg.contains("unicode"), "{msg}");
}

#[test]
fn wrong_type_reports_position_and_field() {
    let bad = EVERY_KIND.replace(r#""map_public_ip_on_launch": true"#, r#""map_public_ip_on_launch": "yes""#);
    let e = load(&bad).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SnapshotError::Json { .. }), "{msg}");
    assert!(msg.contains("invalid type"), "{msg}");
    let line = EVERY_KIND.lines().position(|l| l.contains("map_public_ip_on_launch")).unwrap() + 1;
    assert!(msg.contains(&format!("test.json:{line}:")), "{msg} should point at line {line}");
}

#[test]
fn unknown_field_is_an_error() {
    let bad = EVERY_KIND.replace(r#""group_name": "bastion""#, r#""group_name": "bastion", "gropu_name": "typo""#);
    let msg = load(&bad).unwrap_err().to_string();
    assert!(msg.contains("unknown field `gropu_name`"), "{msg}");
}

#[test]
fn bad_cidr_is_an_error() {
    let bad = EVERY_KIND.replace(r#""cidr_block": "10.0.1.0/24""#, r#""cidr_block": "10.0.1.0/33""#);
    assert!(matches!(load(&bad).unwrap_err(), SnapshotError::Json { .. }));
}

#[test]
fn dangling_reference_names_resource_and_field() {
    let bad = EVERY_KIND.replace(
        r#""subnet_id": "subnet-0a", "availability_zone": "eu-west-1a",
                              "interface_type""#,
        r#""subnet_id": "subnet-missing", "availability_zone": "eu-west-1a",
                              "interface_type""#,
    );
    assert_ne!(bad, EVERY_KIND, "replacement must apply");
    let e = load(&bad).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SnapshotError::Invalid { .. }), "{msg}");
    assert!(msg.contains("network_interface eni-0a field subnet_id"), "{msg}");
    assert!(msg.contains("subnet-missing"), "{msg}");
}

#[test]
fn blackhole_target_missing_is_only_a_warning() {
    let s = every_kind();
    let problems = validate(&s);
    assert_eq!(problems.len(), 1);
    assert!(problems.iter().all(|p| p.severity == Severity::Warning));
    // And a loaded snapshot with only warnings is accepted.
    assert!(load(EVERY_KIND).is_ok());
}

#[test]
fn duplicate_ids_are_errors() {
    let mut s = every_kind();
    let dup = s.resources.subnets[0].clone();
    s.resources.subnets.push(dup);
    let problems = validate(&s);
    assert!(problems
        .iter()
        .any(|p| p.severity == Severity::Error && p.message == "duplicate id" && p.resource_id == "subnet-0a"));
}

#[test]
fn newer_schema_version_is_refused() {
    let newer = EVERY_KIND
        .replace(r#""schema_version": 1"#, r#""schema_version": 99"#)
        .replace(r#""resources": {"#, r#""future_field": 1, "resources": {"#);
    let e = load(&newer).unwrap_err();
    assert!(matches!(e, SnapshotError::NewerSchema { found: 99, supported: 1, .. }), "{e}");
    assert!(e.to_string().contains("upgrade auditmap"));
}

#[test]
fn huge_string_is_refused_with_position() {
    let huge = "A".repeat(100 * 1024 * 1024);
    let text = EVERY_KIND.replace(r#""Name": "bastion""#, &format!(r#""Name": "{huge}""#));
    let e = load(&text).unwrap_err();
    match &e {
        SnapshotError::StringTooLong { len, line, limit, .. } => {
            assert_eq!(*len, huge.len());
            assert_eq!(*limit, MAX_STRING_BYTES);
            let expected = EVERY_KIND.lines().position(|l| l.contains(r#""Name": "bastion""#)).unwrap() + 1;
            assert_eq!(*line, expected);
        }
        other => panic!("expected StringTooLong, got {other}"),
    }
}

#[test]
fn long_but_legal_strings_are_kept() {
    let long = "b".repeat(MAX_STRING_BYTES - 10);
    let text = EVERY_KIND.replace(r#""Name": "bastion""#, &format!(r#""Name": "{long}""#));
    let s = load(&text).unwrap();
    assert_eq!(s.resources.instances[0].tags["Name"].len(), long.len());
}

#[test]
fn committed_json_schema_matches_types() {
    let committed = include_str!("../../docs/snapshot.schema.json");
    assert_eq!(committed, Snapshot::json_schema(), "regenerate with: cargo run -- schema > docs/snapshot.schema.json");
}

#[test]
fn garbage_never_panics() {
    for text in [
        "null",
        "[]",
        "42",
        "{\"schema_version\": \"one\"}",
        "{\"schema_version\": 1}",
        "\u{feff}{}",
        "{\"a\":\"\\",
        "\"unterminated",
    ] {
        assert!(load(text).is_err(), "{text:?} should be rejected");
    }
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let with_bom = format!("\u{feff}{EVERY_KIND}");
    assert_eq!(load(&with_bom).expect("a BOM is accepted"), every_kind());
}
