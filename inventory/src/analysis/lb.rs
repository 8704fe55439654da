//! What sits behind an internet-exposed load balancer: ENIs whose security groups
//! admit one of the load balancer's groups.
use std::collections::BTreeSet;

use super::types::{ExposureFinding, LoadBalancerBackend};
use crate::model::{NetworkInterface, ServiceKind};
use crate::topology::Index;

pub fn load_balancer_backends(findings: &[ExposureFinding], ix: &Index) -> Vec<LoadBalancerBackend> {
    let lb_enis: BTreeSet<&str> =
        findings.iter().filter(|f| f.service == ServiceKind::Elb).map(|f| f.eni_id.as_str()).collect();
    let mut out = BTreeSet::new();
    for lb_id in lb_enis {
        let Some(lb) = ix.get::<NetworkInterface>(lb_id) else { continue };
        for lb_sg in &lb.security_group_ids {
            let Some(refs) = ix.sg_referenced_by.get(lb_sg.as_str()) else { continue };
            for (group, rule) in refs {
                let Some(enis) = ix.enis_by_sg.get(group.id.as_str()) else { continue };
                for backend in enis.iter().filter(|e| e.id != lb.id) {
                    out.insert(LoadBalancerBackend {
                        resource_id: backend.instance_id().unwrap_or(&backend.id).to_string(),
                        eni_id: backend.id.clone(),
                        vpc_id: backend.vpc_id.clone(),
                        load_balancer_eni_id: lb.id.clone(),
                        load_balancer_security_group_id: lb_sg.clone(),
                        security_group_id: group.id.clone(),
                        protocol: rule.protocol,
                        ports: rule.protocol.has_ports().then(|| rule.port_range()),
                    });
                }
            }
        }
    }
    out.into_iter().collect()
}
