//! Security-group to security-group flows: each ingress rule naming another group.
use super::types::SgFlow;
use crate::model::{RulePeer, SecurityGroup};

pub fn sg_flows(groups: &[SecurityGroup]) -> Vec<SgFlow> {
    let mut out: Vec<SgFlow> = groups
        .iter()
        .flat_map(|g| {
            g.ingress.iter().filter_map(move |rule| match &rule.peer {
                RulePeer::SecurityGroup { group_id, .. } => Some(SgFlow {
                    vpc_id: g.vpc_id.clone(),
                    from_security_group_id: group_id.clone(),
                    to_security_group_id: g.id.clone(),
                    protocol: rule.protocol,
                    ports: rule.protocol.has_ports().then(|| rule.port_range()),
                    rule_id: rule.rule_id.clone(),
                }),
                _ => None,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
