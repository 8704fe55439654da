//! Analyses over the topology: internet exposure, egress, segmentation, SG flows.
mod egress;
mod exposure;
pub(crate) mod ipset;
mod lb;
mod nacl;
mod paths;
mod ports;
mod routes;
mod segmentation;
mod sg;
mod sg_flows;
mod tgw;
mod types;

pub use crate::facts::{environment, is_production};
pub use egress::{EgressVia, SubnetEgress, SubnetTier};
pub use exposure::{internet_reach, InternetReach};
pub use ipset::is_public;
pub use lb::encryption;
pub use paths::{
    data_flows, find_paths, holds_data, DataFlow, Endpoint, FamilyRoute, Grant, Hop, HopEvidence, NaclUsed, Path,
    PathOptions, PathsError, PathsReport, RouteUsed,
};
pub use types::*;

use crate::facts::{self, Settings};
use crate::snapshot::Snapshot;
use crate::topology::Topology;

/// Runs every analysis on a snapshot (builds the topology first), default settings.
pub fn analyze(snapshot: &Snapshot) -> Analysis {
    analyze_with(snapshot, &Settings::default())
}

/// Runs every analysis on a snapshot with the caller's tag keys and scope, then the
/// internet → data-store flows (`Analysis::data_flows`, a path search) the exposure
/// diagram and report draw.
pub fn analyze_with(snapshot: &Snapshot, settings: &Settings) -> Analysis {
    let topo = Topology::build(snapshot);
    let mut analysis = analyze_topology_with(&topo, settings);
    analysis.data_flows = data_flows(&topo, &analysis, DATA_FLOW_HOPS, &settings.tag_keys);
    analysis
}

/// The internet → data-store flows of an analysis made by `analyze_topology_with`
/// from `topo` (what `analyze_with` puts in `Analysis::data_flows`): `auditmap package`
/// computes them from the same topology while its tables, which need none, are written.
pub fn data_flows_of(topo: &Topology, analysis: &Analysis, keys: &facts::TagKeys) -> Vec<DataFlow> {
    data_flows(topo, analysis, DATA_FLOW_HOPS, keys)
}

/// Hops from the internet to a data store that `Analysis::data_flows` follows (as
/// `auditmap paths`' default).
pub const DATA_FLOW_HOPS: usize = 4;

/// Runs every analysis on an already built topology, default settings.
pub fn analyze_topology(topo: &Topology) -> Analysis {
    analyze_topology_with(topo, &Settings::default())
}

/// Runs every analysis on an already built topology, then derives the facts; not the
/// data flows (`data_flows`, a path search over these results).
pub fn analyze_topology_with(topo: &Topology, settings: &Settings) -> Analysis {
    let _span = tracing::info_span!("analyze").entered();
    let envs = facts::environments(topo, &settings.tag_keys);
    // Exposure and segmentation are independent and the two largest: one runs on a
    // second thread (the machines this targets have two cores or more).
    let parent = tracing::Span::current();
    let ((exposures, blocked), segmentation) = std::thread::scope(|s| {
        let seg = s.spawn(|| {
            tracing::info_span!(parent: &parent, "segmentation")
                .in_scope(|| segmentation::segmentation(topo, &envs.vpcs, &settings.tag_keys))
        });
        let exp = tracing::info_span!("exposure").in_scope(|| exposure::exposures(topo));
        // A panic in the segmentation thread is a bug: re-raise it here, not lose it.
        (exp, seg.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let (behind_load_balancers, other_load_balancer_targets) = tracing::info_span!("load_balancers").in_scope(|| {
        let reached = lb::targets(topo, &exposures);
        let skip: std::collections::BTreeSet<&str> =
            reached.iter().map(|t| t.listener.load_balancer_id.as_str()).collect();
        let others = lb::other_targets(topo, &skip);
        (reached, others)
    });
    let egress = tracing::info_span!("egress").in_scope(|| egress::egress(topo));
    let sg_flows =
        tracing::info_span!("sg_flows").in_scope(|| sg_flows::sg_flows(&topo.snapshot.resources.security_groups));
    let facts = tracing::info_span!("facts").in_scope(|| facts::derive(topo, &egress, envs, settings));
    Analysis {
        exposures,
        behind_load_balancers,
        other_load_balancer_targets,
        blocked,
        egress,
        segmentation,
        sg_flows,
        facts,
        data_flows: Vec::new(),
    }
}
