//! Resources added, removed and changed between two snapshots, kind by kind from the
//! kind table. A resource missing from NEW whose listing API did not succeed there is
//! "unknown (not collected)", never removed.
use serde::{Deserialize, Serialize};

use super::coverage::Collected;
use super::fields::{field_changes, FieldChange};
use crate::model::{Resource, ResourceKind};
use crate::snapshot::Snapshot;

/// Which resource, as the inventory names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Why it is listed here when that is not obvious: "state terminated", "not
    /// collected in OLD: ec2:DescribeInstances denied (AccessDenied)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChangedResource {
    #[serde(flatten)]
    pub resource: ResourceRef,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChanges {
    pub added: Vec<ResourceRef>,
    /// Gone from NEW although NEW listed its kind there successfully; a resource whose
    /// state became terminated/deleted also counts as removed.
    pub removed: Vec<ResourceRef>,
    pub changed: Vec<ChangedResource>,
    /// In OLD, absent from NEW, and NEW did not list its kind there (API denied or
    /// failed, region or account not read): whether it still exists is not known.
    pub unknown: Vec<ResourceRef>,
}

impl ResourceChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.unknown.is_empty()
    }
}

/// States after which a resource no longer exists in any sense an auditor cares about.
const GONE_STATES: [&str; 2] = ["terminated", "deleted"];

fn gone_state(v: &serde_json::Value) -> Option<&str> {
    v.get("state").and_then(|s| s.as_str()).filter(|s| GONE_STATES.contains(s))
}

fn reference<R: Resource>(r: &R, note: Option<String>) -> ResourceRef {
    ResourceRef {
        kind: R::KIND,
        id: r.id().to_string(),
        account_id: r.account_id().to_string(),
        region: r.region().to_string(),
        name: r.name().map(str::to_string),
        vpc_id: r.vpc_id().map(str::to_string),
        note,
    }
}

fn value<R: Serialize>(r: &R) -> serde_json::Value {
    // Model types are plain data: serialisation cannot fail (no maps with non-string keys).
    serde_json::to_value(r).unwrap_or(serde_json::Value::Null)
}

pub fn resource_changes(old: &Snapshot, new: &Snapshot) -> ResourceChanges {
    let mut out = ResourceChanges::default();
    let (old_cov, new_cov) = (Collected::of(old), Collected::of(new));
    macro_rules! kind {
        ($field:ident, $ty:ident) => {
            merge(&old.resources.$field, &new.resources.$field, &old_cov, &new_cov, &mut out);
        };
    }
    crate::for_each_kind!(kind);
    out
}

/// Merge-join of one kind's two lists by (id, account).
fn merge<R: Resource + PartialEq + Serialize>(
    old: &[R],
    new: &[R],
    old_cov: &Collected,
    new_cov: &Collected,
    out: &mut ResourceChanges,
) {
    let sorted = |list: &[R]| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..list.len()).collect();
        // Already sorted after normalisation: this is then a linear pass.
        idx.sort_by(|&a, &b| (list[a].id(), list[a].account_id()).cmp(&(list[b].id(), list[b].account_id())));
        idx
    };
    let (o, n) = (sorted(old), sorted(new));
    let (mut i, mut j) = (0, 0);
    while i < o.len() || j < n.len() {
        let a = o.get(i).map(|&k| &old[k]);
        let b = n.get(j).map(|&k| &new[k]);
        let ord = match (a, b) {
            (Some(a), Some(b)) => (a.id(), a.account_id()).cmp(&(b.id(), b.account_id())),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        match (ord, a, b) {
            (std::cmp::Ordering::Equal, Some(a), Some(b)) => {
                i += 1;
                j += 1;
                if a != b {
                    both(a, b, out);
                }
            }
            (std::cmp::Ordering::Less, Some(a), _) => {
                i += 1;
                only_old(a, new_cov, out);
            }
            (_, _, Some(b)) => {
                j += 1;
                only_new(b, old_cov, out);
            }
            _ => break,
        }
    }
}

fn both<R: Resource + Serialize>(a: &R, b: &R, out: &mut ResourceChanges) {
    let (va, vb) = (value(a), value(b));
    match (gone_state(&va), gone_state(&vb)) {
        (None, Some(state)) => out.removed.push(reference(a, Some(format!("state {state}")))),
        (Some(state), None) => out.added.push(reference(b, Some(format!("was {state} in OLD")))),
        _ => {
            let changes = field_changes(R::KIND, &va, &vb);
            if !changes.is_empty() {
                out.changed.push(ChangedResource { resource: reference(b, None), changes });
            }
        }
    }
}

fn only_old<R: Resource + Serialize>(a: &R, new_cov: &Collected, out: &mut ResourceChanges) {
    // Already terminated in OLD: its disappearance is AWS forgetting it, not a change.
    if gone_state(&value(a)).is_some() {
        return;
    }
    match new_cov.missing_reason(R::KIND, a.account_id(), a.region()) {
        Some(why) => out.unknown.push(reference(a, Some(format!("not collected in NEW: {why}")))),
        None => out.removed.push(reference(a, None)),
    }
}

fn only_new<R: Resource + Serialize>(b: &R, old_cov: &Collected, out: &mut ResourceChanges) {
    if gone_state(&value(b)).is_some() {
        return;
    }
    let note =
        old_cov.missing_reason(R::KIND, b.account_id(), b.region()).map(|why| format!("not collected in OLD: {why}"));
    out.added.push(reference(b, note));
}
