//! Stateless NACL evaluation: rules in number order, the first match decides.
use ipnet::IpNet;

use super::ipset::{covers, SpanSet};
use super::ports::{domain, rule_ports, to_range};
use crate::model::{NaclEntry, PortRange, Protocol, RuleAction};

/// Whether a rule can decide for traffic of protocol `p` from/to the whole `peer` range.
/// A rule whose CIDR is narrower than `peer` decides for only part of it; that part is
/// evaluated as its own (narrower) candidate source, so the rule is skipped here.
fn applies(e: &NaclEntry, peer: &IpNet, p: Protocol) -> bool {
    if !e.protocol.covers(p) || !covers(&e.cidr, peer) {
        return false;
    }
    // A deny for one ICMP type leaves the other types allowed: not a decision for "ICMP".
    let one_icmp_type =
        matches!(e.protocol, Protocol::Icmp | Protocol::Icmpv6) && e.icmp.is_some_and(|t| t.icmp_type != -1);
    !(one_icmp_type && e.action == RuleAction::Deny)
}

/// Inbound: the port ranges of protocol `p` from `source` that the NACL allows, each
/// with the rule number that allows it. A deny of a sub-range before a broader allow
/// splits the allowed range.
pub fn inbound_allowed(rules: &[&NaclEntry], source: &IpNet, p: Protocol) -> Vec<(PortRange, u16)> {
    let mut remaining = SpanSet::of(span_of(domain(p)));
    let mut allowed = Vec::new();
    for e in rules {
        if remaining.is_empty() {
            break;
        }
        if !applies(e, source, p) {
            continue;
        }
        let rp = span_of(rule_ports(e.protocol, e.ports, p));
        if e.action == RuleAction::Allow {
            for s in remaining.intersect(rp).spans() {
                allowed.push((to_range(*s), e.rule_number));
            }
        }
        remaining.subtract(rp);
    }
    allowed.sort();
    allowed
}

/// Outbound return traffic: whether replies of protocol `p` to `source` may leave
/// (for TCP/UDP: to some client ephemeral port 1024-65535). Returns the first rule,
/// in evaluation order, that allows part of it.
pub fn return_allowed(rules: &[&NaclEntry], source: &IpNet, p: Protocol) -> Option<u16> {
    let dom = if p.has_ports() { PortRange::EPHEMERAL } else { domain(p) };
    let mut remaining = SpanSet::of(span_of(dom));
    for e in rules {
        if remaining.is_empty() {
            return None;
        }
        if !applies(e, source, p) {
            continue;
        }
        let rp = span_of(rule_ports(e.protocol, e.ports, p));
        if e.action == RuleAction::Allow && !remaining.intersect(rp).is_empty() {
            return Some(e.rule_number);
        }
        remaining.subtract(rp);
    }
    None
}

fn span_of(r: PortRange) -> (u128, u128) {
    (r.from as u128, r.to as u128)
}
