//! Connections that cross the `--scope-tag` boundary (PCI DSS 1.2.3: every
//! connection between the in-scope environment and other networks), from the
//! analyses already run: routed VPC ↔ VPC / on-premises connectivity
//! (segmentation), internet exposure of in-scope interfaces, and security-group
//! rules admitting one group from another across the boundary.
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::ports::{port_label, PortStyle};
use crate::analysis::{Analysis, ConnectionVia};
use crate::model::Resources;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeCrossing {
    /// Where traffic comes from (VPC, customer gateway, "internet", security group).
    pub from: String,
    pub to: String,
    /// "peering", "transit gateway", "VPN", "internet", "security group rule".
    pub via: String,
    /// "into scope" or "out of scope".
    pub direction: String,
    /// "tcp/443", or "any port (routes)" for route-level connectivity.
    pub ports: String,
    /// Ids of the evidence: the link, route tables and routes, NACL and SG rules.
    pub evidence: Vec<String>,
}

/// Ids of the in-scope resources, or None when no scope is set.
pub fn in_scope_ids<'a>(r: &'a Resources, analysis: &Analysis) -> Option<BTreeSet<&'a str>> {
    let flags = analysis.facts.in_scope.as_ref()?;
    Some(r.iter().zip(flags).filter(|(_, i)| **i).map(|(a, _)| a.id).collect())
}

/// Every crossing, sorted; empty when no scope is set.
pub fn scope_crossings(r: &Resources, analysis: &Analysis) -> Vec<ScopeCrossing> {
    let Some(inside) = in_scope_ids(r, analysis) else { return Vec::new() };
    let dir = |from_in: bool| if from_in { "out of scope" } else { "into scope" }.to_string();
    let mut out = BTreeSet::new();
    for c in &analysis.segmentation {
        let (a, b) = (inside.contains(&*c.from_vpc_id), inside.contains(&*c.to_id));
        if a == b {
            continue;
        }
        let via = match c.via {
            ConnectionVia::Peering => "peering",
            ConnectionVia::TransitGateway => "transit gateway",
            ConnectionVia::Vpn => "VPN",
        };
        let mut evidence = vec![c.via_id.to_string()];
        evidence.extend(c.evidence.iter().map(|e| e.to_string()));
        out.insert(ScopeCrossing {
            from: c.from_vpc_id.to_string(),
            to: c.to_id.to_string(),
            via: via.into(),
            direction: dir(a),
            ports: format!("any port (routes to {})", c.cidrs.join(" ")),
            evidence,
        });
    }
    for x in analysis.exposures.iter().filter(|x| inside.contains(x.eni_id.as_str())) {
        let e = &x.evidence;
        let mut evidence = vec![
            format!("{}: {}", e.route_table_id, e.route),
            format!("{} inbound #{} / outbound #{}", e.nacl_id, e.nacl_in_rule, e.nacl_out_rule),
            format!("{}: {}", e.security_group_id, e.sg_rule),
        ];
        evidence.extend(e.sg_rule_id.clone());
        out.insert(ScopeCrossing {
            from: format!("internet ({})", x.source_text),
            to: format!("{} ({} {})", x.resource_id, x.eni_id, x.public_ip),
            via: "internet".into(),
            direction: dir(false),
            ports: x.ports_label(PortStyle::Short),
            evidence,
        });
    }
    for f in &analysis.sg_flows {
        let (a, b) =
            (inside.contains(f.from_security_group_id.as_str()), inside.contains(f.to_security_group_id.as_str()));
        if a == b {
            continue;
        }
        out.insert(ScopeCrossing {
            from: f.from_security_group_id.clone(),
            to: f.to_security_group_id.clone(),
            via: "security group rule".into(),
            direction: dir(a),
            ports: port_label(f.protocol, f.ports, PortStyle::Short),
            evidence: f.rule_id.iter().cloned().chain([format!("{} ingress", f.to_security_group_id)]).collect(),
        });
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_with;
    use crate::facts::{ScopeTag, Settings};

    #[test]
    fn no_scope_no_crossings_and_a_prod_scope_has_some() {
        let snap = crate::demo::demo_snapshot().expect("demo");
        let plain = crate::analysis::analyze(&snap);
        assert!(scope_crossings(&snap.resources, &plain).is_empty());
        let prod = ScopeTag { key: "Environment".into(), value: "prod".into() };
        let a = analyze_with(&snap, &Settings { scope_tags: vec![prod], ..Settings::default() });
        let x = scope_crossings(&snap.resources, &a);
        let inside = in_scope_ids(&snap.resources, &a).expect("scoped");
        assert!(!x.is_empty());
        // Every routed crossing has exactly one end inside.
        for c in x.iter().filter(|c| c.via != "internet" && c.via != "security group rule") {
            assert_ne!(inside.contains(c.from.as_str()), inside.contains(c.to.as_str()), "{c:?}");
        }
        // Internet exposure of in-scope interfaces is listed.
        assert!(x.iter().any(|c| c.via == "internet"));
        assert_eq!(x, scope_crossings(&snap.resources, &a), "deterministic");
    }
}
