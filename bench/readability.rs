//! Readability of the overview-level pages (single overview, or the organisation
//! and account pages) on generated estates or snapshot files: page size, smallest
//! text, shared line between unrelated links, label overlaps, labels astray
//! (`render::diagram::readability`). The 100k check lives here, not in `cargo test`.
//! `cargo bench -p auditmap-render --bench readability -- [--out DIR] 10000 100000 | FILE.json ...`
//! (`--out`: write each measured page as SVG and PNG, to look at them.)
use std::time::Instant;

use render::diagram::{readability, scene_to_png, write, Plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let out = match args.iter().position(|a| a == "--out") {
        Some(i) if i + 1 < args.len() => {
            let d = args.remove(i + 1);
            args.remove(i);
            Some(d)
        }
        _ => None,
    };
    if args.is_empty() {
        args = vec!["10000".into(), "100000".into()];
    }
    let mut dirty = 0;
    for a in &args {
        let snap = match a.parse::<usize>() {
            Ok(n) => generate::generate(n, 11),
            Err(_) => inventory::snapshot::load_file(std::path::Path::new(a))?,
        };
        let analysis = inventory::analysis::analyze(&snap);
        let plan = Plan::new(&snap, &analysis);
        let t = Instant::now();
        let mut worst = readability::Readability { min_text: f64::MAX, ..Default::default() };
        let mut n = 0;
        for i in (0..plan.len()).filter(|&i| plan.is_overview_level(i)) {
            let page = plan.scene(i);
            let m = readability::measure(&page.scene);
            println!("{a} {}: {m}", page.file_stem);
            if !m.is_clean() {
                dirty += 1;
            }
            worst.width = worst.width.max(m.width);
            worst.height = worst.height.max(m.height);
            worst.min_text = worst.min_text.min(m.min_text);
            worst.shared_length += m.shared_length;
            worst.label_overlaps += m.label_overlaps;
            worst.labels_astray += m.labels_astray;
            worst.labels += m.labels;
            n += 1;
            if let Some(d) = &out {
                std::fs::create_dir_all(d)?;
                std::fs::write(format!("{d}/{}.svg", page.file_stem), write::svg::write(&page.scene))?;
                std::fs::write(format!("{d}/{}.png", page.file_stem), scene_to_png(&page.scene, 1.0)?)?;
            }
        }
        println!(
            "{a}: {n} overview-level page(s) in {:.2}s; largest {:.0} × {:.0}; totals: shared line {:.0}, label overlaps {}, labels astray {}/{}, min text {:.1}",
            t.elapsed().as_secs_f64(),
            worst.width,
            worst.height,
            worst.shared_length,
            worst.label_overlaps,
            worst.labels_astray,
            worst.labels,
            worst.min_text
        );
    }
    if dirty > 0 {
        return Err(format!("{dirty} page(s) miss a readability goal").into());
    }
    Ok(())
}
