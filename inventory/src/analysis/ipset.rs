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

/// Whether a CIDR of family `v6` contains address `a` (as a span value).
pub fn contains_addr(n: &IpNet, a: u128, v6: bool) -> bool {
    let (lo, hi) = span(n);
    matches!(n, IpNet::V6(_)) == v6 && lo <= a && a <= hi
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
    /// Sorted, merged set of any intervals.
    pub fn from_spans(mut spans: Vec<Span>) -> SpanSet {
        spans.sort_unstable();
        let mut out: Vec<Span> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        SpanSet(out)
    }
    pub fn union(&self, other: &SpanSet) -> SpanSet {
        SpanSet::from_spans(self.0.iter().chain(&other.0).copied().collect())
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

/// The non-public ranges of a family as a set.
pub fn non_public_set(v6: bool) -> SpanSet {
    SpanSet::from_spans(non_public(v6).to_vec())
}

/// Whether address `a` (as a span value) is in a non-public range.
pub fn is_non_public(a: u128, v6: bool) -> bool {
    non_public(v6).iter().any(|&(lo, hi)| lo <= a && a <= hi)
}

/// The largest address of a family.
pub fn family_max(v6: bool) -> u128 {
    if v6 {
        u128::MAX
    } else {
        u32::MAX as u128
    }
}

/// The minimal list of CIDRs that exactly covers `set`.
pub fn to_cidrs(set: &SpanSet, v6: bool) -> Vec<IpNet> {
    let bits: u32 = if v6 { 128 } else { 32 };
    let mut out = Vec::new();
    for &(lo, hi) in set.spans() {
        let mut start = lo;
        loop {
            // Largest aligned block at `start` that stays inside [start, hi].
            let mut len = if start == 0 { bits } else { start.trailing_zeros().min(bits) };
            while len > 0 && block_end(start, len).is_none_or(|end| end > hi) {
                len -= 1;
            }
            out.push(net_of(start, bits - len, v6));
            match block_end(start, len).and_then(|e| e.checked_add(1)) {
                Some(next) if next <= hi => start = next,
                _ => break,
            }
        }
    }
    out
}

/// Last address of the aligned block of 2^len addresses starting at `start`.
fn block_end(start: u128, len: u32) -> Option<u128> {
    if len >= 128 {
        return (start == 0).then_some(u128::MAX);
    }
    start.checked_add((1u128 << len) - 1)
}

fn net_of(addr: u128, prefix: u32, v6: bool) -> IpNet {
    if v6 {
        IpNet::V6(ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(addr), prefix as u8).expect("prefix ≤ 128"))
    } else {
        IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(addr as u32), prefix as u8).expect("prefix ≤ 32"))
    }
}

/// A set of internet sources as auditors read it. Non-public addresses are "don't
/// care" (the internet never uses them), so 0.0.0.0/0 stays 0.0.0.0/0 rather than
/// a list of the public blocks around RFC 1918.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// Minimal CIDRs whose public part is exactly the set.
    pub cidrs: Vec<IpNet>,
    /// The smallest single CIDR containing the set.
    pub envelope: IpNet,
    /// "0.0.0.0/0", "203.0.113.0/24, 198.51.100.7/32" or "0.0.0.0/0 except 10.0.0.0/8".
    pub text: String,
}

/// Describes a non-empty set of public addresses (`set` ⊆ public). `own` are further
/// addresses no internet client can have (the VPC's own ranges), also "don't care".
pub fn describe_sources(set: &SpanSet, v6: bool, own: &SpanSet) -> SourceText {
    let np = non_public_set(v6).union(own);
    let widened = set.union(&np);
    let public_in = |n: &IpNet| {
        let mut part = public_part(n);
        part = SpanSet(part.0.iter().flat_map(|s| set.intersect(*s).0).collect());
        !part.is_empty()
    };
    let cidrs: Vec<IpNet> = to_cidrs(&widened, v6).into_iter().filter(public_in).collect();
    let (lo, hi) = (cidrs.iter().map(|c| span(c).0).min(), cidrs.iter().map(|c| span(c).1).max());
    let envelope = envelope_of(lo.unwrap_or(0), hi.unwrap_or(0), v6);
    // Public addresses of the envelope not in the set, as "except" blocks.
    let mut missing = public_part(&envelope);
    for s in set.spans().iter().chain(own.spans()) {
        missing.subtract(*s);
    }
    let except: Vec<IpNet> = to_cidrs(&missing.union(&np), v6)
        .into_iter()
        .filter(|c| {
            let mut m = missing.clone();
            m = SpanSet(m.0.iter().flat_map(|s| SpanSet::of(span(c)).intersect(*s).0).collect());
            !m.is_empty() && covers(&envelope, c)
        })
        .collect();
    let list = cidrs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
    let text = if except.is_empty() {
        envelope.to_string()
    } else if cidrs.len() <= except.len() + 1 {
        list
    } else {
        let ex = except.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
        format!("{envelope} except {ex}")
    };
    SourceText { cidrs, envelope, text }
}

/// The smallest CIDR containing [lo, hi].
fn envelope_of(lo: u128, hi: u128, v6: bool) -> IpNet {
    let bits: u32 = if v6 { 128 } else { 32 };
    let diff = lo ^ hi;
    let free = if diff == 0 { 0 } else { 128 - diff.leading_zeros() };
    let prefix = bits - free.min(bits);
    let mask = if free >= 128 { 0 } else { !((1u128 << free) - 1) };
    net_of(lo & mask, prefix, v6)
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

    fn text(spans: &[(&str, &str)], v6: bool) -> String {
        let set = SpanSet::from_spans(spans.iter().map(|(a, b)| (span(&n(a)).0, span(&n(b)).1)).collect());
        let mut public = SpanSet::default();
        for s in set.spans() {
            for p in public_part(&net_of(0, 0, v6)).intersect(*s).spans() {
                public = public.union(&SpanSet::of(*p));
            }
        }
        describe_sources(&public, v6, &SpanSet::default()).text
    }

    #[test]
    fn sources_read_as_auditors_expect() {
        assert_eq!(text(&[("0.0.0.0/0", "0.0.0.0/0")], false), "0.0.0.0/0");
        assert_eq!(text(&[("128.0.0.0/1", "128.0.0.0/1")], false), "128.0.0.0/1");
        assert_eq!(text(&[("0.0.0.0/0", "1.1.1.255/32")], false), "1.0.0.0/16, 1.1.0.0/23");
        assert_eq!(
            text(&[("203.0.113.0/24", "203.0.113.0/24"), ("198.51.100.7/32", "198.51.100.7/32")], false),
            "198.51.100.7/32, 203.0.113.0/24"
        );
        assert_eq!(text(&[("::/0", "::/0")], true), "::/0");
        // A deny of 1.2.3.0/24 before an allow of 0.0.0.0/0.
        let mut s = public_part(&n("0.0.0.0/0"));
        s.subtract(span(&n("1.2.3.0/24")));
        assert_eq!(describe_sources(&s, false, &SpanSet::default()).text, "0.0.0.0/0 except 1.2.3.0/24");
        // The VPC's own (local-routed) IPv6 range is no internet source: not an exception.
        let own = SpanSet::of(span(&n("2001:db8:10::/56")));
        let mut all6 = public_part(&n("::/0"));
        all6.subtract(span(&n("2001:db8:10::/56")));
        assert_eq!(describe_sources(&all6, true, &own).text, "::/0");
        assert_eq!(to_cidrs(&SpanSet::of((0, u128::MAX)), true), vec![n("::/0")]);
        assert_eq!(
            to_cidrs(&SpanSet::of((1, 6)), false),
            vec![n("0.0.0.1/32"), n("0.0.0.2/31"), n("0.0.0.4/31"), n("0.0.0.6/32")]
        );
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
