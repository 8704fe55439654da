//! A diff (`inventory::diff::Diff`) as rows, CSV (`diff --csv`, the package's
//! changes.csv) and terminal text. One row per change; every AWS string goes through
//! the same neutralising as the other tables.
use std::fmt::Write as _;
use std::io::Write;

use inventory::diff::{CoverageChange, Diff, ExposureChange, FieldChange, ResourceRef};

pub const HEADERS: [&str; 11] =
    ["section", "change", "kind", "id", "name", "account_id", "region", "field", "old", "new", "detail"];

/// One change, as a CSV row and a line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub section: &'static str,
    pub change: String,
    pub kind: String,
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub region: String,
    pub field: String,
    pub old: String,
    pub new: String,
    pub detail: String,
}

impl ChangeRow {
    pub fn cells(&self) -> [&str; 11] {
        [
            self.section,
            &self.change,
            &self.kind,
            &self.id,
            &self.name,
            &self.account_id,
            &self.region,
            &self.field,
            &self.old,
            &self.new,
            &self.detail,
        ]
    }
}

fn resource_row(r: &ResourceRef, change: &str) -> ChangeRow {
    ChangeRow {
        section: "resource",
        change: change.to_string(),
        kind: r.kind.to_string(),
        id: r.id.clone(),
        name: r.name.clone().unwrap_or_default(),
        account_id: r.account_id.clone(),
        region: r.region.clone(),
        field: String::new(),
        old: String::new(),
        new: String::new(),
        detail: r.note.clone().unwrap_or_default(),
    }
}

fn field_row(r: &ResourceRef, c: &FieldChange) -> ChangeRow {
    ChangeRow {
        field: c.field.clone(),
        old: c.old.clone().unwrap_or_default(),
        new: c.new.clone().unwrap_or_default(),
        detail: c.change.as_str().to_string(),
        ..resource_row(r, "changed")
    }
}

fn exposure_row(e: &ExposureChange, change: &str) -> ChangeRow {
    let delta = e.delta_text();
    let (old, new) = if matches!(change, "new" | "widened") { (String::new(), delta) } else { (delta, String::new()) };
    ChangeRow {
        section: "exposure",
        change: change.to_string(),
        kind: e.resource_kind.to_string(),
        id: e.resource_id.clone(),
        name: e.name.clone().unwrap_or_default(),
        account_id: e.account_id.clone(),
        region: e.region.clone(),
        field: format!("{} {}", format!("{:?}", e.ip_version).to_lowercase(), e.protocol),
        old,
        new,
        detail: match (&e.note, e.acceptance) {
            (Some(n), _) => n.clone(),
            (None, Some(a)) => format!("{}; {}", public_ips(e), a.as_str()),
            (None, None) => public_ips(e),
        },
    }
}

fn public_ips(e: &ExposureChange) -> String {
    let mut ips: Vec<&str> = e.findings.iter().map(|f| f.public_ip.as_str()).collect();
    ips.sort_unstable();
    ips.dedup();
    ips.join(" ")
}

fn coverage_row(c: &CoverageChange) -> ChangeRow {
    let status = |s: Option<inventory::snapshot::CoverageStatus>| s.map_or("not called", |s| s.as_str()).to_string();
    let change = if c.is_new_gap() {
        "new gap"
    } else if c.is_closed_gap() {
        "gap closed"
    } else {
        "status changed"
    };
    ChangeRow {
        section: "coverage",
        change: change.to_string(),
        kind: "api".into(),
        id: c.api.clone(),
        name: String::new(),
        account_id: c.account_id.clone(),
        region: c.region.clone(),
        field: "status".into(),
        old: status(c.old),
        new: status(c.new),
        detail: c.error_code.clone().unwrap_or_default(),
    }
}

fn connection_id(from: &str, to: &str, via_id: &str) -> String {
    format!("{from} → {to} via {via_id}")
}

/// Every change, section by section (resources, exposures, segmentation, coverage),
/// each in the diff's order.
pub fn rows(d: &Diff) -> Vec<ChangeRow> {
    let mut out = Vec::new();
    let r = &d.resources;
    out.extend(r.added.iter().map(|x| resource_row(x, "added")));
    out.extend(r.removed.iter().map(|x| resource_row(x, "removed")));
    out.extend(r.unknown.iter().map(|x| resource_row(x, "unknown (not collected)")));
    for c in &r.changed {
        out.extend(c.changes.iter().map(|f| field_row(&c.resource, f)));
    }
    let e = &d.exposures;
    for (list, name) in [
        (&e.new, "new"),
        (&e.widened, "widened"),
        (&e.narrowed, "narrowed"),
        (&e.closed, "closed"),
        (&e.unknown, "unknown (not collected)"),
    ] {
        out.extend(list.iter().map(|x| exposure_row(x, name)));
    }
    let s = &d.segmentation;
    for (list, name) in [(&s.added, "added"), (&s.removed, "removed")] {
        out.extend(list.iter().map(|c| ChangeRow {
            section: "segmentation",
            change: name.to_string(),
            kind: "connection".into(),
            id: connection_id(&c.from_vpc_id, &c.to_id, &c.via_id),
            name: String::new(),
            account_id: c.from_account_id.to_string(),
            region: String::new(),
            field: "cidrs".into(),
            old: String::new(),
            new: c.cidrs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" "),
            detail: format!("{:?}", c.via).to_lowercase(),
        }));
    }
    for c in &s.changed {
        out.extend(c.changes.iter().map(|f| ChangeRow {
            section: "segmentation",
            change: "changed".into(),
            kind: "connection".into(),
            id: connection_id(&c.from_vpc_id, &c.to_id, &c.via_id),
            name: String::new(),
            account_id: String::new(),
            region: String::new(),
            field: f.field.clone(),
            old: f.old.clone().unwrap_or_default(),
            new: f.new.clone().unwrap_or_default(),
            detail: f.change.as_str().to_string(),
        }));
    }
    out.extend(d.coverage.changed.iter().map(coverage_row));
    out
}

/// The rows as CSV (CRLF, every cell neutralised like the package's tables).
pub fn write_csv<W: Write>(d: &Diff, out: W) -> Result<(), String> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(HEADERS).map_err(|e| e.to_string())?;
    for r in rows(d) {
        crate::package::spreadsheet_record(&mut w, &r.cells())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// Terminal-safe: no control characters (escape sequences), no bidi overrides, capped.
fn safe(s: &str) -> String {
    let clean: String = crate::text::strip_bidi(s).chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    crate::text::elide(&clean, 2000)
}

#[derive(Clone, Copy)]
enum Tone {
    Plus,
    Minus,
    Change,
    Warn,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, tone: Tone, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match tone {
            Tone::Plus => "32",
            Tone::Minus => "31",
            Tone::Change => "33",
            Tone::Warn => "35",
        };
        format!("\u{1b}[{code}m{s}\u{1b}[0m")
    }
}

/// The diff for a terminal: a summary line, then each non-empty group. `color` adds
/// ANSI colours (the CLI sets it on a TTY without NO_COLOR).
pub fn text(d: &Diff, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Changes from {} (sha256 {}) to {} (sha256 {})",
        d.old.collected_at,
        short(&d.old.sha256),
        d.new.collected_at,
        short(&d.new.sha256)
    );
    let r = &d.resources;
    let e = &d.exposures;
    let _ = writeln!(
        out,
        "resources: {} added, {} removed, {} changed, {} unknown; exposures: {} new, {} widened, {} narrowed, {} closed, {} unknown; \
         connections: {} added, {} removed, {} changed; coverage: {} change(s)",
        r.added.len(),
        r.removed.len(),
        r.changed.len(),
        r.unknown.len(),
        e.new.len(),
        e.widened.len(),
        e.narrowed.len(),
        e.closed.len(),
        e.unknown.len(),
        d.segmentation.added.len(),
        d.segmentation.removed.len(),
        d.segmentation.changed.len(),
        d.coverage.changed.len()
    );
    if d.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    let who = |x: &ResourceRef| match &x.name {
        Some(n) => format!("{} {} ({})", x.kind, safe(&x.id), safe(n)),
        None => format!("{} {}", x.kind, safe(&x.id)),
    };
    let note = |n: &Option<String>| n.as_deref().map(|n| format!(" [{}]", safe(n))).unwrap_or_default();
    section(&mut out, "Exposures", || {
        let mut s = String::new();
        for (list, label, tone) in [
            (&e.new, "NEW", Tone::Minus),
            (&e.widened, "WIDENED", Tone::Minus),
            (&e.narrowed, "NARROWED", Tone::Plus),
            (&e.closed, "CLOSED", Tone::Plus),
            (&e.unknown, "UNKNOWN (not collected)", Tone::Warn),
        ] {
            for x in list.iter() {
                let name = x.name.as_deref().map(|n| format!(" ({})", safe(n))).unwrap_or_default();
                let status = x.acceptance.map(|a| format!(" [{}]", a.as_str())).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {} {}{} {}: {}{}{status}",
                    p.paint(tone, label),
                    safe(&x.resource_id),
                    name,
                    public_ips(x),
                    safe(&x.delta_text()),
                    note(&x.note)
                );
            }
        }
        s
    });
    section(&mut out, "Resources", || {
        let mut s = String::new();
        for x in &r.added {
            let _ = writeln!(s, "  {} {}{}", p.paint(Tone::Plus, "+"), who(x), note(&x.note));
        }
        for x in &r.removed {
            let _ = writeln!(s, "  {} {}{}", p.paint(Tone::Minus, "-"), who(x), note(&x.note));
        }
        for x in &r.unknown {
            let _ = writeln!(s, "  {} {} unknown{}", p.paint(Tone::Warn, "?"), who(x), note(&x.note));
        }
        for c in &r.changed {
            let _ = writeln!(s, "  {} {}", p.paint(Tone::Change, "~"), who(&c.resource));
            for f in &c.changes {
                let line = match (&f.old, &f.new) {
                    (Some(o), Some(n)) => format!("{}: {} → {}", safe(&f.field), safe(o), safe(n)),
                    (None, Some(n)) => format!("{} + {}", safe(&f.field), safe(n)),
                    (Some(o), None) => format!("{} - {}", safe(&f.field), safe(o)),
                    (None, None) => safe(&f.field),
                };
                let _ = writeln!(s, "      {line}");
            }
        }
        s
    });
    section(&mut out, "Segmentation", || {
        let mut s = String::new();
        let seg = &d.segmentation;
        for (list, sign, tone) in [(&seg.added, "+", Tone::Minus), (&seg.removed, "-", Tone::Plus)] {
            for c in list.iter() {
                let cidrs = c.cidrs.iter().map(|x| safe(x)).collect::<Vec<_>>().join(", ");
                let _ = writeln!(
                    s,
                    "  {} {} ({cidrs})",
                    p.paint(tone, sign),
                    safe(&connection_id(&c.from_vpc_id, &c.to_id, &c.via_id))
                );
            }
        }
        for c in &seg.changed {
            let _ = writeln!(
                s,
                "  {} {}",
                p.paint(Tone::Change, "~"),
                safe(&connection_id(&c.from_vpc_id, &c.to_id, &c.via_id))
            );
            for f in &c.changes {
                let _ = writeln!(
                    s,
                    "      {} {}: {} → {}",
                    f.change.as_str(),
                    f.field,
                    safe(f.old.as_deref().unwrap_or("")),
                    safe(f.new.as_deref().unwrap_or(""))
                );
            }
        }
        s
    });
    section(&mut out, "Coverage", || {
        let mut s = String::new();
        for c in &d.coverage.changed {
            let row = coverage_row(c);
            let tone = if c.is_new_gap() { Tone::Warn } else { Tone::Change };
            let code = if row.detail.is_empty() { String::new() } else { format!(" ({})", safe(&row.detail)) };
            let _ = writeln!(
                s,
                "  {} {} {}/{}: {} → {}{code}",
                p.paint(tone, &row.change),
                safe(&c.api),
                safe(&c.account_id),
                safe(&c.region),
                row.old,
                row.new
            );
        }
        s
    });
    out
}

fn section(out: &mut String, title: &str, body: impl FnOnce() -> String) {
    let body = body();
    if !body.is_empty() {
        let _ = write!(out, "\n{title}\n{body}");
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
