//! README.txt: the first thing an auditor opens. Says when and from what the
//! package was made, whether collection was complete, what each file is and which
//! controls it evidences, and how to verify the hashes.
use std::collections::BTreeMap;
use std::fmt::Write;

use super::controls::{describe, CONTROLS};
use super::inventory_table::HEADERS;
use super::manifest::{control_names, CoverageSummary, FileEntry};
use super::ReportContext;
use crate::text::{elide, strip_bidi, visible_controls};

pub const SCOPE_RULE: &str = "Without --scope-tag every resource is in scope. With --scope-tag KEY=VALUE (repeatable; exact, case-sensitive match on key and value): \
a resource whose own tags match is in scope; a matching VPC puts everything in it in scope; any other matching resource puts the network resources of its VPC \
(the VPC, subnets, route tables, internet/egress-only/NAT/VPN gateways, peering and transit gateway attachments, endpoints, security groups, NACLs) in scope; \
ENIs attached to an in-scope instance and Elastic IPs on an in-scope instance or ENI are in scope.";

/// One line of plain text from a hostile string: no bidi characters, controls shown visibly, capped.
pub fn plain(s: &str) -> String {
    let cleaned = visible_controls(&strip_bidi(s)).into_owned();
    elide(&cleaned, 300)
}

const COLUMN_DOCS: [(&str, &str); 24] = [
    ("id", "AWS resource id (regions and zones: <account>/<name>)"),
    ("arn", "ARN, where AWS reports one"),
    ("name", "Name tag; else group name, alias, device name, service name or description"),
    ("kind", "resource kind (snake_case)"),
    ("service", "AWS service: vpc, ec2, transit-gateway, vpn, account; for network interfaces the managed service behind them (elb, rds, lambda, ...)"),
    ("account", "owning account id"),
    ("region", "region (empty for account-level records)"),
    ("availability_zone", "zone name, where the resource lives in one zone"),
    ("vpc", "VPC id(s), space-separated"),
    ("subnet", "subnet id(s), space-separated"),
    ("private_ips", "private IPv4 addresses"),
    ("public_ips", "public IPv4 addresses (auto-assigned or Elastic IP; VPN tunnel and customer gateway endpoints)"),
    ("ipv6_addresses", "IPv6 addresses (globally routable)"),
    ("security_groups", "security groups attached"),
    ("internet_exposed", "true/false for instances and network interfaces, from the exposure analysis; empty where not applicable"),
    ("exposed_ports", "protocol/ports reachable from the internet, e.g. tcp/443"),
    ("environment", "first tag found (case-insensitive) among the environment tag keys in manifest.json tag_keys"),
    ("owner", "first tag found among the owner tag keys"),
    ("data_classification", "first tag found among the classification tag keys"),
    ("encrypted", "encryption at rest: not collected by the snapshot format, so always empty (unknown) rather than guessed"),
    ("in_scope", "true/false per the scope rule below"),
    ("first_seen", "collected_at of the earliest snapshot containing the resource: this one, or with --history the earlier ones listed in manifest.json history"),
    ("last_seen", "collected_at of the latest snapshot containing it (this one: the resource is in it)"),
    ("tags", "all tags as a JSON object"),
];

/// The acceptance columns (`tables::ACCEPTANCE_COLUMNS`), in order.
const ACCEPTANCE_DOCS: [(&str, &str); 5] = [
    ("acceptance", "accepted / expired / unaccepted per the --accepted file, judged at the snapshot's collection date; empty when no file was given (not reviewed)"),
    ("accepted_reason", "reason of the entry that accepted the finding (for expired: of the entry that lapsed)"),
    ("accepted_by", "approved_by of that entry"),
    ("ticket", "its ticket, if given"),
    ("accepted_until", "its expiry date (valid through that day, UTC), if given"),
];

pub(crate) fn render(
    ctx: &ReportContext<'_>,
    files: &[FileEntry],
    diagrams: &[String],
    row_counts: &BTreeMap<String, usize>,
    exposures: usize,
) -> String {
    debug_assert_eq!(COLUMN_DOCS.len(), HEADERS.len());
    debug_assert!(ACCEPTANCE_DOCS.iter().map(|d| d.0).eq(super::tables::ACCEPTANCE_COLUMNS));
    let s = ctx.snapshot;
    let cov = CoverageSummary::of(s);
    let mut o = String::new();
    let rule = "=".repeat(78);
    let _ = writeln!(o, "AUDIT EVIDENCE PACKAGE: AWS network diagrams, asset inventory and internet exposure");
    let _ = writeln!(o, "{rule}");
    if !cov.complete {
        let _ =
            writeln!(o, "!! COVERAGE GAPS: {} API call(s) were denied or failed during collection.", cov.gaps.len());
        let _ = writeln!(o, "!! Resources in the affected accounts/regions may be MISSING from every file here.");
        for g in cov.gaps.iter().take(20) {
            let _ = writeln!(
                o,
                "!!   {} {} {} {}: {}",
                plain(&g.account_id),
                plain(&g.region),
                plain(&g.api),
                g.status.as_str(),
                plain(g.error_code.as_deref().unwrap_or("-"))
            );
        }
        if cov.gaps.len() > 20 {
            let _ = writeln!(o, "!!   ... and {} more: see coverage.csv", cov.gaps.len() - 20);
        }
        let _ = writeln!(o, "{rule}");
    }
    let _ = writeln!(o, "Generated (UTC):          {}", ctx.generated);
    let _ = writeln!(o, "Snapshot collected (UTC): {}", ctx.collected);
    let _ = writeln!(
        o,
        "Valid until (UTC):        {} ({} days after collection; collect again after this)",
        ctx.valid_until, ctx.valid_days
    );
    let _ = writeln!(o, "auditmap version:         {}", ctx.version);
    let _ = writeln!(o, "Source:                   {}", plain(ctx.source));
    let _ = writeln!(o, "Accounts:                 {}", plain(&ctx.accounts()));
    let _ = writeln!(o, "Regions:                  {}", plain(&ctx.regions()));
    for i in &s.identity {
        let _ = writeln!(o, "Collected as:             {} (account {})", plain(&i.caller_arn), plain(&i.account_id));
    }
    let _ = writeln!(o, "Snapshot SHA-256:         {}", ctx.snapshot_sha);
    let _ = writeln!(o, "Scope tags:               {}", plain(&ctx.scope_tags_text()));
    let _ = writeln!(
        o,
        "Redaction:                {}",
        if ctx.redacted {
            "APPLIED: account ids and public IPs are pseudonyms (see manifest.json redaction)"
        } else {
            "not applied"
        }
    );
    if ctx.redacted {
        let _ = writeln!(
            o,
            "                          {}",
            if ctx.redact_user_key {
                "Pseudonyms are HMAC-SHA256 under the user's key: the same in every package made with it."
            } else {
                "Pseudonyms use a random key for this package only: they are NOT comparable across packages\n                          (give --redact-key FILE or AUDITMAP_REDACT_KEY for stable ones)."
            }
        );
    }
    let _ = writeln!(
        o,
        "Coverage:                 {} API calls: {} ok, {} denied, {} failed, {} skipped{}",
        cov.records,
        cov.ok,
        cov.denied,
        cov.failed,
        cov.skipped,
        if cov.complete { " (complete)" } else { " (INCOMPLETE, see above)" }
    );
    let _ = writeln!(o, "Resources:                {}", s.resources.total());
    let _ = writeln!(o, "Exposure findings:        {exposures}");
    match ctx.accepted {
        Some(a) => {
            let _ = writeln!(o, "Accepted exposures:       {} (SHA-256 {})", plain(&a.file()), a.sha256);
            let _ = writeln!(o, "                          {}", a.counts_text());
            let _ =
                writeln!(o, "                          judged at the snapshot's collection date; see exposures.csv");
            const SHOWN: usize = 20;
            for e in a.review.stale_entries(&a.acceptances).take(SHOWN) {
                let _ = writeln!(
                    o,
                    "                          stale: line {}: {} {} ({})",
                    e.line,
                    plain(&e.selector.to_string()),
                    plain(&e.ports_text),
                    plain(&e.approved_by)
                );
            }
            if a.review.stale.len() > SHOWN {
                let _ = writeln!(
                    o,
                    "                          ... and {} more stale: see report.html",
                    a.review.stale.len() - SHOWN
                );
            }
        }
        None => {
            let _ = writeln!(o, "Accepted exposures:       not reviewed (no --accepted file given)");
        }
    }
    if let Some(h) = ctx.history {
        let _ = writeln!(
            o,
            "First/last seen:          from {} earlier snapshot(s) (--history; manifest.json lists them) and this one",
            h.snapshots.len()
        );
    }
    if let Some(d) = ctx.changes {
        changes_section(&mut o, d, diagrams);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "VERIFY");
    let _ = writeln!(o, "  Inside this directory:  sha256sum -c SHA256SUMS");
    let _ = writeln!(o, "  SHA256SUMS covers every file, manifest.json included; manifest.json lists every");
    let _ = writeln!(o, "  file except itself and SHA256SUMS with its size, SHA-256 and controls.");
    let _ = writeln!(o);
    let _ = writeln!(o, "FILES");
    let mut listed: Vec<(String, Vec<&'static str>)> = files
        .iter()
        .filter(|f| !f.path.starts_with("diagrams/"))
        .map(|f| (f.path.clone(), f.controls.clone()))
        .collect();
    for (p, role) in [
        ("README.txt", super::FileRole::Readme),
        ("report.html", super::FileRole::Report),
        ("manifest.json", super::FileRole::Manifest),
    ] {
        listed.push((p.to_string(), role.controls().to_vec()));
    }
    listed.push(("SHA256SUMS".into(), Vec::new()));
    for (path, controls) in &listed {
        let _ = writeln!(o, "  {path}");
        let _ = writeln!(o, "      {}", describe(path));
        if let Some(n) = row_counts.get(path) {
            let _ = writeln!(o, "      Rows: {n}");
        }
        if path == "inventory.xlsx" {
            let sheets: Vec<String> = row_counts
                .iter()
                .filter_map(|(k, n)| k.strip_prefix("inventory.xlsx#").map(|sheet| format!("{sheet} {n}")))
                .collect();
            let _ = writeln!(o, "      Rows per sheet: {}", sheets.join(", "));
        }
        if !controls.is_empty() {
            let _ = writeln!(o, "      Evidences: {}", control_names(controls));
        }
    }
    // Diagram pages: one entry per page with the formats written for it.
    let mut pages: Vec<(String, Vec<String>, Vec<&'static str>)> = Vec::new();
    for f in files.iter().filter(|f| f.path.starts_with("diagrams/")) {
        let (stem, ext) = f.path.rsplit_once('.').unwrap_or((f.path.as_str(), ""));
        match pages.iter_mut().find(|p| p.0 == stem) {
            Some(p) => p.1.push(ext.to_string()),
            None => pages.push((stem.to_string(), vec![ext.to_string()], f.controls.clone())),
        }
    }
    let png_scale = crate::diagram::png_scale(pages.len());
    let png_note = if png_scale >= crate::diagram::HIGH_RES_PNG_SCALE {
        format!("png (image, {png_scale} px per unit)")
    } else {
        format!(
            "png (image, {png_scale} px per unit: over {} pages, so the svg/pdf are the ones to zoom)",
            crate::diagram::HIGH_RES_MAX_PAGES
        )
    };
    for (stem, exts, controls) in &pages {
        let _ = writeln!(o, "  {stem}.{{{}}}", exts.join(","));
        let desc = describe(&format!("{stem}.svg"));
        let _ = writeln!(o, "      {}", desc.split(" — ").next().unwrap_or(&desc));
        let _ = writeln!(
            o,
            "      Formats: svg (vector), {png_note}, pdf (print){}",
            if exts.iter().any(|e| e == "drawio") { ", drawio (editable in diagrams.net)" } else { "" }
        );
        if !controls.is_empty() {
            let _ = writeln!(o, "      Evidences: {}", control_names(controls));
        }
    }
    if diagrams.is_empty() {
        let _ = writeln!(o, "  diagrams/  (no diagram pages were produced for this snapshot)");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "CONTROLS");
    for c in &CONTROLS {
        let _ = writeln!(o, "  {:<10} {:<7} {}", c.framework, c.id, c.title);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "INVENTORY COLUMNS (inventory.csv, inventory.json, Assets sheet of inventory.xlsx)");
    for (col, doc) in COLUMN_DOCS {
        let _ = writeln!(o, "  {col:<20} {doc}");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "EXPOSURE ACCEPTANCE COLUMNS (last columns of exposures.csv and the Exposures sheet)");
    for (col, doc) in ACCEPTANCE_DOCS {
        let _ = writeln!(o, "  {col:<20} {doc}");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "SCOPE");
    let _ = writeln!(o, "  {SCOPE_RULE}");
    let _ = writeln!(o);
    let _ = writeln!(o, "NOTES");
    let _ = writeln!(o, "  - Every date and time is UTC. All files use the snapshot's collection time unless the");
    let _ = writeln!(o, "    package was generated with --now; the same snapshot always gives the same bytes.");
    let _ = writeln!(o, "  - Spreadsheet safety: in CSV and XLSX files, cells that start with = + - @, tab or CR are");
    let _ = writeln!(o, "    prefixed with a single quote (OWASP CSV-injection guidance) and bidirectional-override");
    let _ = writeln!(o, "    characters are removed; XLSX cells are written as text, never formulas. Cells over 1024");
    let _ = writeln!(
        o,
        "    characters are cut with a visible \"…[truncated]\". inventory.json and snapshot.json keep exact values."
    );
    let _ = writeln!(o, "  - Files over 20 MB are flagged in manifest.json (over_upload_limit) and warnings.");
    o
}

/// "Changes since <date>" (`package --previous`): the counts and what opened to the
/// internet; changes.csv has every change.
fn changes_section(o: &mut String, d: &inventory::diff::Diff, diagrams: &[String]) {
    let r = &d.resources;
    let e = &d.exposures;
    let _ = writeln!(o);
    let _ =
        writeln!(o, "CHANGES SINCE {} (previous snapshot collected {})", d.old.collected_at.date(), d.old.collected_at);
    let _ = writeln!(o, "  Previous snapshot SHA-256: {}", d.old.sha256);
    let _ = writeln!(
        o,
        "  Resources: {} added, {} removed, {} changed, {} unknown (not collected now, so not counted as removed)",
        r.added.len(),
        r.removed.len(),
        r.changed.len(),
        r.unknown.len()
    );
    let _ = writeln!(
        o,
        "  Internet exposure: {} new, {} widened, {} narrowed, {} closed, {} unknown",
        e.new.len(),
        e.widened.len(),
        e.narrowed.len(),
        e.closed.len(),
        e.unknown.len()
    );
    let _ = writeln!(
        o,
        "  Segmentation: {} connection(s) added, {} removed, {} changed; coverage: {} API call(s) changed status",
        d.segmentation.added.len(),
        d.segmentation.removed.len(),
        d.segmentation.changed.len(),
        d.coverage.changed.len()
    );
    const SHOWN: usize = 20;
    let opened: Vec<(&str, &inventory::diff::ExposureChange)> =
        e.new.iter().map(|c| ("new", c)).chain(e.widened.iter().map(|c| ("widened", c))).collect();
    for (what, c) in opened.iter().take(SHOWN) {
        let _ = writeln!(o, "    {what} exposure: {} {}", plain(&c.resource_id), plain(&c.delta_text()));
    }
    if opened.len() > SHOWN {
        let _ = writeln!(o, "    ... and {} more", opened.len() - SHOWN);
    }
    let _ = writeln!(o, "  Every change is one row of changes.csv.");
    // One line per change page (the files list below has each format).
    let mut pages: Vec<&str> = diagrams
        .iter()
        .filter_map(|p| p.strip_prefix("diagrams/changes/").and_then(|f| f.rsplit_once('.')).map(|(stem, _)| stem))
        .collect();
    pages.dedup();
    if pages.is_empty() {
        let _ = writeln!(o, "  Change diagrams: none (no VPC changed).");
    } else {
        let _ = writeln!(
            o,
            "  Change diagrams (diagrams/changes/, each VPC where a resource or its exposure changed): {}",
            pages.join(", ")
        );
    }
}
