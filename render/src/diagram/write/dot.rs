//! Layered views as Graphviz DOT, for comparison with `dot -Tsvg` (and for anyone
//! who wants to restyle them). Clusters carry the account › region containment.
use std::fmt::Write;

use crate::diagram::layout::layered::LayeredGraph;

/// DOT double-quoted string: escape backslash and quote, drop newlines.
fn q(s: &str) -> String {
    let clean = crate::diagram::scene::clean(s);
    let mut out = String::with_capacity(clean.len() + 2);
    out.push('"');
    for c in clean.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn write(g: &LayeredGraph) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph {} {{", q(&g.name));
    s.push_str("  rankdir=TB;\n  node [shape=box, fontname=\"DejaVu Sans\", fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=9];\n");
    // Nodes are grouped by their cluster path, in sorted order (input is sorted).
    let mut open: Vec<String> = Vec::new();
    let mut cluster_no = 0usize;
    for (id, label, path) in &g.nodes {
        let common = open.iter().zip(path).take_while(|(a, b)| a == b).count();
        while open.len() > common {
            open.pop();
            let _ = writeln!(s, "{}}}", "  ".repeat(open.len() + 1));
        }
        for p in &path[common..] {
            cluster_no += 1;
            let _ = writeln!(s, "{}subgraph cluster_{cluster_no} {{ label={};", "  ".repeat(open.len() + 1), q(p));
            open.push(p.clone());
        }
        let _ = writeln!(s, "{}{} [label={}];", "  ".repeat(open.len() + 1), q(id), q(label));
    }
    while open.pop().is_some() {
        let _ = writeln!(s, "{}}}", "  ".repeat(open.len() + 1));
    }
    for (a, b, l) in &g.edges {
        let _ = writeln!(s, "  {} -> {} [label={}];", q(a), q(b), q(l));
    }
    s.push_str("}\n");
    s
}
