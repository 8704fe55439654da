//! Renders every diagram page of a snapshot (or the demo estate, or a generated
//! estate) and prints timings: the benchmark quoted in docs.
//!
//!   cargo run --release -p auditmap-render --example diagrams -- demo OUT [svg,png]
//!   cargo run --release -p auditmap-render --example diagrams -- gen:100000:7 OUT svg
//!   cargo run --release -p auditmap-render --example diagrams -- path/to/snapshot.json OUT
#[path = "../tests/support/svg_reference.rs"]
mod svg_reference;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    // `png IN.svg OUT.png`: rasterise one SVG (e.g. a cropped one) with the embedded font.
    if args.get(1).map(String::as_str) == Some("png") {
        let svg = std::fs::read_to_string(&args[2])?;
        std::fs::write(&args[3], svg_reference::png(&svg)?)?;
        return Ok(());
    }
    // `layered N OUT.dot`: time layout-rs on a deterministic N-node layered DAG, and
    // write the same graph as DOT for `dot -Tsvg` (the cap's rationale, in numbers).
    if args.get(1).map(String::as_str) == Some("layered") {
        let n: usize = args.get(2).map(String::as_str).unwrap_or("150").parse()?;
        let sizes: Vec<(f64, f64)> = (0..n).map(|i| (120.0 + (i % 5) as f64 * 20.0, 60.0)).collect();
        let layer = |i: usize| i * 6 / n.max(1);
        let mut edges = Vec::new();
        for i in 0..n {
            for k in 1..=2 {
                let j = (i * 7 + k * 13) % n;
                if layer(j) == layer(i) + 1 {
                    edges.push((i, j));
                }
            }
        }
        let t = Instant::now();
        let _ = render::diagram::layout::layered::place(&sizes, &edges);
        eprintln!("layout-rs: {n} nodes, {} edges in {:.3}s", edges.len(), t.elapsed().as_secs_f64());
        let t = Instant::now();
        let _ = render::diagram::layout::layered::simple_layers(&sizes, &edges, 60.0, 90.0);
        eprintln!("own layering: {n} nodes in {:.4}s", t.elapsed().as_secs_f64());
        let mut dot = String::from("digraph g {\n");
        for (i, size) in sizes.iter().enumerate().take(n) {
            dot.push_str(&format!("  n{i} [shape=box, width={:.2}, height=0.83];\n", size.0 / 72.0));
        }
        for (a, b) in &edges {
            dot.push_str(&format!("  n{a} -> n{b};\n"));
        }
        dot.push_str("}\n");
        std::fs::write(args.get(3).map(String::as_str).unwrap_or("layered.dot"), dot)?;
        return Ok(());
    }
    let src = args.get(1).map(String::as_str).unwrap_or("demo");
    let out = Path::new(args.get(2).map(String::as_str).unwrap_or("diagrams-out"));
    let formats = args.get(3).map(String::as_str).unwrap_or("svg,png");
    let t = Instant::now();
    let snap = if src == "demo" {
        inventory::demo::demo_snapshot()?
    } else if let Some(spec) = src.strip_prefix("gen:") {
        let mut it = spec.split(':');
        let n: usize = it.next().unwrap_or("1000").parse()?;
        let seed: u64 = it.next().unwrap_or("1").parse()?;
        generate::generate(n, seed)
    } else {
        inventory::snapshot::load_file(Path::new(src))?
    };
    eprintln!("snapshot: {} resources in {:.2}s", snap.resources.total(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    let analysis = inventory::analysis::analyze(&snap);
    eprintln!("analysis: {} exposures in {:.2}s", analysis.exposures.len(), t.elapsed().as_secs_f64());
    {
        // The layered page's layout on its own, for comparison with `dot -Tsvg exposure.dot`.
        let facts = render::diagram::facts::Facts::new(&snap, &analysis);
        let t = Instant::now();
        let ov = render::diagram::views::overview::render(&facts);
        eprintln!(
            "overview page: {} boxes, {} lines in {:.2}s",
            ov.scene.boxes.len(),
            ov.scene.edges.len(),
            t.elapsed().as_secs_f64()
        );
        let ex = render::diagram::views::exposure::render(&facts);
        eprintln!(
            "exposure page: layered layout of {} nodes / {} edges in {:.3}s (layout-rs{})",
            ex.layout_nodes,
            ex.graph.edges.len(),
            ex.layout_secs,
            if ex.layout_nodes > render::diagram::layout::layered::MAX_LAYOUT_RS_NODES {
                " skipped: own layering"
            } else {
                ""
            }
        );
    }
    let t = Instant::now();
    let pages = render::diagram::render_pages(&snap, &analysis)?;
    eprintln!("render_pages: {} pages in {:.2}s", pages.len(), t.elapsed().as_secs_f64());
    std::fs::create_dir_all(out)?;
    let t = Instant::now();
    for p in &pages {
        if formats.contains("svg") {
            std::fs::write(out.join(format!("{}.svg", p.file_stem)), &p.svg)?;
        }
        if formats.contains("png") {
            std::fs::write(
                out.join(format!("{}.png", p.file_stem)),
                render::diagram::scene_to_png(&p.scene, render::diagram::png_scale(pages.len()))?,
            )?;
        }
        if formats.contains("pdf") {
            std::fs::write(out.join(format!("{}.pdf", p.file_stem)), render::diagram::scene_to_pdf(&p.scene)?)?;
        }
        if formats.contains("drawio") {
            if let Some(d) = &p.drawio {
                std::fs::write(out.join(format!("{}.drawio", p.file_stem)), d)?;
            }
        }
        if formats.contains("dot") {
            if let Some(d) = &p.dot {
                std::fs::write(out.join(format!("{}.dot", p.file_stem)), d)?;
            }
        }
    }
    eprintln!("writers ({formats}): {:.2}s", t.elapsed().as_secs_f64());
    Ok(())
}
