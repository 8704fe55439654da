//! report.html in a real browser (Debian chromium, headless): it renders (non-blank
//! screenshot), runs with no console or CSP errors, and its search box filters the
//! inventory table. `scripts/test` installs chromium; without it this test FAILS.
mod package_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use package_support::*;
use render::package::PackageOptions;

fn chromium() -> PathBuf {
    if let Ok(p) = std::env::var("AUDITMAP_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser"] {
        if let Ok(o) = Command::new("which").arg(name).output() {
            if o.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            }
        }
    }
    panic!("chromium is not installed: run scripts/test (it installs Debian's chromium) or set AUDITMAP_CHROMIUM");
}

/// Runs headless chromium with the flags that keep it off the network; kills it after 120 s.
fn run_chromium(profile: &Path, args: &[String]) -> Output {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("chromium starts");
    // Read pipes on threads so a chatty browser cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output { status, stdout: t_out.join().unwrap(), stderr: t_err.join().unwrap() }
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Uncaught") || l.contains("Refused to") || l.contains("Content Security Policy"))
        .collect()
}

#[test]
fn report_renders_filters_and_runs_clean_in_chromium() {
    let (s, bytes) = hostile();
    let (tmp, dir, _) = package(&s, &bytes, &PackageOptions::default());
    let report = dir.join("report.html");
    let profile = tmp.path().join("profile");

    // (a) A screenshot that is not blank.
    let shot = tmp.path().join("report.png");
    let o = run_chromium(
        &profile,
        &[format!("--screenshot={}", shot.display()), "--window-size=1400,1000".into(), file_url(&report)],
    );
    assert!(shot.is_file(), "no screenshot; chromium stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    if let Ok(keep) = std::env::var("AUDITMAP_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = px.chunks(channels).collect();
    let non_white = pixels.iter().filter(|p| p[..3].iter().any(|c| *c < 240)).count();
    let distinct: std::collections::BTreeSet<&[u8]> = pixels.iter().step_by(7).map(|p| &p[..3]).collect();
    assert!(info.width >= 1000 && info.height >= 700, "screenshot {}x{}", info.width, info.height);
    assert!(non_white * 10 > pixels.len(), "screenshot is almost blank ({non_white} of {} pixels)", pixels.len());
    assert!(distinct.len() > 20, "screenshot has only {} colours", distinct.len());

    // (b) The search term from the URL fragment filters the inventory; no console errors.
    let term = s
        .resources
        .instances
        .iter()
        .find_map(|i| i.tags.get("Name").filter(|n| n.starts_with("prod-web")))
        .expect("a prod-web instance")
        .clone();
    let url = format!("{}#q={}", file_url(&report), term);
    let o = run_chromium(&profile, &["--enable-logging=stderr".into(), "--v=0".into(), "--dump-dom".into(), url]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let errors = console_errors(&stderr);
    assert!(errors.is_empty(), "console errors:\n{}", errors.join("\n"));
    let dom = String::from_utf8_lossy(&o.stdout);
    let table = &dom[dom.find("id=\"inventory\"").expect("inventory table in DOM")..];
    let tbody = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    let rows: Vec<&str> = tbody.split("<tr").skip(1).collect();
    assert_eq!(rows.len(), s.resources.total());
    let visible: Vec<&&str> = rows.iter().filter(|r| !r.starts_with(" hidden")).collect();
    assert!(!visible.is_empty(), "no row matches {term}");
    assert!(visible.len() < rows.len() / 4, "filter hid too little: {} of {} visible", visible.len(), rows.len());
    for r in &visible {
        assert!(r.to_lowercase().contains(&term.to_lowercase()), "visible row does not match {term}: {r}");
    }
    for r in rows.iter().filter(|r| r.starts_with(" hidden")) {
        assert!(!r.contains(&term), "a matching row was hidden");
    }
    assert!(
        dom.contains(&format!("<span id=\"shown\">{}</span>", visible.len())),
        "row counter shows the filtered count"
    );
    assert!(dom.contains(&format!("value=\"{term}\"")) || dom.contains("id=\"q\""), "search box present");
    // The hostile script in a resource name never ran or became an element.
    assert!(!dom.contains("<script>alert(1)</script>"));

    // Control: the same error grep catches a CSP violation, so (b) can fail.
    let bad = tmp.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-AAAA'\"></head><body><script>document.title='x'</script></body></html>",
    )
    .unwrap();
    let o = run_chromium(
        &profile,
        &["--enable-logging=stderr".into(), "--v=0".into(), "--dump-dom".into(), file_url(&bad)],
    );
    assert!(
        !console_errors(&String::from_utf8_lossy(&o.stderr)).is_empty(),
        "chromium logging does not report CSP errors; the check above would be blind"
    );
}
