//! Semantic checks on a parsed snapshot: duplicate ids and references that point
//! nowhere. Containment references (a subnet's VPC, an ENI's subnet) must resolve;
//! references that may legitimately leave the snapshot (a blackhole route's deleted
//! target, a TGW shared from another account) are warnings.
use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::Snapshot;
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
    let mut problems = Vec::new();
    let mut report = |severity, kind, id: &str, field: String, message: String| {
        problems.push(Problem { severity, kind, resource_id: id.to_string(), field, message });
    };
    if s.schema_version == 0 {
        report(Severity::Error, ResourceKind::Account, "-", "schema_version".into(), "must be at least 1".into());
    }
    let mut ids: HashSet<(ResourceKind, &str)> = HashSet::with_capacity(r.total());
    for a in r.iter() {
        if a.id.is_empty() {
            report(Severity::Error, a.kind, "(empty)", "id".into(), "resource id is empty".into());
        }
        // Ids are unique per kind; the same peering connection may be described
        // by both accounts, so (kind, id, account) is the real key.
        if !ids.insert((a.kind, a.id)) && a.kind != ResourceKind::VpcPeeringConnection {
            report(Severity::Error, a.kind, a.id, "id".into(), "duplicate id".into());
        }
    }
    // Every reference each kind states (`Resource::references`), checked the same way.
    let mut refs = Refs::default();
    macro_rules! check_kind {
        ($field:ident, $ty:ident) => {
            for x in &r.$field {
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
                        report(severity, <$ty as Resource>::KIND, x.id(), rf.field.to_string(), message);
                    }
                }
            }
        };
    }
    crate::for_each_kind!(check_kind);
    problems.sort();
    problems
}
