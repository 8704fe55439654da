//! Accepted exposures (`--accepted FILE`): a TOML list of findings someone with
//! authority agreed to, with why, who, a ticket and an expiry. Each finding becomes
//! `accepted`, `expired` (judged at the snapshot's collection time, not today, so the
//! verdict on a snapshot never changes) or `unaccepted`; an entry matching nothing is
//! stale. The file is read by hand from the TOML tree so every error names file:line
//! and the field.
//!
//! ```toml
//! [[accept]]
//! resource = "i-0abc"      # or tag = "Name=bastion"; or sg = "sg-0abc"
//! ports = "tcp/22"         # "tcp/8000-8100", "udp", "icmp", "all"
//! source = "0.0.0.0/0"     # optional; default any source
//! reason = "Bastion; MFA and session recording"
//! approved_by = "security-lead@example.com"
//! ticket = "SEC-142"       # optional
//! expires = "2027-03-31"   # optional; valid through that day (UTC)
//! ```
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::analysis::ipset::{public_part, span};
use crate::analysis::ExposureFinding;
use crate::model::{PortRange, Protocol, ResourceKind, Tags};
use crate::snapshot::Snapshot;

/// A problem in the accepted-exposures file, at a line and (usually) a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {}{message}", path.display(), field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct AcceptError {
    pub path: PathBuf,
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

/// Which findings an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    /// An instance or ENI id (a finding's resource or interface).
    Resource(String),
    /// A tag on the exposed instance or its ENI: `Key=Value`.
    Tag { key: String, value: String },
    /// The security group whose rule admits the traffic.
    Sg(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Resource(id) => write!(f, "resource {id}"),
            Selector::Tag { key, value } => write!(f, "tag {key}={value}"),
            Selector::Sg(id) => write!(f, "sg {id}"),
        }
    }
}

/// One `[[accept]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    /// Line of its `[[accept]]` header, for messages and the stale list.
    pub line: usize,
    pub selector: Selector,
    /// The `ports` value as written ("tcp/22", "all").
    pub ports_text: String,
    /// None: every protocol ("all").
    pub protocol: Option<Protocol>,
    /// None: every port of the protocol.
    pub ports: Option<PortRange>,
    pub source: Option<IpNet>,
    pub reason: String,
    pub approved_by: String,
    pub ticket: Option<String>,
    /// "YYYY-MM-DD", valid through that day.
    pub expires: Option<String>,
}

impl Acceptance {
    /// Expired at `date` ("YYYY-MM-DD", the snapshot's collection date)?
    pub fn expired_at(&self, date: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < date)
    }
}

// Serde: `--redact` sends the entries through the snapshot's redaction (a reason or a
// tag selector may name an account id), so they read like the redacted snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptances {
    pub path: PathBuf,
    pub entries: Vec<Acceptance>,
}

const FIELDS: [&str; 9] = ["resource", "tag", "sg", "ports", "source", "reason", "approved_by", "ticket", "expires"];

/// Reads and checks the file.
pub fn load(path: &Path) -> Result<Acceptances, AcceptError> {
    let text = std::fs::read_to_string(path).map_err(|e| AcceptError {
        path: path.to_path_buf(),
        line: 0,
        field: None,
        message: format!("cannot read: {e}"),
    })?;
    parse(path, &text)
}

/// Parses the file's text (`path` is for messages).
pub fn parse(path: &Path, text: &str) -> Result<Acceptances, AcceptError> {
    let line_of = |offset: usize| text.get(..offset).map_or(1, |s| s.matches('\n').count() + 1);
    let err = |offset: Option<usize>, field: Option<&str>, message: String| AcceptError {
        path: path.to_path_buf(),
        line: offset.map_or(1, line_of),
        field: field.map(str::to_string),
        message,
    };
    let doc = toml_edit::Document::parse(text)
        .map_err(|e| err(e.span().map(|s| s.start), None, format!("invalid TOML: {}", e.message())))?;
    let mut out = Acceptances { path: path.to_path_buf(), entries: Vec::new() };
    for (key, item) in doc.iter() {
        if key != "accept" {
            let at = doc.get_key_value(key).and_then(|(k, _)| k.span()).map(|s| s.start);
            return Err(err(at, Some(key), "unknown top-level key (expected [[accept]] entries)".into()));
        }
        let Some(list) = item.as_array_of_tables() else {
            return Err(err(item.span().map(|s| s.start), Some("accept"), "must be [[accept]] tables".into()));
        };
        for table in list.iter() {
            let start = table.span().map(|s| s.start);
            out.entries.push(entry(table, start, &line_of, &err)?);
        }
    }
    Ok(out)
}

/// Makes an error at a byte offset, about a field.
type ErrorAt<'a> = &'a dyn Fn(Option<usize>, Option<&str>, String) -> AcceptError;

fn entry(
    table: &toml_edit::Table,
    start: Option<usize>,
    line_of: &dyn Fn(usize) -> usize,
    err: ErrorAt<'_>,
) -> Result<Acceptance, AcceptError> {
    let mut strings: HashMap<&str, (String, Option<usize>)> = HashMap::new();
    for (key, item) in table.iter() {
        let at = table.get_key_value(key).and_then(|(k, _)| k.span()).map(|s| s.start).or(start);
        if !FIELDS.contains(&key) {
            return Err(err(at, Some(key), format!("unknown field (expected one of {})", FIELDS.join(", "))));
        }
        let value_at = item.span().map(|s| s.start).or(at);
        let value = match (item.as_str(), item.as_datetime()) {
            (Some(s), _) => s.to_string(),
            // `expires = 2027-03-31` (a TOML date) as well as the string.
            (None, Some(d)) if key == "expires" => d.to_string(),
            _ => return Err(err(value_at, Some(key), format!("expected a string, found {}", item.type_name()))),
        };
        strings.insert(key, (value, value_at));
    }
    let line = start.map_or(1, line_of);
    let missing = |field: &str| err(start, Some(field), "missing (required in every [[accept]] entry)".into());
    let nonempty = |field: &'static str| -> Result<Option<String>, AcceptError> {
        match strings.get(field) {
            Some((v, at)) if v.trim().is_empty() => Err(err(*at, Some(field), "must not be empty".into())),
            Some((v, _)) => Ok(Some(v.clone())),
            None => Ok(None),
        }
    };
    let selectors: Vec<&str> = ["resource", "tag", "sg"].into_iter().filter(|k| strings.contains_key(k)).collect();
    let selector = match selectors.as_slice() {
        [] => return Err(err(start, None, "needs one of resource, tag or sg".into())),
        [one] => {
            let at = strings[one].1;
            let v = nonempty(one)?.unwrap_or_default();
            match *one {
                "resource" => Selector::Resource(v),
                "sg" => Selector::Sg(v),
                _ => match v.split_once('=') {
                    Some((k, val)) if !k.is_empty() => Selector::Tag { key: k.to_string(), value: val.to_string() },
                    _ => return Err(err(at, Some("tag"), format!("{v:?} is not Key=Value"))),
                },
            }
        }
        many => {
            return Err(err(start, None, format!("give only one of resource, tag or sg (found {})", many.join(", "))))
        }
    };
    let (ports_text, ports_at) = strings.get("ports").cloned().ok_or_else(|| missing("ports"))?;
    let (protocol, ports) = parse_ports(&ports_text).map_err(|m| err(ports_at, Some("ports"), m))?;
    let source = match strings.get("source") {
        Some((s, at)) => Some(parse_source(s).map_err(|m| err(*at, Some("source"), m))?),
        None => None,
    };
    let expires = match strings.get("expires") {
        Some((s, at)) => Some(parse_date(s).map_err(|m| err(*at, Some("expires"), m))?),
        None => None,
    };
    Ok(Acceptance {
        line,
        selector,
        ports_text,
        protocol,
        ports,
        source,
        reason: nonempty("reason")?.ok_or_else(|| missing("reason"))?,
        approved_by: nonempty("approved_by")?.ok_or_else(|| missing("approved_by"))?,
        ticket: nonempty("ticket")?,
        expires,
    })
}

/// "all", "tcp", "tcp/22", "tcp/8000-8100", "icmp", "udp/53".
fn parse_ports(s: &str) -> Result<(Option<Protocol>, Option<PortRange>), String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok((None, None));
    }
    let (proto, range) = match s.split_once('/') {
        Some((p, r)) => (p, Some(r)),
        None => (s, None),
    };
    let protocol = Protocol::parse(proto).ok_or_else(|| format!("{s:?}: unknown protocol {proto:?}"))?;
    if protocol == Protocol::All {
        return match range {
            None => Ok((None, None)),
            Some(_) => Err(format!("{s:?}: protocol \"all\" has no ports")),
        };
    }
    let Some(range) = range else { return Ok((Some(protocol), None)) };
    if !protocol.has_ports() {
        return Err(format!("{s:?}: {protocol} has no ports"));
    }
    let port = |p: &str| p.trim().parse::<u16>().map_err(|_| format!("{s:?}: {p:?} is not a port (0-65535)"));
    let r = match range.split_once('-') {
        Some((a, b)) => PortRange { from: port(a)?, to: port(b)? },
        None => PortRange::single(port(range)?),
    };
    if r.from > r.to {
        return Err(format!("{s:?}: range runs backwards"));
    }
    Ok((Some(protocol), Some(r)))
}

fn parse_source(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .map(|n| n.trunc())
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not a CIDR or address"))
}

/// "YYYY-MM-DD" (a TOML date written bare arrives the same way).
fn parse_date(s: &str) -> Result<String, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// What the file says about one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    /// Only acceptances whose expiry had passed when the snapshot was collected match.
    Expired,
    Unaccepted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Expired => "expired",
            Status::Unaccepted => "unaccepted",
        }
    }
}

/// A finding's status and the entry that decided it (index into `Acceptances::entries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub entry: Option<usize>,
}

/// The verdict on every finding (same order as the findings) and the stale entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub verdicts: Vec<Verdict>,
    /// Entries that match no finding (indexes into `Acceptances::entries`).
    pub stale: Vec<usize>,
}

impl Review {
    /// Every finding unaccepted: what no file means.
    pub fn none(findings: usize) -> Review {
        Review { verdicts: vec![Verdict { status: Status::Unaccepted, entry: None }; findings], stale: Vec::new() }
    }
    pub fn count(&self, status: Status) -> usize {
        self.verdicts.iter().filter(|v| v.status == status).count()
    }

    /// Finding `i`'s verdict and the entry that decided it (none: unaccepted).
    pub fn of<'a>(&self, acc: &'a Acceptances, i: usize) -> (Status, Option<&'a Acceptance>) {
        match self.verdicts.get(i) {
            Some(v) => (v.status, v.entry.and_then(|e| acc.entries.get(e))),
            None => (Status::Unaccepted, None),
        }
    }

    /// The stale entries themselves, in file order.
    pub fn stale_entries<'a>(&'a self, acc: &'a Acceptances) -> impl Iterator<Item = &'a Acceptance> + 'a {
        self.stale.iter().filter_map(|&i| acc.entries.get(i))
    }
}

/// Judges every finding against the file, at the snapshot's collection date. The first
/// matching entry in file order that is still valid accepts; failing that, the first
/// matching expired one marks it expired.
pub fn review(acc: &Acceptances, snapshot: &Snapshot, findings: &[ExposureFinding]) -> Review {
    let date = snapshot.collected_at.date();
    let tags: HashMap<&str, &Tags> = snapshot
        .resources
        .iter()
        .filter(|r| matches!(r.kind, ResourceKind::Instance | ResourceKind::NetworkInterface))
        .map(|r| (r.id, r.tags))
        .collect();
    let mut used = vec![false; acc.entries.len()];
    let verdicts = findings
        .iter()
        .map(|f| {
            // Every entry is tried (not just up to the first match): an entry is stale
            // only if it matches no finding at all.
            let (mut valid, mut expired) = (None, None);
            for (i, e) in acc.entries.iter().enumerate() {
                if !matches(e, f, &tags) {
                    continue;
                }
                used[i] = true;
                let slot = if e.expired_at(&date) { &mut expired } else { &mut valid };
                slot.get_or_insert(i);
            }
            match (valid, expired) {
                (Some(i), _) => Verdict { status: Status::Accepted, entry: Some(i) },
                (None, Some(i)) => Verdict { status: Status::Expired, entry: Some(i) },
                (None, None) => Verdict { status: Status::Unaccepted, entry: None },
            }
        })
        .collect();
    let stale = used.iter().enumerate().filter(|(_, u)| !**u).map(|(i, _)| i).collect();
    Review { verdicts, stale }
}

fn matches(e: &Acceptance, f: &ExposureFinding, tags: &HashMap<&str, &Tags>) -> bool {
    let selected = match &e.selector {
        Selector::Resource(id) => f.resource_id == *id || f.eni_id == *id,
        Selector::Sg(id) => f.evidence.security_group_id == *id,
        Selector::Tag { key, value } => [f.resource_id.as_str(), f.eni_id.as_str()]
            .iter()
            .any(|id| tags.get(id).and_then(|t| t.get(key)).is_some_and(|v| v == value)),
    };
    if !selected || e.protocol.is_some_and(|p| p != f.protocol) {
        return false;
    }
    // Specific ports accept only findings inside them; a finding whose ports EC2 data
    // does not state (an NLB listener) is inside no range.
    if let Some(r) = e.ports {
        if !f.ports.is_some_and(|fp| r.covers(&fp)) || f.ports_note.is_some() {
            return false;
        }
    }
    match &e.source {
        None => true,
        // Every public address the finding admits must be inside the accepted source.
        Some(src) => f.sources.iter().all(|s| {
            let mut rest = public_part(s);
            if crate::analysis::ipset::same_family(s, src) {
                rest.subtract(span(src));
            }
            rest.is_empty()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Acceptances, String> {
        parse(Path::new("accepted.toml"), text).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
# Reviewed quarterly.
[[accept]]
resource = "i-0c1425424139e128e"
ports = "tcp/22"
source = "198.51.100.0/24"
reason = "Bastion; MFA and session recording"
approved_by = "security-lead@example.com"
ticket = "SEC-142"
expires = 2027-03-31

[[accept]]
tag = "Name=prod-partner-gw-1"
ports = "tcp/8000-8100"
reason = "Partner API"
approved_by = "cto@example.com"
"#;

    #[test]
    fn reads_every_field() {
        let a = parsed(GOOD).unwrap();
        assert_eq!(a.entries.len(), 2);
        let e = &a.entries[0];
        assert_eq!(e.line, 3);
        assert_eq!(e.selector, Selector::Resource("i-0c1425424139e128e".into()));
        assert_eq!((e.protocol, e.ports), (Some(Protocol::Tcp), Some(PortRange::single(22))));
        assert_eq!(e.source, Some("198.51.100.0/24".parse().unwrap()));
        assert_eq!(e.ticket.as_deref(), Some("SEC-142"));
        assert_eq!(e.expires.as_deref(), Some("2027-03-31"));
        let e = &a.entries[1];
        assert_eq!(e.selector, Selector::Tag { key: "Name".into(), value: "prod-partner-gw-1".into() });
        assert_eq!(e.ports, Some(PortRange::new(8000, 8100)));
        assert_eq!((e.source, e.expires.as_deref(), e.ticket.as_deref()), (None, None, None));
        assert_eq!(parse_ports("all"), Ok((None, None)));
        assert_eq!(parse_ports("icmp"), Ok((Some(Protocol::Icmp), None)));
    }

    #[test]
    fn malformed_files_name_line_and_field() {
        let entry = |extra: &str| {
            format!("[[accept]]\nresource = \"i-1\"\nports = \"tcp/22\"\nreason = \"r\"\napproved_by = \"a\"\n{extra}")
        };
        let cases: Vec<(String, &str)> = vec![
            ("[[accept]\nresource = 1".into(), "accepted.toml:1: invalid TOML"),
            (entry("expire = \"2027-01-01\"\n"), "accepted.toml:6: expire: unknown field"),
            (entry("expires = \"31/03/2027\"\n"), "accepted.toml:6: expires: \"31/03/2027\" is not a date"),
            (entry("source = \"10.0.0.0/33\"\n"), "accepted.toml:6: source: \"10.0.0.0/33\" is not a CIDR"),
            (entry("ticket = 142\n"), "accepted.toml:6: ticket: expected a string, found integer"),
            (entry("sg = \"sg-1\"\n"), "accepted.toml:1: give only one of resource, tag or sg"),
            (
                "[[accept]]\nresource = \"i-1\"\nports = \"tcp/99999\"\nreason = \"r\"\napproved_by = \"a\"\n".into(),
                "accepted.toml:3: ports: \"tcp/99999\": \"99999\" is not a port",
            ),
            (
                "\n[[accept]]\nresource = \"i-1\"\nports = \"tcp/22\"\nreason = \"r\"\n".into(),
                "accepted.toml:2: approved_by: missing",
            ),
            (
                "[[accept]]\ntag = \"bastion\"\nports = \"all\"\nreason = \"r\"\napproved_by = \"a\"\n".into(),
                "accepted.toml:2: tag: \"bastion\" is not Key=Value",
            ),
            ("[accept]\nresource = \"i-1\"\n".into(), "accepted.toml:1: accept: must be [[accept]] tables"),
            ("accepted = []\n".into(), "accepted.toml:1: accepted: unknown top-level key"),
            (entry("reason = \"again\"\n"), "accepted.toml:6: invalid TOML"),
            (
                "[[accept]]\nresource = \"i-1\"\nports = \"icmp/8\"\nreason = \"r\"\napproved_by = \"a\"\n".into(),
                "accepted.toml:3: ports: \"icmp/8\": icmp has no ports",
            ),
        ];
        for (text, want) in cases {
            let got = parsed(&text).expect_err(&text);
            assert!(got.starts_with(want), "{text}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn statuses_against_the_demo_estate() {
        let snap = crate::demo::demo_snapshot().unwrap();
        let analysis = crate::analysis::analyze(&snap);
        // The demo is collected 2026-11-20: an expiry of 2026-11-20 is still valid that day.
        let text = r#"
[[accept]]
resource = "i-0c1425424139e128e"
ports = "tcp/22"
source = "198.51.100.0/24"
reason = "Bastion"
approved_by = "security-lead@example.com"
expires = "2026-11-20"

[[accept]]
sg = "sg-03e7584f7fd6cb5d0"
ports = "all"
reason = "Partner gateway, old approval"
approved_by = "cto@example.com"
expires = "2026-11-19"

[[accept]]
resource = "i-0c1425424139e128e"
ports = "tcp/22"
source = "198.51.100.10/32"
reason = "Duplicate of the first; never reached"
approved_by = "x@example.com"

[[accept]]
resource = "i-0doesnotexist"
ports = "tcp/443"
reason = "Decommissioned"
approved_by = "x@example.com"

[[accept]]
tag = "Name=prod-bastion-1"
ports = "tcp/23-30"
reason = "Wrong ports"
approved_by = "x@example.com"
"#;
        let acc = parse(Path::new("a.toml"), text).unwrap();
        let review = review(&acc, &snap, &analysis.exposures);
        let by = |id: &str| -> Vec<(Status, Option<usize>)> {
            analysis
                .exposures
                .iter()
                .zip(&review.verdicts)
                .filter(|(f, _)| f.resource_id == id)
                .map(|(_, v)| (v.status, v.entry))
                .collect()
        };
        assert_eq!(by("i-0c1425424139e128e"), [(Status::Accepted, Some(0))]);
        let partner = by("i-01edb68b7464fd758");
        assert!(!partner.is_empty() && partner.iter().all(|v| *v == (Status::Expired, Some(1))), "{partner:?}");
        // The third entry matches too (so is not stale) but the first decides; the fourth
        // names nothing and the fifth's ports miss: both stale.
        assert_eq!(review.stale, [3, 4]);
        let rest = analysis.exposures.len() - 1 - partner.len();
        assert_eq!(review.count(Status::Unaccepted), rest);
        assert!(rest > 0);
        // The expiry judged at collection time: the day after, the bastion is expired.
        let mut later = snap.clone();
        later.collected_at = later.collected_at.plus_days(1);
        let r = super::review(&acc, &later, &analysis.exposures);
        let i = analysis.exposures.iter().position(|f| f.resource_id == "i-0c1425424139e128e").unwrap();
        // Entry 2 has no expiry and also covers it: still accepted, now by entry 2.
        assert_eq!((r.verdicts[i].status, r.verdicts[i].entry), (Status::Accepted, Some(2)));
    }

    #[test]
    fn a_source_narrower_than_the_finding_does_not_accept_it() {
        let snap = crate::demo::demo_snapshot().unwrap();
        let analysis = crate::analysis::analyze(&snap);
        let text = "[[accept]]\nresource = \"i-0c1425424139e128e\"\nports = \"tcp\"\nsource = \"198.51.100.11/32\"\nreason = \"r\"\napproved_by = \"a\"\n";
        let acc = parse(Path::new("a.toml"), text).unwrap();
        let review = review(&acc, &snap, &analysis.exposures);
        assert_eq!(review.count(Status::Accepted), 0);
        assert_eq!(review.stale, [0]);
    }
}
