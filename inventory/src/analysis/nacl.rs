//! Stateless NACL evaluation: rules in number order, the first match decides.
use ipnet::IpNet;

use super::ipset::{covers, public_part, same_family, span, Span, SpanSet};
use super::ports::{domain, rule_ports, to_range};
use crate::model::{NaclEntry, PortRange, Protocol, RuleAction};

/// Whether a rule can decide for traffic of protocol `p` from/to the whole `peer` range.
/// A rule whose CIDR is narrower than `peer` decides for only part of it: an allow is
/// evaluated as its own (narrower) candidate source; a deny is a `partial_deny`.
fn applies(e: &NaclEntry, peer: &IpNet, p: Protocol) -> bool {
    if !e.protocol.covers(p) || !covers(&e.cidr, peer) {
        return false;
    }
    // A deny for one ICMP type leaves the other types allowed: not a decision for "ICMP".
    let one_icmp_type =
        matches!(e.protocol, Protocol::Icmp | Protocol::Icmpv6) && e.icmp.is_some_and(|t| t.icmp_type != -1);
    !(one_icmp_type && e.action == RuleAction::Deny)
}

/// A deny rule for only part of `peer` (its CIDR strictly inside it). It cannot deny
/// the whole range, but several of them can: kept to check what is left.
fn partial_deny(e: &NaclEntry, peer: &IpNet, p: Protocol) -> bool {
    e.action == RuleAction::Deny
        && e.protocol.covers(p)
        && same_family(&e.cidr, peer)
        && peer.contains(&e.cidr)
        && e.cidr.prefix_len() > peer.prefix_len()
        && !(matches!(e.protocol, Protocol::Icmp | Protocol::Icmpv6) && e.icmp.is_some_and(|t| t.icmp_type != -1))
}

/// Parts of `ports` on which some public address of `peer` escapes every earlier
/// partial deny (address span, port span).
fn surviving(ports: Span, partial: &[(Span, Span)], peer: &IpNet) -> Vec<Span> {
    let mut cuts = vec![ports.0, ports.1 + 1];
    for (_, pr) in partial {
        for c in [pr.0, pr.1 + 1] {
            if c > ports.0 && c <= ports.1 {
                cuts.push(c);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Span> = Vec::new();
    for w in cuts.windows(2) {
        let piece = (w[0], w[1] - 1);
        let mut left = public_part(peer);
        for (addr, _) in partial.iter().filter(|(_, pr)| pr.0 <= piece.0 && piece.1 <= pr.1) {
            left.subtract(*addr);
        }
        if left.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.1 + 1 == piece.0 => last.1 = piece.1,
            _ => out.push(piece),
        }
    }
    out
}

/// Inbound: the port ranges of protocol `p` from `source` that the NACL allows, each
/// with the rule number that allows it. A deny of a sub-range before a broader allow
/// splits the allowed range.
pub fn inbound_allowed(rules: &[&NaclEntry], source: &IpNet, p: Protocol) -> Vec<(PortRange, u16)> {
    let mut remaining = SpanSet::of(span_of(domain(p)));
    let mut allowed = Vec::new();
    let mut partial: Vec<(Span, Span)> = Vec::new();
    for e in rules {
        if remaining.is_empty() {
            break;
        }
        if partial_deny(e, source, p) {
            partial.push((span(&e.cidr), span_of(rule_ports(e.protocol, e.ports, p))));
            continue;
        }
        if !applies(e, source, p) {
            continue;
        }
        let rp = span_of(rule_ports(e.protocol, e.ports, p));
        if e.action == RuleAction::Allow {
            for s in remaining.intersect(rp).spans() {
                for piece in surviving(*s, &partial, source) {
                    allowed.push((to_range(piece), e.rule_number));
                }
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
    let mut partial: Vec<(Span, Span)> = Vec::new();
    for e in rules {
        if remaining.is_empty() {
            return None;
        }
        if partial_deny(e, source, p) {
            partial.push((span(&e.cidr), span_of(rule_ports(e.protocol, e.ports, p))));
            continue;
        }
        if !applies(e, source, p) {
            continue;
        }
        let rp = span_of(rule_ports(e.protocol, e.ports, p));
        if e.action == RuleAction::Allow
            && remaining.intersect(rp).spans().iter().any(|s| !surviving(*s, &partial, source).is_empty())
        {
            return Some(e.rule_number);
        }
        remaining.subtract(rp);
    }
    None
}

fn span_of(r: PortRange) -> (u128, u128) {
    (r.from as u128, r.to as u128)
}
