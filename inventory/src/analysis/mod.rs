//! Analyses over the topology: internet exposure, egress, segmentation, SG flows.
mod egress;
mod exposure;
mod ipset;
mod lb;
mod nacl;
mod ports;
mod routes;
mod segmentation;
mod sg;
mod sg_flows;
mod types;

pub use ipset::is_public;
pub use segmentation::{environment, is_production};
pub use types::*;

use crate::snapshot::Snapshot;
use crate::topology::Topology;

/// Runs every analysis on a snapshot (builds the topology first).
pub fn analyze(snapshot: &Snapshot) -> Analysis {
    analyze_topology(&Topology::build(snapshot))
}

/// Runs every analysis on an already built topology.
pub fn analyze_topology(topo: &Topology) -> Analysis {
    let _span = tracing::info_span!("analyze").entered();
    let exposures = tracing::info_span!("exposure").in_scope(|| exposure::exposures(topo));
    let behind_load_balancers = lb::load_balancer_backends(&exposures, &topo.index);
    let egress = tracing::info_span!("egress").in_scope(|| egress::egress(topo));
    let segmentation = tracing::info_span!("segmentation").in_scope(|| segmentation::segmentation(topo));
    let sg_flows =
        tracing::info_span!("sg_flows").in_scope(|| sg_flows::sg_flows(&topo.snapshot.resources.security_groups));
    Analysis { exposures, behind_load_balancers, egress, segmentation, sg_flows }
}
