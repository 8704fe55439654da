//! Port arithmetic shared by NACL and SG evaluation. Protocols without ports
//! (ICMP, GRE, ...) use a one-point domain so the same code handles them.
use crate::model::{PortRange, Protocol};

/// The "ports" a protocol has: 0-65535 for TCP/UDP, a single point otherwise.
pub fn domain(p: Protocol) -> PortRange {
    if p.has_ports() {
        PortRange::ALL
    } else {
        PortRange::single(0)
    }
}

/// Ports of protocol `p` a rule (of protocol `rule_proto`) names: its range when it is
/// a TCP/UDP rule for `p`, all of `p`'s domain for protocol "all" or portless rules.
pub fn rule_ports(rule_proto: Protocol, ports: Option<PortRange>, p: Protocol) -> PortRange {
    if p.has_ports() && rule_proto == p {
        ports.unwrap_or(PortRange::ALL)
    } else {
        domain(p)
    }
}

pub fn port_span(r: PortRange) -> (u128, u128) {
    (r.from as u128, r.to as u128)
}

pub fn to_range(s: (u128, u128)) -> PortRange {
    PortRange::new(s.0.min(65535) as u16, s.1.min(65535) as u16)
}

/// Ports allowed, each tagged with what allows them: sorted, disjoint.
pub type Segments<K> = Vec<(PortRange, K)>;

/// Splits two tagged range lists at every boundary and keeps the parts present in
/// both, with both tags; adjacent parts with equal tags are merged again. `b` may
/// overlap itself (several SG rules): the first entry covering a port wins.
pub fn intersect<A: Copy + PartialEq, B: Copy + PartialEq>(
    a: &[(PortRange, A)],
    b: &[(PortRange, B)],
) -> Segments<(A, B)> {
    let mut cuts: Vec<u32> = Vec::with_capacity(2 * (a.len() + b.len()));
    let ranges = a.iter().map(|(r, _)| r).chain(b.iter().map(|(r, _)| r));
    for r in ranges {
        cuts.push(r.from as u32);
        cuts.push(r.to as u32 + 1);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Segments<(A, B)> = Vec::new();
    for w in cuts.windows(2) {
        let (lo, hi) = (w[0], w[1] - 1);
        let Some((_, ta)) = a.iter().find(|(r, _)| r.from as u32 <= lo && hi <= r.to as u32) else { continue };
        let Some((_, tb)) = b.iter().find(|(r, _)| r.from as u32 <= lo && hi <= r.to as u32) else { continue };
        match out.last_mut() {
            Some((last, tag)) if *tag == (*ta, *tb) && last.to as u32 + 1 == lo => last.to = hi as u16,
            _ => out.push((PortRange::new(lo as u16, hi as u16), (*ta, *tb))),
        }
    }
    out
}
