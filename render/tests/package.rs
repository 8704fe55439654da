//! The audit package of the demo estate: complete, verifiable, consistent with the
//! snapshot and analysis, deterministic, and honest about coverage gaps.
mod package_support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use package_support::*;
use render::package::{sha256_hex, PackageError, PackageOptions, ScopeTag};
use render::pipeline::write_package;
use serde_json::Value;

fn manifest(dir: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn demo_package_has_every_file_listed_and_hashed() {
    let (s, bytes) = demo();
    let (_t, dir, outcome) = package(&s, &bytes, &PackageOptions::default());
    let files = files(&dir);
    for required in [
        "manifest.json",
        "SHA256SUMS",
        "snapshot.json",
        "report.html",
        "inventory.csv",
        "inventory.json",
        "inventory.xlsx",
        "exposures.csv",
        "coverage.csv",
        "README.txt",
    ] {
        assert!(files.contains_key(required), "missing {required}");
    }
    // Every page the diagram stage returns is in the package, in every format.
    let analysis = inventory::analysis::analyze(&s);
    let pages = render::diagram::render_pages(&s, &analysis).unwrap();
    for p in &pages {
        for ext in ["svg", "png", "pdf"] {
            assert!(
                files.contains_key(&format!("diagrams/{}.{ext}", p.file_stem)),
                "missing diagrams/{}.{ext}",
                p.file_stem
            );
        }
        if p.drawio.is_some() {
            assert!(files.contains_key(&format!("diagrams/{}.drawio", p.file_stem)));
        }
    }
    if !pages.is_empty() {
        assert!(files.contains_key("diagrams/overview.svg") && files.contains_key("diagrams/exposure.svg"));
        for v in &s.resources.vpcs {
            assert!(files.contains_key(&format!("diagrams/{}.drawio", v.id)), "no page for {}", v.id);
        }
    }

    // The manifest lists every file but itself and SHA256SUMS, with true sizes and hashes.
    let m = manifest(&dir);
    let listed: BTreeMap<String, (u64, String)> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                (f["bytes"].as_u64().unwrap(), f["sha256"].as_str().unwrap().to_string()),
            )
        })
        .collect();
    let on_disk: BTreeSet<&String> = files.keys().filter(|p| *p != "manifest.json" && *p != "SHA256SUMS").collect();
    assert_eq!(listed.keys().collect::<BTreeSet<_>>(), on_disk);
    for (path, (size, hash)) in &listed {
        assert_eq!(*size, files[path].len() as u64, "{path} size");
        assert_eq!(*hash, sha256_hex(&files[path]), "{path} hash");
    }
    assert_eq!(outcome.manifest.files.len(), listed.len());

    // SHA256SUMS covers everything else, manifest.json included, and coreutils accepts it.
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).unwrap();
    let in_sums: BTreeSet<&str> = sums.lines().map(|l| l.split_once("  ").unwrap().1).collect();
    let expected: BTreeSet<&str> = files.keys().filter(|p| *p != "SHA256SUMS").map(String::as_str).collect();
    assert_eq!(in_sums, expected);
    let out = Command::new("sha256sum")
        .arg("-c")
        .arg("--strict")
        .arg("SHA256SUMS")
        .current_dir(&dir)
        .output()
        .expect("sha256sum runs");
    assert!(out.status.success(), "sha256sum -c failed: {}", String::from_utf8_lossy(&out.stdout));

    // Provenance and validity.
    assert_eq!(m["snapshot_sha256"], sha256_hex(&bytes));
    assert_eq!(files["snapshot.json"], bytes, "snapshot.json must be the exact input bytes");
    assert_eq!(m["collected_at"], s.collected_at.to_string());
    assert_eq!(m["generated_at"], s.collected_at.to_string());
    assert_eq!(m["valid_until"], s.collected_at.plus_days(90).to_string());
    assert_eq!(m["auditmap_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["redaction"]["applied"], false);
    assert_eq!(m["coverage"]["complete"], !s.has_gaps());
    assert_eq!(m["scope"]["accounts"], serde_json::to_value(&s.scope.accounts).unwrap());
    assert_eq!(m["caller_identities"].as_array().unwrap().len(), s.identity.len());
    let controls: BTreeSet<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["controls"].as_array().unwrap())
        .filter_map(|c| c.as_str())
        .collect();
    for c in ["CC6.1", "CC6.6", "CC7.1", "A.5.9", "A.8.20", "A.8.22", "1.2.3", "1.2.4", "12.5.1"] {
        assert!(controls.contains(c), "no file evidences {c}");
    }
}

#[test]
fn row_counts_match_the_snapshot_and_exposures_match_the_analysis() {
    let (s, bytes) = demo();
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let files = files(&dir);
    let m = manifest(&dir);
    let total = s.resources.total();
    assert!(total > 0);

    let (header, inv) = csv_rows(&files["inventory.csv"]);
    assert_eq!(inv.len(), total);
    assert_eq!(m["row_counts"]["inventory.csv"], total);
    for col in [
        "id",
        "arn",
        "name",
        "kind",
        "service",
        "account",
        "region",
        "availability_zone",
        "vpc",
        "subnet",
        "private_ips",
        "public_ips",
        "security_groups",
        "internet_exposed",
        "exposed_ports",
        "environment",
        "owner",
        "data_classification",
        "encrypted",
        "in_scope",
        "first_seen",
        "last_seen",
        "tags",
    ] {
        assert!(header.iter().any(|h| h == col), "inventory.csv lacks column {col}");
    }
    // One row per resource: the (kind, id, account) keys are exactly the snapshot's.
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (ck, ci, ca) = (col("kind"), col("id"), col("account"));
    let got: BTreeSet<(String, String, String)> =
        inv.iter().map(|r| (r[ck].clone(), r[ci].clone(), r[ca].clone())).collect();
    let want: BTreeSet<(String, String, String)> =
        s.resources.iter().map(|a| (a.kind.as_str().to_string(), a.id.to_string(), a.account_id.to_string())).collect();
    assert_eq!(got, want);
    // Every kind in the snapshot shows up.
    for k in inventory::model::ResourceKind::ALL {
        let n = inv.iter().filter(|r| r[ck] == k.as_str()).count();
        assert_eq!(n, s.resources.count(k), "rows of kind {k}");
    }
    let seen = s.collected_at.to_string();
    assert!(inv
        .iter()
        .all(|r| r[col("first_seen")] == seen && r[col("last_seen")] == seen && r[col("in_scope")] == "true"));
    // Encryption is not in the snapshot: never invented.
    assert!(inv.iter().all(|r| r[col("encrypted")].is_empty()));

    let json: Value = serde_json::from_slice(&files["inventory.json"]).unwrap();
    assert_eq!(json["resources"].as_array().unwrap().len(), total);
    assert_eq!(json["collected_at"], seen);

    let analysis = inventory::analysis::analyze(&s);
    let (eh, ex) = csv_rows(&files["exposures.csv"]);
    assert_eq!(
        &eh[..12],
        &[
            "resource_id",
            "eni_id",
            "public_ip",
            "protocol",
            "port_from",
            "port_to",
            "source",
            "route_table",
            "nacl_in_rule",
            "nacl_out_rule",
            "security_group",
            "sg_rule"
        ]
    );
    assert_eq!(ex.len(), analysis.exposures.len());
    assert_eq!(m["row_counts"]["exposures.csv"], analysis.exposures.len());
    for (row, f) in ex.iter().zip(&analysis.exposures) {
        assert_eq!(row[0], f.resource_id);
        assert_eq!(row[1], f.eni_id);
        assert_eq!(row[2], f.public_ip);
        assert_eq!(row[6], f.source.to_string());
        assert_eq!(row[7], f.evidence.route_table_id);
        assert_eq!(row[8], f.evidence.nacl_in_rule.to_string());
        assert_eq!(row[10], f.evidence.security_group_id);
        assert_eq!(row[11], render::package::spreadsheet_cell(&f.evidence.sg_rule));
    }
    // Exposed resources are flagged in the inventory, and only those.
    let exposed: BTreeSet<&str> =
        analysis.exposures.iter().flat_map(|f| [f.resource_id.as_str(), f.eni_id.as_str()]).collect();
    for r in &inv {
        if r[col("internet_exposed")] == "true" {
            assert!(exposed.contains(r[ci].as_str()), "{} flagged but not in the analysis", r[ci]);
        }
    }
    for f in &analysis.exposures {
        let row = inv.iter().find(|r| r[ci] == f.resource_id).expect("exposed resource in inventory");
        assert_eq!(row[col("internet_exposed")], "true");
    }

    let (_, cov) = csv_rows(&files["coverage.csv"]);
    assert_eq!(cov.len(), s.coverage.len());

    // XLSX sheets and their row counts.
    let parts = unzip(&files["inventory.xlsx"]);
    let wb = String::from_utf8(parts["xl/workbook.xml"].clone()).unwrap();
    // One row per listener (Classic ones included; a load balancer without listeners
    // gets one), each with its encryption in transit.
    let (lb_head, lbs) = csv_rows(&files["load_balancers.csv"]);
    let lcol = |name: &str| lb_head.iter().position(|h| h == name).unwrap();
    let classic: usize = s.resources.load_balancers.iter().map(|l| l.classic_listeners.len()).sum();
    assert_eq!(lbs.len(), s.resources.listeners.len() + classic);
    for row in lbs.iter().filter(|r| !r[lcol("listener_id")].is_empty()) {
        let l = s.resources.listeners.iter().find(|l| l.id == row[lcol("listener_id")]).expect("listener of the row");
        let secure = matches!(l.protocol.as_deref(), Some("HTTPS" | "TLS"));
        let enc = &row[lcol("encryption_in_transit")];
        assert_eq!(enc.starts_with("TLS ("), secure, "{enc} for {:?}", l.protocol);
    }
    let (_, targets) = csv_rows(&files["load_balancer_targets.csv"]);
    assert_eq!(targets.len(), analysis.behind_load_balancers.len());
    for sheet in [
        "Assets",
        "Exposures",
        "Load balancers",
        "LB targets",
        "Security group rules",
        "NACL rules",
        "Routes",
        "Connectivity",
        "Coverage",
        "Metadata",
    ] {
        assert!(wb.contains(&format!("name=\"{sheet}\"")), "no sheet {sheet}");
    }
    assert_eq!(m["row_counts"]["inventory.xlsx#Assets"], total);
    assert_eq!(m["row_counts"]["inventory.xlsx#Connectivity"], s.resources.vpcs.len(), "one matrix row per VPC");
    let sheet1 = String::from_utf8(parts["xl/worksheets/sheet1.xml"].clone()).unwrap();
    assert_eq!(sheet1.matches("<row ").count(), total + 1, "Assets rows + header");
    assert!(sheet1.contains("<pane ") && sheet1.contains("state=\"frozen\""), "header row frozen");
    assert!(sheet1.contains("<autoFilter "), "autofilter on Assets");
    let sg_rules: usize = s.resources.security_groups.iter().map(|g| g.ingress.len() + g.egress.len()).sum();
    assert_eq!(m["row_counts"]["inventory.xlsx#Security group rules"], sg_rules);
    let routes: usize = s.resources.route_tables.iter().map(|r| r.routes.len()).sum();
    assert_eq!(m["row_counts"]["inventory.xlsx#Routes"], routes);
    let nacl: usize = s.resources.network_acls.iter().map(|n| n.entries.len()).sum();
    assert_eq!(m["row_counts"]["inventory.xlsx#NACL rules"], nacl);

    // Every visible artifact states time, source and version.
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    let report = String::from_utf8(files["report.html"].clone()).unwrap();
    for text in [&readme, &report] {
        assert!(text.contains(&seen));
        assert!(text.contains(env!("CARGO_PKG_VERSION")));
        for a in &s.scope.accounts {
            assert!(text.contains(a.as_str()));
        }
    }
    let meta = xlsx_text(&parts);
    assert!(meta.contains("auditmap_version") && meta.contains(&seen));
    for c in ["CC6.1", "CC6.6", "CC7.1", "A.5.9", "A.8.20", "A.8.22", "1.2.3", "1.2.4", "12.5.1"] {
        assert!(readme.contains(c), "README lacks {c}");
    }
}

#[test]
fn same_snapshot_gives_byte_identical_packages() {
    let (s, bytes) = demo();
    let (_a, dir_a, _) = package(&s, &bytes, &PackageOptions::default());
    let (_b, dir_b, _) = package(&s, &bytes, &PackageOptions::default());
    let (fa, fb) = (files(&dir_a), files(&dir_b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(bytes == &fb[path], "{path} differs between two runs");
    }
}

#[test]
fn coverage_gaps_are_stated_first() {
    let (s, bytes) = with_gaps();
    let (_t, dir, outcome) = package(&s, &bytes, &PackageOptions::default());
    assert!(outcome.has_gaps);
    let files = files(&dir);
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    let first_lines: String = readme.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(first_lines.contains("COVERAGE GAPS: 2"), "README must open with the gaps:\n{first_lines}");
    assert!(readme.contains("ec2:DescribeVpcEndpointsGap"));
    let report = String::from_utf8(files["report.html"].clone()).unwrap();
    let gap = report.find("Coverage gaps: 2").expect("gap banner");
    let inventory = report.find("id=\"inventory\"").unwrap();
    assert!(gap < inventory && gap < report.find("id=\"diagrams\"").unwrap(), "gap banner must come before the rest");
    let m = manifest(&dir);
    assert_eq!(m["coverage"]["complete"], false);
    assert_eq!(m["coverage"]["denied"], 1);
    assert_eq!(m["coverage"]["failed"], 1);
    assert_eq!(m["coverage"]["gaps"].as_array().unwrap().len(), 2);
    let (_, cov) = csv_rows(&files["coverage.csv"]);
    assert_eq!(cov.iter().filter(|r| r[4] == "true").count(), 2);
}

#[test]
fn generated_at_and_validity_follow_the_options() {
    let (s, bytes) = demo();
    let now = inventory::snapshot::Timestamp::parse("2030-01-02T03:04:05Z").unwrap();
    let opts = PackageOptions { generated_at: Some(now), valid_days: 30, ..PackageOptions::default() };
    let (_t, dir, _) = package(&s, &bytes, &opts);
    let m = manifest(&dir);
    assert_eq!(m["generated_at"], "2030-01-02T03:04:05Z");
    assert_eq!(m["collected_at"], s.collected_at.to_string());
    assert_eq!(m["valid_until"], s.collected_at.plus_days(30).to_string());
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("2030-01-02T03:04:05Z"));
}

#[test]
fn refuses_a_non_empty_directory_and_bad_options() {
    let (s, bytes) = demo();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("stale.txt"), "old").unwrap();
    let err = write_package(&s, &bytes, &PackageOptions::default(), tmp.path()).unwrap_err();
    assert!(matches!(err, PackageError::BadInput(_)), "{err}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing written next to the stale file");
    let opts = PackageOptions { valid_days: 0, ..PackageOptions::default() };
    assert!(matches!(write_package(&s, &bytes, &opts, &tmp.path().join("new")), Err(PackageError::BadInput(_))));
    // An empty existing directory is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    write_package(&s, &bytes, &PackageOptions::default(), &empty).unwrap();
    assert!(empty.join("manifest.json").exists());
}

#[test]
fn scope_tags_select_resources_and_their_vpc_network() {
    let (s, bytes) = demo();
    // Pick an instance with an Environment tag; scope on that exact tag.
    let inst = s
        .resources
        .instances
        .iter()
        .find(|i| i.tags.contains_key("Environment") && i.vpc_id.is_some())
        .expect("tagged instance");
    let (k, v) = ("Environment".to_string(), inst.tags["Environment"].clone());
    let opts =
        PackageOptions { scope_tags: vec![ScopeTag { key: k.clone(), value: v.clone() }], ..PackageOptions::default() };
    let (_t, dir, _) = package(&s, &bytes, &opts);
    let (h, rows) = csv_rows(&std::fs::read(dir.join("inventory.csv")).unwrap());
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let in_scope = |id: &str| rows.iter().find(|r| r[col("id")] == id).map(|r| r[col("in_scope")] == "true").unwrap();
    assert!(in_scope(&inst.id));
    let vpc = inst.vpc_id.as_deref().unwrap();
    assert!(in_scope(vpc), "the VPC of an in-scope instance is in scope");
    for sn in s.resources.subnets.iter().filter(|x| x.vpc_id == vpc) {
        assert!(in_scope(&sn.id), "subnet {} of the VPC", sn.id);
    }
    for sg in s.resources.security_groups.iter().filter(|x| x.vpc_id == vpc) {
        assert!(in_scope(&sg.id));
    }
    for e in s.resources.network_interfaces.iter().filter(|e| e.instance_id() == Some(inst.id.as_str())) {
        assert!(in_scope(&e.id), "ENI of an in-scope instance");
    }
    // Untagged instances elsewhere are out of scope; so are accounts.
    for i in s.resources.instances.iter().filter(|i| i.tags.get(&k) != Some(&v) && i.vpc_id.as_deref() != Some(vpc)) {
        assert!(!in_scope(&i.id), "{} should be out of scope", i.id);
    }
    // Accounts are in scope only when their own tags match.
    for a in &s.resources.accounts {
        assert_eq!(in_scope(&a.id), a.tags.get(&k) == Some(&v), "account {}", a.id);
    }
    let m = manifest(&dir);
    assert_eq!(m["scope"]["scope_tags"][0]["key"], k);

    // Crossings of the boundary: listed, in the report, drawn; none of it without a scope.
    let (h, rows) = csv_rows(&std::fs::read(dir.join("scope-crossings.csv")).unwrap());
    assert_eq!(h, ["from", "to", "via", "direction", "ports", "evidence"]);
    assert!(!rows.is_empty(), "the demo's scope has crossings");
    assert!(rows.iter().all(|r| r[3] == "into scope" || r[3] == "out of scope"));
    assert!(rows.iter().all(|r| !r[5].is_empty()), "every crossing names its evidence");
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("Connections crossing the audit scope"));
    let overview = std::fs::read_to_string(dir.join("diagrams/overview.svg")).unwrap();
    assert!(overview.contains("Audit scope") && overview.contains("#c2185b"), "scope drawn on the overview");
    let (_t2, plain, _) = package(&s, &bytes, &PackageOptions::default());
    assert!(!plain.join("scope-crossings.csv").exists());
    let plain_overview = std::fs::read_to_string(plain.join("diagrams/overview.svg")).unwrap();
    assert!(!plain_overview.contains("Audit scope") && !plain_overview.contains("#c2185b"));
    assert!(!std::fs::read_to_string(plain.join("report.html")).unwrap().contains("crossing the audit scope"));
}

#[test]
fn tag_columns_read_common_keys_case_insensitively() {
    let (mut s, _) = demo();
    let i = &mut s.resources.instances[0];
    i.tags.retain(|k, _| k == "Name");
    i.tags.insert("OWNER".into(), "payments-team".into());
    i.tags.insert("env".into(), "prod".into());
    i.tags.insert("Classification".into(), "restricted".into());
    let id = i.id.clone();
    let bytes = inventory::snapshot::to_json_bytes(&s);
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let (h, rows) = csv_rows(&std::fs::read(dir.join("inventory.csv")).unwrap());
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let row = rows.iter().find(|r| r[col("id")] == id).unwrap();
    assert_eq!(row[col("owner")], "payments-team");
    assert_eq!(row[col("environment")], "prod");
    assert_eq!(row[col("data_classification")], "restricted");
}

/// An estate with more pages than report.html inlines: every page is still written in
/// every format and listed, PNGs drop to 1 px per unit (and README.txt says so), and
/// the report shows the overview and exposure pages inline and links each VPC page.
#[test]
fn large_estates_link_vpc_pages_from_the_report_and_use_plain_png() {
    let (mut s, _) = demo();
    let template = s.resources.vpcs[0].clone();
    for n in 0..render::diagram::HIGH_RES_MAX_PAGES {
        let mut v = template.clone();
        v.id = format!("vpc-{n:017x}");
        v.arn = None;
        v.tags.clear();
        s.resources.vpcs.push(v);
    }
    s.normalize();
    let bytes = inventory::snapshot::to_json_bytes(&s);
    let (_t, dir, outcome) = package(&s, &bytes, &PackageOptions::default());
    // VPC pages, overview, exposure, and (past a dozen VPCs) account and matrix pages.
    let pages =
        outcome.manifest.files.iter().filter(|f| f.path.starts_with("diagrams/") && f.path.ends_with(".svg")).count();
    assert!(pages >= s.resources.vpcs.len() + 2 && pages > render::diagram::HIGH_RES_MAX_PAGES);
    let all = files(&dir);
    for n in 0..render::diagram::HIGH_RES_MAX_PAGES {
        for ext in ["svg", "png", "pdf", "drawio"] {
            let path = format!("diagrams/vpc-{n:017x}.{ext}");
            assert!(all.contains_key(&path), "{path} missing");
            assert!(outcome.manifest.files.iter().any(|f| f.path == path), "{path} not in the manifest");
        }
    }
    // Files are listed in page order: overview first, exposure last, each page's formats together.
    let diagram_paths: Vec<&str> =
        outcome.manifest.files.iter().map(|f| f.path.as_str()).filter(|p| p.starts_with("diagrams/")).collect();
    assert_eq!(diagram_paths.first(), Some(&"diagrams/overview.svg"));
    assert!(diagram_paths.last().is_some_and(|p| p.starts_with("diagrams/exposure.")));

    let report = String::from_utf8(all["report.html"].clone()).unwrap();
    let inline = report.matches("data:image/svg+xml;base64,").count();
    assert_eq!(inline, 2, "only the overview and exposure pages are inline");
    for n in [0, render::diagram::HIGH_RES_MAX_PAGES - 1] {
        assert!(report.contains(&format!("href=\"diagrams/vpc-{n:017x}.svg\"")), "VPC page {n} is linked");
    }
    assert!(report.contains(&format!("This estate has {pages} diagram pages")));

    let readme = String::from_utf8(all["README.txt"].clone()).unwrap();
    assert!(readme.contains("png (image, 1 px per unit"), "README states the PNG resolution");
    let png = &all[&format!("diagrams/vpc-{:017x}.png", 0)];
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let svg = String::from_utf8(all[&format!("diagrams/vpc-{:017x}.svg", 0)].clone()).unwrap();
    let svg_width: f64 = svg.split("width=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().parse().unwrap();
    assert_eq!(width as f64, svg_width.ceil(), "PNG at 1 px per SVG unit");
}

/// Every diagram's title block names the same snapshot hash as the manifest (the hash of
/// the package's snapshot.json), even when the input file is not in canonical form.
#[test]
fn diagram_title_blocks_carry_the_manifest_snapshot_hash() {
    let (s, bytes) = demo();
    let mut spaced = bytes.clone();
    spaced.extend_from_slice(b"\n\n  \n");
    let (_t, dir, outcome) = package(&s, &spaced, &PackageOptions::default());
    let sha = &outcome.manifest.snapshot_sha256;
    assert_eq!(sha, &sha256_hex(&spaced));
    assert_ne!(sha, &sha256_hex(&bytes), "the input really differs from the canonical bytes");
    let all = files(&dir);
    let svgs: Vec<&String> = all.keys().filter(|p| p.ends_with(".svg")).collect();
    assert!(svgs.len() >= 5);
    for p in svgs {
        let text = String::from_utf8_lossy(&all[p]);
        assert!(text.contains(&sha[..16]), "{p} does not show the manifest's snapshot hash {}", &sha[..16]);
    }
}

/// The demo's accepted-exposures file of the tests below: one entry per case.
/// Lines: the bastion (accepted, SEC-142) at 1, the partner gateway by tag (accepted,
/// no ticket, hostile reason) at 10, staging-web-1 (expired) at 16, a stale entry at 24.
fn demo_acceptances() -> render::package::Accepted {
    let text = format!(
        r#"[[accept]]
resource = "i-0c1425424139e128e"
ports = "tcp/22"
source = "198.51.100.0/24"
reason = "Bastion; MFA and session recording"
approved_by = "security-lead@example.com"
ticket = "SEC-142"
expires = "2027-03-31"

[[accept]]
tag = "Name=prod-partner-gw-1"
ports = "tcp/9443"
reason = '{FORMULA} {SCRIPT}'
approved_by = "cto@example.com"

[[accept]]
resource = "i-045d317b9f33a0858"
ports = "tcp/80"
reason = "Staging demo site"
approved_by = "qa-lead@example.com"
ticket = "SEC-9"
expires = "2026-01-01"

[[accept]]
resource = "i-0gone"
ports = "tcp/3389"
reason = "Old RDP jump host"
approved_by = "it@example.com"
ticket = "SEC-7"
"#
    );
    let acceptances = inventory::accept::parse(std::path::Path::new("accepted.toml"), &text).expect("valid file");
    render::package::Accepted { acceptances, sha256: sha256_hex(text.as_bytes()) }
}

/// `--accepted`: every finding's status (accepted, expired, unaccepted) with its entry
/// in exposures.csv, the Exposures sheet, report.html and the exposure diagram; the
/// stale entry in the report and README.txt; the file's hash and counts in the
/// manifest; hostile text neutralised; and still byte-identical run after run.
#[test]
fn accepted_exposures_reach_every_output() {
    let (s, bytes) = demo();
    let accepted = demo_acceptances();
    let opts = PackageOptions { accepted: Some(accepted.clone()), ..PackageOptions::default() };
    let (_t, dir, outcome) = package(&s, &bytes, &opts);
    let all = files(&dir);

    // exposures.csv: the acceptance columns last; each case where it belongs.
    let (h, rows) = csv_rows(&all["exposures.csv"]);
    assert_eq!(&h[h.len() - 5..], render::package::ACCEPTANCE_COLUMNS);
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let of = |id: &str| rows.iter().find(|r| r[col("resource_id")] == id).unwrap_or_else(|| panic!("no {id}"));
    let bastion = of("i-0c1425424139e128e");
    assert_eq!(
        bastion[h.len() - 5..],
        ["accepted", "Bastion; MFA and session recording", "security-lead@example.com", "SEC-142", "2027-03-31"]
    );
    let partner = of("i-01edb68b7464fd758");
    assert_eq!(partner[col("acceptance")], "accepted");
    assert_eq!(partner[col("accepted_reason")], render::package::spreadsheet_cell(&format!("{FORMULA} {SCRIPT}")));
    assert!(partner[col("accepted_reason")].starts_with('\''), "formula neutralised");
    assert_eq!((partner[col("ticket")].as_str(), partner[col("accepted_until")].as_str()), ("", ""));
    let staging = of("i-045d317b9f33a0858");
    assert_eq!(staging[h.len() - 5..], ["expired", "Staging demo site", "qa-lead@example.com", "SEC-9", "2026-01-01"]);
    let unaccepted = rows.iter().filter(|r| r[col("acceptance")] == "unaccepted").count();
    assert_eq!(unaccepted, rows.len() - 3);
    assert!(rows
        .iter()
        .filter(|r| r[col("acceptance")] == "unaccepted")
        .all(|r| r[h.len() - 4..].iter().all(String::is_empty)));

    // The Exposures sheet has the same columns and cells.
    let sheets = xlsx_text(&unzip(&all["inventory.xlsx"]));
    for cell in ["accepted_reason", "accepted_until", "SEC-142", "security-lead@example.com", "expired", "unaccepted"] {
        assert!(sheets.contains(cell), "XLSX lacks {cell}");
    }
    assert!(!sheets.contains("<f>"), "no formulas");

    // report.html: counts, per-finding status with approver/ticket/expiry, the stale entry; escaped.
    let report = String::from_utf8(all["report.html"].clone()).unwrap();
    assert!(report.contains("2 accepted, 1 expired, 6 unaccepted; 1 stale entry"), "counts");
    assert!(report.contains("SEC-142 · approved by security-lead@example.com · until 2027-03-31"));
    assert!(report.contains("SEC-9 · approved by qa-lead@example.com · expired 2026-01-01"));
    assert!(report.contains("<b>unaccepted</b>"));
    let stale = report.find("Accepted-exposure entries matching no finding (stale: 1)").expect("stale list");
    let stale_table = &report[stale..report[stale..].find("</table>").map(|e| stale + e).unwrap()];
    assert!(stale_table.contains("<td>24</td><td>resource i-0gone</td><td>tcp/3389</td>"), "{stale_table}");
    assert!(!report.contains(SCRIPT) && report.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped");
    assert!(report.contains(&accepted.sha256));

    // The exposure diagram: accepted lines drawn apart, labelled with the ticket; a legend entry.
    let svg = String::from_utf8(all["diagrams/exposure.svg"].clone()).unwrap();
    for text in [
        "accepted SEC-142",
        "tcp/9443 · accepted cto@example.com",
        "acceptance expired SEC-9",
        "internet traffic allowed in, accepted",
    ] {
        assert!(svg.contains(text), "exposure.svg lacks {text:?}");
    }
    assert!(svg.contains("(2 accepted, 1 expired, 6 unaccepted)"));
    let plain = {
        let (_t, d, _) = package(&s, &bytes, &PackageOptions::default());
        std::fs::read_to_string(d.join("diagrams/exposure.svg")).unwrap()
    };
    assert!(!plain.contains("accepted"), "no acceptance marks without --accepted");

    // manifest.json and README.txt.
    let m = manifest(&dir);
    assert_eq!(
        m["accepted"],
        serde_json::json!({"file": "accepted.toml", "sha256": accepted.sha256, "entries": 4,
                           "accepted": 2, "expired": 1, "unaccepted": 6, "stale": 1})
    );
    assert_eq!(outcome.manifest.accepted.as_ref().map(|a| a.stale), Some(1));
    let readme = String::from_utf8(all["README.txt"].clone()).unwrap();
    assert!(readme.contains("Accepted exposures:       accepted.toml (SHA-256 "), "{readme}");
    assert!(readme.contains("stale: line 24: resource i-0gone tcp/3389 (it@example.com)"));
    assert!(readme.contains("EXPOSURE ACCEPTANCE COLUMNS") && readme.contains("accepted_until"));

    // Deterministic with the file too.
    let (_t2, dir2, _) = package(&s, &bytes, &opts);
    let again = files(&dir2);
    assert_eq!(all.keys().collect::<Vec<_>>(), again.keys().collect::<Vec<_>>());
    for (path, b) in &all {
        assert!(b == &again[path], "{path} differs between two runs with --accepted");
    }
}

/// Without --accepted the acceptance columns are there but empty (not reviewed), and
/// the manifest and README say nothing was reviewed.
#[test]
fn without_accepted_the_columns_are_empty() {
    let (s, bytes) = demo();
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let (h, rows) = csv_rows(&std::fs::read(dir.join("exposures.csv")).unwrap());
    assert_eq!(&h[h.len() - 5..], render::package::ACCEPTANCE_COLUMNS);
    assert!(!rows.is_empty() && rows.iter().all(|r| r[h.len() - 5..].iter().all(String::is_empty)));
    assert!(manifest(&dir).get("accepted").is_none());
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(readme.contains("Accepted exposures:       not reviewed (no --accepted file given)"));
    assert!(!std::fs::read_to_string(dir.join("report.html")).unwrap().contains("stale"));
}

/// `--redact` with `--accepted`: the entries go through the snapshot's pseudonyms (an
/// account id in a reason is replaced), the file's name is hidden, and an entry whose
/// source range holds an estate address (now a pseudonym) is warned about, its
/// finding left unaccepted rather than silently judged on other addresses.
#[test]
fn accepted_file_is_redacted_with_the_snapshot() {
    let (s, bytes) = demo();
    let account = s.scope.accounts[0].clone();
    let text = format!(
        "[[accept]]\nresource = \"i-0c1425424139e128e\"\nports = \"tcp/22\"\nsource = \"198.51.100.0/24\"\nreason = \"bastion\"\napproved_by = \"sec@example.com\"\n\n\
         [[accept]]\ntag = \"Name=prod-partner-gw-1\"\nports = \"tcp/9443\"\nreason = \"partner of account {account}\"\napproved_by = \"cto@example.com\"\n"
    );
    let path = format!("accepted-{account}.toml");
    let acceptances = inventory::accept::parse(std::path::Path::new(&path), &text).unwrap();
    let key = render::package::RedactionKey::user(b"accepted redaction test key".to_vec()).unwrap();
    let opts = PackageOptions {
        redact: true,
        redact_key: Some(key),
        diagrams: false,
        accepted: Some(render::package::Accepted { acceptances, sha256: sha256_hex(text.as_bytes()) }),
        ..PackageOptions::default()
    };
    let (_t, dir, outcome) = package(&s, &bytes, &opts);
    let (h, rows) = csv_rows(&std::fs::read(dir.join("exposures.csv")).unwrap());
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let of = |id: &str| rows.iter().find(|r| r[col("resource_id")] == id).unwrap();
    let partner = of("i-01edb68b7464fd758");
    assert_eq!(partner[col("acceptance")], "accepted");
    assert!(partner[col("accepted_reason")].starts_with("partner of account acct-"), "{partner:?}");
    assert_eq!(of("i-0c1425424139e128e")[col("acceptance")], "unaccepted");
    let m = manifest(&dir);
    assert_eq!(m["accepted"]["file"], "(name redacted)");
    assert!(
        outcome.warnings.iter().any(|w| w.starts_with("--accepted line 1: source 198.51.100.0/24")),
        "{:?}",
        outcome.warnings
    );
    for f in ["exposures.csv", "report.html", "README.txt", "manifest.json", "inventory.xlsx"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        let text = if f.ends_with(".xlsx") { xlsx_text(&unzip(&bytes)) } else { String::from_utf8(bytes).unwrap() };
        assert!(!text.contains(&account), "{f} shows the account id");
    }
}
