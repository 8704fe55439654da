//! `auditmap diff`: the committed demo pair (examples/estates/demo.json → demo-next.json,
//! made by make_demo_next.py) gives exactly the expected diff; exit codes; redaction.
use std::path::Path;
use std::process::{Command, Output};

fn auditmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auditmap")).args(args).env("NO_COLOR", "1").output().expect("run auditmap")
}

fn estate(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/estates").join(name).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every change between the demo pair, one CSV row each. Reviewed by hand against
/// make_demo_next.py: the world-open SSH rule widens the bastion's exposure by exactly
/// the addresses it did not already admit; the removed NACL deny opens tcp/8080 on the
/// legacy report host; the terminated instance and its ENI are removed; the instances
/// of the account/region whose DescribeInstances was denied are unknown, not removed.
const EXPECTED_CSV: &str = "\
section,change,kind,id,name,account_id,region,field,old,new,detail
resource,added,instance,i-0a11c0ffee0000001,prod-web-public-1,111111111111,eu-west-1,,,,
resource,added,network_interface,eni-0a11c0ffee0000001,prod-web-public-1-eth0,111111111111,eu-west-1,,,,
resource,added,security_group,sg-0a11c0ffee0000001,prod-web-public-sg,111111111111,eu-west-1,,,,
resource,removed,instance,i-024bd1894ca47933e,staging-orphan-1,222222222222,us-east-1,,,,state terminated
resource,removed,network_interface,eni-03c8273e967171072,staging-orphan-1-eth0,222222222222,us-east-1,,,,
resource,unknown (not collected),instance,i-0e251ba53c9c85ca8,shared-ad-2,222222222222,eu-west-1,,,,not collected in NEW: ec2:DescribeInstances denied (UnauthorizedOperation) in 222222222222/eu-west-1
resource,unknown (not collected),instance,i-0efbe320ab71c66b4,shared-ad-1,222222222222,eu-west-1,,,,not collected in NEW: ec2:DescribeInstances denied (UnauthorizedOperation) in 222222222222/eu-west-1
resource,changed,security_group,sg-0fc783549fafee1df,prod-bastion-sg,111111111111,eu-west-1,ingress,,\"tcp/22 from 0.0.0.0/0 (sgr-0c0ffee0000000022) \"\"temporary: vendor access\"\"\",added
resource,changed,network_acl,acl-0e9ed372fe4bc235f,prod-legacy-nacl,111111111111,eu-west-1,entries,#90 inbound deny tcp/8080 from 0.0.0.0/0,,removed
exposure,new,instance,i-09025814dc3004ef8,prod-legacy-report-1,111111111111,eu-west-1,v4 tcp,,tcp/8080 from 0.0.0.0/0,203.0.113.12
exposure,new,instance,i-0a11c0ffee0000001,prod-web-public-1,111111111111,eu-west-1,v4 tcp,,tcp/443 from 0.0.0.0/0,203.0.113.30
exposure,widened,instance,i-0c1425424139e128e,prod-bastion-1,111111111111,eu-west-1,v4 tcp,,tcp/22 from 0.0.0.0/0 except 198.51.100.10/32,203.0.113.10
coverage,new gap,api,ec2:DescribeInstances,,222222222222,eu-west-1,status,ok,denied,UnauthorizedOperation
";

#[test]
fn demo_pair_gives_exactly_the_expected_diff() {
    let out = auditmap(&["diff", &estate("demo.json"), &estate("demo-next.json"), "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).replace("\r\n", "\n"), EXPECTED_CSV);
}

#[test]
fn demo_pair_json_has_the_documented_shape() {
    let out = auditmap(&["diff", &estate("demo.json"), &estate("demo-next.json"), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let old_bytes = std::fs::read(estate("demo.json")).unwrap();
    assert_eq!(v["old"]["sha256"], render::package::sha256_hex(&old_bytes));
    assert_eq!(v["old"]["collected_at"], "2026-11-20T09:30:00Z");
    assert_eq!(v["new"]["collected_at"], "2026-11-27T09:30:00Z");
    assert_eq!(v["new"]["gaps"], 1);
    let widened = &v["exposures"]["widened"][0];
    assert_eq!(widened["resource_id"], "i-0c1425424139e128e");
    // The exact added sources: everything public but the one address admitted before.
    let sources: Vec<&str> =
        widened["delta"][0]["sources"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(sources.len(), 32, "{sources:?}");
    assert!(!sources.contains(&"198.51.100.10/32"));
    assert_eq!(widened["delta"][0]["ports"], serde_json::json!({"from": 22, "to": 22}));
    // NEW's findings carry the evidence of the widening rule.
    assert!(widened["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["evidence"]["sg_rule_id"] == "sgr-0c0ffee0000000022"));
    for key in ["added", "removed", "changed", "unknown"] {
        assert!(v["resources"][key].is_array(), "{key}");
    }
    for key in ["new", "closed", "widened", "narrowed", "unknown"] {
        assert!(v["exposures"][key].is_array(), "{key}");
    }
    assert!(v["segmentation"]["added"].as_array().unwrap().is_empty());
    assert_eq!(v["coverage"]["changed"][0]["new"], "denied");
}

#[test]
fn a_snapshot_against_itself_is_empty() {
    let demo = estate("demo.json");
    let out = auditmap(&["diff", &demo, &demo, "--json", "--fail-on", "new-exposure"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d: inventory::diff::Diff = serde_json::from_value(v).unwrap();
    assert!(d.is_empty(), "{d:?}");
    let text = auditmap(&["diff", &demo, &demo]);
    assert!(stdout(&text).ends_with("\nNo changes.\n"), "{}", stdout(&text));
    let csv = auditmap(&["diff", &demo, &demo, "--csv"]);
    assert_eq!(stdout(&csv).lines().count(), 1, "header only");
}

#[test]
fn exit_codes() {
    let (old, new) = (estate("demo.json"), estate("demo-next.json"));
    assert_eq!(auditmap(&["diff", &old, &new, "--fail-on", "new-exposure"]).status.code(), Some(4));
    // Swapped: refused (exit 2) with a message naming both times, unless --force.
    let swapped = auditmap(&["diff", &new, &old]);
    assert_eq!(swapped.status.code(), Some(2));
    assert!(stderr(&swapped).contains("OLD was collected at 2026-11-27T09:30:00Z, after NEW (2026-11-20T09:30:00Z)"));
    let forced = auditmap(&["diff", &new, &old, "--force", "--json", "--fail-on", "new-exposure"]);
    // Backwards, the new exposures are closures and the widening a narrowing: no new hole.
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let v: serde_json::Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(v["exposures"]["closed"].as_array().unwrap().len(), 2);
    assert_eq!(v["exposures"]["narrowed"].as_array().unwrap().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1,").unwrap();
    let out = auditmap(&["diff", &old, bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.json:1:"), "{}", stderr(&out));
}

#[test]
fn redaction_composes_with_diff() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "a redaction key of enough bytes\n").unwrap();
    let (old, new) = (estate("demo.json"), estate("demo-next.json"));
    let run = || auditmap(&["diff", &old, &new, "--json", "--redact", "--redact-key", key.to_str().unwrap()]);
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text, stdout(&run()), "same key, same output");
    for secret in ["111111111111", "222222222222", "203.0.113.10", "203.0.113.30"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Both sides pseudonymised alike: nothing shows as changed that did not change.
    assert_eq!(v["old"]["accounts"], v["new"]["accounts"]);
    assert_eq!(v["resources"]["added"].as_array().unwrap().len(), 3);
    assert_eq!(v["resources"]["removed"].as_array().unwrap().len(), 2);
    assert_eq!(v["resources"]["changed"].as_array().unwrap().len(), 2);
    assert_eq!(v["exposures"]["new"].as_array().unwrap().len(), 2);
    assert_eq!(v["exposures"]["widened"].as_array().unwrap().len(), 1);
}

#[test]
fn accepted_exposures_mark_the_diff_and_gate_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, ids: &[&str]| {
        let text: String = ids
            .iter()
            .map(|id| format!("[[accept]]\nresource = \"{id}\"\nports = \"all\"\nreason = \"r\"\napproved_by = \"a@example.com\"\n\n"))
            .collect();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let (old, new) = (estate("demo.json"), estate("demo-next.json"));
    let two = file("two.toml", &["i-0a11c0ffee0000001", "i-09025814dc3004ef8"]);
    let out = auditmap(&["diff", &old, &new, "--json", "--accepted", &two, "--fail-on", "new-exposure"]);
    assert_eq!(out.status.code(), Some(4), "the widened bastion is not accepted");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = v["exposures"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["exposures"]["widened"].as_array().unwrap())
        .map(|c| (c["resource_id"].as_str().unwrap(), c["acceptance"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("i-09025814dc3004ef8", "accepted"),
            ("i-0a11c0ffee0000001", "accepted"),
            ("i-0c1425424139e128e", "unaccepted")
        ]
    );
    let all = file("all.toml", &["i-0a11c0ffee0000001", "i-09025814dc3004ef8", "i-0c1425424139e128e"]);
    let out = auditmap(&["diff", &old, &new, "--accepted", &all, "--fail-on", "new-exposure"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("WIDENED i-0c1425424139e128e (prod-bastion-1) 203.0.113.10: tcp/22 from 0.0.0.0/0 except 198.51.100.10/32 [accepted]"), "{}", stdout(&out));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[accept]]\nresource = \"i-1\"\n").unwrap();
    let out = auditmap(&["diff", &old, &new, "--accepted", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.toml:1: ports: missing"), "{}", stderr(&out));
}

/// demo-next.json with a hostile Name tag on the bastion, written to `dir`.
fn hostile_next(dir: &Path) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(estate("demo-next.json")).unwrap()).unwrap();
    for i in v["resources"]["instances"].as_array_mut().unwrap() {
        if i["id"] == "i-0c1425424139e128e" {
            i["tags"]["Name"] = "=HYPERLINK(\"http://x\")<script>alert(1)</script>".into();
        }
    }
    let path = dir.join("next.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn hostile_strings_are_neutralised_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = auditmap(&["diff", &estate("demo.json"), &hostile_next(dir.path()), "--csv"]);
    let csv = stdout(&out);
    assert!(csv.contains("tags.Name,prod-bastion-1,\"'=HYPERLINK("), "{csv}");
}

#[test]
fn package_previous_records_the_changes_and_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (estate("demo.json"), hostile_next(dir.path()));
    let pkg = dir.path().join("pkg");
    let out = auditmap(&["package", &new, "--previous", &old, "--out", pkg.to_str().unwrap()]);
    // Exit 3: NEW has a denied API (stated in the package).
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let changes = std::fs::read_to_string(pkg.join("changes.csv")).unwrap().replace("\r\n", "\n");
    // The expected rows, plus the Name tag change (in a row of its own) and the renamed
    // bastion in its exposure row.
    let hostile_name = "\"'=HYPERLINK(\"\"http://x\"\")<script>alert(1)</script>\"";
    let expected = EXPECTED_CSV
        .replace(",prod-bastion-1,111111111111,eu-west-1,v4 tcp,", &format!(",{hostile_name},111111111111,eu-west-1,v4 tcp,"))
        .replace(
            "resource,changed,security_group,",
            &format!("resource,changed,instance,i-0c1425424139e128e,{hostile_name},111111111111,eu-west-1,tags.Name,prod-bastion-1,{hostile_name},changed\nresource,changed,security_group,"),
        );
    assert_eq!(changes, expected);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    let old_sha = render::package::sha256_hex(&std::fs::read(&old).unwrap());
    assert_eq!(manifest["previous"]["snapshot_sha256"], old_sha.as_str());
    assert_eq!(manifest["previous"]["collected_at"], "2026-11-20T09:30:00Z");
    assert_eq!(manifest["previous"]["changes"], 14);
    assert_eq!(manifest["row_counts"]["changes.csv"], 14);
    let listed = manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == "changes.csv").unwrap();
    let bytes = std::fs::read(pkg.join("changes.csv")).unwrap();
    assert_eq!(listed["sha256"], render::package::sha256_hex(&bytes).as_str());
    assert!(std::fs::read_to_string(pkg.join("SHA256SUMS")).unwrap().contains("  changes.csv\n"));
    let readme = std::fs::read_to_string(pkg.join("README.txt")).unwrap();
    assert!(readme.contains("CHANGES SINCE 2026-11-20 (previous snapshot collected 2026-11-20T09:30:00Z)"), "{readme}");
    assert!(readme.contains(&format!("Previous snapshot SHA-256: {old_sha}")));
    assert!(readme.contains("widened exposure: i-0c1425424139e128e tcp/22 from 0.0.0.0/0 except 198.51.100.10/32"));
    let html = std::fs::read_to_string(pkg.join("report.html")).unwrap();
    assert!(html.contains("<h2>Changes since 2026-11-20</h2>"), "changes section");
    assert!(!html.contains("<script>alert(1)"), "hostile tag escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"));
    // The change pages: in diagrams/changes/, listed with controls, shown in the report.
    for stem in ["vpc-03ff7338c5e6a1e40", "vpc-084e8b2940c925acb", "vpc-0b25874defdab4e8c"] {
        for ext in ["svg", "png", "pdf"] {
            let path = format!("diagrams/changes/{stem}.{ext}");
            let entry = manifest["files"].as_array().unwrap().iter().find(|f| f["path"] == path.as_str());
            let entry = entry.unwrap_or_else(|| panic!("{path} not in the manifest"));
            assert!(entry["controls"].as_array().unwrap().iter().any(|c| c == "CC7.1"), "{path}");
            assert!(entry["description"].as_str().unwrap().starts_with("Change diagram of VPC"), "{path}");
        }
        assert!(html.contains(&format!("href=\"diagrams/changes/{stem}.svg\"")), "report links {stem}");
        assert!(readme.contains(stem));
    }
    assert!(html.contains("<h3>Change diagrams</h3>"));
    let page = std::fs::read_to_string(pkg.join("diagrams/changes/vpc-03ff7338c5e6a1e40.svg")).unwrap();
    assert!(!page.contains("<script>alert(1)"), "hostile tag escaped on the change page");
    assert!(page.contains("New snapshot SHA-256"));
    // OLD collected after NEW: refused before anything is written.
    let swapped = auditmap(&[
        "package",
        &old,
        "--previous",
        &estate("demo-next.json"),
        "--out",
        dir.path().join("p2").to_str().unwrap(),
    ]);
    assert_eq!(swapped.status.code(), Some(2), "{}", stderr(&swapped));
    assert!(stderr(&swapped).contains("--previous: OLD was collected at"), "{}", stderr(&swapped));
    assert!(!dir.path().join("p2").exists());
}

#[test]
fn package_previous_composes_with_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "a redaction key of enough bytes\n").unwrap();
    let pkg = dir.path().join("pkg");
    let out = auditmap(&[
        "package",
        &estate("demo-next.json"),
        "--previous",
        &estate("demo.json"),
        "--redact",
        "--redact-key",
        key.to_str().unwrap(),
        "--out",
        pkg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let changes = std::fs::read_to_string(pkg.join("changes.csv")).unwrap();
    for secret in ["111111111111", "222222222222", "203.0.113.10", "203.0.113.30"] {
        assert!(!changes.contains(secret), "{secret} leaked into changes.csv");
    }
    // Both snapshots under the same key: the same 13 changes, nothing spurious from
    // pseudonyms differing between the sides.
    assert_eq!(changes.lines().count(), EXPECTED_CSV.lines().count());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["previous"]["source"], "snapshot file (name redacted)");
    assert_eq!(manifest["previous"]["changes"], 13);
}

/// Every file in `dir`, sorted, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn diff_out_writes_the_changed_vpc_pages_changes_csv_and_diff_json() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (estate("demo.json"), estate("demo-next.json"));
    let run = |out: &Path| auditmap(&["diff", &old, &new, "--out", out.to_str().unwrap()]);
    let a = dir.path().join("a");
    let out = run(&a);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // stdout is still the diff; what was written is on stderr.
    assert!(stdout(&out).contains("WIDENED i-0c1425424139e128e"), "{}", stdout(&out));
    assert!(stderr(&out).contains("3 change page(s) written"), "{}", stderr(&out));
    let written = files(&a);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "changes.csv",
            "diff.json",
            "vpc-03ff7338c5e6a1e40.png",
            "vpc-03ff7338c5e6a1e40.svg",
            "vpc-084e8b2940c925acb.png",
            "vpc-084e8b2940c925acb.svg",
            "vpc-0b25874defdab4e8c.png",
            "vpc-0b25874defdab4e8c.svg",
        ],
        "exactly the VPCs where something changed"
    );
    let get = |name: &str| written.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()).unwrap();
    assert_eq!(String::from_utf8(get("changes.csv")).unwrap().replace("\r\n", "\n"), EXPECTED_CSV);
    let json = auditmap(&["diff", &old, &new, "--json"]);
    assert_eq!(get("diff.json"), json.stdout, "diff.json is --json");
    let svg = |name: &str| String::from_utf8(get(name)).unwrap();
    let prod = svg("vpc-03ff7338c5e6a1e40.svg");
    for want in [
        "Changes from 2026-11-20T09:30:00Z to 2026-11-27T09:30:00Z",
        "+ ADDED",
        "EC2 prod-web-public-1",
        "NEW internet exposure: tcp/443 from",
        "WIDENED internet exposure: tcp/22 from",
        "changed: ingress",
        "its network ACL acl-0e9ed372fe4bc235f changed: entries",
    ] {
        assert!(prod.contains(want), "prod page lacks {want:?}");
    }
    assert!(
        !prod.contains("REMOVED</text>") && !prod.contains("NOT COLLECTED (may"),
        "nothing removed or unknown in prod"
    );
    let staging = svg("vpc-0b25874defdab4e8c.svg");
    assert!(staging.contains(">− REMOVED</text>") && staging.contains("EC2 staging-orphan-1"));
    let shared = svg("vpc-084e8b2940c925acb.svg");
    assert_eq!(shared.matches(">? NOT COLLECTED (may still exist)</text>").count(), 2, "shared-ad-1 and -2");
    assert!(!shared.contains("REMOVED</text>"), "not collected is never removed");
    assert!(get("vpc-03ff7338c5e6a1e40.png").starts_with(b"\x89PNG"));
    // The committed example is this output (regenerate: see examples/output/changes/README.md).
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/output/changes");
    for (name, bytes) in &written {
        let committed = std::fs::read(example.join(name)).unwrap_or_default();
        assert!(&committed == bytes, "examples/output/changes/{name} is stale: regenerate it");
    }
    // A second run writes the same bytes.
    let b = dir.path().join("b");
    assert_eq!(run(&b).status.code(), Some(0));
    assert!(files(&b) == written, "byte-identical across runs");
}

#[test]
fn diff_out_of_a_snapshot_with_itself_writes_no_pages_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let demo = estate("demo.json");
    let out = auditmap(&["diff", &demo, &demo, "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no VPC page changed, so no change pages were written"), "{}", stderr(&out));
    let names: Vec<String> = files(dir.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["changes.csv", "diff.json"]);
}
