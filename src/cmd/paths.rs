//! `auditmap paths`: every simple path of up to N hops from FROM to TO, hop by hop
//! with the route, NACL and security-group evidence of each hop.
use std::fmt::Write as _;
use std::path::PathBuf;

use inventory::analysis::{find_paths, Endpoint, Hop, PathOptions, PathsError, PathsReport};
use inventory::facts::Settings;
use inventory::topology::Topology;
use render::pipeline::Input;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (JSON).
    #[arg(required_unless_present = "demo")]
    pub snapshot: Option<PathBuf>,
    /// Use the bundled demo estate instead of a snapshot file.
    #[arg(long, conflicts_with = "snapshot")]
    pub demo: bool,
    /// Where paths start: internet, data-stores, tag:KEY=VALUE, or an i-/eni-/subnet-/vpc- id.
    #[arg(long)]
    pub from: String,
    /// Where paths end: data-stores, tag:KEY=VALUE, or an i-/eni-/subnet-/vpc- id.
    #[arg(long)]
    pub to: String,
    /// Print the paths as JSON.
    #[arg(long)]
    pub json: bool,
    /// Longest path, in hops.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=8))]
    pub max_hops: u16,
    /// Paths printed at most (the rest are counted).
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

pub fn run(args: Args) -> CmdResult {
    let bad = |e: PathsError| CliError::bad_input(anyhow::Error::new(e));
    let from = Endpoint::parse(&args.from).map_err(bad)?;
    let to = Endpoint::parse(&args.to).map_err(bad)?;
    let input = match (&args.snapshot, args.demo) {
        (_, true) => Input::demo().map_err(CliError::failure)?,
        (Some(p), false) => Input::file(p).map_err(CliError::bad_input)?,
        (None, false) => return Err(CliError::bad_input(anyhow::anyhow!("give a SNAPSHOT file or --demo"))),
    };
    // Loaded through the pipeline; the topology is built once and shared by the
    // analyses (exposure findings, segmentation) and the path search.
    let prepared = input.prepare(None).map_err(|m| CliError::failure(anyhow::anyhow!(m)))?;
    let snapshot = &prepared.snapshot;
    let settings = Settings::default();
    let topo = Topology::build(snapshot);
    let analysis = inventory::analysis::analyze_topology_with(&topo, &settings);
    let opts = PathOptions { max_hops: args.max_hops.into(), limit: args.limit, tag_keys: settings.tag_keys.clone() };
    let report = find_paths(&topo, &analysis, &from, &to, &opts).map_err(bad)?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(CliError::failure)?;
        super::emit(&(text + "\n"))?;
    } else {
        super::emit(&text(&report, &snapshot.collected_at.to_string(), opts.max_hops))?;
    }
    Ok(Exit::Success)
}

/// Terminal-safe text: AWS strings are hostile (no control characters or bidi
/// overrides). Composed evidence (several ids) is not elided.
fn clean(s: &str) -> String {
    render::text::strip_bidi(s).chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// `clean`, with a visible cap on length for one AWS-supplied string.
fn safe(s: &str) -> String {
    render::text::elide(&clean(s), render::text::MAX_LABEL_CHARS)
}

fn text(r: &PathsReport, collected_at: &str, max_hops: usize) -> String {
    let mut out = String::new();
    let total = r.paths.len() + r.not_shown;
    let _ = writeln!(
        out,
        "Paths from {} to {} (snapshot collected {collected_at}, up to {max_hops} hops): {}{total} path(s)",
        safe(&r.from),
        safe(&r.to),
        if r.count_capped { "at least " } else { "" },
    );
    for (i, p) in r.paths.iter().enumerate() {
        let _ = writeln!(out, "\nPath {} ({} hop{})", i + 1, p.hops.len(), if p.hops.len() == 1 { "" } else { "s" });
        for h in &p.hops {
            let _ = writeln!(out, "  {}", hop_line(h));
        }
    }
    if r.not_shown > 0 {
        let at_least = if r.count_capped { "at least " } else { "" };
        let _ = writeln!(out, "\n{at_least}{} more not shown (--limit)", r.not_shown);
    }
    out
}

/// "web-1 → app-1  tcp 8443  from 10.0.1.10 | route rtb-1: 10.0.0.0/16 → local, return … |
/// NACL … | SG sg-2: tcp/8443 from sg-1".
fn hop_line(h: &Hop) -> String {
    let e = &h.evidence;
    let name = |id: &str, eni: &Option<String>| match eni {
        Some(eni) if eni != id => format!("{} ({})", safe(id), safe(eni)),
        _ => safe(id),
    };
    let mut parts = vec![format!(
        "{} → {}  {} {}  from {}",
        name(&h.from, &e.from_eni),
        name(&h.to, &e.to_eni),
        h.protocol,
        h.ports,
        clean(&h.sources.join(", "))
    )];
    let route = |r: &inventory::analysis::RouteUsed| format!("{}: {}", safe(&r.route_table_id), safe(&r.route));
    match (&e.forward_route, &e.return_route) {
        (Some(f), Some(b)) => parts.push(format!("route {}, return {}", route(f), route(b))),
        (Some(f), None) => parts.push(format!("route {}", route(f))),
        (None, Some(b)) => parts.push(format!("return route {}", route(b))),
        (None, None) => {}
    }
    if !e.via.is_empty() {
        parts.push(format!("via {}", clean(&e.via.join(", "))));
    }
    if let Some(v6) = &e.ipv6 {
        let mut line = format!(
            "IPv6 to {} route {}, return {}",
            safe(&v6.destination),
            route(&v6.forward_route),
            route(&v6.return_route)
        );
        if !v6.via.is_empty() {
            line.push_str(&format!(" via {}", clean(&v6.via.join(", "))));
        }
        parts.push(line);
    }
    let mut nacls: Vec<String> =
        e.grants.iter().filter_map(|g| g.nacl.as_ref().map(|n| clean(&n.describe()))).collect();
    nacls.dedup();
    if let Some(note) = &e.note {
        nacls.insert(0, safe(note));
    }
    if !nacls.is_empty() {
        parts.push(format!("NACL {}", nacls.join("; ")));
    }
    let mut sgs: Vec<String> = e
        .grants
        .iter()
        .filter_map(|g| Some(format!("{}: {}", safe(g.security_group_id.as_deref()?), safe(g.sg_rule.as_deref()?))))
        .collect();
    sgs.dedup();
    if !sgs.is_empty() {
        parts.push(format!("SG {}", sgs.join("; ")));
    }
    parts.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_demo(from: &str, to: &str, json: bool) -> Result<Exit, Exit> {
        run(Args { snapshot: None, demo: true, from: from.into(), to: to.into(), json, max_hops: 4, limit: 1000 })
            .map_err(|e| e.code)
    }

    #[test]
    fn bad_selectors_are_bad_input() {
        assert_eq!(run_demo("tag:Name", "data-stores", false), Err(Exit::BadInput));
        assert_eq!(run_demo("internet", "sg-1", false), Err(Exit::BadInput));
        assert_eq!(run_demo("internet", "i-00000000000000000", false), Err(Exit::BadInput));
        assert_eq!(run_demo("internet", "data-stores", true), Ok(Exit::Success));
    }

    #[test]
    fn text_names_the_limit() {
        let r = PathsReport { from: "internet".into(), to: "data-stores".into(), not_shown: 3, ..Default::default() };
        let t = text(&r, "t", 4);
        assert!(t.starts_with("Paths from internet to data-stores (snapshot collected t, up to 4 hops): 3 path(s)"));
        assert!(t.contains("3 more not shown"), "{t}");
    }
}
