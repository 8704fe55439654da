//! Pure transforms, one per resource kind: SDK struct in, model struct out.
//! SDK types stop here; nothing outside `discover` sees them.
//!
//! A transform fails (Err with a reason naming the resource) only when a field the
//! model requires is missing or malformed; optional oddities become None.
use std::net::{Ipv4Addr, Ipv6Addr};

use aws_sdk_ec2::types::Tag;
use inventory::model::Tags;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

pub mod compute;
pub mod connectivity;
pub mod elb;
pub mod network;
pub mod security;

/// Where a resource was read: the account and region stamped on every model record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctx {
    pub account_id: String,
    pub region: String,
}

impl Ctx {
    pub fn new(account_id: impl Into<String>, region: impl Into<String>) -> Ctx {
        Ctx { account_id: account_id.into(), region: region.into() }
    }

    /// The owning account where AWS names one: a VPC shared through RAM is listed by
    /// every participant, and must land in the snapshot once, under its owner.
    pub fn owner(&self, owner_id: Option<&str>) -> String {
        match owner_id {
            Some(o) if o.len() == 12 && o.bytes().all(|b| b.is_ascii_digit()) => o.to_string(),
            _ => self.account_id.clone(),
        }
    }
}

pub type Result<T> = std::result::Result<T, String>;

pub fn tags(tags: &[Tag]) -> Tags {
    tags.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))).collect()
}

/// A required string field: its absence means the record is unusable.
pub fn required(value: Option<&str>, what: &str, id: &str) -> Result<String> {
    match value {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(format!("{id}: missing {what}")),
    }
}

pub fn opt(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(str::to_string)
}

pub fn v4net(s: &str, what: &str, id: &str) -> Result<Ipv4Net> {
    s.trim().parse::<Ipv4Net>().map(|n| n.trunc()).map_err(|_| format!("{id}: {what} {s:?} is not an IPv4 CIDR"))
}

pub fn v6net(s: &str, what: &str, id: &str) -> Result<Ipv6Net> {
    s.trim().parse::<Ipv6Net>().map(|n| n.trunc()).map_err(|_| format!("{id}: {what} {s:?} is not an IPv6 CIDR"))
}

pub fn net(s: &str, what: &str, id: &str) -> Result<IpNet> {
    s.trim().parse::<IpNet>().map(|n| n.trunc()).map_err(|_| format!("{id}: {what} {s:?} is not a CIDR"))
}

/// Optional addresses AWS sometimes omits or (in emulators) leaves empty.
pub fn v4addr(s: Option<&str>) -> Option<Ipv4Addr> {
    s.and_then(|s| s.trim().parse().ok())
}

pub fn v6addr(s: Option<&str>) -> Option<Ipv6Addr> {
    s.and_then(|s| s.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_used_only_when_it_is_an_account_id() {
        let c = Ctx::new("111111111111", "eu-west-1");
        assert_eq!(c.owner(Some("222222222222")), "222222222222");
        assert_eq!(c.owner(Some("AWS")), "111111111111");
        assert_eq!(c.owner(None), "111111111111");
    }
}
