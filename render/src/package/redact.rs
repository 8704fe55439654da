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
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use inventory::Snapshot;
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

/// What was replaced, for the manifest (counts only: the originals must not leak).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactionStats {
    pub account_ids: usize,
    pub public_ips: usize,
}

pub fn redact(snapshot: &Snapshot) -> Result<(Snapshot, RedactionStats), String> {
    let ips = ip_pseudonyms(&estate_public_ips(snapshot));
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
    inventory::for_each_kind!(redact_kind);
    out = redact_value(&out, &ips, &mut accounts)?;
    out.resources = resources;
    out.normalize();
    Ok((out, RedactionStats { account_ids: accounts.len(), public_ips: ips.len() }))
}

/// `x` through a JSON tree with every string (and object key) redacted.
fn redact_value<T: serde::Serialize + serde::de::DeserializeOwned>(
    x: &T,
    ips: &HashMap<String, String>,
    accounts: &mut BTreeMap<String, String>,
) -> Result<T, String> {
    let mut value = serde_json::to_value(x).map_err(|e| e.to_string())?;
    walk(&mut value, ips, accounts);
    serde_json::from_value(value).map_err(|e| format!("redacted snapshot no longer parses: {e}"))
}

fn walk(v: &mut Value, ips: &HashMap<String, String>, accounts: &mut BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(r) = redact_str(s, ips, accounts) {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, ips, accounts)),
        Value::Object(m) => {
            // Tag keys may hold ids too; rebuild the map only when a key changes.
            let renamed: Vec<(String, String)> =
                m.keys().filter_map(|k| redact_str(k, ips, accounts).map(|r| (k.clone(), r))).collect();
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

/// Replaces account ids and estate IPs inside one string; None when nothing changed.
fn redact_str(s: &str, ips: &HashMap<String, String>, accounts: &mut BTreeMap<String, String>) -> Option<String> {
    let b = s.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut last = 0;
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
            out.push_str(&s[last..i]);
            out.push_str(&r);
            last = end;
            changed = true;
        }
        i = j;
    }
    if !changed {
        return None;
    }
    out.push_str(&s[last..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redacting resource by resource gives exactly what one pass over the whole
    /// snapshot's JSON tree gives (the simpler form it replaced for memory's sake).
    #[test]
    fn per_resource_redaction_equals_whole_tree_redaction() {
        let snapshot = inventory::demo::demo_snapshot().expect("demo snapshot");
        let (fast, stats) = redact(&snapshot).expect("redact");
        let ips = ip_pseudonyms(&estate_public_ips(&snapshot));
        let mut accounts = BTreeMap::new();
        let mut whole: Snapshot = redact_value(&snapshot, &ips, &mut accounts).expect("whole tree");
        whole.normalize();
        assert_eq!(fast, whole);
        assert_eq!(stats.account_ids, accounts.len());
        assert!(stats.account_ids > 0 && stats.public_ips > 0, "demo has ids and IPs to redact");
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
