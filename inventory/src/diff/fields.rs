//! Field-level changes between two versions of one resource, read from their serde
//! form so every kind (including ones added later) is compared without per-kind code.
//! Lists are compared as sets of items (a rule added, an entry removed), not by index:
//! AWS order means nothing and an index shift is not a change.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{NaclEntry, ResourceKind, Route, SgRule};

/// What happened to a field or list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Added,
    Removed,
    Changed,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Added => "added",
            ChangeOp::Removed => "removed",
            ChangeOp::Changed => "changed",
        }
    }
}

/// One change inside a resource: `field` is a path ("ingress", "tags.Name", "state");
/// list items appear as added/removed with the item's text in `new`/`old`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub change: ChangeOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// Fields that identify the resource: equal on both sides by construction.
const IDENTITY: [&str; 2] = ["id", "account_id"];

/// The changes from `old` to `new` (both a resource's serde form), in field order.
pub fn field_changes(kind: ResourceKind, old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(kind, "", old, new, &mut out);
    out
}

fn walk(kind: ResourceKind, path: &str, old: &Value, new: &Value, out: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            // Old keys in their order, then keys only the new side has.
            let keys = o.keys().chain(n.keys().filter(|k| !o.contains_key(*k)));
            for key in keys {
                if path.is_empty() && IDENTITY.contains(&key.as_str()) {
                    continue;
                }
                let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match (o.get(key), n.get(key)) {
                    (Some(a), Some(b)) => walk(kind, &sub, a, b, out),
                    (Some(a), None) if !a.is_null() => out.push(change(sub, ChangeOp::Removed, Some(text(a)), None)),
                    (None, Some(b)) if !b.is_null() => out.push(change(sub, ChangeOp::Added, None, Some(text(b)))),
                    _ => {}
                }
            }
        }
        (Value::Array(o), Value::Array(n)) => list_changes(kind, path, o, n, out),
        (a, b) => {
            let op = match (a.is_null(), b.is_null()) {
                (true, false) => ChangeOp::Added,
                (false, true) => ChangeOp::Removed,
                _ => ChangeOp::Changed,
            };
            out.push(change(path.to_string(), op, (!a.is_null()).then(|| text(a)), (!b.is_null()).then(|| text(b))));
        }
    }
}

fn change(field: String, change: ChangeOp, old: Option<String>, new: Option<String>) -> FieldChange {
    FieldChange { field, change, old, new }
}

/// Items of `old` not in `new` are removed, items of `new` not in `old` added (as
/// multisets: a duplicated item counts twice). Each item is compared by its compact
/// JSON, sorted, so long lists (prefix lists, big groups) cost n log n.
fn list_changes(kind: ResourceKind, path: &str, old: &[Value], new: &[Value], out: &mut Vec<FieldChange>) {
    let keyed = |items: &[Value]| -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> =
            items.iter().enumerate().map(|(i, x)| (serde_json::to_string(x).unwrap_or_default(), i)).collect();
        v.sort();
        v
    };
    let (o, n) = (keyed(old), keyed(new));
    let (mut i, mut j) = (0, 0);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    while i < o.len() || j < n.len() {
        match (o.get(i), n.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                removed.push(a.1);
                i += 1;
            }
            (Some(_), Some(b)) => {
                added.push(b.1);
                j += 1;
            }
            (Some(a), None) => {
                removed.push(a.1);
                i += 1;
            }
            (None, Some(b)) => {
                added.push(b.1);
                j += 1;
            }
            (None, None) => break,
        }
    }
    // Report in each list's own (normalised) order.
    removed.sort_unstable();
    added.sort_unstable();
    for idx in removed {
        out.push(change(path.to_string(), ChangeOp::Removed, Some(item_text(kind, path, &old[idx])), None));
    }
    for idx in added {
        out.push(change(path.to_string(), ChangeOp::Added, None, Some(item_text(kind, path, &new[idx]))));
    }
}

/// A list item as an auditor reads it: the rule/entry/route forms people know for the
/// lists that carry network policy, `key=value` for anything else.
fn item_text(kind: ResourceKind, field: &str, v: &Value) -> String {
    let readable = match (kind, field) {
        (ResourceKind::SecurityGroup, "ingress" | "egress") => SgRule::deserialize(v).ok().map(|r| {
            let mut s = r.summary(if field == "ingress" { "from" } else { "to" });
            if let Some(id) = &r.rule_id {
                s.push_str(&format!(" ({id})"));
            }
            if let Some(d) = r.description.as_deref().filter(|d| !d.is_empty()) {
                s.push_str(&format!(" \"{d}\""));
            }
            s
        }),
        (ResourceKind::NetworkAcl, "entries") => NaclEntry::deserialize(v).ok().map(|e| nacl_entry_text(&e)),
        (ResourceKind::RouteTable, "routes") | (ResourceKind::TransitGatewayRouteTable, "routes") => {
            Route::deserialize(v).ok().map(|r| {
                let state = match r.state {
                    crate::model::RouteState::Active => "",
                    crate::model::RouteState::Blackhole => " (blackhole)",
                };
                format!("{} → {}{state}", r.destination, r.target.id)
            })
        }
        _ => None,
    };
    readable.unwrap_or_else(|| text(v))
}

/// "#100 inbound allow tcp/22 from 0.0.0.0/0".
pub fn nacl_entry_text(e: &NaclEntry) -> String {
    let dir = if e.egress { "outbound" } else { "inbound" };
    let action = match e.action {
        crate::model::RuleAction::Allow => "allow",
        crate::model::RuleAction::Deny => "deny",
    };
    let ports = crate::facts::port_label(e.protocol, e.ports, crate::facts::PortStyle::Short);
    let peer = if e.egress { "to" } else { "from" };
    format!("#{} {dir} {action} {ports} {peer} {}", e.rule_number, e.cidr)
}

/// Scalars as themselves, objects as `key=value` pairs (nulls left out), lists comma-joined.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::Object(_) => format!("{k}={{{}}}", text(v)),
                _ => format!("{k}={}", text(v)),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_and_scalars_by_path() {
        let old = json!({"id": "i-1", "account_id": "1", "state": "running", "tags": {"Name": "a", "Env": "dev"}});
        let new = json!({"id": "i-1", "account_id": "1", "state": "stopped", "tags": {"Name": "b", "Owner": "x"}});
        let c = field_changes(ResourceKind::Instance, &old, &new);
        let got: Vec<(String, ChangeOp, Option<String>, Option<String>)> =
            c.into_iter().map(|c| (c.field, c.change, c.old, c.new)).collect();
        assert_eq!(
            got,
            vec![
                ("state".into(), ChangeOp::Changed, Some("running".into()), Some("stopped".into())),
                ("tags.Name".into(), ChangeOp::Changed, Some("a".into()), Some("b".into())),
                ("tags.Env".into(), ChangeOp::Removed, Some("dev".into()), None),
                ("tags.Owner".into(), ChangeOp::Added, None, Some("x".into())),
            ]
        );
    }

    #[test]
    fn lists_are_sets_not_positions() {
        let old = json!({"ids": ["a", "b", "c"]});
        let new = json!({"ids": ["c", "a", "d", "d"]});
        let c = field_changes(ResourceKind::Instance, &old, &new);
        let got: Vec<(ChangeOp, Option<String>, Option<String>)> =
            c.into_iter().map(|c| (c.change, c.old, c.new)).collect();
        assert_eq!(
            got,
            vec![
                (ChangeOp::Removed, Some("b".into()), None),
                (ChangeOp::Added, None, Some("d".into())),
                (ChangeOp::Added, None, Some("d".into())),
            ]
        );
        // Reordering alone is no change.
        assert!(field_changes(ResourceKind::Instance, &json!({"l": [1, 2]}), &json!({"l": [2, 1]})).is_empty());
    }

    #[test]
    fn security_group_rules_read_as_rules() {
        let rule = json!({"rule_id": "sgr-1", "protocol": "tcp", "ports": {"from": 22, "to": 22},
                          "peer": {"type": "cidr", "cidr": "0.0.0.0/0"}, "description": "ssh"});
        let c = field_changes(ResourceKind::SecurityGroup, &json!({"ingress": []}), &json!({"ingress": [rule]}));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].new.as_deref(), Some("tcp/22 from 0.0.0.0/0 (sgr-1) \"ssh\""));
    }
}
