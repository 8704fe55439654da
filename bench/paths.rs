//! `paths --from internet --to data-stores` on generated estates (plain timing loop).
//! Run: `cargo bench -p auditmap-inventory --bench paths [-- 10000 100000]`; add
//! `--snapshot FILE` to time a saved snapshot instead (load time reported separately).
//! Median of 3 runs per estate; the 100k target is under 5 s for the whole command.
use std::time::{Duration, Instant};

use inventory::analysis::{analyze_topology, find_paths, Endpoint, PathOptions};
use inventory::topology::Topology;
use inventory::Snapshot;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(name: &str, snap: &Snapshot, load_ms: Option<f64>) {
    let (mut analysis_ms, mut paths_ms) = (Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        let topo = Topology::build(snap);
        let analysis = analyze_topology(&topo);
        let t1 = Instant::now();
        let r = find_paths(&topo, &analysis, &Endpoint::Internet, &Endpoint::DataStores, &PathOptions::default())
            .expect("internet → data-stores is a valid query");
        let t2 = Instant::now();
        analysis_ms.push(ms(t1 - t0));
        paths_ms.push(ms(t2 - t1));
        summary = format!("{} shown, {} more, capped {}", r.paths.len(), r.not_shown, r.count_capped);
        std::hint::black_box(&r);
    }
    let load = load_ms.map(|l| format!("{l:>10.1}")).unwrap_or_else(|| format!("{:>10}", "-"));
    println!(
        "{name:>12} {:>9} {load} {:>14.1} {:>10.1}  {summary}",
        snap.resources.total(),
        median(analysis_ms),
        median(paths_ms)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "{:>12} {:>9} {:>10} {:>14} {:>10}  result",
        "estate", "resources", "load ms", "topo+analysis", "paths ms"
    );
    if let Some(i) = args.iter().position(|a| a == "--snapshot") {
        let path = args.get(i + 1).expect("--snapshot FILE");
        let t0 = Instant::now();
        let snap = inventory::snapshot::load_file(std::path::Path::new(path)).expect("snapshot loads");
        time("snapshot", &snap, Some(ms(t0.elapsed())));
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    for n in if sizes.is_empty() { vec![10_000, 100_000] } else { sizes } {
        time(&format!("gen {n}"), &generate::generate(n, 1), None);
    }
}
