//! Offline pipeline, stage by stage, on snapshot files (release build, in-process):
//! load, topology, analyses, diagram facts, layout of each view, the diagram writers
//! (SVG, draw.io, DOT, PNG, PDF) and the whole audit package. Medians of --runs runs
//! (machines are shared and noisy; a median of several runs is what to compare).
//!
//!   cargo bench --bench pipeline -- [--runs 5] [--dot-out DIR] [--md] estate.json...
//!
//! With --dot-out, the DOT of each layered view is written to DIR/<estate>.<view>.dot
//! and its layout time is printed on a `layout-ms` line, for `dot -Tsvg` comparison.
use std::path::{Path, PathBuf};
use std::time::Instant;

use inventory::analysis::analyze_topology;
use inventory::topology::Topology;
use render::diagram::{facts::Facts, views, write};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn time<T>(samples: &mut Vec<(&'static str, f64)>, name: &'static str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    samples.push((name, t.elapsed().as_secs_f64() * 1e3));
    out
}

const STAGES: [&str; 14] = [
    "load",
    "topology",
    "analyze",
    "facts",
    "layout.overview",
    "layout.exposure",
    "layout.vpc (all)",
    "render_scenes (all pages)",
    "write.svg",
    "write.drawio",
    "write.dot",
    "write.png",
    "write.pdf",
    "package (whole)",
];

fn one_run(path: &Path, dot_out: Option<&Path>, stem: &str) -> Vec<(&'static str, f64)> {
    let mut s = Vec::new();
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let snap = time(&mut s, "load", || inventory::snapshot::load_bytes(path, &bytes).expect("snapshot loads"));
    let topo = time(&mut s, "topology", || Topology::build(&snap));
    let analysis = time(&mut s, "analyze", || analyze_topology(&topo));
    let f = time(&mut s, "facts", || Facts::new(&snap, &analysis));
    let ov = time(&mut s, "layout.overview", || views::overview::render(&f));
    let ex = time(&mut s, "layout.exposure", || views::exposure::render(&f));
    time(&mut s, "layout.vpc (all)", || {
        for v in &snap.resources.vpcs {
            std::hint::black_box(views::vpc::render(&f, v));
        }
    });
    if let Some(dir) = dot_out {
        std::fs::write(dir.join(format!("{stem}.overview.dot")), write::dot::write(&ov.graph)).expect("write dot");
        std::fs::write(dir.join(format!("{stem}.exposure.dot")), write::dot::write(&ex.graph)).expect("write dot");
    }
    drop((ov, ex));
    let scenes = time(&mut s, "render_scenes (all pages)", || {
        render::diagram::render_scenes(&snap, &analysis).expect("scenes render")
    });
    time(&mut s, "write.svg", || {
        for p in &scenes {
            std::hint::black_box(write::svg::write(&p.scene));
        }
    });
    time(&mut s, "write.drawio", || {
        for p in &scenes {
            std::hint::black_box(write::drawio::write(&p.scene, &p.file_stem));
        }
    });
    time(&mut s, "write.dot", || {
        for p in &scenes {
            if let Some(d) = &p.graph {
                std::hint::black_box(write::dot::write(d));
            }
        }
    });
    let png_scale = render::diagram::png_scale(scenes.len());
    time(&mut s, "write.png", || {
        for p in &scenes {
            std::hint::black_box(render::diagram::scene_to_png(&p.scene, png_scale).expect("png"));
        }
    });
    time(&mut s, "write.pdf", || {
        for p in &scenes {
            std::hint::black_box(render::diagram::scene_to_pdf(&p.scene).expect("pdf"));
        }
    });
    let tmp = std::env::temp_dir().join(format!("auditmap-bench-pkg-{}-{stem}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let opts = render::package::PackageOptions::default();
    time(&mut s, "package (whole)", || {
        render::pipeline::write_package(&snap, &bytes, &opts, &tmp).expect("package writes");
    });
    let _ = std::fs::remove_dir_all(&tmp);
    s
}

fn main() {
    let mut runs = 5usize;
    let mut dot_out: Option<PathBuf> = None;
    let mut md = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--dot-out" => dot_out = args.next().map(PathBuf::from),
            "--md" => md = true,
            "--bench" => {} // cargo bench passes this
            _ => files.push(PathBuf::from(a)),
        }
    }
    if files.is_empty() {
        eprintln!("usage: cargo bench --bench pipeline -- [--runs N] [--dot-out DIR] [--md] estate.json...");
        std::process::exit(2);
    }
    if let Some(d) = &dot_out {
        std::fs::create_dir_all(d).expect("create --dot-out dir");
    }
    for path in &files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut all: Vec<Vec<(&'static str, f64)>> = Vec::new();
        for i in 0..runs {
            all.push(one_run(path, if i == 0 { dot_out.as_deref() } else { None }, &stem));
        }
        let med = |name: &str| {
            median(all.iter().flat_map(|r| r.iter().filter(|(n, _)| *n == name).map(|(_, v)| *v)).collect())
        };
        if md {
            println!("\n{} (median of {runs} runs, ms)\n\n| stage | ms |\n|---|---:|", path.display());
            for st in STAGES {
                println!("| {st} | {:.1} |", med(st));
            }
        } else {
            for st in STAGES {
                println!("{stem}\t{st}\t{:.1}", med(st));
            }
        }
        if dot_out.is_some() {
            println!("layout-ms\t{stem}\toverview\t{:.1}", med("layout.overview"));
            println!("layout-ms\t{stem}\texposure\t{:.1}", med("layout.exposure"));
        }
    }
}
