//! `--redact`: account ids and the estate's public IPv4 addresses replaced by stable
//! pseudonyms everywhere in the snapshot, before analysis and rendering, so every
//! file downstream (tables, report, diagrams) is consistent by construction.
//!
//! Every pseudonym is drawn from HMAC-SHA256 under a secret key (`RedactionKey`): the
//! user's own (`--redact-key`), so the same id gets the same pseudonym in every
//! quarter's package, or a random one per package. Without the key nobody can confirm
//! a guessed account id or brute-force an address back from its pseudonym (an unkeyed
//! hash of a 12-digit id or a /16's 65 536 addresses falls in under a second).
//!
//! - Account id: any run of exactly 12 digits not touching a letter or digit (ARNs,
//!   owner ids, caller ARNs, descriptions), also spelled `1111-1111-1111`, and the
//!   estate's own account ids even when glued to letters → "acct-" + 8 hex.
//!   A percent escape (`%3A` in a URL-encoded ARN) counts as a separator.
//! - Public IPv4: every address the estate owns (ENI/instance public IPs, EIPs, NAT
//!   public IPs, customer gateway IPs, VPN tunnel outside IPs), wherever it appears
//!   as a dotted quad or dashed (`ec2-203-0-113-10.eu-west-1.compute.amazonaws.com`)
//!   → an address in 240.0.0.0/5 (reserved, never assigned or routed, and disjoint
//!   from the documentation and benchmark ranges estates and `example` use).
//! - Public IPv6: AWS IPv6 addresses are all globally routable. Every address or
//!   CIDR inside one of the estate's VPC IPv6 blocks gets that block's prefix
//!   swapped for a pseudonym prefix in 3fff::/20 (RFC 9637 documentation range; not
//!   2001:db8::/32, which estates and the demo use) and keeps its other bits, so
//!   subnets stay inside their VPC and addresses inside their subnet: the analysis
//!   of the redacted snapshot is the same as the original's.
//!
//! No pseudonym equals an address that appears anywhere in the snapshot: a draw that
//! lands on one (or on another pseudonym) is drawn again with the next attempt number.
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use hmac::{KeyInit, Mac};
use ipnet::Ipv6Net;

use crate::Snapshot;
use serde_json::Value;

/// The IPv4 pseudonym space: 240.0.0.0/5 (2^27 addresses).
pub const IPV4_PSEUDONYM_NET: &str = "240.0.0.0/5";
const V4_BASE: u32 = 0xF000_0000;
const V4_BITS: u32 = 27;
/// The IPv6 pseudonym space: 3fff::/20.
pub const IPV6_PSEUDONYM_NET: &str = "3fff::/20";
const V6_BASE: u128 = 0x3fff << 112;
const V6_LEN: u8 = 20;

/// The secret pseudonyms are keyed with. Never printed (Debug hides the bytes).
#[derive(Clone)]
pub struct RedactionKey {
    bytes: Vec<u8>,
    user: bool,
}

impl std::fmt::Debug for RedactionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedactionKey").field("user", &self.user).finish_non_exhaustive()
    }
}

impl RedactionKey {
    /// Shorter user keys are refused: a short key can be guessed, and with it every pseudonym.
    pub const MIN_LEN: usize = 16;

    /// The user's key (`--redact-key FILE` / `AUDITMAP_REDACT_KEY`): pseudonyms are the
    /// same in every package made with it.
    pub fn user(bytes: Vec<u8>) -> Result<RedactionKey, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "the redaction key is {} bytes; it must be at least {} (e.g. head -c 32 /dev/urandom > redact.key)",
                bytes.len(),
                Self::MIN_LEN
            ));
        }
        Ok(RedactionKey { bytes, user: true })
    }

    /// A fresh random key: pseudonyms then differ from every other package's.
    pub fn random() -> Result<RedactionKey, String> {
        let mut bytes = vec![0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| format!("no random redaction key: {e}"))?;
        Ok(RedactionKey { bytes, user: false })
    }

    /// Whether the key is the user's (pseudonyms comparable across packages).
    pub fn is_user(&self) -> bool {
        self.user
    }

    /// HMAC-SHA256 of `what` ("account", "ipv4", "ipv6"), the value and the attempt
    /// number, NUL-separated so no two inputs share an encoding.
    fn mac(&self, what: &str, value: &str, attempt: u32) -> [u8; 32] {
        // HMAC takes keys of any length; the Err arm cannot happen.
        let Ok(mut m) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.bytes) else { return [0; 32] };
        m.update(what.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        m.update(&[0]);
        m.update(&attempt.to_be_bytes());
        m.finalize().into_bytes().into()
    }
}

/// The pseudonym of account id `id` (12 digits) under `key`.
pub fn account_pseudonym(key: &RedactionKey, id: &str) -> String {
    format!("acct-{}", &hex::encode(key.mac("account", id, 0))[..8])
}

/// The public IPv4 addresses that belong to the estate (every resource's `Asset`
/// public addresses), sorted.
pub fn estate_public_ips(s: &Snapshot) -> BTreeSet<Ipv4Addr> {
    let r = &s.resources;
    let mut ips = BTreeSet::new();
    macro_rules! kind_ips {
        ($field:ident, $ty:ident) => {
            for x in &r.$field {
                ips.extend(
                    crate::model::Resource::asset(x)
                        .public_ips
                        .iter()
                        .filter_map(|ip| ip.trim().parse::<Ipv4Addr>().ok()),
                );
            }
        };
    }
    crate::for_each_kind!(kind_ips);
    ips
}

/// The estate's own account ids (scope, callers, resources): replaced wherever they
/// appear, even glued to letters.
fn estate_accounts(s: &Snapshot) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = s.scope.accounts.iter().cloned().collect();
    ids.extend(s.identity.iter().map(|i| i.account_id.clone()));
    ids.extend(s.resources.iter().map(|r| r.account_id.to_string()));
    ids.retain(|a| is_account_digits(a));
    ids
}

fn is_account_digits(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
}

/// Addresses and CIDRs inside the pseudonym spaces that already appear in the
/// snapshot's text: pseudonyms must never equal (IPv6: overlap) any of them.
#[derive(Debug, Default)]
pub struct Taken {
    /// IPv4 ranges (first, last) inside 240.0.0.0/5.
    v4: Vec<(u32, u32)>,
    /// IPv6 addresses and CIDRs inside 3fff::/20.
    v6: Vec<Ipv6Net>,
}

impl Taken {
    /// Every IPv4/IPv6 address or CIDR written in `text` (the snapshot's JSON) that
    /// falls inside a pseudonym space. One linear pass; almost always finds nothing.
    pub fn scan(text: &[u8]) -> Taken {
        let mut t = Taken::default();
        let v4_space = (V4_BASE, V4_BASE | ((1u32 << V4_BITS) - 1));
        let v6_space = Ipv6Net::new(Ipv6Addr::from(V6_BASE), V6_LEN).ok();
        let is_tok = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
        let mut i = 0;
        while i < text.len() {
            if !is_tok(text[i]) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < text.len() && is_tok(text[j]) {
                j += 1;
            }
            let Ok(token) = std::str::from_utf8(&text[i..j]) else {
                i = j;
                continue;
            };
            let token = token.trim_matches('.');
            // A "/len" right after the address makes it a CIDR.
            let mut k = j;
            let len = if k < text.len() && text[k] == b'/' {
                k += 1;
                let from = k;
                while k < text.len() && text[k].is_ascii_digit() && k - from < 3 {
                    k += 1;
                }
                std::str::from_utf8(&text[from..k]).ok().and_then(|n| n.parse::<u8>().ok())
            } else {
                None
            };
            if let Ok(a) = token.parse::<Ipv4Addr>() {
                let len = len.unwrap_or(32).min(32);
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                let first = u32::from(a) & mask;
                let last = first | !mask;
                // Only what lies inside the space: 0.0.0.0/0 holds every address but
                // is no address a pseudonym could be confused with.
                if first >= v4_space.0 && last <= v4_space.1 {
                    t.v4.push((first, last));
                }
            } else if token.matches(':').count() >= 2 {
                if let (Ok(a), Some(space)) = (token.parse::<Ipv6Addr>(), v6_space) {
                    if let Ok(net) = Ipv6Net::new(a, len.unwrap_or(128).min(128)).map(|n| n.trunc()) {
                        if space.contains(&net.network()) && net.prefix_len() > V6_LEN {
                            t.v6.push(net);
                        }
                    }
                }
            }
            i = j.max(i + 1);
        }
        t
    }

    fn has_v4(&self, a: u32) -> bool {
        self.v4.iter().any(|&(f, l)| f <= a && a <= l)
    }
}

fn overlaps(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Pseudonyms for `ips` under `key`, deterministic for the same set, key and text.
fn ip_pseudonyms(ips: &BTreeSet<Ipv4Addr>, key: &RedactionKey, taken: &Taken) -> HashMap<String, String> {
    let estate: HashSet<u32> = ips.iter().map(|&i| u32::from(i)).collect();
    let mut used = HashSet::new();
    let mut out = HashMap::new();
    for ip in ips {
        let text = ip.to_string();
        // 2^27 addresses for at most a few hundred thousand: a re-draw is rare, and
        // the attempt bound only keeps the loop finite.
        let mut n = V4_BASE;
        for attempt in 0..1_000_000u32 {
            let d = key.mac("ipv4", &text, attempt);
            n = V4_BASE | (u32::from_be_bytes([d[0], d[1], d[2], d[3]]) >> (32 - V4_BITS));
            if !estate.contains(&n) && !taken.has_v4(n) && used.insert(n) {
                break;
            }
        }
        out.insert(text, Ipv4Addr::from(n).to_string());
    }
    out
}

/// The estate's IPv6 blocks (VPC IPv6 CIDRs), sorted.
pub fn estate_ipv6_blocks(s: &Snapshot) -> BTreeSet<Ipv6Net> {
    s.resources.vpcs.iter().flat_map(|v| v.ipv6_cidr_blocks.iter().map(|b| b.trunc())).collect()
}

/// Each estate block → a pseudonym block of the same length inside 3fff::/20.
/// Blocks shorter than /21 keep 3fff::/20 itself (AWS hands out /56s; BYOIP /48s).
#[derive(Debug, Default)]
struct Ipv6Pseudonyms {
    blocks: Vec<(Ipv6Net, Ipv6Net)>,
}

impl Ipv6Pseudonyms {
    fn new(blocks: &BTreeSet<Ipv6Net>, key: &RedactionKey, taken: &Taken) -> Ipv6Pseudonyms {
        // Pseudonym blocks never overlap each other (addresses of two VPCs must stay
        // distinct), an estate block, or an address the snapshot mentions.
        let mut used: BTreeMap<u128, u128> = BTreeMap::new();
        let free = |used: &BTreeMap<u128, u128>, p: &Ipv6Net| {
            let (lo, hi) = (u128::from(p.network()), u128::from(p.broadcast()));
            let before = used.range(..=hi).next_back().is_some_and(|(_, &end)| end >= lo);
            !before && !blocks.iter().any(|b| overlaps(b, p)) && !taken.v6.iter().any(|t| overlaps(t, p))
        };
        let mut out = Vec::new();
        for b in blocks {
            let len = b.prefix_len().max(V6_LEN);
            let free_bits = (len - V6_LEN) as u32;
            let space: u128 = if free_bits == 0 { 1 } else { 1u128 << free_bits.min(64) };
            let text = b.to_string();
            let mut chosen = None;
            for attempt in 0..4096u32 {
                let d = key.mac("ipv6", &text, attempt);
                let n = u128::from_be_bytes(d[..16].try_into().unwrap_or([0; 16])) % space;
                let prefix = if free_bits == 0 { V6_BASE } else { V6_BASE | (n << (128 - len as u32)) };
                let Ok(p) = Ipv6Net::new(Ipv6Addr::from(prefix), len) else { continue };
                if free(&used, &p) {
                    chosen = Some(p);
                    break;
                }
            }
            // No free block (a snapshot that fills 3fff::/20 with its own addresses):
            // the block then keeps the whole space rather than its real prefix.
            let p = chosen.or_else(|| Ipv6Net::new(Ipv6Addr::from(V6_BASE), V6_LEN).ok());
            if let Some(p) = p {
                used.insert(u128::from(p.network()), u128::from(p.broadcast()));
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
    /// The key was the user's: pseudonyms match other packages made with it.
    pub user_key: bool,
}

impl RedactionStats {
    /// How pseudonyms were made, for the manifest: the method, never the key.
    pub fn method(&self) -> String {
        let key = if self.user_key {
            "user key (--redact-key / AUDITMAP_REDACT_KEY): pseudonyms match other packages made with the same key"
        } else {
            "random per-package key: pseudonyms are NOT comparable across packages"
        };
        format!(
            "HMAC-SHA256, {key}; account ids -> \"acct-\" + 8 hex; estate public IPv4 -> address in {IPV4_PSEUDONYM_NET}; \
estate IPv6 (VPC IPv6 blocks) -> same-length prefix in {IPV6_PSEUDONYM_NET}, other bits kept; no pseudonym equals an address in the snapshot"
        )
    }
}

/// `snapshot` with every account id and estate public address replaced by its
/// pseudonym under `key`. `text` is the snapshot as read (its JSON): no pseudonym
/// may equal an address written anywhere in it.
pub fn redact(snapshot: &Snapshot, key: &RedactionKey, text: &[u8]) -> Result<(Snapshot, RedactionStats), String> {
    redact_with(snapshot, key, text, &()).map(|(s, stats, ())| (s, stats))
}

/// `redact`, and `extra` (something read beside the snapshot that the package prints,
/// such as the accepted-exposures file) through the same pseudonyms, so an account id
/// or estate address in it reads the same as in the redacted snapshot.
pub fn redact_with<T: serde::Serialize + serde::de::DeserializeOwned>(
    snapshot: &Snapshot,
    key: &RedactionKey,
    text: &[u8],
    extra: &T,
) -> Result<(Snapshot, RedactionStats, T), String> {
    let ips = Pseudonyms::new(snapshot, key, &Taken::scan(text));
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
    // Counted before `extra`: the stats describe the snapshot.
    let account_ids = accounts.len();
    let extra = redact_value(extra, &ips, &mut accounts)?;
    Ok((
        out,
        RedactionStats {
            account_ids,
            public_ips: ips.v4.len(),
            ipv6_blocks: ips.v6.blocks.len(),
            user_key: key.is_user(),
        },
        extra,
    ))
}

/// Every replacement table of one redaction.
struct Pseudonyms<'k> {
    key: &'k RedactionKey,
    v4: HashMap<String, String>,
    v6: Ipv6Pseudonyms,
    /// The estate's own account ids.
    known: BTreeSet<String>,
}

impl<'k> Pseudonyms<'k> {
    fn new(snapshot: &Snapshot, key: &'k RedactionKey, taken: &Taken) -> Pseudonyms<'k> {
        Pseudonyms {
            key,
            v4: ip_pseudonyms(&estate_public_ips(snapshot), key, taken),
            v6: Ipv6Pseudonyms::new(&estate_ipv6_blocks(snapshot), key, taken),
            known: estate_accounts(snapshot),
        }
    }
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
        Some(v6) => Some(redact_str(&v6, ips, accounts).unwrap_or(v6)),
        None => redact_str(s, ips, accounts),
    }
}

/// Whether a percent escape (`%3A`, `%2F`) ends right before `i`: URL-encoded ARNs
/// and addresses separate their parts with those.
fn pct_escape_before(b: &[u8], i: usize) -> bool {
    i >= 3 && b[i - 3] == b'%' && b[i - 2].is_ascii_hexdigit() && b[i - 1].is_ascii_hexdigit()
}

/// Replaces account ids and estate IPv4s inside one string; None when nothing changed.
fn redact_str(s: &str, p: &Pseudonyms, accounts: &mut BTreeMap<String, String>) -> Option<String> {
    let b = s.as_bytes();
    if !b.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let mut account = |id: &str| accounts.entry(id.to_string()).or_insert_with(|| account_pseudonym(p.key, id)).clone();
    let bounded_after = |end: usize| end >= b.len() || !b[end].is_ascii_alphanumeric();
    let mut out = Splice::new(s);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let separated = i == 0 || !b[i - 1].is_ascii_alphanumeric() || pct_escape_before(b, i);
        // The run of digits alone, for the glued-account case below.
        let mut digits_end = i;
        while digits_end < b.len() && b[digits_end].is_ascii_digit() {
            digits_end += 1;
        }
        // 1. Dotted: a maximal run of digits and dots, without trailing dots (not
        // after a dot: "1.52.1.2.3" is not 52.1.2.3).
        if separated && (i == 0 || b[i - 1] != b'.') {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let mut end = j;
            while end > i && b[end - 1] == b'.' {
                end -= 1;
            }
            let token = &s[i..end];
            let replacement = if !bounded_after(end) {
                None
            } else if let Some(v) = p.v4.get(token) {
                Some(v.clone())
            } else if is_account_digits(token) {
                Some(account(token))
            } else {
                None
            };
            if let Some(r) = replacement {
                out.put(i, end, &r);
                i = j;
                continue;
            }
        }
        // 2. Dashed: "203-0-113-10" (EC2 public DNS names) and "1111-1111-1111".
        if separated {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'-') {
                j += 1;
            }
            while j > i && b[j - 1] == b'-' {
                j -= 1;
            }
            if bounded_after(j) {
                let mut groups: Vec<(usize, usize)> = Vec::new();
                let mut g = i;
                for (k, c) in s[i..j].bytes().enumerate() {
                    if c == b'-' {
                        groups.push((g, i + k));
                        g = i + k + 1;
                    }
                }
                groups.push((g, j));
                let mut changed = false;
                let mut g = 0;
                while g < groups.len() {
                    let part = |n: usize| &s[groups[n].0..groups[n].1];
                    if g + 4 <= groups.len() && (0..4).all(|n| (1..=3).contains(&part(g + n).len())) {
                        let dotted = (0..4).map(|n| part(g + n)).collect::<Vec<_>>().join(".");
                        if let Some(v) = p.v4.get(&dotted) {
                            out.put(groups[g].0, groups[g + 3].1, &v.replace('.', "-"));
                            changed = true;
                            g += 4;
                            continue;
                        }
                    }
                    if g + 3 <= groups.len() && (0..3).all(|n| part(g + n).len() == 4) {
                        let id = format!("{}{}{}", part(g), part(g + 1), part(g + 2));
                        out.put(groups[g].0, groups[g + 2].1, &account(&id));
                        changed = true;
                        g += 3;
                        continue;
                    }
                    g += 1;
                }
                if changed {
                    i = j;
                    continue;
                }
            }
        }
        // 3. The estate's own account ids, even glued to letters ("prod111111111111").
        if digits_end - i == 12 && p.known.contains(&s[i..digits_end]) {
            out.put(i, digits_end, &account(&s[i..digits_end]));
        }
        i = digits_end;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> RedactionKey {
        RedactionKey::user(format!("test key {k} padded to sixteen").into_bytes()).expect("key")
    }

    /// Pseudonyms with only `v4` as the estate's public IPs and `known` as its accounts.
    fn tables<'k>(key: &'k RedactionKey, v4: &[(&str, &str)], known: &[&str]) -> Pseudonyms<'k> {
        Pseudonyms {
            key,
            v4: v4.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            v6: Ipv6Pseudonyms::default(),
            known: known.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Redacting resource by resource gives exactly what one pass over the whole
    /// snapshot's JSON tree gives (the simpler form it replaced for memory's sake).
    #[test]
    fn per_resource_redaction_equals_whole_tree_redaction() {
        let snapshot = crate::demo::demo_snapshot().expect("demo snapshot");
        let k = key("a");
        let (fast, stats) = redact(&snapshot, &k, crate::demo::DEMO_JSON.as_bytes()).expect("redact");
        let ips = Pseudonyms::new(&snapshot, &k, &Taken::scan(crate::demo::DEMO_JSON.as_bytes()));
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
        let k = key("a");
        let ips = tables(&k, &[("52.1.2.3", "240.0.0.9")], &[]);
        let mut acc = BTreeMap::new();
        let a = account_pseudonym(&k, "123456789012");
        assert_eq!(
            redact_str(
                "arn:aws:iam::123456789012:role/x 52.1.2.3/32 152.1.2.3 52.1.2.34 i-123456789012abc",
                &ips,
                &mut acc
            )
            .unwrap(),
            format!("arn:aws:iam::{a}:role/x 240.0.0.9/32 152.1.2.3 52.1.2.34 i-123456789012abc")
        );
        assert_eq!(redact_str("1234567890123 and 52.1.2.3.", &ips, &mut acc).unwrap(), "1234567890123 and 240.0.0.9.");
        assert_eq!(redact_str("no digits", &ips, &mut acc), None);
        assert!(a.starts_with("acct-") && a.len() == 13);
    }

    /// Hyphenated account ids, dashed addresses (EC2 public DNS names), URL-encoded
    /// ARNs and the estate's ids glued to letters are all replaced.
    #[test]
    fn other_spellings_are_replaced() {
        let k = key("a");
        let ips = tables(&k, &[("203.0.113.10", "240.1.2.3")], &["111111111111"]);
        let mut acc = BTreeMap::new();
        let a = account_pseudonym(&k, "111111111111");
        let b = account_pseudonym(&k, "222222222222");
        let cases = [
            ("billing 1111-1111-1111 and 2222-2222-2222", format!("billing {a} and {b}")),
            (
                "ec2-203-0-113-10.eu-west-1.compute.amazonaws.com",
                "ec2-240-1-2-3.eu-west-1.compute.amazonaws.com".to_string(),
            ),
            ("arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx", format!("arn%3Aaws%3Aiam%3A%3A{a}%3Arole%2Fx")),
            ("see arn:aws:sts::111111111111:assumed-role/R/s", format!("see arn:aws:sts::{a}:assumed-role/R/s")),
            ("bucket prod111111111111logs", format!("bucket prod{a}logs")),
            ("http%3A%2F%2F203.0.113.10%2Fx", "http%3A%2F%2F240.1.2.3%2Fx".to_string()),
        ];
        for (input, want) in cases {
            assert_eq!(redact_str(input, &ips, &mut acc).as_deref(), Some(want.as_str()), "{input}");
        }
        // Other dashed numbers and unknown glued ids stay.
        for same in ["ip-10-0-1-5.ec2.internal", "2026-01-02", "203-0-113-11", "x222222222222"] {
            assert_eq!(redact_str(same, &ips, &mut acc), None, "{same}");
        }
    }

    #[test]
    fn ip_pseudonyms_are_distinct_and_in_range() {
        let ips: BTreeSet<Ipv4Addr> = (0..5000u32).map(|n| Ipv4Addr::from(0x3400_0000 + n)).collect();
        let p = ip_pseudonyms(&ips, &key("a"), &Taken::default());
        let distinct: BTreeSet<&String> = p.values().collect();
        assert_eq!(distinct.len(), ips.len());
        let space: ipnet::Ipv4Net = IPV4_PSEUDONYM_NET.parse().unwrap();
        assert!(p.values().all(|v| space.contains(&v.parse::<Ipv4Addr>().unwrap())));
    }

    /// The same key gives the same pseudonyms (packages of two quarters compare); another
    /// key gives others; a random key is never the same twice.
    #[test]
    fn pseudonyms_follow_the_key() {
        let snapshot = crate::demo::demo_snapshot().expect("demo snapshot");
        let text = crate::demo::DEMO_JSON.as_bytes();
        let (a1, s1) = redact(&snapshot, &key("a"), text).expect("redact");
        let (a2, _) = redact(&snapshot, &key("a"), text).expect("redact");
        let (b, _) = redact(&snapshot, &key("b"), text).expect("redact");
        assert_eq!(a1, a2);
        assert!(s1.user_key);
        let id = &snapshot.scope.accounts[0];
        assert_eq!(account_pseudonym(&key("a"), id), a1.scope.accounts[0]);
        assert_ne!(a1.scope.accounts, b.scope.accounts);
        assert_ne!(estate_public_ips(&a1), estate_public_ips(&b));
        assert_ne!(estate_ipv6_blocks(&a1), estate_ipv6_blocks(&b));
        let (r1, rs) = redact(&snapshot, &RedactionKey::random().unwrap(), text).expect("redact");
        let (r2, _) = redact(&snapshot, &RedactionKey::random().unwrap(), text).expect("redact");
        assert!(!rs.user_key);
        assert_ne!(r1.scope.accounts, r2.scope.accounts);
        assert!(RedactionKey::user(b"short".to_vec()).is_err());
        assert!(!format!("{:?}", key("a")).contains("test key"), "Debug never shows the key");
    }

    /// A pseudonym never equals (IPv6: never overlaps) an address the snapshot holds,
    /// even one inside the pseudonym space; the re-draw is deterministic.
    #[test]
    fn pseudonyms_never_collide_with_real_addresses() {
        let k = key("a");
        let ips: BTreeSet<Ipv4Addr> = (0..2000u32).map(|n| Ipv4Addr::from(0x3400_0000 + n)).collect();
        let free = ip_pseudonyms(&ips, &k, &Taken::default());
        // Every first-draw pseudonym, written into the snapshot's text, is now taken.
        let text: String = free.values().map(|v| format!("\"{v}\" ")).collect::<String>() + "\"240.0.0.0/24\"";
        let taken = Taken::scan(text.as_bytes());
        let redrawn = ip_pseudonyms(&ips, &k, &taken);
        assert_eq!(redrawn, ip_pseudonyms(&ips, &k, &taken), "deterministic");
        for (ip, v) in &redrawn {
            let a = u32::from(v.parse::<Ipv4Addr>().unwrap());
            assert!(!taken.has_v4(a) && free[ip] != *v, "{ip} -> {v} is taken");
            assert!(a >> 8 != 0xF0_0000, "{v} inside 240.0.0.0/24");
        }
        // An estate IP inside the pseudonym space never maps onto another estate IP.
        let own: BTreeSet<Ipv4Addr> = (0..64u32).map(|n| Ipv4Addr::from(0xF000_0000 + n)).collect();
        let p = ip_pseudonyms(&own, &k, &Taken::default());
        assert!(p.values().all(|v| !own.contains(&v.parse().unwrap())));

        let vpc: Ipv6Net = "2600:1f18:abc:1200::/56".parse().unwrap();
        let first = Ipv6Pseudonyms::new(&BTreeSet::from([vpc]), &k, &Taken::default()).blocks[0].1;
        let taken = Taken::scan(format!("[\"{}1\", \"3fff:0:1::/48\"]", first.network()).as_bytes());
        assert_eq!(taken.v6.len(), 2);
        let again = Ipv6Pseudonyms::new(&BTreeSet::from([vpc]), &k, &taken).blocks[0].1;
        assert_ne!(first, again);
        assert!(taken.v6.iter().all(|t| !overlaps(t, &again)));
        // Estate blocks already inside 3fff::/20 are never handed out as pseudonyms.
        let inside: BTreeSet<Ipv6Net> =
            (0..16u128).map(|n| Ipv6Net::new(Ipv6Addr::from(V6_BASE | (n << 72)), 56).unwrap()).collect();
        let p = Ipv6Pseudonyms::new(&inside, &k, &Taken::default());
        for (_, to) in &p.blocks {
            assert!(inside.iter().all(|b| !overlaps(b, to)), "{to}");
        }
    }
}

#[cfg(test)]
mod ipv6_tests {
    use super::*;

    #[test]
    fn ipv6_prefix_is_swapped_and_host_bits_kept() {
        let vpc: Ipv6Net = "2600:1f18:abc:1200::/56".parse().unwrap();
        let key = RedactionKey::user(b"0123456789abcdef".to_vec()).unwrap();
        let p = Ipv6Pseudonyms::new(&BTreeSet::from([vpc]), &key, &Taken::default());
        let (_, to) = p.blocks[0];
        assert_eq!(to.prefix_len(), 56);
        assert!(IPV6_PSEUDONYM_NET.parse::<Ipv6Net>().unwrap().contains(&to));
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
