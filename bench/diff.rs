//! `auditmap diff` on two generated estates: OLD = `generate(N, 1)`, NEW = OLD with 1 %
//! of its resources changed at random (a tag edited; security groups also gain a
//! world-open rule; some instances removed). Each run does what the command does:
//! parse and validate both snapshot files' bytes and analyse them (side by side, two
//! threads), then diff. Target at 100k: under 3 s and 1.5 GiB.
//! Run: `cargo bench -p auditmap-inventory --bench diff [-- N [RUNS]]` (default 100000, 5).
use std::path::Path;
use std::time::{Duration, Instant};

use inventory::diff::{analyze, diff, Side};
use inventory::model::{PortRange, Protocol, RulePeer, SgRule};
use inventory::snapshot::{load_bytes, to_json_bytes};
use inventory::Snapshot;

/// Peak resident set of this process so far (VmHWM), MiB: generation included, so an
/// upper bound for the command.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time of this process, all threads (user + system, /proc/self/stat, 10 ms
/// ticks): meaningful on a shared, loaded machine where wall time is not.
fn cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some(Duration::from_millis((utime + stime) * 10))
}

/// SplitMix64: deterministic choices, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    // `is_multiple_of` needs Rust 1.87; the workspace's rust-version is 1.80.
    #[allow(clippy::manual_is_multiple_of)]
    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// NEW: 1 % of OLD's resources changed, collected a week later. Returns the count.
fn changed_copy(old: &Snapshot) -> (Snapshot, usize) {
    let mut new = old.clone();
    new.collected_at = old.collected_at.plus_days(7);
    let mut rng = Rng(7);
    let mut changed = 0;
    macro_rules! touch {
        ($field:ident, $ty:ident) => {
            for r in new.resources.$field.iter_mut() {
                if rng.one_in(100) {
                    r.tags.insert("bench-changed".into(), "yes".into());
                    changed += 1;
                }
            }
        };
    }
    inventory::for_each_kind!(touch);
    for sg in new.resources.security_groups.iter_mut() {
        if rng.one_in(100) {
            sg.ingress.push(SgRule {
                rule_id: Some(format!("sgr-bench{:08x}", rng.next() as u32)),
                protocol: Protocol::Tcp,
                ports: Some(PortRange::single(8443)),
                icmp: None,
                peer: RulePeer::Cidr { cidr: "0.0.0.0/0".parse().expect("literal CIDR") },
                description: Some("bench: world-open".into()),
            });
            changed += 1;
        }
    }
    let before = new.resources.instances.len();
    new.resources.instances.retain(|_| !rng.one_in(300));
    changed += before - new.resources.instances.len();
    (new, changed)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = args.first().copied().unwrap_or(100_000);
    let runs = args.get(1).copied().unwrap_or(5).max(1);
    let old = generate::generate(n, 1);
    let (new, changed) = changed_copy(&old);
    let (old_bytes, new_bytes) = (to_json_bytes(&old), to_json_bytes(&new));
    drop((old, new));
    println!(
        "{n} resources requested; {changed} changes; snapshot files {:.1} MB + {:.1} MB",
        old_bytes.len() as f64 / 1e6,
        new_bytes.len() as f64 / 1e6
    );
    let (mut totals, mut prep, mut diffs, mut cpus) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..runs {
        let c0 = cpu();
        let t0 = Instant::now();
        let side = |bytes: &[u8], name: &str| {
            let s = load_bytes(Path::new(name), bytes).expect("generated snapshot loads");
            let a = analyze(&s, &Default::default());
            (s, a)
        };
        let ((so, ao), (sn, an)) = std::thread::scope(|sc| {
            let o = sc.spawn(|| side(&old_bytes, "old.json"));
            let n = side(&new_bytes, "new.json");
            (o.join().expect("old side"), n)
        });
        let t1 = Instant::now();
        let d = diff(
            &Side { snapshot: &so, analysis: &ao, sha256: String::new() },
            &Side { snapshot: &sn, analysis: &an, sha256: String::new() },
        );
        let t2 = Instant::now();
        if let (Some(a), Some(b)) = (c0, cpu()) {
            cpus.push(b.saturating_sub(a));
        }
        summary = format!(
            "diff: {} added, {} removed, {} changed, {} unknown resources; {} new, {} widened exposures",
            d.resources.added.len(),
            d.resources.removed.len(),
            d.resources.changed.len(),
            d.resources.unknown.len(),
            d.exposures.new.len(),
            d.exposures.widened.len()
        );
        std::hint::black_box(&d);
        totals.push(t2 - t0);
        prep.push(t1 - t0);
        diffs.push(t2 - t1);
    }
    println!("{summary}");
    let total = median(totals.clone());
    println!(
        "median of {runs}: total {} (load + analysis of both {}, diff {}); min..max {}..{}",
        secs(total),
        secs(median(prep)),
        secs(median(diffs)),
        secs(*totals.iter().min().unwrap_or(&total)),
        secs(*totals.iter().max().unwrap_or(&total)),
    );
    if !cpus.is_empty() {
        println!("median CPU time (both threads): {}", secs(median(cpus)));
    }
    match peak_rss_mib() {
        Some(p) => println!("peak RSS {p:.0} MiB (process, generation included)"),
        None => println!("peak RSS unknown (no /proc)"),
    }
}
