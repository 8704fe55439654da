//! `auditmap exposure`: internet-exposure findings with their evidence chain.
use std::fmt::Write as _;
use std::path::PathBuf;

use inventory::accept::{Acceptances, Review, Status};
use inventory::analysis::{Analysis, ExposureFinding, LoadBalancerTarget};
use inventory::facts::{port_label, PortStyle};

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (JSON).
    pub snapshot: PathBuf,
    /// Print the findings (and load-balancer backends) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with code 4 when any exposure finding exists (same as --fail-on any).
    #[arg(long, conflicts_with = "fail_on")]
    pub fail_on_exposure: bool,
    /// CI gate, exit code 4: `any` finding; an `unaccepted` one (not covered by a valid
    /// --accepted entry: unaccepted or expired); a `new` one (new or widened since
    /// --baseline, and not accepted).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<Gate>,
    /// The earlier snapshot that defines "new" for --fail-on new.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// Accepted exposures (TOML, see README): each finding is accepted, expired or
    /// unaccepted; entries matching nothing are listed as stale.
    #[arg(long, value_name = "FILE")]
    pub accepted: Option<PathBuf>,
    /// Explain one resource (instance, ENI or subnet id): its findings, or the first
    /// control that stops each candidate path from the internet.
    #[arg(long, value_name = "ID")]
    pub why: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Gate {
    /// A finding new or widened since --baseline, not accepted.
    New,
    /// A finding no valid acceptance covers.
    Unaccepted,
    /// Any finding.
    Any,
}

pub fn run(args: Args) -> CmdResult {
    let gate = if args.fail_on_exposure { Some(Gate::Any) } else { args.fail_on };
    if gate == Some(Gate::New) && args.baseline.is_none() {
        return Err(CliError::bad_input(anyhow::anyhow!(
            "--fail-on new needs --baseline OLD (the snapshot to compare with)"
        )));
    }
    if args.baseline.is_some() && gate != Some(Gate::New) {
        return Err(CliError::bad_input(anyhow::anyhow!("--baseline only applies with --fail-on new")));
    }
    let accepted = match &args.accepted {
        Some(path) => Some(inventory::accept::load(path).map_err(CliError::bad_input)?),
        None => None,
    };
    let analysed = render::pipeline::Input::file(&args.snapshot).map_err(CliError::bad_input)?.analyze();
    let (snapshot, analysis) = (&analysed.snapshot, &analysed.analysis);
    if let Some(id) = &args.why {
        let text = why(snapshot, analysis, id).map_err(|e| CliError::bad_input(anyhow::anyhow!(e)))?;
        super::emit(&text)?;
        return Ok(Exit::Success);
    }
    let review = match &accepted {
        Some(acc) => inventory::accept::review(acc, snapshot, &analysis.exposures),
        None => Review::none(analysis.exposures.len()),
    };
    let accepted_ref = accepted.as_ref().map(|a| (a, &review));
    if args.json {
        let mut doc = serde_json::json!({
            "collected_at": snapshot.collected_at.to_string(),
            "exposures": findings_json(&analysis.exposures, accepted_ref),
            "behind_load_balancers": analysis.behind_load_balancers,
            "blocked": analysis.blocked,
        });
        if let Some((acc, review)) = accepted_ref {
            doc["stale_acceptances"] = serde_json::Value::Array(
                review.stale.iter().map(|&i| serde_json::to_value(&acc.entries[i]).unwrap_or_default()).collect(),
            );
        }
        let text = serde_json::to_string_pretty(&doc).map_err(CliError::failure)?;
        super::emit(&(text + "\n"))?;
    } else {
        super::emit(&table(analysis, &snapshot.collected_at.to_string(), accepted_ref))?;
    }
    let Some(gate) = gate else { return Ok(Exit::Success) };
    let tripped = match gate {
        Gate::Any => analysis.exposures.len(),
        Gate::Unaccepted => review.verdicts.iter().filter(|v| v.status != Status::Accepted).count(),
        Gate::New => {
            let base_path = args.baseline.as_deref().unwrap_or(&args.snapshot);
            let base = render::pipeline::Input::file(base_path).map_err(CliError::bad_input)?.analyze();
            inventory::diff::check_order(&base.snapshot, snapshot)
                .map_err(|e| CliError::bad_input(anyhow::anyhow!("--baseline {}: {e}", base_path.display())))?;
            new_unaccepted(&base.analysis.exposures, analysis, snapshot, &review)
        }
    };
    if tripped == 0 {
        return Ok(Exit::Success);
    }
    eprintln!("exposure gate (--fail-on {}): {tripped} finding(s)", format!("{gate:?}").to_lowercase());
    Ok(Exit::ExposureFound)
}

/// Findings of exposures new or widened since the baseline (on the exact port and
/// address sets, as `auditmap diff`) that the baseline did not have as such and no
/// valid acceptance covers. (A widened exposure's old finding is not new.)
fn new_unaccepted(
    base: &[ExposureFinding],
    analysis: &Analysis,
    snapshot: &inventory::Snapshot,
    review: &Review,
) -> usize {
    let status: std::collections::BTreeMap<&ExposureFinding, Status> =
        analysis.exposures.iter().zip(&review.verdicts).map(|(f, v)| (f, v.status)).collect();
    let reach = inventory::diff::reach;
    let before: std::collections::BTreeSet<_> = base.iter().map(reach).collect();
    let changes = inventory::diff::exposure_changes(base, &analysis.exposures, snapshot);
    changes
        .new
        .iter()
        .chain(&changes.widened)
        .flat_map(|c| &c.findings)
        .filter(|f| !before.contains(&reach(f)))
        .filter(|f| status.get(f).is_none_or(|s| *s != Status::Accepted))
        .count()
}

/// The findings as JSON, each with its `acceptance` (status and the deciding entry)
/// when an accepted-exposures file was given.
fn findings_json(findings: &[ExposureFinding], accepted: Option<(&Acceptances, &Review)>) -> serde_json::Value {
    let list = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            if let Some((acc, review)) = accepted {
                let verdict = review.verdicts[i];
                let mut a = serde_json::json!({ "status": verdict.status });
                if let Some(e) = verdict.entry.map(|e| &acc.entries[e]) {
                    a["reason"] = e.reason.clone().into();
                    a["approved_by"] = e.approved_by.clone().into();
                    a["ticket"] = e.ticket.clone().into();
                    a["expires"] = e.expires.clone().into();
                    a["entry_line"] = e.line.into();
                }
                v["acceptance"] = a;
            }
            v
        })
        .collect();
    serde_json::Value::Array(list)
}

/// Terminal-safe text: AWS strings are hostile, so no control characters (escape
/// sequences), no bidi overrides, and a visible cap on length.
fn safe(s: &str) -> String {
    let clean: String = render::text::strip_bidi(s).chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    render::text::elide(&clean, render::text::MAX_LABEL_CHARS)
}

/// `safe` for evidence lines, which name several resources: a longer visible cap.
fn safe_long(s: &str) -> String {
    let clean: String = render::text::strip_bidi(s).chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    render::text::elide(&clean, 2000)
}

fn render_rows(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| -> String {
        let parts: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        parts.join("  ").trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(header.iter().map(|h| h.to_string()).collect()));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.clone()));
    }
    out
}

fn table(a: &Analysis, collected_at: &str, accepted: Option<(&Acceptances, &Review)>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Internet exposure (snapshot collected {collected_at}): {} finding(s)\n", a.exposures.len());
    if !a.exposures.is_empty() {
        let rows: Vec<Vec<String>> = a
            .exposures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let e = &f.evidence;
                let mut row = vec![
                    safe(&f.resource_id),
                    safe(f.name.as_deref().unwrap_or("")),
                    f.service.to_string(),
                    safe(&f.eni_id),
                    format!("{:?}", f.ip_version).to_lowercase(),
                    safe(&f.public_ip),
                    // Short style: what this always printed, as the analyses give ports only to
                    // protocols that have them.
                    f.ports_label(PortStyle::Short),
                    safe(&f.source_text),
                    format!(
                        "{}{}: {}",
                        safe(&e.route_table_id),
                        if e.route_table_main { " (main)" } else { "" },
                        safe(&e.route)
                    ),
                    format!("{} in #{} out #{}", safe(&e.nacl_id), e.nacl_in_rule, e.nacl_out_rule),
                    format!("{}: {}", safe(&e.security_group_id), safe(&e.sg_rule)),
                ];
                if let Some((acc, review)) = accepted {
                    row.push(status_cell(acc, review, i));
                }
                row
            })
            .collect();
        let mut header = vec![
            "RESOURCE",
            "NAME",
            "SERVICE",
            "ENI",
            "IP",
            "PUBLIC IP",
            "PROTO/PORTS",
            "SOURCE",
            "ROUTE",
            "NACL",
            "SECURITY GROUP RULE",
        ];
        if accepted.is_some() {
            header.push("STATUS");
        }
        out.push_str(&render_rows(&header, &rows));
    }
    if let Some((acc, review)) = accepted {
        let _ = writeln!(
            out,
            "\nAccepted exposures ({}): {} accepted, {} expired, {} unaccepted",
            safe_long(&acc.path.display().to_string()),
            review.count(Status::Accepted),
            review.count(Status::Expired),
            review.count(Status::Unaccepted)
        );
        for &i in &review.stale {
            let e = &acc.entries[i];
            let _ = writeln!(
                out,
                "  stale (matches no finding): line {}: {} {}",
                e.line,
                safe(&e.selector.to_string()),
                safe(&e.ports_text)
            );
        }
    }
    if !a.behind_load_balancers.is_empty() {
        let _ = writeln!(out, "\nBehind internet-facing load balancers: {} target(s)\n", a.behind_load_balancers.len());
        let rows: Vec<Vec<String>> = a.behind_load_balancers.iter().map(target_row).collect();
        out.push_str(&render_rows(
            &[
                "LOAD BALANCER",
                "LISTENER",
                "RULE",
                "TARGET GROUP",
                "TARGET",
                "PORT",
                "HEALTH",
                "REACH",
                "SOURCES SEEN",
                "EVIDENCE",
            ],
            &rows,
        ));
    }
    out
}

/// `--why ID`: what reaches the resource from the internet, or what stops it.
fn why(snapshot: &inventory::Snapshot, a: &Analysis, id: &str) -> Result<String, String> {
    let r = &snapshot.resources;
    let enis: Vec<&inventory::model::NetworkInterface> = r
        .network_interfaces
        .iter()
        .filter(|e| e.id == id || e.instance_id() == Some(id) || e.subnet_id == id)
        .collect();
    let lb = r.load_balancers.iter().find(|lb| lb.id == id || lb.name == id);
    let known = !enis.is_empty() || lb.is_some() || snapshot.resources.iter().any(|x| x.id == id);
    if !known {
        return Err(format!("--why: no resource {id:?} in the snapshot"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "Why is {} (not) reachable from the internet?", safe(id));
    if let Some(lb) = lb {
        why_load_balancer(a, lb, &mut out);
        return Ok(out);
    }
    if enis.is_empty() {
        let _ =
            writeln!(out, "\n{} has no network interface in the snapshot: nothing on it accepts traffic.", safe(id));
        return Ok(out);
    }
    for eni in enis {
        let findings: Vec<_> = a.exposures.iter().filter(|f| f.eni_id == eni.id).collect();
        let blocked: Vec<_> = a.blocked.iter().filter(|b| b.eni_id == eni.id).collect();
        let _ = writeln!(out, "\n{} ({}, subnet {})", safe(&eni.id), eni.service, safe(&eni.subnet_id));
        if findings.is_empty() && blocked.is_empty() {
            let _ = writeln!(out, "  no public IPv4 or global IPv6 address: not reachable from the internet directly");
        }
        for f in &findings {
            let _ = writeln!(
                out,
                "  EXPOSED {} {} from {}\n    {}",
                safe(&f.public_ip),
                f.ports_label(PortStyle::Short),
                safe(&f.source_text),
                safe_long(&render::package::evidence_chain(f))
            );
        }
        for b in &blocked {
            let _ = writeln!(out, "  NOT EXPOSED {} ({:?}):", safe(&b.public_ip), b.ip_version);
            for reason in &b.reasons {
                let _ = writeln!(
                    out,
                    "    {} from {}: {}",
                    reason.protocol,
                    safe_long(&reason.sources),
                    safe_long(&reason.reason)
                );
            }
        }
    }
    let behind: Vec<_> = a
        .behind_load_balancers
        .iter()
        .filter(|b| b.resource_id == id || b.eni_id.as_deref() == Some(id) || b.target_id == id)
        .collect();
    for b in behind {
        let _ = writeln!(
            out,
            "\nBehind load balancer {} ({}, {}) → target group {} → {} on {}: {}\n    {}",
            safe(&b.listener.load_balancer_name),
            safe(&b.listener.label()),
            safe(&b.rule),
            safe(&b.target_group_name),
            safe(&b.target_id),
            port_label(b.protocol, Some(inventory::model::PortRange::new(b.port, b.port)), PortStyle::Short),
            b.reach.as_str(),
            safe_long(&b.evidence.join("; "))
        );
    }
    Ok(out)
}

/// `--why` for a load balancer: its listener findings, what stops the rest, its targets.
fn why_load_balancer(a: &Analysis, lb: &inventory::model::LoadBalancer, out: &mut String) {
    let scheme = lb.scheme.as_deref().unwrap_or("scheme not stated");
    let _ = writeln!(out, "\nload balancer {} ({}, {scheme})", safe(&lb.name), lb.lb_type.as_str());
    let findings: Vec<_> = a.exposures.iter().filter(|f| f.resource_id == lb.id).collect();
    let blocked: Vec<_> = a.blocked.iter().filter(|b| b.resource_id == lb.id).collect();
    if findings.is_empty() && blocked.is_empty() {
        let _ = writeln!(out, "  no public address: not reachable from the internet directly");
    }
    for f in &findings {
        let node = if f.eni_id.is_empty() { format!("node in {}", f.subnet_id) } else { f.eni_id.clone() };
        let _ = writeln!(
            out,
            "  EXPOSED {} ({}) {} from {}\n    {}",
            safe(&f.public_ip),
            safe(&node),
            f.ports_label(PortStyle::Short),
            safe(&f.source_text),
            safe_long(&render::package::evidence_chain(f))
        );
    }
    for b in &blocked {
        for reason in &b.reasons {
            let _ = writeln!(
                out,
                "  NOT EXPOSED {} from {}: {}",
                reason.protocol,
                safe_long(&reason.sources),
                safe_long(&reason.reason)
            );
        }
    }
    for t in a.behind_load_balancers.iter().filter(|t| t.listener.load_balancer_id == lb.id) {
        let _ = writeln!(out, "  → {}", target_row(t).join("  "));
    }
}

/// "accepted (SEC-142, security-lead@example.com, until 2027-03-31)", "expired (2026-01-31)", "unaccepted".
fn status_cell(acc: &Acceptances, review: &Review, i: usize) -> String {
    let v = review.verdicts[i];
    let Some(e) = v.entry.map(|e| &acc.entries[e]) else { return v.status.as_str().to_string() };
    let mut details: Vec<String> = Vec::new();
    if let Some(t) = &e.ticket {
        details.push(safe(t));
    }
    details.push(safe(&e.approved_by));
    if let Some(x) = &e.expires {
        details.push(if v.status == Status::Expired { format!("expired {x}") } else { format!("until {x}") });
    }
    format!("{} ({})", v.status.as_str(), details.join(", "))
}

fn target_row(t: &LoadBalancerTarget) -> Vec<String> {
    let group = if t.target_group_name.is_empty() { "(Classic)".to_string() } else { safe(&t.target_group_name) };
    vec![
        safe(&t.listener.load_balancer_name),
        format!("{} ({})", safe(&t.listener.label()), safe(&t.listener.encryption)),
        safe(&t.rule),
        group,
        safe(&t.target_id),
        port_label(t.protocol, Some(inventory::model::PortRange::new(t.port, t.port)), PortStyle::Short),
        safe(t.health.as_deref().unwrap_or("-")),
        t.reach.as_str().to_string(),
        safe_long(if t.sources.is_empty() { "-" } else { &t.sources }),
        safe_long(&t.evidence.join("; ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use inventory::analysis::analyze;

    #[test]
    fn demo_table_lists_findings_and_load_balancer_targets() {
        let snap = inventory::demo::demo_snapshot().expect("demo loads");
        let text = table(&analyze(&snap), "2026-11-20T09:30:00Z", None);
        assert!(
            text.starts_with("Internet exposure (snapshot collected 2026-11-20T09:30:00Z): 9 finding(s)"),
            "{text}"
        );
        assert!(text.contains("prod-bastion-1"));
        assert!(text.contains("198.51.100.10/32"));
        assert!(text.contains("rtb-0d8d74b1af1c6c66e (main): 0.0.0.0/0 → igw-0beaf81e89426e7f3"));
        assert!(text.contains("Behind internet-facing load balancers: 4 target(s)"));
        assert!(text.contains("HTTPS 443 (TLS (ELBSecurityPolicy-TLS13-1-2-2021-06))"));
        assert!(text.contains("tcp/8080"));
    }

    #[test]
    fn hostile_strings_cannot_drive_the_terminal() {
        assert_eq!(safe("web\u{1b}[2J\u{202e}1"), "web?[2J1");
        assert_eq!(safe(&"x".repeat(500)).chars().count(), render::text::MAX_LABEL_CHARS);
    }

    #[test]
    fn exit_codes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.json");
        std::fs::write(&path, inventory::demo::DEMO_JSON).unwrap();
        let run_with = |json, fail_on_exposure| {
            run(Args {
                snapshot: path.clone(),
                json,
                fail_on_exposure,
                fail_on: None,
                baseline: None,
                accepted: None,
                why: None,
            })
            .map_err(|e| e.code)
        };
        assert_eq!(run_with(false, false), Ok(Exit::Success));
        assert_eq!(run_with(true, true), Ok(Exit::ExposureFound));
        let missing = run(Args {
            snapshot: dir.path().join("none.json"),
            json: false,
            fail_on_exposure: true,
            fail_on: None,
            baseline: None,
            accepted: None,
            why: None,
        });
        assert_eq!(missing.map_err(|e| e.code), Err(Exit::BadInput));
    }

    #[test]
    fn empty_analysis_prints_zero_findings() {
        assert_eq!(
            table(&Analysis::default(), "t", None),
            "Internet exposure (snapshot collected t): 0 finding(s)\n\n"
        );
    }
}
