//! Types shared by every resource kind: tags, protocols, ports, the `Resource` trait.
use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// All tags of a resource, sorted by key so output is deterministic.
pub type Tags = BTreeMap<String, String>;

pub use super::kinds::ResourceKind;

/// Tags without duplicate keys: JSON allows `{"Name": "a", "Name": "b"}`, a map
/// would keep the last silently while snapshot.json keeps both.
pub(crate) fn unique_tags<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tags, D::Error> {
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = Tags;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of tag key → value strings")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tags, A::Error> {
            let mut tags = Tags::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                if tags.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("duplicate tag key {k:?}")));
                }
                tags.insert(k, v);
            }
            Ok(tags)
        }
    }
    d.deserialize_map(Unique)
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every resource can tell about itself, whatever its kind.
pub trait Resource {
    const KIND: ResourceKind;
    fn id(&self) -> &str;
    fn account_id(&self) -> &str;
    /// Region the resource lives in; empty for account-level records.
    fn region(&self) -> &str;
    fn tags(&self) -> &Tags;
    fn arn(&self) -> Option<&str>;
    /// The `Name` tag, which is what the AWS console shows.
    fn name(&self) -> Option<&str> {
        self.tags().get("Name").map(String::as_str)
    }
    /// VPC the resource belongs to, where it has one.
    fn vpc_id(&self) -> Option<&str> {
        None
    }
    /// Every reference to another resource, with what it means. Validation, the
    /// topology index and the graph read these; nothing else re-reads the fields.
    fn references<'a>(&'a self, _out: &mut super::Refs<'a>) {}
    /// Problems in the resource's own fields (`checks.rs`).
    fn check(&self, _out: &mut super::Issues) {}
    /// Sorts the lists inside the resource so output is deterministic, and applies the
    /// normalisations `check` reports (CIDR host bits cleared).
    fn normalize(&mut self) {}
    /// The inventory's view of the resource (`asset.rs`).
    fn asset(&self) -> super::Asset<'_> {
        super::Asset::service("vpc")
    }
}

/// Implements `Resource` for a struct with `id`, `account_id`, `region`, `arn`, `tags`
/// fields (and optionally a `vpc_id: String` or `vpc_id: Option<String>`), followed by
/// the kind's own items (`references`, `normalize`) in braces.
macro_rules! impl_resource {
    ($ty:ty, $kind:expr $(, { $($items:tt)* })?) => {
        $crate::model::impl_resource!(@impl $ty, $kind, |_r| None, { $($($items)*)? });
    };
    ($ty:ty, $kind:expr, vpc $(, { $($items:tt)* })?) => {
        $crate::model::impl_resource!(@impl $ty, $kind, |r| Some(&r.vpc_id), { $($($items)*)? });
    };
    ($ty:ty, $kind:expr, opt_vpc $(, { $($items:tt)* })?) => {
        $crate::model::impl_resource!(@impl $ty, $kind, |r| r.vpc_id.as_deref(), { $($($items)*)? });
    };
    (@impl $ty:ty, $kind:expr, |$r:ident| $vpc:expr, { $($items:tt)* }) => {
        impl $crate::model::Resource for $ty {
            const KIND: $crate::model::ResourceKind = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn account_id(&self) -> &str {
                &self.account_id
            }
            fn region(&self) -> &str {
                &self.region
            }
            fn tags(&self) -> &$crate::model::Tags {
                &self.tags
            }
            fn arn(&self) -> Option<&str> {
                self.arn.as_deref()
            }
            #[allow(unused_variables)]
            fn vpc_id(&self) -> Option<&str> {
                let $r = self;
                $vpc
            }
            $($items)*
        }
    };
}
pub(crate) use impl_resource;

/// IP protocol of a security-group or NACL rule. AWS sends numbers or names
/// ("-1", "6", "tcp"); we keep one canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "String", into = "String")]
#[schemars(with = "String", description = "\"all\", \"tcp\", \"udp\", \"icmp\", \"icmpv6\" or an IANA protocol number")]
pub enum Protocol {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Other(u8),
}

impl Protocol {
    /// Parses the AWS spellings: "-1"/"all", numbers, and lower/upper-case names.
    pub fn parse(s: &str) -> Option<Protocol> {
        let lower = s.trim().to_ascii_lowercase();
        Some(match lower.as_str() {
            "-1" | "all" => Protocol::All,
            "6" | "tcp" => Protocol::Tcp,
            "17" | "udp" => Protocol::Udp,
            "1" | "icmp" => Protocol::Icmp,
            "58" | "icmpv6" => Protocol::Icmpv6,
            other => Protocol::Other(other.parse::<u8>().ok()?),
        })
    }

    /// Whether a rule for `self` covers traffic of protocol `p`.
    pub fn covers(self, p: Protocol) -> bool {
        self == Protocol::All || self == p
    }

    /// Whether the protocol has ports (so port ranges apply).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::All => f.write_str("all"),
            Protocol::Tcp => f.write_str("tcp"),
            Protocol::Udp => f.write_str("udp"),
            Protocol::Icmp => f.write_str("icmp"),
            Protocol::Icmpv6 => f.write_str("icmpv6"),
            Protocol::Other(n) => write!(f, "{n}"),
        }
    }
}

impl TryFrom<String> for Protocol {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Protocol::parse(&s).ok_or_else(|| format!("unknown protocol {s:?}"))
    }
}

impl From<Protocol> for String {
    fn from(p: Protocol) -> String {
        p.to_string()
    }
}

/// Inclusive port range. For ICMP rules AWS reuses from/to as type/code; those are
/// kept in `IcmpTypeCode` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    pub const EPHEMERAL: PortRange = PortRange { from: 1024, to: 65535 };

    pub fn new(from: u16, to: u16) -> PortRange {
        PortRange { from, to }
    }
    pub fn single(port: u16) -> PortRange {
        PortRange { from: port, to: port }
    }
    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }
    pub fn covers(&self, other: &PortRange) -> bool {
        self.from <= other.from && other.to <= self.to
    }
    pub fn intersect(&self, other: &PortRange) -> Option<PortRange> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        (from <= to).then_some(PortRange { from, to })
    }
    pub fn is_all(&self) -> bool {
        self.from == 0 && self.to == 65535
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            f.write_str("all")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// ICMP type and code; -1 means "any".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct IcmpTypeCode {
    #[serde(rename = "type")]
    pub icmp_type: i32,
    pub code: i32,
}

/// Lifecycle state of an attachment to a VPC (IGW, EIGW, VGW).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub struct VpcAttachment {
    pub vpc_id: String,
    /// AWS attachment state, e.g. "attached", "available", "detached".
    pub state: String,
}

/// A gateway's VPC attachments: required; drawn only while attached.
pub(crate) fn attachment_refs<'a>(attachments: &'a [VpcAttachment], out: &mut super::Refs<'a>) {
    for (i, a) in attachments.iter().enumerate() {
        let rel = if a.is_attached() { super::Rel::AttachedTo } else { super::Rel::Names };
        let field = super::Field::at("attachments", i, ".vpc_id");
        out.push(field, ResourceKind::Vpc, &a.vpc_id, super::Check::Required, rel);
    }
}

impl VpcAttachment {
    /// AWS reports an IGW attachment as "available" and a VGW one as "attached".
    pub fn is_attached(&self) -> bool {
        matches!(self.state.as_str(), "attached" | "available")
    }
}
