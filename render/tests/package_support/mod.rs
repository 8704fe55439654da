//! Shared helpers for the package tests: the demo estate, a hostile estate, and
//! reading a package back (files, XLSX parts).
#![allow(dead_code)]
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use inventory::snapshot::{to_json_bytes, CoverageRecord, CoverageStatus};
use inventory::Snapshot;
use render::package::{PackageOptions, PackageOutcome};
use render::pipeline::write_package;

pub fn demo() -> (Snapshot, Vec<u8>) {
    let s = inventory::demo::demo_snapshot().expect("demo estate loads");
    (s, inventory::demo::DEMO_JSON.as_bytes().to_vec())
}

/// Writes a package into a fresh temp dir; returns (tempdir guard, package dir, outcome).
pub fn package(
    snapshot: &Snapshot,
    bytes: &[u8],
    opts: &PackageOptions,
) -> (tempfile::TempDir, std::path::PathBuf, PackageOutcome) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    let outcome = write_package(snapshot, bytes, opts, &dir).expect("package written");
    (tmp, dir, outcome)
}

/// Every file under `dir`, by path relative to it ("diagrams/x.svg").
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The parts of a zip (XLSX) file.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        out.insert(f.name().expect("zip entry name").to_string(), buf);
    }
    out
}

/// All cell text of an unzipped XLSX: the shared-string table (if any) and every
/// worksheet (strings are shared, or inline as `<is><t>` in constant-memory sheets).
pub fn xlsx_text(parts: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    for (name, b) in parts {
        if name == "xl/sharedStrings.xml" || (name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            out.push_str(std::str::from_utf8(b).expect("XLSX part is UTF-8"));
            out.push('\n');
        }
    }
    out
}

pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const FORMULA: &str = "=HYPERLINK(\"http://evil.example/x\",\"click\")";
pub const RTL: &str = "invoice\u{202E}fdp.exe";

/// The demo estate with attacker-controlled strings in names, tags and descriptions.
pub fn hostile() -> (Snapshot, Vec<u8>) {
    let (mut s, _) = demo();
    let long = "L".repeat(10_000);
    let r = &mut s.resources;
    let i0 = &mut r.instances[0];
    i0.tags.insert("Name".into(), SCRIPT.into());
    i0.tags.insert("Owner".into(), FORMULA.into());
    i0.tags.insert("Environment".into(), "+cmd|' /C calc'!A0".into());
    i0.tags.insert("note\"quote".into(), "it's \"quoted\" & <b>bold</b>".into());
    let i1 = &mut r.instances[1];
    i1.tags.insert("Name".into(), RTL.into());
    i1.tags.retain(|k, _| !k.eq_ignore_ascii_case("owner"));
    i1.tags.insert("team".into(), "@SUM(1+1)*cmd|' /C calc'!A0".into());
    r.instances[2].tags.insert("Name".into(), long.clone());
    r.vpcs[0].tags.insert("Name".into(), format!("{SCRIPT}{FORMULA}"));
    r.subnets[0].tags.insert("Name".into(), "-2+3".into());
    r.security_groups[0].group_name = FORMULA.into();
    r.security_groups[0].description = SCRIPT.into();
    if let Some(rule) = r.security_groups.iter_mut().flat_map(|g| g.ingress.iter_mut()).next() {
        rule.description = Some(format!("{FORMULA}\t{SCRIPT}"));
    }
    r.network_interfaces[0].description = format!("\t{SCRIPT}");
    s.coverage.push(CoverageRecord {
        account_id: s.scope.accounts[0].clone(),
        region: "eu-west-1".into(),
        api: "ec2:DescribeHostile".into(),
        status: CoverageStatus::Ok,
        items: 0,
        pages: 1,
        retries: 0,
        duration_ms: 1,
        error_code: None,
        error_message: Some(format!("{FORMULA} {SCRIPT}")),
    });
    s.normalize();
    let bytes = to_json_bytes(&s);
    (s, bytes)
}

/// The demo estate with one denied and one failed API call.
pub fn with_gaps() -> (Snapshot, Vec<u8>) {
    let (mut s, _) = demo();
    let acct = s.scope.accounts[0].clone();
    for (api, status, code) in [
        ("ec2:DescribeVpcEndpoints", CoverageStatus::Denied, "UnauthorizedOperation"),
        ("ec2:DescribeTransitGateways", CoverageStatus::Failed, "Throttling"),
    ] {
        s.coverage.push(CoverageRecord {
            account_id: acct.clone(),
            region: "us-east-1".into(),
            api: format!("{api}Gap"),
            status,
            items: 0,
            pages: 0,
            retries: 3,
            duration_ms: 10,
            error_code: Some(code.into()),
            error_message: Some("simulated".into()),
        });
    }
    s.normalize();
    let bytes = to_json_bytes(&s);
    (s, bytes)
}

/// Parses a CSV file into (header, rows).
pub fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}
