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
    let exposures = exposure::exposures(topo);
    let behind_load_balancers = lb::load_balancer_backends(&exposures, &topo.index);
    Analysis {
        exposures,
        behind_load_balancers,
        egress: egress::egress(topo),
        segmentation: segmentation::segmentation(topo),
        sg_flows: sg_flows::sg_flows(&topo.snapshot.resources.security_groups),
    }
}
