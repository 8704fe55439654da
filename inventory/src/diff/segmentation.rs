//! Network-to-network connections added, removed and changed, matched by
//! (from VPC, to network, via, connection id).
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::fields::{ChangeOp, FieldChange};
use crate::analysis::{Connection, ConnectionVia, Text};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConnectionChange {
    pub from_vpc_id: Text,
    pub to_id: Text,
    pub via: ConnectionVia,
    pub via_id: Text,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentationChanges {
    pub added: Vec<Connection>,
    pub removed: Vec<Connection>,
    pub changed: Vec<ConnectionChange>,
}

impl SegmentationChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

type Key<'a> = (&'a str, &'a str, ConnectionVia, &'a str);

fn key(c: &Connection) -> Key<'_> {
    (&c.from_vpc_id, &c.to_id, c.via, &c.via_id)
}

fn index(list: &[Connection]) -> BTreeMap<Key<'_>, &Connection> {
    list.iter().map(|c| (key(c), c)).collect()
}

pub fn segmentation_changes(old: &[Connection], new: &[Connection]) -> SegmentationChanges {
    let (o, n) = (index(old), index(new));
    let mut out = SegmentationChanges::default();
    let keys: BTreeSet<&Key<'_>> = o.keys().chain(n.keys()).collect();
    for k in keys {
        match (o.get(k), n.get(k)) {
            (Some(a), None) => out.removed.push((*a).clone()),
            (None, Some(b)) => out.added.push((*b).clone()),
            (Some(a), Some(b)) if a != b => {
                let changes = connection_fields(a, b);
                if !changes.is_empty() {
                    out.changed.push(ConnectionChange {
                        from_vpc_id: b.from_vpc_id.clone(),
                        to_id: b.to_id.clone(),
                        via: b.via,
                        via_id: b.via_id.clone(),
                        changes,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// What about a connection matters to segmentation: the networks routed, whether replies
/// come back, and the production flag. Evidence text alone changing is not a change.
fn connection_fields(a: &Connection, b: &Connection) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let (ca, cb): (BTreeSet<&Text>, BTreeSet<&Text>) = (a.cidrs.iter().collect(), b.cidrs.iter().collect());
    for c in ca.difference(&cb) {
        out.push(FieldChange { field: "cidrs".into(), change: ChangeOp::Removed, old: Some(c.to_string()), new: None });
    }
    for c in cb.difference(&ca) {
        out.push(FieldChange { field: "cidrs".into(), change: ChangeOp::Added, old: None, new: Some(c.to_string()) });
    }
    let mut scalar = |field: &str, x: String, y: String| {
        if x != y {
            out.push(FieldChange { field: field.into(), change: ChangeOp::Changed, old: Some(x), new: Some(y) });
        }
    };
    scalar("return_path", format!("{:?}", a.return_path).to_lowercase(), format!("{:?}", b.return_path).to_lowercase());
    scalar("prod_from_nonprod", a.prod_from_nonprod.to_string(), b.prod_from_nonprod.to_string());
    let env = |e: &Option<Text>| e.as_deref().unwrap_or("").to_string();
    scalar("from_environment", env(&a.from_environment), env(&b.from_environment));
    scalar("to_environment", env(&a.to_environment), env(&b.to_environment));
    out
}
