//! Semantic checks on a parsed snapshot: duplicate ids and references that point
//! nowhere. Containment references (a subnet's VPC, an ENI's subnet) must resolve;
//! references that may legitimately leave the snapshot (a blackhole route's deleted
//! target, a TGW shared from another account) are warnings.
use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::{Snapshot, Timestamp};
use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ResourceKind,
    pub resource_id: String,
    /// Field path inside the resource, e.g. "associations[0].subnet_id".
    pub field: String,
    pub message: String,
    /// A value normalised on load (CIDR host bits): the loader says so on stderr,
    /// since afterwards nothing shows the original.
    #[serde(skip)]
    pub normalised: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}: {} {} field {}: {}", self.kind, self.resource_id, self.field, self.message)
    }
}

pub fn validate(s: &Snapshot) -> Vec<Problem> {
    let r = &s.resources;
    let mut out = Report::default();
    if s.schema_version == 0 {
        out.add(Severity::Error, ResourceKind::Account, "-", "schema_version".into(), "must be at least 1".into());
    }
    // A collection time in the future cannot come from discovery, and would push
    // `valid_until` past what the package can state.
    if s.collected_at.unix() > Timestamp::now().unix() + 86_400 {
        let message = format!("{} is in the future (a hand-edited file or a wrong clock)", s.collected_at);
        out.add(Severity::Error, ResourceKind::Account, "-", "collected_at".into(), message);
    }
    let mut ids: HashSet<(ResourceKind, &str)> = HashSet::with_capacity(r.total());
    for a in r.iter() {
        if !is_account_id(a.account_id) {
            let message = format!("account id {:?} is not 12 digits", a.account_id);
            out.add(Severity::Error, a.kind, a.id, "account_id".into(), message);
        }
        if a.region.is_empty() && a.kind != ResourceKind::Account {
            out.add(Severity::Error, a.kind, a.id, "region".into(), "region is empty".into());
        }
        if a.tags.keys().any(|k| k.is_empty()) {
            out.add(Severity::Error, a.kind, a.id, "tags".into(), "a tag key is empty".into());
        }
        if a.id.is_empty() {
            out.add(Severity::Error, a.kind, "(empty)", "id".into(), "resource id is empty".into());
        }
        // Ids are unique per kind; the same peering connection may be described
        // by both accounts, so (kind, id, account) is the real key.
        if !ids.insert((a.kind, a.id)) && a.kind != ResourceKind::VpcPeeringConnection {
            out.add(Severity::Error, a.kind, a.id, "id".into(), "duplicate id".into());
        }
    }
    // Every reference each kind states (`Resource::references`), checked the same way.
    let mut refs = Refs::default();
    let mut issues = Issues::default();
    macro_rules! check_kind {
        ($field:ident, $ty:ident) => {
            for x in &r.$field {
                issues.list.clear();
                x.check(&mut issues);
                for i in issues.list.drain(..) {
                    let (severity, normalised) = match i.level {
                        IssueLevel::Invalid => (Severity::Error, false),
                        IssueLevel::Normalised => (Severity::Warning, true),
                    };
                    out.add(severity, <$ty as Resource>::KIND, x.id(), i.field, i.message).normalised = normalised;
                }
                refs.clear();
                x.references(&mut refs);
                for rf in &refs.list {
                    let severity = match rf.check {
                        Check::Required => Severity::Error,
                        Check::Expected => Severity::Warning,
                        Check::Open => continue,
                    };
                    if !ids.contains(&(rf.kind, rf.id)) {
                        let message = format!("refers to {} {:?}, which is not in the snapshot", rf.kind, rf.id);
                        out.add(severity, <$ty as Resource>::KIND, x.id(), rf.field.to_string(), message);
                    }
                }
            }
        };
    }
    crate::for_each_kind!(check_kind);
    subnets_inside_their_vpcs(r, &mut out);
    let mut problems = out.0;
    problems.sort();
    problems
}

/// A 12-digit AWS account id, or the pseudonym `--redact` puts in its place
/// ("acct-" and hex digits), so redacted snapshots load like any other.
fn is_account_id(s: &str) -> bool {
    let digits = s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    let pseudonym = s.strip_prefix("acct-").is_some_and(|h| h.len() >= 8 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    digits || pseudonym
}

#[derive(Default)]
struct Report(Vec<Problem>);

impl Report {
    fn add(
        &mut self,
        severity: Severity,
        kind: ResourceKind,
        id: &str,
        field: String,
        message: String,
    ) -> &mut Problem {
        self.0.push(Problem { severity, kind, resource_id: id.to_string(), field, message, normalised: false });
        let last = self.0.len() - 1;
        &mut self.0[last]
    }
}

/// AWS only creates a subnet inside one of its VPC's CIDR blocks.
fn subnets_inside_their_vpcs(r: &Resources, out: &mut Report) {
    let vpcs: std::collections::HashMap<&str, &Vpc> = r.vpcs.iter().map(|v| (v.id.as_str(), v)).collect();
    for sn in &r.subnets {
        let Some(vpc) = vpcs.get(sn.vpc_id.as_str()) else { continue };
        let list = |nets: Vec<String>| if nets.is_empty() { "none".to_string() } else { nets.join(", ") };
        if let Some(c) = sn.cidr_block {
            if !vpc.cidr_blocks.iter().any(|v| v.trunc().contains(&c.trunc())) {
                let blocks = list(vpc.cidr_blocks.iter().map(|b| b.to_string()).collect());
                let message = format!("{c} is outside VPC {}'s CIDR blocks ({blocks})", vpc.id);
                out.add(Severity::Error, ResourceKind::Subnet, &sn.id, "cidr_block".into(), message);
            }
        }
        for (i, c) in sn.ipv6_cidr_blocks.iter().enumerate() {
            if !vpc.ipv6_cidr_blocks.iter().any(|v| v.trunc().contains(&c.trunc())) {
                let blocks = list(vpc.ipv6_cidr_blocks.iter().map(|b| b.to_string()).collect());
                let message = format!("{c} is outside VPC {}'s IPv6 CIDR blocks ({blocks})", vpc.id);
                out.add(Severity::Error, ResourceKind::Subnet, &sn.id, format!("ipv6_cidr_blocks[{i}]"), message);
            }
        }
    }
}
