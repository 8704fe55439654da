//! report.html: one self-contained file (no network fetches) with a strict CSP.
//! Rendered with maud, which escapes every interpolated string; AWS strings are also
//! stripped of bidi controls and elided before they reach the page.
use std::collections::BTreeMap;

use base64::Engine;
use inventory::analysis::Analysis;
use inventory::facts::{port_label, PortStyle};
use inventory::model::ResourceKind;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::controls::describe;
use super::diagrams::PageSummary;
use super::inventory_table::InventoryRow;
use super::manifest::{control_names, CoverageSummary, FileEntry};
use super::tables::{evidence_chain, Table};
use super::{ReportContext, Reviewed};
use crate::text::{elide, strip_bidi, visible_controls};
use inventory::accept::Status;

/// Rows shown per table; the complete data is in the CSV/XLSX files (the page says so).
pub const MAX_HTML_ROWS: usize = 5000;
/// Diagrams larger than this are linked, not inlined, to keep the report openable.
pub const MAX_INLINE_SVG_BYTES: usize = 8_000_000;
const CELL_CHARS: usize = 200;

/// Search (also from a `#q=term` URL fragment) and click-to-sort for the tables.
/// Its SHA-256 goes into the CSP, so no other script can run.
const SCRIPT: &str = r##""use strict";
(function () {
  var q = document.getElementById("q");
  var table = document.getElementById("inventory");
  var count = document.getElementById("shown");
  function filter() {
    var t = q.value.trim().toLowerCase();
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var m = t === "" || rows[i].textContent.toLowerCase().indexOf(t) !== -1;
      rows[i].hidden = !m;
      if (m) { shown++; }
    }
    count.textContent = String(shown);
  }
  if (q && table && count) {
    q.addEventListener("input", filter);
    var h = window.location.hash;
    if (h.indexOf("#q=") === 0) {
      try { q.value = decodeURIComponent(h.slice(3)); } catch (e) { q.value = h.slice(3); }
    }
    filter();
  }
  var heads = document.querySelectorAll("table.sortable thead th");
  Array.prototype.forEach.call(heads, function (th) {
    th.addEventListener("click", function () {
      var tb = th.closest("table").tBodies[0];
      var col = th.cellIndex;
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(th.parentNode.children, function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(tb.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        var nx = Number(x), ny = Number(y);
        var c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { tb.appendChild(r); });
    });
  });
})();
"##;

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#0b2545;color:#fff;padding:16px 24px}
header h1{margin:0 0 6px;font-size:22px}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:13px}
header dt{opacity:.8}header dd{margin:0;font-weight:600}
main{padding:8px 24px 40px}
section{margin-top:24px}
h2{font-size:18px;border-bottom:2px solid #0b2545;padding-bottom:4px}
.gap{background:#fde2e1;border:3px solid #b42318;color:#7a1b12;padding:12px 16px;margin:16px 0;font-size:15px}
.gap strong{font-size:17px}
.ok{background:#e3f5e8;border:2px solid #1e7b34;padding:10px 16px;margin:16px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid #c9d1d9;border-radius:6px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:24px}
.warn b{color:#b42318}
table{border-collapse:collapse;width:100%;font-size:12px;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top;word-break:break-word}
thead th{background:#eef2f6;position:sticky;top:0}
table.sortable thead th{cursor:pointer}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
tr:nth-child(even) td{background:#f8fafc}
figure{margin:12px 0;border:1px solid #d0d7de;padding:8px}
figure img{max-width:100%;height:auto;display:block}
figcaption{font-weight:600;margin-bottom:6px}
input#q{font-size:15px;padding:6px 10px;width:420px;max-width:100%}
.note{color:#57606a;font-size:12px}
code{font-size:12px}
table.compact{width:auto;min-width:40%}
ul#kinds{columns:4;margin:4px 0;padding-left:18px;font-size:13px}
h3{font-size:15px;margin:14px 0 4px}
"#;

pub(crate) struct Report<'a> {
    pub ctx: &'a ReportContext<'a>,
    pub rows: &'a [InventoryRow],
    pub analysis: &'a Analysis,
    /// The internet → data-store flows (`Analysis::data_flows`, computed by the package
    /// beside its tables).
    pub data_flows: &'a [inventory::analysis::DataFlow],
    pub coverage: &'a Table,
    pub pages: &'a [PageSummary],
    /// `--previous`: the change pages (diagrams/changes/).
    pub change_pages: &'a [PageSummary],
    /// Files written before the report (the report cannot hash itself).
    pub files: &'a [FileEntry],
    pub row_counts: &'a BTreeMap<String, usize>,
}

/// Display form of a hostile string: no bidi controls, controls made visible, capped.
/// maud escapes it.
fn show(s: &str) -> String {
    elide(&visible_controls(&strip_bidi(s)), CELL_CHARS)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn csp() -> String {
    use sha2::Digest;
    let hash = b64(&sha2::Sha256::digest(SCRIPT.as_bytes()));
    format!("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'")
}

pub(crate) fn render(r: &Report<'_>) -> String {
    let ctx = r.ctx;
    let s = ctx.snapshot;
    let cov = CoverageSummary::of(s);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp());
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { "auditmap audit package — " (show(&ctx.accounts())) " — " (ctx.generated) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "AWS network audit evidence" }
                    dl {
                        dt { "Generated (UTC)" } dd { (ctx.generated) }
                        dt { "Snapshot collected (UTC)" } dd { (ctx.collected) }
                        dt { "Valid until (UTC)" } dd { (ctx.valid_until) " (" (ctx.valid_days) " days after collection)" }
                        dt { "Accounts" } dd { (show(&ctx.accounts())) }
                        dt { "Regions" } dd { (show(&ctx.regions())) }
                        dt { "Source" } dd { (show(ctx.source)) }
                        dt { "auditmap version" } dd { (ctx.version) }
                        dt { "Redaction" } dd { @if ctx.redacted { "applied: account ids and public IPs are pseudonyms" @if ctx.redact_user_key { " (user key: comparable with other packages made with it)" } @else { " (random key: not comparable across packages)" } } @else { "not applied" } }
                    }
                }
                main {
                    (summary(r, &cov))
                    @if let Some(d) = ctx.changes { (changes_section(d, r.change_pages)) }
                    (diagrams(r))
                    (inventory_table(r))
                    (exposure_section(r))
                    (scope_section(r))
                    (coverage_section(r, &cov))
                    (manifest_section(r))
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page.into_string()
}

fn summary(r: &Report<'_>, cov: &CoverageSummary) -> Markup {
    let s = r.ctx.snapshot;
    let per_kind: Vec<(ResourceKind, usize)> =
        ResourceKind::ALL.iter().map(|k| (*k, s.resources.count(*k))).filter(|(_, n)| *n > 0).collect();
    let exposed_resources: std::collections::BTreeSet<&str> =
        r.analysis.exposures.iter().map(|f| f.resource_id.as_str()).collect();
    html! {
        section #summary {
            @if !cov.complete {
                div .gap role="alert" {
                    strong { "Coverage gaps: " (cov.gaps.len()) " API call(s) were denied or failed." }
                    " Resources in the affected accounts and regions may be missing from this report and every file in the package."
                    ul {
                        @for g in cov.gaps.iter().take(20) {
                            li { code { (show(&g.account_id)) " " (show(&g.region)) " " (show(&g.api)) } " — " (g.status.as_str()) ": "
                                (show(g.error_code.as_deref().unwrap_or("-"))) " " (show(g.error_message.as_deref().unwrap_or(""))) }
                        }
                        @if cov.gaps.len() > 20 { li { "… and " (cov.gaps.len() - 20) " more (see Coverage below and coverage.csv)" } }
                    }
                }
            } @else {
                div .ok { "Collection complete: " (cov.ok) " API calls succeeded, none denied or failed (" (cov.skipped) " skipped as not applicable)." }
            }
            h2 { "Summary" }
            div .cards {
                div .card { b { (s.resources.total()) } "resources" }
                div .card.warn[!r.analysis.exposures.is_empty()] { b { (r.analysis.exposures.len()) } "internet exposure findings" }
                div .card.warn[!exposed_resources.is_empty()] { b { (exposed_resources.len()) } "internet-exposed resources" }
                div .card { b { (s.scope.accounts.len()) } "accounts" }
                div .card { b { (s.scope.regions_discovered.len()) } "regions" }
                div .card.warn[!cov.complete] { b { (cov.gaps.len()) } "coverage gaps" }
                div .card { b { (r.pages.len()) } "diagram pages" }
            }
            p { "Scope tags: " (show(&r.ctx.scope_tags_text())) ". Snapshot SHA-256: " code { (r.ctx.snapshot_sha) } }
            @if !s.identity.is_empty() {
                p { "Collected as: " @for (i, id) in s.identity.iter().enumerate() { @if i > 0 { ", " } code { (show(&id.caller_arn)) } } }
            }
            @if !r.analysis.exposures.is_empty() {
                h3 { "Reachable from the internet" }
                table .compact {
                    thead { tr { th { "resource" } th { "name" } th { "public IP" } th { "ports" } th { "source" } @if r.ctx.accepted.is_some() { th { "acceptance" } } } }
                    tbody {
                        @for (i, f) in r.analysis.exposures.iter().enumerate().take(10) {
                            tr { td { (show(&f.resource_id)) } td { (show(f.name.as_deref().unwrap_or(""))) } td { (show(&f.public_ip)) }
                                 td { (f.ports_label(PortStyle::Short)) } td { (show(&f.source_text)) }
                                 @if let Some(a) = r.ctx.accepted { td { (a.of(i).0.as_str()) } } }
                        }
                    }
                }
                @if let Some(a) = r.ctx.accepted { p { "Accepted exposures: " (a.counts_text()) ". See Internet exposure below." } }
                @if r.analysis.exposures.len() > 10 { p .note { "… " (r.analysis.exposures.len() - 10) " more in Internet exposure below." } }
                p .note { "Evidence chain for each finding: see Internet exposure below and exposures.csv." }
            }
            h3 { "Resources by kind" }
            ul #kinds {
                @for (k, n) in &per_kind { li { (k.as_str()) ": " b { (n) } } }
            }
        }
    }
}

fn diagrams(r: &Report<'_>) -> Markup {
    html! {
        section #diagrams {
            h2 { "Diagrams" }
            @if r.pages.is_empty() {
                p .note { "No diagram pages were produced for this snapshot." }
            }
            @if r.pages.iter().any(|p| p.inline_svg.is_none()) {
                p .note {
                    "This estate has " (r.pages.len()) " diagram pages: the overview and exposure pages are shown here; "
                    "open each VPC page from the diagrams folder (links below)."
                }
            }
            @for p in r.pages { (figure(p)) }
        }
    }
}

/// One diagram page: inline when small enough, and links to its files.
fn figure(p: &PageSummary) -> Markup {
    html! {
        figure {
            figcaption { (show(&p.title)) }
            @match &p.inline_svg {
                Some(svg) if svg.len() <= MAX_INLINE_SVG_BYTES => {
                    // An <img> never runs script inside the SVG; the CSP allows only data: images.
                    img alt=(show(&p.title)) src=(format!("data:image/svg+xml;base64,{}", b64(svg.as_bytes())));
                }
                Some(_) => {
                    p .note { "This diagram is " (p.svg_bytes) " bytes, too large to inline; open it from the diagrams folder." }
                }
                None => {}
            }
            p .note {
                "Files: "
                a href=(format!("diagrams/{}.svg", p.stem)) { "diagrams/" (show(&p.stem)) ".svg" }
                ", .png, .pdf" @if p.has_drawio { ", .drawio" }
            }
        }
    }
}

fn inventory_table(r: &Report<'_>) -> Markup {
    let shown = r.rows.len().min(MAX_HTML_ROWS);
    html! {
        section #inventory-section {
            h2 { "Inventory" }
            p {
                label for="q" { "Search: " }
                input #q type="search" placeholder="filter rows (id, name, IP, tag…)" autocomplete="off";
                " " span #shown { (shown) } " of " (shown) " rows shown. Click a column header to sort."
            }
            @if r.rows.len() > MAX_HTML_ROWS {
                p .gap { "This table shows the first " (MAX_HTML_ROWS) " of " (r.rows.len()) " resources. The complete inventory is in inventory.csv, inventory.xlsx and inventory.json." }
            }
            table #inventory .sortable {
                thead { tr {
                    th { "id" } th { "name" } th { "kind" } th { "service" } th { "account" } th { "region" } th { "vpc" } th { "subnet" }
                    th { "private_ips" } th { "public_ips" } th { "internet_exposed" } th { "exposed_ports" } th { "environment" } th { "owner" } th { "in_scope" }
                } }
                tbody {
                    @for row in r.rows.iter().take(MAX_HTML_ROWS) {
                        tr {
                            td { (show(&row.id)) }
                            td { (show(row.name.as_deref().unwrap_or(""))) }
                            td { (row.kind.as_str()) }
                            td { (show(&row.service)) }
                            td { (show(&row.account)) }
                            td { (show(&row.region)) }
                            td { (show(&row.vpc.join(" "))) }
                            td { (show(&row.subnet.join(" "))) }
                            td { (show(&row.private_ips.join(" "))) }
                            td { (show(&row.public_ips.join(" "))) }
                            td { (row.internet_exposed.map(|b| b.to_string()).unwrap_or_default()) }
                            td { (show(&row.exposed_ports.join("; "))) }
                            td { (show(row.environment.as_deref().unwrap_or(""))) }
                            td { (show(row.owner.as_deref().unwrap_or(""))) }
                            td { (row.in_scope) }
                        }
                    }
                }
            }
        }
    }
}

/// Listener → rule → target group → target for every listener the internet reaches.
fn lb_target_table(r: &Report<'_>) -> Markup {
    let rows = &r.analysis.behind_load_balancers;
    html! {
        @if !rows.is_empty() {
            h3 { "Behind internet-facing load balancers (" (rows.len()) " targets)" }
            p .note { "Each row follows one listener the internet reaches through its rule and target group to a target, on the target port; \"reachable\" means the target's security groups and NACLs admit the load balancer's traffic." }
            @if rows.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (rows.len()) " targets; all are in load_balancer_targets.csv." } }
            table .sortable {
                thead { tr { th { "load balancer" } th { "listener" } th { "rule" } th { "target group" } th { "target" } th { "port" } th { "reach" } th { "sources seen" } th { "evidence" } } }
                tbody {
                    @for b in rows.iter().take(MAX_HTML_ROWS) {
                        tr {
                            td { (show(&b.listener.load_balancer_name)) }
                            td { (show(&b.listener.label())) br; span .note { (show(&b.listener.encryption)) } }
                            td { (show(&b.rule)) }
                            td { (show(&b.target_group_name)) }
                            td { (show(&b.target_id)) }
                            td { (b.protocol.to_string()) "/" (b.port) }
                            td { (b.reach.as_str()) }
                            td { (show(&b.sources)) br; span .note { (show(&b.source_model)) } }
                            td { (show(&b.evidence.join("; "))) }
                        }
                    }
                }
            }
        }
    }
}

/// Connections crossing the audit scope; nothing without --scope-tag.
fn scope_section(r: &Report<'_>) -> Markup {
    let Some(t) = super::tables::scope_crossings(r.ctx.snapshot, r.analysis) else { return html! {} };
    html! {
        section #scope-crossings {
            h2 { "Connections crossing the audit scope (" (t.rows.len()) ")" }
            p .note { "PCI DSS 1.2.3: every connection between the in-scope environment and other networks. Routed VPC and on-premises connectivity, internet exposure of in-scope interfaces, and security group rules admitting a group across the boundary; the diagrams highlight them." }
            @if t.rows.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (t.rows.len()) "; all are in scope-crossings.csv." } }
            table .sortable {
                thead { tr { @for h in &t.headers { th { (h) } } } }
                tbody {
                    @for row in t.rows.iter().take(MAX_HTML_ROWS) {
                        tr { @for c in row { td { (show(c)) } } }
                    }
                }
            }
        }
    }
}

fn exposure_section(r: &Report<'_>) -> Markup {
    let ex = &r.analysis.exposures;
    html! {
        section #exposures {
            h2 { "Internet exposure (" (ex.len()) " findings)" }
            @if ex.is_empty() {
                p { "No resource is reachable from the internet according to the analysis of routes, NACLs, security groups and public IPs in this snapshot." }
            } @else {
                p .note { "Each finding is one way the internet reaches one network interface: the route to an internet gateway, the NACL inbound and outbound rules, the security group rule, and the public IP all allow it." }
                @if let Some(a) = r.ctx.accepted { (acceptance_summary(a)) }
                @if ex.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (ex.len()) " findings; all are in exposures.csv." } }
                table .sortable {
                    thead { tr { th { "resource" } th { "name" } th { "public IP" } th { "ports" } th { "source" } th { "evidence chain" } @if r.ctx.accepted.is_some() { th { "acceptance" } } } }
                    tbody {
                        @for (i, f) in ex.iter().enumerate().take(MAX_HTML_ROWS) {
                            tr {
                                td { (show(&f.resource_id)) br; span .note { (f.resource_kind.as_str()) " / " (f.service.as_str()) } }
                                td { (show(f.name.as_deref().unwrap_or(""))) }
                                td { (show(&f.public_ip)) }
                                td { (f.ports_label(PortStyle::Short)) }
                                td { (show(&f.source_text)) }
                                td { (show(&evidence_chain(f))) }
                                @if let Some(a) = r.ctx.accepted { td { (acceptance_cell(a, i)) } }
                            }
                        }
                    }
                }
            }
            @if let Some(a) = r.ctx.accepted {
                @if ex.is_empty() { (acceptance_summary(a)) }
                (stale_table(a))
            }
            (lb_target_table(r))
            (data_flow_table(r))
            @let blocked = &r.analysis.blocked;
            @if !blocked.is_empty() {
                h3 { "Public addresses the internet cannot reach, and why (" (blocked.len()) ")" }
                p .note { "For each resource with a public IPv4 or global IPv6 address and no finding: the first control that stops each candidate (source range, protocol). The command auditmap exposure SNAPSHOT --why ID prints the same." }
                @if blocked.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (blocked.len()) "; all are in the \"blocked\" list of auditmap exposure --json." } }
                table .sortable {
                    thead { tr { th { "resource" } th { "public IP" } th { "what stops it" } } }
                    tbody {
                        @for b in blocked.iter().take(MAX_HTML_ROWS) {
                            tr {
                                td { (show(&b.resource_id)) @if b.eni_id != b.resource_id { br; span .note { (show(&b.eni_id)) } } }
                                td { (show(&b.public_ip)) }
                                td {
                                    @for reason in &b.reasons {
                                        (reason.protocol) " from " (show(&reason.sources)) ": " (show(&reason.reason)) br;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which file decided the acceptance column, and its counts.
fn acceptance_summary(a: &Reviewed) -> Markup {
    html! {
        p {
            "Accepted exposures (" code { (show(&a.file())) } ", SHA-256 " code { (a.sha256) } "): " (a.counts_text()) ". "
            "Each finding is judged at the snapshot's collection date: accepted by a valid entry, expired (only entries whose expiry had passed match), or unaccepted."
        }
    }
}

/// A finding's status with the entry that decided it: approver, ticket, expiry, reason.
fn acceptance_cell(a: &Reviewed, i: usize) -> Markup {
    let (status, entry) = a.of(i);
    html! {
        b { (status.as_str()) }
        @if let Some(e) = entry {
            br;
            span .note {
                @if let Some(t) = &e.ticket { (show(t)) " · " }
                "approved by " (show(&e.approved_by))
                @if let Some(x) = &e.expires { @if status == Status::Expired { " · expired " } @else { " · until " } (x) }
                br; (show(&e.reason))
            }
        }
    }
}

/// Entries of the accepted-exposures file that match no finding: a review to tidy up
/// (the exposure closed, or the entry was mistyped).
fn stale_table(a: &Reviewed) -> Markup {
    let stale: Vec<_> = a.review.stale_entries(&a.acceptances).collect();
    html! {
        h3 { "Accepted-exposure entries matching no finding (stale: " (stale.len()) ")" }
        @if stale.is_empty() {
            p .note { "Every entry of the accepted-exposures file matches at least one finding." }
        } @else {
            p .note { "These entries accept nothing in this snapshot: the exposure was closed or narrowed, or the entry names the wrong resource, ports or source." }
            table .sortable #stale {
                thead { tr { th { "line" } th { "selects" } th { "ports" } th { "source" } th { "reason" } th { "approved by" } th { "ticket" } th { "expires" } } }
                tbody {
                    @for e in stale.iter().take(MAX_HTML_ROWS) {
                        tr {
                            td { (e.line) }
                            td { (show(&e.selector.to_string())) }
                            td { (show(&e.ports_text)) }
                            td { (e.source.map(|s| s.to_string()).unwrap_or_else(|| "any".into())) }
                            td { (show(&e.reason)) }
                            td { (show(&e.approved_by)) }
                            td { (show(e.ticket.as_deref().unwrap_or(""))) }
                            td { (e.expires.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// The path engine's hops from the internet towards the data stores (the exposure
/// diagram draws the same, grouped into tiers).
fn data_flow_table(r: &Report<'_>) -> Markup {
    let flows = r.data_flows;
    let hops: Vec<_> = flows.iter().filter(|f| f.from != "internet").collect();
    let res = &r.ctx.snapshot.resources;
    let eni: BTreeMap<&str, (&str, &str)> = res
        .network_interfaces
        .iter()
        .map(|e| (e.id.as_str(), (e.instance_id().unwrap_or(&e.id), e.service.as_str())))
        .collect();
    let who = |id: &str| match eni.get(id) {
        Some((res, service)) if *res != id => format!("{res} ({id}, {service})"),
        Some((_, service)) => format!("{id} ({service})"),
        None => id.to_string(),
    };
    let ports = |f: &inventory::analysis::DataFlow| {
        f.grants.iter().map(|(p, r)| port_label(*p, *r, PortStyle::Short)).collect::<Vec<_>>().join(", ")
    };
    html! {
        h3 { "Paths from the internet to data stores (" (hops.len()) " hops beyond the entry points)" }
        @if flows.is_empty() {
            p { "No data store (RDS, ElastiCache, Redshift, EFS, S3/DynamoDB gateway endpoints, or a resource tagged with a sensitive data classification) is reachable from the internet within " (inventory::analysis::DATA_FLOW_HOPS) " hops." }
        } @else {
            p .note { "Hops of the paths of at most " (inventory::analysis::DATA_FLOW_HOPS) " hops from the internet to a data store that lead onward (to a resource first reached that way, or one hop closer to a data store): each is routed both ways, allowed by both subnets' NACLs in both directions and admitted by the destination's security groups. The exposure diagram draws them by tier; auditmap paths SNAPSHOT --from internet --to data-stores lists every path, sideways hops included, with its evidence." }
            @if hops.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (hops.len()) " hops." } }
            table .sortable {
                thead { tr { th { "from" } th { "to" } th { "protocol/ports" } } }
                tbody {
                    @for f in hops.iter().take(MAX_HTML_ROWS) {
                        tr { td { (show(&who(&f.from))) } td { (show(&who(&f.to))) } td { (ports(f)) } }
                    }
                }
            }
        }
    }
}

fn coverage_section(r: &Report<'_>, cov: &CoverageSummary) -> Markup {
    let t = r.coverage;
    html! {
        section #coverage {
            h2 { "Collection coverage" }
            p { (cov.records) " API calls: " (cov.ok) " ok, " (cov.denied) " denied, " (cov.failed) " failed, " (cov.skipped) " skipped." }
            @if t.rows.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (t.rows.len()) " records; all are in coverage.csv." } }
            table .sortable {
                thead { tr { @for h in &t.headers { th { (h) } } } }
                tbody { @for row in t.rows.iter().take(MAX_HTML_ROWS) { tr { @for c in row { td { (show(c)) } } } } }
            }
        }
    }
}

fn manifest_section(r: &Report<'_>) -> Markup {
    html! {
        section #manifest {
            h2 { "Package manifest" }
            p .note { "SHA-256 of the files written before this report. report.html, README.txt and manifest.json are hashed in manifest.json and SHA256SUMS; verify everything with "
                code { "sha256sum -c SHA256SUMS" } " inside the package directory." }
            table {
                thead { tr { th { "file" } th { "bytes" } th { "rows" } th { "SHA-256" } th { "evidences" } th { "what it is" } } }
                tbody {
                    @for f in r.files {
                        tr {
                            td { code { (f.path) } }
                            td { (f.bytes) }
                            td { (r.row_counts.get(&f.path).map(|n| n.to_string()).unwrap_or_default()) }
                            td { code { (f.sha256) } }
                            td { (control_names(&f.controls)) }
                            td { (describe(&f.path)) }
                        }
                    }
                }
            }
        }
    }
}

/// "Changes since <date>" (`package --previous`): counts, then every change as in
/// changes.csv (capped like the other tables).
fn changes_section(d: &inventory::diff::Diff, pages: &[PageSummary]) -> Markup {
    let rows = crate::changes::rows(d);
    let (r, e) = (&d.resources, &d.exposures);
    html! {
        section #changes {
            h2 { "Changes since " (d.old.collected_at.date()) }
            p { "Previous snapshot collected " (d.old.collected_at) ", SHA-256 " code { (d.old.sha256) } "." }
            p { "Resources: " (r.added.len()) " added, " (r.removed.len()) " removed, " (r.changed.len()) " changed, "
                (r.unknown.len()) " unknown (not collected now, so not counted as removed). Internet exposure: "
                (e.new.len()) " new, " (e.widened.len()) " widened, " (e.narrowed.len()) " narrowed, " (e.closed.len()) " closed, "
                (e.unknown.len()) " unknown. Segmentation: " (d.segmentation.added.len()) " added, " (d.segmentation.removed.len())
                " removed, " (d.segmentation.changed.len()) " changed. Coverage: " (d.coverage.changed.len()) " API call(s) changed status." }
            @if pages.is_empty() {
                p .note { "No VPC changed: there are no change diagrams." }
            } @else {
                h3 { "Change diagrams" }
                p .note { "Each VPC in which a resource or its internet exposure changed, drawn from this snapshot: added (green ring), removed (dashed grey, where it was), changed (amber ring, fields named), not collected now (grey, ?), new or widened exposure in red." }
                @for p in pages { (figure(p)) }
            }
            @if rows.is_empty() {
                p { "No changes." }
            } @else {
                @if rows.len() > MAX_HTML_ROWS { p .gap { "Showing the first " (MAX_HTML_ROWS) " of " (rows.len()) " changes; all are in changes.csv." } }
                table .sortable {
                    thead { tr { @for h in crate::changes::HEADERS { th { (h) } } } }
                    tbody { @for row in rows.iter().take(MAX_HTML_ROWS) { tr { @for c in row.cells() { td { (show(c)) } } } } }
                }
            }
        }
    }
}
