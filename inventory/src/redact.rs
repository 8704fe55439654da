//! `--redact`: account ids and the estate's public IPv4 addresses replaced by stable
//! pseudonyms everywhere in the snapshot, before analysis and rendering, so every
//! file downstream (tables, report, diagrams) is consistent by construction.
//!
//! - Account id: any run of exactly 12 digits not touching a letter or digit (ARNs,
//!   owner ids, caller ARNs, descriptions) → "acct-" + first 8 hex of
//!   sha256("auditmap-redact:" + id).
//! - Public IPv4: every address the estate owns (ENI/instance public IPs, EIPs, NAT
//!   public IPs, customer gateway IPs, VPN tunnel outside IPs), wherever it appears
//!   as a dotted quad → an address in 198.18.0.0/15 (RFC 2544 benchmark range, never
//!   routed) derived from the same hash; collisions take the next free address.
//! - Public IPv6: AWS IPv6 addresses are all globally routable. Every address or
//!   CIDR inside one of the estate's VPC IPv6 blocks gets that block's prefix
//!   swapped for a pseudonym prefix in 2001:db8::/32 (RFC 3849 documentation range)
//!   and keeps its other bits, so subnets stay inside their VPC and addresses inside
//!   their subnet: the analysis of the redacted snapshot is the same as the original's.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv6Net;

use crate::Snapshot;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(format!("auditmap-redact:{s}").as_bytes()).into()
}

pub fn account_pseudonym(id: &str) -> String {
    format!("acct-{}", &hex::encode(digest(id))[..8])
}

/// The public IPv4 addresses that belong to the estate, sorted.
pub fn estate_public_ips(s: &Snapshot) -> BTreeSet<Ipv4Addr> {
    let r = &s.resources;
    let mut ips = BTreeSet::new();
    for e in &r.network_interfaces {
        ips.extend(e.public_ips());
    }
    ips.extend(r.instances.iter().filter_map(|i| i.public_ip));
    ips.extend(r.elastic_ips.iter().map(|e| e.public_ip));
    ips.extend(r.nat_gateways.iter().flat_map(|n| n.addresses.iter().filter_map(|a| a.public_ip)));
    ips.extend(
        r.customer_gateways
            .iter()
            .filter_map(|c| c.ip_address.as_deref().and_then(|s| s.trim().parse::<Ipv4Addr>().ok())),
    );
    ips.extend(
        r.vpn_connections
            .iter()
            .flat_map(|v| v.tunnels.iter().filter_map(|t| t.outside_ip.trim().parse::<Ipv4Addr>().ok())),
    );
    ips
}

/// Pseudonyms for `ips`, deterministic for the same set.
fn ip_pseudonyms(ips: &BTreeSet<Ipv4Addr>) -> HashMap<String, String> {
    const BASE: u32 = u32::from_be_bytes([198, 18, 0, 0]);
    const SIZE: u32 = 1 << 17;
    let mut used = BTreeSet::new();
    let mut out = HashMap::new();
    for ip in ips {
        let d = digest(&ip.to_string());
        let mut n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % SIZE;
        // More estate IPs than the range holds cannot happen (131 072); the bound keeps the loop finite anyway.
        for _ in 0..SIZE {
            if used.insert(n) {
                break;
            }
            n = (n + 1) % SIZE;
        }
        out.insert(ip.to_string(), Ipv4Addr::from(BASE + n).to_string());
    }
    out
}

/// The estate's IPv6 blocks (VPC IPv6 CIDRs), sorted.
pub fn estate_ipv6_blocks(s: &Snapshot) -> BTreeSet<Ipv6Net> {
    s.resources.vpcs.iter().flat_map(|v| v.ipv6_cidr_blocks.iter().map(|b| b.trunc())).collect()
}

/// Each estate block → a pseudonym block of the same length inside 2001:db8::/32.
/// Blocks shorter than /33 keep 2001:db8::/32 itself (AWS hands out /56s; BYOIP /48s).
#[derive(Debug, Default)]
struct Ipv6Pseudonyms {
    blocks: Vec<(Ipv6Net, Ipv6Net)>,
}

impl Ipv6Pseudonyms {
    fn new(blocks: &BTreeSet<Ipv6Net>) -> Ipv6Pseudonyms {
        const DOC: u128 = 0x2001_0db8 << 96;
        let mut used = BTreeSet::new();
        let mut out = Vec::new();
        for b in blocks {
            let len = b.prefix_len().max(32);
            let free_bits = (len - 32) as u32;
            let space: u128 = if free_bits == 0 { 1 } else { 1u128 << free_bits.min(64) };
            let d = digest(&b.to_string());
            let mut n = u128::from_be_bytes(d[..16].try_into().unwrap_or([0; 16])) % space;
            for _ in 0..space.min(1 << 20) {
                if used.insert((len, n)) {
                    break;
                }
                n = (n + 1) % space;
            }
            let prefix = if free_bits == 0 { DOC } else { DOC | (n << (128 - len as u32)) };
            if let Ok(p) = Ipv6Net::new(Ipv6Addr::from(prefix), len) {
                out.push((*b, p));
            }
        }
        // Longest blocks first, so a nested block wins over its parent.
        out.sort_by(|a, b| b.0.prefix_len().cmp(&a.0.prefix_len()).then(a.0.cmp(&b.0)));
        Ipv6Pseudonyms { blocks: out }
    }

    /// The pseudonym of `ip`, if it is inside an estate block.
    fn map(&self, ip: Ipv6Addr) -> Option<Ipv6Addr> {
        let (from, to) = self.blocks.iter().find(|(from, _)| from.contains(&ip))?;
        let host_mask: u128 = if to.prefix_len() >= 128 { 0 } else { u128::MAX >> to.prefix_len() };
        let keep = u128::from(ip) & if from.prefix_len() >= 128 { 0 } else { u128::MAX >> from.prefix_len() };
        Some(Ipv6Addr::from((u128::from(to.network()) & !host_mask) | keep))
    }

    /// Replaces every estate IPv6 address or CIDR in `s`; None when nothing changed.
    fn redact(&self, s: &str) -> Option<String> {
        if self.blocks.is_empty() || !s.contains(':') {
            return None;
        }
        let b = s.as_bytes();
        let is_v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
        let mut out = Splice::new(s);
        let mut i = 0;
        while i < b.len() {
            if !is_v6(b[i]) || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b':')) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < b.len() && is_v6(b[j]) {
                j += 1;
            }
            let bounded = j >= b.len() || !(b[j].is_ascii_alphanumeric() || b[j] == b'_');
            let token = &s[i..j];
            if bounded && token.matches(':').count() >= 2 {
                if let Some(mapped) = token.parse::<Ipv6Addr>().ok().and_then(|ip| self.map(ip)) {
                    out.put(i, j, &mapped.to_string());
                }
            }
            i = j;
        }
        out.finish()
    }
}

/// A copy of a string with some byte ranges replaced, left to right.
struct Splice<'a> {
    s: &'a str,
    out: String,
    last: usize,
    changed: bool,
}

impl<'a> Splice<'a> {
    fn new(s: &'a str) -> Splice<'a> {
        Splice { s, out: String::new(), last: 0, changed: false }
    }

    /// Replaces `s[from..to]` (which starts at or after the previous replacement's end).
    fn put(&mut self, from: usize, to: usize, text: &str) {
        self.out.push_str(&self.s[self.last..from]);
        self.out.push_str(text);
        self.last = to;
        self.changed = true;
    }

    /// The new string, or None when nothing was replaced.
    fn finish(mut self) -> Option<String> {
        if !self.changed {
            return None;
        }
        self.out.push_str(&self.s[self.last..]);
        Some(self.out)
    }
}

/// What was replaced, for the manifest (counts only: the originals must not leak).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactionStats {
    pub account_ids: usize,
    pub public_ips: usize,
    /// Estate IPv6 blocks (VPC IPv6 CIDRs) whose prefix was replaced.
    pub ipv6_blocks: usize,
}

pub fn redact(snapshot: &Snapshot) -> Result<(Snapshot, RedactionStats), String> {
    let ips = Pseudonyms {
        v4: ip_pseudonyms(&estate_public_ips(snapshot)),
        v6: Ipv6Pseudonyms::new(&estate_ipv6_blocks(snapshot)),
    };
    let mut accounts: BTreeMap<String, String> = BTreeMap::new();
    // One resource at a time through a JSON tree, then the rest of the snapshot: the
    // tree of a whole 100k-resource estate would cost several hundred MB at once.
    let mut out = snapshot.clone();
    let mut resources = std::mem::take(&mut out.resources);
    macro_rules! redact_kind {
        ($field:ident, $ty:ident) => {
            for r in resources.$field.iter_mut() {
                *r = redact_value(&*r, &ips, &mut accounts)?;
            }
        };
    }
    crate::for_each_kind!(redact_kind);
    out = redact_value(&out, &ips, &mut accounts)?;
    out.resources = resources;
    out.normalize();
    Ok((
        out,
        RedactionStats { account_ids: accounts.len(), public_ips: ips.v4.len(), ipv6_blocks: ips.v6.blocks.len() },
    ))
}

/// Every replacement table of one redaction.
struct Pseudonyms {
    v4: HashMap<String, String>,
    v6: Ipv6Pseudonyms,
}

/// `x` through a JSON tree with every string (and object key) redacted.
fn redact_value<T: serde::Serialize + serde::de::DeserializeOwned>(
    x: &T,
    ips: &Pseudonyms,
    accounts: &mut BTreeMap<String, String>,
) -> Result<T, String> {
    let mut value = serde_json::to_value(x).map_err(|e| e.to_string())?;
    walk(&mut value, ips, accounts);
    serde_json::from_value(value).map_err(|e| format!("redacted snapshot no longer parses: {e}"))
}

fn walk(v: &mut Value, ips: &Pseudonyms, accounts: &mut BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(r) = redact_all(s, ips, accounts) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, ips, accounts)),
        Value::Object(m) => {
            // Tag keys may hold ids too; rebuild the map only when a key changes.
            let renamed: Vec<(String, String)> =
                m.keys().filter_map(|k| redact_all(k, ips, accounts).map(|r| (k.clone(), r))).collect();
            for (old, new) in renamed {
                if let Some(x) = m.remove(&old) {
                    m.insert(new, x);
                }
            }
            m.values_mut().for_each(|x| walk(x, ips, accounts));
        }
        _ => {}
    }
}

/// IPv6 first (its tokens hold digit runs the IPv4/account pass would otherwise see).
fn redact_all(s: &str, ips: &Pseudonyms, accounts: &mut BTreeMap<String, String>) -> Option<String> {
    match ips.v6.redact(s) {
        Some(v6) => Some(redact_str(&v6, &ips.v4, accounts).unwrap_or(v6)),
        None => redact_str(s, &ips.v4, accounts),
    }
}

/// Replaces account ids and estate IPv4s inside one string; None when nothing changed.
fn redact_str(s: &str, ips: &HashMap<String, String>, accounts: &mut BTreeMap<String, String>) -> Option<String> {
    let b = s.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let mut out = Splice::new(s);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        // A maximal run of digits and dots starting here, without trailing dots.
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
            j += 1;
        }
        let mut end = j;
        while end > i && b[end - 1] == b'.' {
            end -= 1;
        }
        let token = &s[i..end];
        let bounded = end >= b.len() || !b[end].is_ascii_alphanumeric();
        let replacement = if !bounded {
            None
        } else if let Some(p) = ips.get(token) {
            Some(p.clone())
        } else if token.len() == 12 && token.bytes().all(|c| c.is_ascii_digit()) {
            Some(accounts.entry(token.to_string()).or_insert_with(|| account_pseudonym(token)).clone())
        } else {
            None
        };
        if let Some(r) = replacement {
            out.put(i, end, &r);
        }
        i = j;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redacting resource by resource gives exactly what one pass over the whole
    /// snapshot's JSON tree gives (the simpler form it replaced for memory's sake).
    #[test]
    fn per_resource_redaction_equals_whole_tree_redaction() {
        let snapshot = crate::demo::demo_snapshot().expect("demo snapshot");
        let (fast, stats) = redact(&snapshot).expect("redact");
        let ips = Pseudonyms {
            v4: ip_pseudonyms(&estate_public_ips(&snapshot)),
            v6: Ipv6Pseudonyms::new(&estate_ipv6_blocks(&snapshot)),
        };
        let mut accounts = BTreeMap::new();
        let mut whole: Snapshot = redact_value(&snapshot, &ips, &mut accounts).expect("whole tree");
        whole.normalize();
        assert_eq!(fast, whole);
        assert_eq!(stats.account_ids, accounts.len());
        assert!(stats.account_ids > 0 && stats.public_ips > 0, "demo has ids and IPs to redact");
        assert!(stats.ipv6_blocks > 0, "demo has IPv6 blocks to redact");
    }

    #[test]
    fn replaces_bounded_tokens_only() {
        let mut ips = HashMap::new();
        ips.insert("52.1.2.3".to_string(), "198.18.0.9".to_string());
        let mut acc = BTreeMap::new();
        let a = account_pseudonym("123456789012");
        assert_eq!(
            redact_str(
                "arn:aws:iam::123456789012:role/x 52.1.2.3/32 152.1.2.3 52.1.2.34 i-123456789012abc",
                &ips,
                &mut acc
            )
            .unwrap(),
            format!("arn:aws:iam::{a}:role/x 198.18.0.9/32 152.1.2.3 52.1.2.34 i-123456789012abc")
        );
        assert_eq!(redact_str("1234567890123 and 52.1.2.3.", &ips, &mut acc).unwrap(), "1234567890123 and 198.18.0.9.");
        assert_eq!(redact_str("no digits", &ips, &mut acc), None);
        assert!(a.starts_with("acct-") && a.len() == 13);
    }

    #[test]
    fn ip_pseudonyms_are_distinct_and_in_range() {
        let ips: BTreeSet<Ipv4Addr> = (0..5000u32).map(|n| Ipv4Addr::from(0x3400_0000 + n)).collect();
        let p = ip_pseudonyms(&ips);
        let distinct: BTreeSet<&String> = p.values().collect();
        assert_eq!(distinct.len(), ips.len());
        assert!(p.values().all(|v| v.starts_with("198.18.") || v.starts_with("198.19.")));
    }
}

#[cfg(test)]
mod ipv6_tests {
    use super::*;

    #[test]
    fn ipv6_prefix_is_swapped_and_host_bits_kept() {
        let vpc: Ipv6Net = "2600:1f18:abc:1200::/56".parse().unwrap();
        let p = Ipv6Pseudonyms::new(&BTreeSet::from([vpc]));
        let (_, to) = p.blocks[0];
        assert_eq!(to.prefix_len(), 56);
        assert!("2001:db8::/32".parse::<Ipv6Net>().unwrap().contains(&to));
        let subnet = p.redact("2600:1f18:abc:1201::/64").unwrap();
        let addr = p.redact("2600:1f18:abc:1201::1a2b").unwrap();
        let subnet: Ipv6Net = subnet.parse().unwrap();
        let addr: Ipv6Addr = addr.parse().unwrap();
        assert!(to.contains(&subnet) && subnet.contains(&addr), "{to} ⊇ {subnet} ∋ {addr}");
        assert_eq!(u128::from(addr) & 0xffff_ffff_ffff_ffff, 0x1a2b);
        assert_eq!(
            p.redact("allow 2600:1f18:abc:1201::1a2b, 2600:1f18:ffff::1 and ::/0 at 09:30:00").unwrap(),
            format!("allow {addr}, 2600:1f18:ffff::1 and ::/0 at 09:30:00"),
            "only estate addresses change; other addresses, ::/0 and times stay"
        );
        assert_eq!(p.redact("no addresses here"), None);
        assert_eq!(p.redact("i-0abc:def"), None);
    }
}
