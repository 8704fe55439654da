//! Timing of the package writers on a generated 100 000-resource estate, diagrams
//! excluded (they are timed by the diagram tests). Run in release:
//! `cargo test --release -p auditmap-render --test package_perf -- --ignored --nocapture`
use std::time::Instant;

use render::package::{write_package, PackageOptions};

#[test]
#[ignore = "benchmark: run in release with --ignored"]
fn package_writers_on_100k_resources() {
    let t = Instant::now();
    let snapshot = inventory::generate::generate(100_000, 1);
    let bytes = inventory::snapshot::to_json_bytes(&snapshot);
    eprintln!("generate {} resources + serialize: {:.2}s", snapshot.resources.total(), t.elapsed().as_secs_f64());
    let tmp = tempfile::tempdir().unwrap();
    for redact in [false, true] {
        let opts = PackageOptions { diagrams: false, redact, ..PackageOptions::default() };
        let t = Instant::now();
        let out = write_package(&snapshot, &bytes, &opts, &tmp.path().join(format!("pkg-{redact}"))).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let sizes: Vec<String> =
            out.manifest.files.iter().map(|f| format!("{} {:.1} MB", f.path, f.bytes as f64 / 1e6)).collect();
        eprintln!("package (redact={redact}, no diagrams): {secs:.2}s; {}", sizes.join(", "));
        eprintln!("  stages: {:?}", out.timings);
        for w in &out.warnings {
            eprintln!("  warning: {w}");
        }
        assert!(secs < 10.0, "package writers took {secs:.1}s");
    }
}
