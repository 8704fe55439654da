//! Hostile AWS strings never become markup, script or formulas; redaction leaves no
//! original account id or public IP in any file of the package.
mod package_support;

use std::collections::BTreeMap;

use package_support::*;
use render::package::{account_pseudonym, estate_public_ips, PackageOptions, RedactionKey};
use render::pipeline::Input;

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
    assert!(!report.contains("<b>bold</b>"), "tags in names must be escaped");
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

/// Text files of the package with PDFs as their text (`pdftotext`), for greps.
fn texts_with_pdf(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = texts(&files(dir));
    let pdfs: Vec<String> = all.keys().filter(|p| p.ends_with(".pdf")).cloned().collect();
    assert!(!pdfs.is_empty(), "the package has PDFs to check");
    for p in pdfs {
        let o = std::process::Command::new("pdftotext")
            .arg(dir.join(&p))
            .arg("-")
            .output()
            .expect("pdftotext is installed");
        assert!(o.status.success(), "pdftotext {p}");
        assert!(!o.stdout.is_empty(), "{p} has text");
        all.insert(format!("{p}!text"), o.stdout);
    }
    all
}

fn key(k: &str) -> RedactionKey {
    RedactionKey::user(format!("package test key {k}").into_bytes()).unwrap()
}

/// The demo estate with account ids and public IPs also spelled the other ways real
/// tags spell them, written to a file named after the account (as `discover` users
/// often do). Returns (tempdir guard, snapshot path, original snapshot).
fn demo_file_with_other_spellings() -> (tempfile::TempDir, std::path::PathBuf, inventory::Snapshot) {
    let (mut s, _) = demo();
    let acct = s.scope.accounts[0].clone();
    let ip = estate_public_ips(&s).iter().next().unwrap().to_string();
    let tags = &mut s.resources.instances[0].tags;
    tags.insert("Billing".into(), format!("{}-{}-{}", &acct[..4], &acct[4..8], &acct[8..]));
    tags.insert("PublicDns".into(), format!("ec2-{}.eu-west-1.compute.amazonaws.com", ip.replace('.', "-")));
    tags.insert("Console".into(), format!("https://x.example/?arn=arn%3Aaws%3Aiam%3A%3A{acct}%3Arole%2FAdmin"));
    tags.insert("Notes".into(), format!("assume arn:aws:iam::{acct}:role/Admin from logs{acct}"));
    s.normalize();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(format!("snap-{acct}.json"));
    std::fs::write(&path, inventory::snapshot::to_json_bytes(&s)).unwrap();
    (tmp, path, s)
}

fn package_file(path: &std::path::Path, opts: &PackageOptions) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    Input::file(path).unwrap().package(opts, &dir).expect("package written");
    (tmp, dir)
}

#[test]
fn redaction_removes_every_account_id_and_public_ip_from_every_file() {
    let (_in, path, s) = demo_file_with_other_spellings();
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
    let file_name = path.file_name().unwrap().to_str().unwrap().to_string();

    let opts = PackageOptions { redact: true, redact_key: Some(key("a")), ..PackageOptions::default() };
    let (_t, dir) = package_file(&path, &opts);
    let all = texts_with_pdf(&dir);
    for (path, b) in &all {
        for a in &accounts {
            assert!(!contains(b, a), "{path} still contains account {a}");
            let hyphenated = format!("{}-{}-{}", &a[..4], &a[4..8], &a[8..]);
            assert!(!contains(b, &hyphenated), "{path} still contains account {hyphenated}");
        }
        for ip in &ips {
            for spelling in [ip.clone(), ip.replace('.', "-")] {
                // A bounded match: the address not followed by another digit.
                let found = b
                    .windows(spelling.len() + 1)
                    .any(|w| w.starts_with(spelling.as_bytes()) && !w[spelling.len()].is_ascii_digit())
                    || b.ends_with(spelling.as_bytes());
                assert!(!found, "{path} still contains public IP {spelling}");
            }
        }
        for prefix in &v6 {
            assert!(!contains(b, prefix), "{path} still contains IPv6 block {prefix}…");
        }
        assert!(!contains(b, &file_name) && !contains(b, "snap-"), "{path} names the input file");
    }
    assert!(all.keys().any(|p| p.ends_with(".pdf!text")) && all.keys().any(|p| p.contains(".xlsx!")));
    // Pseudonyms are used consistently.
    let pseudo = account_pseudonym(&key("a"), &accounts[0]);
    for name in ["inventory.csv", "report.html", "README.txt", "snapshot.json", "manifest.json"] {
        assert!(contains(&all[name], &pseudo), "{name} lacks pseudonym {pseudo}");
    }
    let m: serde_json::Value = serde_json::from_slice(&all["manifest.json"]).unwrap();
    assert_eq!(m["redaction"]["applied"], true);
    assert_eq!(m["redaction"]["ipv6_blocks_replaced"], v6.len());
    assert_eq!(m["source"], "snapshot file (name redacted)");
    let method = m["redaction"]["method"].as_str().unwrap();
    assert!(method.starts_with("HMAC-SHA256, user key"), "{method}");
    assert!(!contains(&all["manifest.json"], "package test key"), "the key never appears");
    // The redacted snapshot still loads and keeps every resource and every exposure.
    let red = inventory::snapshot::load_bytes(std::path::Path::new("snapshot.json"), &all["snapshot.json"])
        .expect("redacted snapshot valid");
    assert_eq!(red.resources.total(), s.resources.total());
    assert_eq!(inventory::analysis::analyze(&red).exposures.len(), inventory::analysis::analyze(&s).exposures.len());
    // And redaction with the same key is deterministic.
    let (_t2, dir2) = package_file(&path, &opts);
    assert_eq!(files(&dir), files(&dir2));
}

/// Without --redact the file name is still shown (it identifies the evidence).
#[test]
fn file_name_is_shown_without_redaction() {
    let (_in, path, _) = demo_file_with_other_spellings();
    let (_t, dir) = package_file(&path, &PackageOptions::default());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["source"], format!("snapshot file {}", path.file_name().unwrap().to_str().unwrap()));
}

/// Same key: same pseudonyms (quarter to quarter); another key: others; no key: a
/// random one, so two packages differ and README.txt says they are not comparable.
#[test]
fn pseudonyms_are_keyed() {
    let (s, bytes) = demo();
    let acct = &s.scope.accounts[0];
    let run = |k: Option<RedactionKey>| {
        let opts = PackageOptions { redact: true, redact_key: k, ..PackageOptions::default() };
        let (_t, dir, _) = package(&s, &bytes, &opts);
        let red = inventory::snapshot::load_bytes(
            std::path::Path::new("s"),
            &std::fs::read(dir.join("snapshot.json")).unwrap(),
        )
        .unwrap();
        let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
        (red.scope.accounts.clone(), estate_public_ips(&red), readme)
    };
    let (a1, ips1, readme_a) = run(Some(key("a")));
    let (a2, ips2, _) = run(Some(key("a")));
    let (b, ips_b, _) = run(Some(key("b")));
    assert_eq!((&a1, &ips1), (&a2, &ips2));
    assert!(a1.contains(&account_pseudonym(&key("a"), acct)));
    assert_ne!(a1, b);
    assert_ne!(ips1, ips_b);
    assert!(readme_a.contains("the same in every package made with it"), "{readme_a}");
    let (r1, _, readme_r) = run(None);
    let (r2, _, _) = run(None);
    assert_ne!(r1, r2, "a random key per package");
    assert!(readme_r.contains("NOT comparable across packages"), "{readme_r}");
}

/// No pseudonym equals a real address of the estate: `example` draws its public IPs
/// from 198.18.0.0/15, where pseudonyms used to live.
#[test]
fn pseudonyms_never_equal_a_real_address() {
    let s = generate::generate(3000, 7);
    let bytes = inventory::snapshot::to_json_bytes(&s);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let opts =
        PackageOptions { redact: true, redact_key: Some(key("a")), diagrams: false, ..PackageOptions::default() };
    let (_t, dir, _) = package(&s, &bytes, &opts);
    let red =
        inventory::snapshot::load_bytes(std::path::Path::new("s"), &std::fs::read(dir.join("snapshot.json")).unwrap())
            .unwrap();
    let pseudonyms = estate_public_ips(&red);
    assert_eq!(pseudonyms.len(), estate_public_ips(&s).len());
    assert!(!pseudonyms.is_empty());
    for p in &pseudonyms {
        let p = p.to_string();
        let bounded = text.match_indices(&p).any(|(i, _)| {
            let before = text[..i].bytes().last().is_some_and(|c| c.is_ascii_digit() || c == b'.');
            let after = text[i + p.len()..].bytes().next().is_some_and(|c| c.is_ascii_digit());
            !before && !after
        });
        assert!(!bounded, "pseudonym {p} is an address of the original estate");
    }
    assert_eq!(inventory::analysis::analyze(&red).exposures.len(), inventory::analysis::analyze(&s).exposures.len());
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

/// An independent reader (openpyxl) finds in every sheet exactly the cells of the
/// matching CSV, hostile text included: markup that looks like Excel rich text and text
/// that looks like Excel's `_xHHHH_` escapes. (Not the text `_x005F_` itself: openpyxl
/// drops every "x005F_" it reads, so it cannot read that one back.)
#[test]
fn openpyxl_reads_the_same_cells_as_the_csv_files() {
    let (mut s, _) = hostile();
    let i3 = &mut s.resources.instances[3];
    i3.tags.insert("Name".into(), "<r><t>rich</t></r>".into());
    i3.tags.insert("Owner".into(), "_x0041_ stays literal".into());
    s.normalize();
    let bytes = inventory::snapshot::to_json_bytes(&s);
    let (_t, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let python = std::env::var("AUDITMAP_PYTHON").unwrap_or_else(|_| "python3".into());
    // Each sheet as JSON rows of strings; whole numbers as integers, like the CSV writes them.
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
def text(v):
    if v is None: return ""
    if isinstance(v, float) and v.is_integer(): return str(int(v))
    return str(v)
print(json.dumps({n: [[text(v) for v in r] for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames}))
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(dir.join("inventory.xlsx"))
        .output()
        .expect("python runs (scripts/test sets AUDITMAP_PYTHON to a venv with openpyxl)");
    assert!(out.status.success(), "openpyxl failed: {}", String::from_utf8_lossy(&out.stderr));
    let sheets: BTreeMap<String, Vec<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
    for (sheet, csv_file) in [
        ("Assets", "inventory.csv"),
        ("Exposures", "exposures.csv"),
        ("Load balancers", "load_balancers.csv"),
        ("LB targets", "load_balancer_targets.csv"),
        ("Coverage", "coverage.csv"),
    ] {
        let (header, rows) = csv_rows(&std::fs::read(dir.join(csv_file)).unwrap());
        let got = &sheets[sheet];
        assert_eq!(got[0], header, "{sheet} header");
        assert_eq!(got.len(), rows.len() + 1, "{sheet} rows");
        for (i, (g, want)) in got[1..].iter().zip(&rows).enumerate() {
            // openpyxl stops a row at its last cell; the CSV has every column.
            let mut g = g.clone();
            g.resize(want.len(), String::new());
            assert_eq!(&g, want, "{sheet} row {}", i + 2);
        }
    }
    let all: Vec<&String> = sheets["Assets"].iter().flatten().collect();
    assert!(all.iter().any(|c| *c == "<r><t>rich</t></r>"), "rich-text lookalike kept as text");
    assert!(all.iter().any(|c| *c == "_x0041_ stays literal"), "escape lookalike kept as text");
    assert!(all.iter().any(|c| c.starts_with("'=HYPERLINK(")), "formula text quote-prefixed");
}
