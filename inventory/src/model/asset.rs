//! What the asset inventory and redaction read of a resource: its service, where it
//! sits, its addresses and groups. Each kind fills its own `Asset` in its
//! `impl_resource!` block (`fn asset`); readers never match on kinds.

/// How a resource's ENIs add to its own asset facts (the ENIs are looked up by the
/// reader, which has the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FromEnis {
    #[default]
    Nothing,
    /// The ENIs' private addresses (VPC endpoints).
    PrivateIps,
    /// Private, public and IPv6 addresses and security groups (instances).
    Everything,
    /// The subnet of the (first) ENI when the resource names none (Elastic IPs).
    Subnet,
}

/// Which exposure findings mark this resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExposedAs {
    /// Findings whose resource is this one (instances).
    Resource,
    /// Findings on this ENI (network interfaces).
    Eni,
}

/// One resource's inventory facts. Address lists hold the text AWS gave (a customer
/// gateway's address is a string); lists merged from ENIs are sorted by the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asset<'a> {
    /// The AWS service column ("vpc", "ec2", "transit-gateway", ...).
    pub service: &'a str,
    /// The name when the resource has no `Name` tag.
    pub fallback_name: Option<&'a str>,
    pub availability_zone: Option<&'a str>,
    /// Take the availability zone from the (first) subnet when it has none of its own.
    pub zone_from_subnet: bool,
    pub subnets: Vec<&'a str>,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub ipv6_addresses: Vec<String>,
    pub security_groups: Vec<&'a str>,
    pub enis: &'a [String],
    pub from_enis: FromEnis,
    pub exposed_as: Option<ExposedAs>,
}

impl<'a> Asset<'a> {
    pub fn service(service: &'a str) -> Asset<'a> {
        Asset { service, ..Asset::default() }
    }
}

/// Sorted, without duplicates.
pub fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}
