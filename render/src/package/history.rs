//! `package --history DIR`: each resource's first_seen/last_seen from the earlier
//! snapshots that contain it (matched by kind and id: ids survive redaction, account
//! ids do not), and the list of snapshots used.
use std::collections::HashMap;

use inventory::model::ResourceKind;
use inventory::snapshot::Timestamp;
use inventory::Snapshot;
use serde::Serialize;

use super::InventoryRow;

/// One earlier snapshot the history was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistorySnapshot {
    pub file: String,
    pub collected_at: String,
    /// SHA-256 of the file's bytes as read.
    pub sha256: String,
}

#[derive(Debug, Clone, Default)]
pub struct History {
    /// (kind, id) → (first, last) collection time among the snapshots added.
    seen: HashMap<(ResourceKind, String), (Timestamp, Timestamp)>,
    pub snapshots: Vec<HistorySnapshot>,
}

impl History {
    /// Records every resource of one earlier snapshot.
    pub fn add(&mut self, file: String, sha256: String, s: &Snapshot) {
        let at = s.collected_at;
        for r in s.resources.iter() {
            let e = self.seen.entry((r.kind, r.id.to_string())).or_insert((at, at));
            e.0 = e.0.min(at);
            e.1 = e.1.max(at);
        }
        self.snapshots.push(HistorySnapshot { file, collected_at: at.to_string(), sha256 });
        self.snapshots.sort_by(|a, b| (&a.collected_at, &a.file).cmp(&(&b.collected_at, &b.file)));
    }

    /// Sets first_seen/last_seen of every row from the history and this snapshot's time.
    pub fn apply(&self, rows: &mut [InventoryRow], collected: Timestamp) {
        for row in rows {
            let (first, last) = match self.seen.get(&(row.kind, row.id.clone())) {
                Some(&(f, l)) => (f.min(collected), l.max(collected)),
                None => (collected, collected),
            };
            row.first_seen = first.to_string();
            row.last_seen = last.to_string();
        }
    }
}
