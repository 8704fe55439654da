//! Hostile AWS strings never become markup, script or formulas; redaction leaves no
//! original account id or public IP in any file of the package.
mod package_support;

use std::collections::BTreeMap;

use package_support::*;
use render::package::{account_pseudonym, estate_public_ips, PackageOptions};

/// Text files of the package, with the XLSX expanded into its XML parts.
fn texts(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (path, bytes) in files {
        if path.ends_with(".xlsx") {
            for (part, b) in unzip(bytes) {
                out.insert(format!("{path}!{part}"), b);
            }
        } else {
            out.insert(path.clone(), bytes.clone());
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn hostile_strings_are_escaped_in_html_and_svg() {
    let (s, bytes) = hostile();
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let files = files(&dir);
    let report = String::from_utf8(files["report.html"].clone()).unwrap();
    assert!(!report.contains(SCRIPT), "raw script tag in report.html");
    assert!(report.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the hostile name is shown escaped");
    assert_eq!(report.matches("<script").count(), 1, "only the report's own script");
    assert!(!report.contains('\u{202E}'), "RTL override reaches the report");
    assert!(!report.contains(&"L".repeat(300)), "10 000-char name must be elided");
    assert!(report.contains("<b>bold</b>") == false);
    for (path, b) in files.iter().filter(|(p, _)| p.ends_with(".svg") || p.ends_with(".drawio")) {
        let t = String::from_utf8(b.clone()).unwrap();
        assert!(!t.contains(SCRIPT), "{path} has a raw script tag");
        assert!(!t.contains("<script"), "{path} has a script element");
    }
    // The CSP is present and pins the one inline script by hash.
    let csp_start = report.find("http-equiv=\"Content-Security-Policy\"").expect("CSP meta");
    let csp = &report[csp_start..report[csp_start..].find('>').unwrap() + csp_start];
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'sha256-") && csp.contains("img-src data:"));
    assert!(!report.contains("http://") || report.matches("src=\"http").count() == 0, "no network fetches");
    assert!(!report.contains("src=\"http") && !report.contains("href=\"http") && !report.contains("@import"));
}

#[test]
fn hostile_strings_are_neutralised_in_csv() {
    let (s, bytes) = hostile();
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let files = files(&dir);
    let mut saw_formula = false;
    for name in ["inventory.csv", "exposures.csv", "coverage.csv"] {
        let (_, rows) = csv_rows(&files[name]);
        for row in &rows {
            for cell in row {
                let first = cell.chars().next();
                assert!(
                    !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
                    "{name}: live formula cell {cell:?}"
                );
                assert!(!cell.contains('\u{202E}'), "{name}: RTL override in {cell:?}");
                assert!(cell.chars().count() <= 1024 + 20, "{name}: uncapped cell");
                if cell.starts_with("'=HYPERLINK") {
                    saw_formula = true;
                }
            }
        }
    }
    assert!(saw_formula, "the hostile owner tag is present, quote-prefixed");
    let (h, inv) = csv_rows(&files["inventory.csv"]);
    let owner = h.iter().position(|c| c == "owner").unwrap();
    assert!(inv.iter().any(|r| r[owner] == format!("'{FORMULA}")));
    let env = h.iter().position(|c| c == "environment").unwrap();
    assert!(inv.iter().any(|r| r[env].starts_with("'+cmd")));
    // inventory.json keeps the exact values (it is data, not a spreadsheet).
    let json = String::from_utf8(files["inventory.json"].clone()).unwrap();
    assert!(json.contains("=HYPERLINK(\\\"http://evil.example/x\\\""));
}

#[test]
fn xlsx_has_no_formulas_and_quote_prefixes_hostile_text() {
    let (s, bytes) = hostile();
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let parts = unzip(&std::fs::read(dir.join("inventory.xlsx")).unwrap());
    for (name, b) in parts.iter().filter(|(n, _)| n.ends_with(".xml")) {
        let t = String::from_utf8(b.clone()).unwrap();
        assert!(!t.contains("<f>") && !t.contains("<f "), "{name} holds a formula");
    }
    let strings = xlsx_text(&parts);
    assert!(strings.contains("&apos;=HYPERLINK(") || strings.contains("'=HYPERLINK("), "quote-prefixed formula text");
    assert!(!strings.contains(">=HYPERLINK("), "unprefixed formula text");
    assert!(strings.contains("'+cmd") || strings.contains("&apos;+cmd"));
    assert!(strings.contains("'@SUM") || strings.contains("&apos;@SUM"));
    assert!(strings.contains("'-2+3") || strings.contains("&apos;-2+3"));
    assert!(!strings.contains('\u{202E}'));
    assert!(strings.contains("&lt;script&gt;"), "markup is stored as text");
}

#[test]
fn redaction_removes_every_account_id_and_public_ip_from_every_file() {
    let (s, bytes) = demo();
    let mut accounts: Vec<String> = s.scope.accounts.clone();
    accounts.extend(s.identity.iter().map(|i| i.account_id.clone()));
    accounts.extend(s.resources.iter().map(|r| r.account_id.to_string()).filter(|a| !a.is_empty()));
    accounts.sort();
    accounts.dedup();
    let ips: Vec<String> = estate_public_ips(&s).iter().map(|i| i.to_string()).collect();
    assert!(!accounts.is_empty() && !ips.is_empty(), "demo must have accounts and public IPs to redact");
    // IPv6 blocks by their first three groups ("2001:db8:10:" covers the /56, its subnets and addresses).
    let v6: Vec<String> = s
        .resources
        .vpcs
        .iter()
        .flat_map(|v| v.ipv6_cidr_blocks.iter())
        .map(|b| {
            let g = b.network().segments();
            format!("{:x}:{:x}:{:x}:", g[0], g[1], g[2])
        })
        .collect();
    assert!(!v6.is_empty(), "demo must have IPv6 blocks to redact");

    let opts = PackageOptions { redact: true, ..PackageOptions::default() };
    let (_t, dir, outcome) = package(&s, &bytes, &opts);
    let all = texts(&files(&dir));
    for (path, b) in &all {
        for a in &accounts {
            assert!(!contains(b, a), "{path} still contains account {a}");
        }
        for ip in &ips {
            // A bounded match: the address not followed by another digit.
            let found = b.windows(ip.len() + 1).any(|w| w.starts_with(ip.as_bytes()) && !w[ip.len()].is_ascii_digit())
                || b.ends_with(ip.as_bytes());
            assert!(!found, "{path} still contains public IP {ip}");
        }
        for prefix in &v6 {
            assert!(!contains(b, prefix), "{path} still contains IPv6 block {prefix}…");
        }
    }
    // Pseudonyms are used consistently.
    let pseudo = account_pseudonym(&accounts[0]);
    for name in ["inventory.csv", "report.html", "README.txt", "snapshot.json", "manifest.json"] {
        assert!(contains(&all[name], &pseudo), "{name} lacks pseudonym {pseudo}");
    }
    assert!(outcome.manifest.redaction.applied);
    let m: serde_json::Value = serde_json::from_slice(&all["manifest.json"]).unwrap();
    assert_eq!(m["redaction"]["applied"], true);
    assert_eq!(m["redaction"]["ipv6_blocks_replaced"], v6.len());
    // The redacted snapshot still loads and keeps every resource and every exposure.
    let red = inventory::snapshot::load_bytes(std::path::Path::new("snapshot.json"), &all["snapshot.json"])
        .expect("redacted snapshot valid");
    assert_eq!(red.resources.total(), s.resources.total());
    assert_eq!(inventory::analysis::analyze(&red).exposures.len(), inventory::analysis::analyze(&s).exposures.len());
    // And redaction is deterministic.
    let (_t2, dir2, _) = package(&s, &bytes, &opts);
    assert_eq!(files(&dir), files(&dir2));
}

/// Raw control characters from tags (ESC, BEL, NUL) never reach a text file of the
/// package: `cat inventory.csv` must not replay terminal escapes. They are shown as
/// control pictures, and a formula behind a leading control is still neutralised.
#[test]
fn control_characters_are_shown_visibly_in_every_text_file() {
    let (mut s, _) = demo();
    let i0 = &mut s.resources.instances[0];
    i0.tags.insert("Name".into(), "esc\u{1b}[2Jbel\u{7}nul\u{0}".into());
    // Names are shown as given (tag lookups like Owner trim surrounding whitespace).
    s.resources.instances[1].tags.insert("Name".into(), "\n=HYPERLINK(\"http://evil.example\")".into());
    s.resources.security_groups[0].description = "del\u{7f}c1\u{85}".into();
    s.normalize();
    let bytes = inventory::snapshot::to_json_bytes(&s);
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let files = texts(&files(&dir));
    let mut checked = 0;
    for (path, b) in files.iter().filter(|(p, _)| !p.ends_with(".png") && !p.ends_with(".pdf")) {
        // JSON escapes C0 controls itself; DEL is legal raw JSON (snapshot.json is the input as given).
        let json = path.ends_with(".json");
        let raw = b.iter().any(|c| matches!(c, 0x00 | 0x07 | 0x1b) || (*c == 0x7f && !json));
        assert!(!raw, "{path} carries a raw control character");
        checked += 1;
    }
    assert!(checked > 10, "only {checked} text files checked");
    let csv = String::from_utf8(files["inventory.csv"].clone()).unwrap();
    assert!(csv.contains("esc␛[2Jbel␇nul␀"), "controls shown as control pictures");
    assert!(csv.contains("'␊=HYPERLINK"), "a formula after a leading control is quote-prefixed");
    let report = String::from_utf8(files["report.html"].clone()).unwrap();
    assert!(report.contains("esc␛[2Jbel␇nul␀"), "report.html shows the controls visibly");
}
