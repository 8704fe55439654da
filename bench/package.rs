//! Timing and peak memory of the package writers on a generated estate, diagrams
//! excluded (the diagram benchmarks time those). Target (issue 6): 100 000 resources
//! in under 10 s and under 1 GiB peak RSS, release build.
//!
//!     cargo bench -p auditmap-render --bench package -- 100000
//!     cargo bench -p auditmap-render --bench package -- 100000 --check
//!
//! `--check` exits 1 when a run is over 10 s or the process peak RSS is over 1 GiB.
//! Output: one `stage` line per stage per run, then a `summary` line (machine-readable
//! `key=value` pairs) per run.
use std::process::ExitCode;
use std::time::Instant;

use render::package::PackageOptions;
use render::pipeline::write_package;

const BUDGET_SECS: f64 = 10.0;
const BUDGET_RSS_BYTES: u64 = 1 << 30;

/// Peak resident set size of this process so far (Linux; None elsewhere).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let n: usize = match args.iter().find(|a| !a.starts_with("--")).map(|a| a.parse()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("usage: cargo bench -p auditmap-render --bench package -- [RESOURCES] [--check] ({e})");
            return ExitCode::from(2);
        }
    };

    let t = Instant::now();
    let snapshot = generate::generate(n, 1);
    let bytes = inventory::snapshot::to_json_bytes(&snapshot);
    println!(
        "generate {} resources + serialize {:.1} MB: {:.2}s",
        snapshot.resources.total(),
        mb(bytes.len() as u64),
        t.elapsed().as_secs_f64()
    );
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("temp dir: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut over = false;
    for redact in [false, true] {
        let opts = PackageOptions { diagrams: false, redact, ..PackageOptions::default() };
        let t = Instant::now();
        let out = match write_package(&snapshot, &bytes, &opts, &tmp.path().join(format!("pkg-{redact}"))) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("package failed: {e}");
                return ExitCode::FAILURE;
            }
        };
        let secs = t.elapsed().as_secs_f64();
        let mut prev = 0.0;
        for (stage, at) in &out.timings {
            println!("stage redact={redact} {stage:<45} {:>6.2}s (at {at:.2}s)", at - prev);
            prev = *at;
        }
        let sizes: Vec<String> =
            out.manifest.files.iter().map(|f| format!("{}={:.1}MB", f.path, mb(f.bytes))).collect();
        let rss = peak_rss_bytes();
        println!(
            "summary resources={n} redact={redact} wall_secs={secs:.2} peak_rss_mb={} {}",
            rss.map(|r| format!("{:.0}", mb(r))).unwrap_or_else(|| "unknown".into()),
            sizes.join(" ")
        );
        if secs > BUDGET_SECS || rss.is_some_and(|r| r > BUDGET_RSS_BYTES) {
            over = true;
        }
        // Free the disk between runs; the next run writes a new directory.
        let _ = std::fs::remove_dir_all(&out.dir);
    }
    if check && over {
        eprintln!("over budget: {BUDGET_SECS} s per run or {} MB peak RSS", mb(BUDGET_RSS_BYTES));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
