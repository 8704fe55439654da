//! Security-group ingress evaluation for an internet source (stateful: no return check).
use ipnet::IpNet;

use super::ipset::covers;
use super::ports::rule_ports;
use crate::model::{PortRange, Protocol, RulePeer, SecurityGroup, SgRule};
use crate::topology::Index;

/// One SG rule that admits the whole source range on some ports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgMatch<'a> {
    pub group: &'a SecurityGroup,
    pub rule: &'a SgRule,
    pub ports: PortRange,
    /// The prefix-list entry that matched, when the rule names a prefix list.
    pub via_entry: Option<&'a IpNet>,
}

impl SgMatch<'_> {
    /// e.g. "tcp/22 from 0.0.0.0/0" or "tcp/443 from pl-1 (entry 0.0.0.0/0)".
    pub fn describe(&self) -> String {
        let base = self.rule.summary("from");
        match self.via_entry {
            Some(e) => format!("{base} (entry {e})"),
            None => base,
        }
    }
}

/// Every ingress rule of `groups` (in group, then rule order) admitting all of `source`
/// on protocol `p`, directly or through a prefix-list entry. SG references are not
/// internet sources and never match.
pub fn ingress_matches<'a>(
    groups: &[&'a SecurityGroup],
    ix: &Index<'a>,
    source: &IpNet,
    p: Protocol,
) -> Vec<SgMatch<'a>> {
    let mut out = Vec::new();
    for g in groups {
        for rule in &g.ingress {
            if !rule.protocol.covers(p) {
                continue;
            }
            let via_entry = match &rule.peer {
                RulePeer::Cidr { cidr } if covers(cidr, source) => None,
                RulePeer::PrefixList { prefix_list_id } => {
                    let entry =
                        ix.prefix_list_entries(prefix_list_id).iter().map(|e| &e.cidr).find(|c| covers(c, source));
                    match entry {
                        Some(e) => Some(e),
                        None => continue,
                    }
                }
                _ => continue,
            };
            out.push(SgMatch { group: g, rule, ports: rule_ports(rule.protocol, rule.ports, p), via_entry });
        }
    }
    out
}
