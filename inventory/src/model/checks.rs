//! Checks on one resource's own fields (`Resource::check`): values AWS can never
//! produce are invalid (the snapshot is refused); values real data can carry but
//! that we normalise (CIDR host bits) are reported as such, and the evidence then
//! shows the normalised value.
use std::fmt::Display;

use ipnet::IpNet;

use super::{IcmpTypeCode, PortRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueLevel {
    /// Impossible in AWS: corrupt or hand-edited input.
    Invalid,
    /// Accepted and normalised (documented in docs/snapshot-format.md).
    Normalised,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub level: IssueLevel,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Issues {
    pub list: Vec<FieldIssue>,
}

impl Issues {
    pub fn invalid(&mut self, field: impl Display, message: String) {
        self.list.push(FieldIssue { level: IssueLevel::Invalid, field: field.to_string(), message });
    }

    /// A reversed port range would match nothing and silently drop findings.
    pub fn ports(&mut self, field: impl Display, ports: Option<PortRange>) {
        if let Some(p) = ports {
            if p.from > p.to {
                self.invalid(field, format!("port range {}-{} is reversed (from > to)", p.from, p.to));
            }
        }
    }

    /// ICMP type and code are -1 (any) or 0–255.
    pub fn icmp(&mut self, field: impl Display, icmp: Option<IcmpTypeCode>) {
        if let Some(i) = icmp {
            for (what, v) in [("type", i.icmp_type), ("code", i.code)] {
                if !(-1..=255).contains(&v) {
                    self.invalid(&field, format!("ICMP {what} {v} is out of range (-1 for any, or 0-255)"));
                }
            }
        }
    }

    /// Host bits below the prefix ("1.2.3.4/0"): AWS evaluates the network, so do we.
    pub fn cidr(&mut self, field: impl Display, net: &IpNet) {
        if net.trunc() != *net {
            self.list.push(FieldIssue {
                level: IssueLevel::Normalised,
                field: field.to_string(),
                message: format!("{net} has host bits set; evaluated and shown as {}", net.trunc()),
            });
        }
    }
}
