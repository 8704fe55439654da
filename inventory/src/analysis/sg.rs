//! Security-group ingress evaluation for one source address (stateful: no return check).
use ipnet::IpNet;

use super::ipset::contains_addr;
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

/// Every ingress rule of `groups` (in group, then rule order) admitting address `a`
/// on protocol `p`, directly or through a prefix-list entry. SG references are not
/// internet sources and never match.
pub fn admitting<'a>(groups: &[&'a SecurityGroup], ix: &Index<'a>, a: u128, v6: bool, p: Protocol) -> Vec<SgMatch<'a>> {
    let mut out = Vec::new();
    for g in groups {
        for rule in &g.ingress {
            if !rule.protocol.covers(p) {
                continue;
            }
            let via_entry = match &rule.peer {
                RulePeer::Cidr { cidr } if contains_addr(cidr, a, v6) => None,
                RulePeer::PrefixList { prefix_list_id } => {
                    match ix.prefix_list_entries(prefix_list_id).iter().find(|e| contains_addr(&e.cidr, a, v6)) {
                        Some(e) => Some(&e.cidr),
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
