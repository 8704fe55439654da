//! Monotonicity of the exposure analysis: adding an allow rule never removes
//! exposure; adding a NACL deny rule never adds any. "Exposure" is compared as the
//! set of (ENI, IP version, protocol, port, source range) it covers, since one more
//! rule can legitimately merge, split or re-attribute findings.
mod common;

use common::*;
use inventory::analysis::{ExposureFinding, IpVersion};
use inventory::model::*;
use proptest::prelude::*;

const SOURCES: [&str; 6] = ["0.0.0.0/0", "203.0.113.0/24", "203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/8", "::/0"];
const PROTOS: [&str; 4] = ["tcp", "udp", "icmp", "-1"];

#[derive(Debug, Clone)]
struct Rule {
    proto: &'static str,
    from: u16,
    len: u16,
    source: &'static str,
}

impl Rule {
    fn ports(&self) -> String {
        if matches!(self.proto, "tcp" | "udp") {
            format!("{}-{}", self.from, self.from.saturating_add(self.len))
        } else {
            String::new()
        }
    }
}

fn rule() -> impl Strategy<Value = Rule> {
    (0..PROTOS.len(), 0u16..1100, 0u16..200, 0..SOURCES.len()).prop_map(|(p, from, len, s)| Rule {
        proto: PROTOS[p],
        from,
        len,
        source: SOURCES[s],
    })
}

#[derive(Debug, Clone)]
struct Nacl {
    number: u16,
    egress: bool,
    allow: bool,
    rule: Rule,
}

fn nacl() -> impl Strategy<Value = Nacl> {
    (1u16..400, any::<bool>(), any::<bool>(), rule()).prop_map(|(n, egress, allow, rule)| Nacl {
        number: n * 10,
        egress,
        allow,
        rule,
    })
}

/// A public web estate whose NACL is replaced by generated rules (plus a broad
/// allow at 1000 so there is usually something to find).
fn estate(sg_rules: &[Rule], nacls: &[Nacl]) -> Estate {
    let mut e = Estate::public_web().clear_nacl(false).clear_nacl(true);
    for r in sg_rules {
        e = e.sg_in("sg-1", r.proto, &r.ports(), r.source);
    }
    for n in nacls {
        e = e.nacl(n.number, n.egress, n.rule.proto, &n.rule.ports(), n.rule.source, n.allow);
    }
    e.nacl(5000, false, "-1", "", "0.0.0.0/0", true)
        .nacl(5000, true, "-1", "", "0.0.0.0/0", true)
        .nacl(5001, false, "-1", "", "::/0", true)
        .nacl(5001, true, "-1", "", "::/0", true)
}

fn pieces(f: &ExposureFinding) -> Vec<(Protocol, PortRange)> {
    match f.protocol {
        Protocol::All => {
            let icmp = if f.ip_version == IpVersion::V4 { Protocol::Icmp } else { Protocol::Icmpv6 };
            vec![(Protocol::Tcp, PortRange::ALL), (Protocol::Udp, PortRange::ALL), (icmp, PortRange::single(0))]
        }
        p => vec![(p, f.ports.unwrap_or(PortRange::single(0)))],
    }
}

/// Whether everything `small` exposes is also exposed by `big`.
fn covered(small: &[ExposureFinding], big: &[ExposureFinding]) -> Result<(), String> {
    for f in small {
        for (p, range) in pieces(f) {
            let mut spans: Vec<PortRange> = big
                .iter()
                .filter(|g| g.eni_id == f.eni_id && g.ip_version == f.ip_version && g.source.contains(&f.source))
                .flat_map(pieces)
                .filter(|(q, _)| *q == p)
                .map(|(_, r)| r)
                .collect();
            spans.sort();
            let mut next = range.from as u32;
            for s in spans {
                if s.from as u32 <= next && s.to as u32 >= next {
                    next = s.to as u32 + 1;
                }
            }
            if next <= range.to as u32 {
                return Err(format!("{} {p} {range} from {} no longer covered (port {next})", f.eni_id, f.source));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn adding_an_sg_allow_never_removes_exposure(sgs in prop::collection::vec(rule(), 0..5), nacls in prop::collection::vec(nacl(), 0..6), extra in rule()) {
        let before = estate(&sgs, &nacls).analyze().exposures;
        let mut more = sgs.clone();
        more.push(extra);
        let after = estate(&more, &nacls).analyze().exposures;
        prop_assert!(covered(&before, &after).is_ok(), "{:?}", covered(&before, &after));
    }

    #[test]
    fn adding_a_nacl_allow_never_removes_exposure(sgs in prop::collection::vec(rule(), 0..5), nacls in prop::collection::vec(nacl(), 0..6), extra in nacl()) {
        prop_assume!(!nacls.iter().any(|n| n.number == extra.number && n.egress == extra.egress));
        let before = estate(&sgs, &nacls).analyze().exposures;
        let mut more = nacls.clone();
        more.push(Nacl { allow: true, ..extra });
        let after = estate(&sgs, &more).analyze().exposures;
        prop_assert!(covered(&before, &after).is_ok(), "{:?}", covered(&before, &after));
    }

    #[test]
    fn adding_a_nacl_deny_never_adds_exposure(sgs in prop::collection::vec(rule(), 0..5), nacls in prop::collection::vec(nacl(), 0..6), extra in nacl()) {
        prop_assume!(!nacls.iter().any(|n| n.number == extra.number && n.egress == extra.egress));
        let before = estate(&sgs, &nacls).analyze().exposures;
        let mut more = nacls.clone();
        more.push(Nacl { allow: false, ..extra });
        let after = estate(&sgs, &more).analyze().exposures;
        prop_assert!(covered(&after, &before).is_ok(), "{:?}", covered(&after, &before));
    }
}
