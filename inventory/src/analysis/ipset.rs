//! Address sets as sorted disjoint inclusive intervals, so "which part of a source
//! range routes to the IGW / is public" is exact set arithmetic, not a guess.
use ipnet::IpNet;

/// Inclusive interval of addresses (IPv4 as its u32 value, widened).
pub type Span = (u128, u128);

pub fn span(net: &IpNet) -> Span {
    match net {
        IpNet::V4(n) => (u32::from(n.network()) as u128, u32::from(n.broadcast()) as u128),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

pub fn same_family(a: &IpNet, b: &IpNet) -> bool {
    matches!((a, b), (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_)))
}

/// Whether `outer` contains all of `inner` (same family).
pub fn covers(outer: &IpNet, inner: &IpNet) -> bool {
    same_family(outer, inner) && outer.contains(inner)
}

/// Sorted, disjoint, inclusive intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanSet(Vec<Span>);

impl SpanSet {
    pub fn of(s: Span) -> SpanSet {
        SpanSet(vec![s])
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn spans(&self) -> &[Span] {
        &self.0
    }
    /// The part of the set inside `s`.
    pub fn intersect(&self, s: Span) -> SpanSet {
        SpanSet(
            self.0
                .iter()
                .filter(|&&(lo, hi)| hi >= s.0 && lo <= s.1)
                .map(|&(lo, hi)| (lo.max(s.0), hi.min(s.1)))
                .collect(),
        )
    }
    /// Removes `cut` from every interval.
    pub fn subtract(&mut self, cut: Span) {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &(lo, hi) in &self.0 {
            if cut.1 < lo || cut.0 > hi {
                out.push((lo, hi));
                continue;
            }
            if cut.0 > lo {
                out.push((lo, cut.0 - 1));
            }
            if cut.1 < hi {
                out.push((cut.1 + 1, hi));
            }
        }
        self.0 = out;
    }
}

/// Ranges that the internet never uses as a source: RFC 1918, CGNAT, loopback,
/// link-local, "this network", multicast/reserved; for IPv6 ULA, link-local,
/// loopback, unspecified and multicast. Documentation ranges (203.0.113.0/24 ...)
/// are deliberately NOT here: estates and tests use them as stand-ins for public peers.
/// Nor is 240.0.0.0/5 (reserved): `--redact` puts estate public IPs there, and a peer
/// that was a public estate address must stay a public peer after redaction.
const NON_PUBLIC_V4: [&str; 9] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "248.0.0.0/5",
];
const NON_PUBLIC_V6: [&str; 5] = ["::/127", "fc00::/7", "fe80::/10", "ff00::/8", "::ffff:0:0/96"];

fn non_public(v6: bool) -> &'static [Span] {
    static V4: std::sync::OnceLock<Vec<Span>> = std::sync::OnceLock::new();
    static V6: std::sync::OnceLock<Vec<Span>> = std::sync::OnceLock::new();
    let parse = |list: &[&str]| list.iter().filter_map(|s| s.parse::<IpNet>().ok()).map(|n| span(&n)).collect();
    if v6 {
        V6.get_or_init(|| parse(&NON_PUBLIC_V6))
    } else {
        V4.get_or_init(|| parse(&NON_PUBLIC_V4))
    }
}

/// The public part of a range (possibly empty).
pub fn public_part(net: &IpNet) -> SpanSet {
    let mut set = SpanSet::of(span(net));
    for cut in non_public(matches!(net, IpNet::V6(_))) {
        set.subtract(*cut);
    }
    set
}

/// Whether any address of the range could be an internet source.
pub fn is_public(net: &IpNet) -> bool {
    !public_part(net).is_empty()
}

/// Whether an IPv6 address is globally routable (not ULA, link-local, ...).
pub fn is_public_v6(addr: std::net::Ipv6Addr) -> bool {
    let net = IpNet::V6(ipnet::Ipv6Net::from(addr));
    is_public(&net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn public_ranges() {
        assert!(is_public(&n("0.0.0.0/0")));
        assert!(is_public(&n("203.0.113.7/32")));
        assert!(!is_public(&n("10.1.0.0/16")));
        assert!(!is_public(&n("192.168.1.0/24")));
        assert!(is_public(&n("::/0")));
        assert!(!is_public(&n("fd00::/8")));
        assert!(is_public(&n("2001:db8::/32")));
        assert!(!is_public(&n("224.0.0.0/4")) && !is_public(&n("248.0.0.0/5")));
        // Redaction pseudonyms of public estate addresses stay public.
        assert!(is_public(&n("240.1.2.3/32")) && is_public(&n("3fff:123::/48")));
    }

    #[test]
    fn subtract_splits() {
        let mut s = SpanSet::of((0, 100));
        s.subtract((10, 20));
        assert_eq!(s.0, vec![(0, 9), (21, 100)]);
        s.subtract((0, 9));
        s.subtract((21, 100));
        assert!(s.is_empty());
    }
}
