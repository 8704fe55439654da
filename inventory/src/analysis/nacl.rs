//! Stateless NACL evaluation for one source/destination address: rules in number
//! order, the first match decides, per port.
use super::ipset::{contains_addr, SpanSet};
use super::ports::{domain, port_span, rule_ports, to_range};
use crate::model::{NaclEntry, PortRange, Protocol, RuleAction};

/// Whether an entry decides for traffic of protocol `p` to/from address `a`. A deny
/// for one ICMP type leaves the other types allowed: not a decision for "ICMP".
pub fn applies(e: &NaclEntry, a: u128, v6: bool, p: Protocol) -> bool {
    let one_icmp_type =
        matches!(e.protocol, Protocol::Icmp | Protocol::Icmpv6) && e.icmp.is_some_and(|t| t.icmp_type != -1);
    e.protocol.covers(p) && contains_addr(&e.cidr, a, v6) && !(one_icmp_type && e.action == RuleAction::Deny)
}

/// Replies of protocol `p` to address `a` (TCP/UDP: to some client ephemeral port
/// 1024-65535): Ok(the first rule allowing part of them), or Err(the first deny that
/// matched, if any).
pub fn replies_allowed(rules: &[&NaclEntry], a: u128, v6: bool, p: Protocol) -> Result<u16, Option<u16>> {
    let dom = if p.has_ports() { PortRange::EPHEMERAL } else { domain(p) };
    let mut remaining = SpanSet::of(port_span(dom));
    let mut first_deny = None;
    for e in rules {
        if remaining.is_empty() {
            break;
        }
        if !applies(e, a, v6, p) {
            continue;
        }
        let rp = port_span(rule_ports(e.protocol, e.ports, p));
        if remaining.intersect(rp).is_empty() {
            continue;
        }
        if e.action == RuleAction::Allow {
            return Ok(e.rule_number);
        }
        first_deny.get_or_insert(e.rule_number);
        remaining.subtract(rp);
    }
    Err(first_deny)
}

/// Allowed port ranges with the rule allowing each, and the first deny (rule, ports).
pub type PortsAllowed = (Vec<(PortRange, u16)>, Option<(u16, PortRange)>);

/// Requests of protocol `p` from/to address `a`, first match per port: the allowed
/// port ranges with the rule allowing each, and the first deny that matched (rule,
/// the ports it decided) for explanations.
pub fn ports_allowed(rules: &[&NaclEntry], a: u128, v6: bool, p: Protocol) -> PortsAllowed {
    let mut remaining = SpanSet::of(port_span(domain(p)));
    let mut allowed = Vec::new();
    let mut first_deny = None;
    for e in rules {
        if remaining.is_empty() {
            break;
        }
        if !applies(e, a, v6, p) {
            continue;
        }
        let rp = port_span(rule_ports(e.protocol, e.ports, p));
        let hit = remaining.intersect(rp);
        if e.action == RuleAction::Allow {
            allowed.extend(hit.spans().iter().map(|s| (to_range(*s), e.rule_number)));
        } else if let Some(s) = hit.spans().first() {
            first_deny.get_or_insert((e.rule_number, to_range(*s)));
        }
        remaining.subtract(rp);
    }
    allowed.sort();
    (allowed, first_deny)
}
