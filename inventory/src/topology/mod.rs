//! The topology stage: a snapshot indexed by id and turned into a typed graph.
//! Analyses (`crate::analysis`) run on this.
mod graph;
pub mod hash;
mod index;

pub use graph::{Edge, Graph, Node, NodeKind, INTERNET_ID};
pub use index::{ById, EffectiveRouteTable, Index, KindMap, NaclRules};

use crate::snapshot::Snapshot;

/// Index + graph of one snapshot, borrowing it.
pub struct Topology<'a> {
    pub snapshot: &'a Snapshot,
    pub index: Index<'a>,
    pub graph: Graph<'a>,
}

impl<'a> Topology<'a> {
    pub fn build(snapshot: &'a Snapshot) -> Topology<'a> {
        let _span = tracing::info_span!("topology").entered();
        let index = Index::build(snapshot);
        let graph = Graph::build(snapshot, &index);
        Topology { snapshot, index, graph }
    }
}
