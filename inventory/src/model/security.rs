//! Security groups (stateful, per ENI), network ACLs (stateless, per subnet) and
//! managed prefix lists (named CIDR sets used by both rules and routes).
use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::asset::{sorted, Asset};
use super::common::{impl_resource, IcmpTypeCode, PortRange, Protocol, ResourceKind, Tags};
use super::refs::{Check, Field, Refs, Rel};

/// Who a security-group rule admits (ingress) or allows to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RulePeer {
    Cidr {
        #[schemars(with = "String")]
        cidr: IpNet,
    },
    SecurityGroup {
        group_id: String,
        /// Owner of the referenced group when it is in another account.
        #[serde(default)]
        account_id: Option<String>,
        #[serde(default)]
        vpc_id: Option<String>,
        #[serde(default)]
        peering_status: Option<String>,
    },
    PrefixList {
        prefix_list_id: String,
    },
}

impl std::fmt::Display for RulePeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulePeer::Cidr { cidr } => write!(f, "{cidr}"),
            RulePeer::SecurityGroup { group_id, account_id: Some(acct), .. } => write!(f, "{acct}/{group_id}"),
            RulePeer::SecurityGroup { group_id, .. } => f.write_str(group_id),
            RulePeer::PrefixList { prefix_list_id } => f.write_str(prefix_list_id),
        }
    }
}

/// One rule of a security group, for exactly one peer. AWS bundles several peers into
/// one IpPermission; discovery splits them so each finding can cite one rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// "sgr-…" when AWS reports rule ids.
    #[serde(default)]
    pub rule_id: Option<String>,
    pub protocol: Protocol,
    /// TCP/UDP ports; None means all ports (protocol "all" or ICMP).
    #[serde(default)]
    pub ports: Option<PortRange>,
    /// ICMP type/code, for ICMP rules.
    #[serde(default)]
    pub icmp: Option<IcmpTypeCode>,
    pub peer: RulePeer,
    #[serde(default)]
    pub description: Option<String>,
}

impl SgRule {
    /// Ports this rule admits for a port-bearing protocol; all ports when unspecified.
    pub fn port_range(&self) -> PortRange {
        self.ports.unwrap_or(PortRange::ALL)
    }
    /// Short human form, e.g. "tcp/443 from 0.0.0.0/0".
    pub fn summary(&self, direction: &str) -> String {
        let ports = match (self.protocol, self.ports) {
            (Protocol::All, _) => "all".to_string(),
            (p, Some(r)) if p.has_ports() => format!("{p}/{r}"),
            (p, _) => p.to_string(),
        };
        format!("{ports} {direction} {}", self.peer)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    pub group_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    #[serde(default)]
    pub egress: Vec<SgRule>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(SecurityGroup, ResourceKind::SecurityGroup, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset { fallback_name: Some(&self.group_name), ..Asset::service("vpc") }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        for (name, rules, ingress) in [("ingress", &self.ingress, true), ("egress", &self.egress, false)] {
            for (i, rule) in rules.iter().enumerate() {
                match &rule.peer {
                    RulePeer::SecurityGroup { group_id, account_id, .. } => {
                        // A group in another account cannot be in this account's listing.
                        let same_account = account_id.as_deref().is_none_or(|a| a == self.account_id);
                        let check = if same_account { Check::Expected } else { Check::Open };
                        let field = Field::at(name, i, ".peer.group_id");
                        out.push(field, ResourceKind::SecurityGroup, group_id, check, Rel::SgRule { rule, ingress });
                    }
                    RulePeer::PrefixList { prefix_list_id } => {
                        let field = Field::at(name, i, ".peer.prefix_list_id");
                        out.push(field, ResourceKind::ManagedPrefixList, prefix_list_id, Check::Expected, Rel::Names);
                    }
                    _ => {}
                }
            }
        }
    }
    fn check(&self, out: &mut super::Issues) {
        for (name, rules) in [("ingress", &self.ingress), ("egress", &self.egress)] {
            for (i, rule) in rules.iter().enumerate() {
                out.ports(Field::at(name, i, ".ports"), rule.ports);
                out.icmp(Field::at(name, i, ".icmp"), rule.icmp);
                if let RulePeer::Cidr { cidr } = &rule.peer {
                    out.cidr(Field::at(name, i, ".peer.cidr"), cidr);
                }
            }
        }
    }
    fn normalize(&mut self) {
        for rule in self.ingress.iter_mut().chain(self.egress.iter_mut()) {
            if let RulePeer::Cidr { cidr } = &mut rule.peer {
                *cidr = cidr.trunc();
            }
        }
        self.ingress.sort();
        self.egress.sort();
    }
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Allow,
    Deny,
}

/// One numbered NACL entry. Entries are evaluated lowest number first; the first
/// match decides. Rule 32767 ("*") is the implicit deny AWS adds to every NACL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    pub rule_number: u16,
    /// true for outbound rules.
    pub egress: bool,
    pub protocol: Protocol,
    pub action: RuleAction,
    #[schemars(with = "String")]
    pub cidr: IpNet,
    #[serde(default)]
    pub ports: Option<PortRange>,
    #[serde(default)]
    pub icmp: Option<IcmpTypeCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NaclAssociation {
    pub id: String,
    pub subnet_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
    /// Both directions, sorted by (egress, rule_number).
    #[serde(default)]
    pub entries: Vec<NaclEntry>,
    #[serde(default)]
    pub associations: Vec<NaclAssociation>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(NetworkAcl, ResourceKind::NetworkAcl, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            subnets: sorted(self.associations.iter().map(|a| a.subnet_id.as_str()).collect()),
            ..Asset::service("vpc")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        for (i, a) in self.associations.iter().enumerate() {
            let field = Field::at("associations", i, ".subnet_id");
            out.push(field, ResourceKind::Subnet, &a.subnet_id, Check::Required, Rel::Association);
        }
    }
    fn check(&self, out: &mut super::Issues) {
        let mut seen = std::collections::BTreeSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            out.ports(Field::at("entries", i, ".ports"), e.ports);
            out.icmp(Field::at("entries", i, ".icmp"), e.icmp);
            out.cidr(Field::at("entries", i, ".cidr"), &e.cidr);
            // Numbers are unique per direction (AWS lists the IPv4 and IPv6 "*" denies
            // both as 32767, hence per family too): a duplicate makes first match ambiguous.
            if !seen.insert((e.egress, e.rule_number, e.cidr.addr().is_ipv4())) {
                let dir = if e.egress { "outbound" } else { "inbound" };
                out.invalid(
                    Field::at("entries", i, ".rule_number"),
                    format!("duplicate {dir} rule number {}", e.rule_number),
                );
            }
        }
    }
    fn normalize(&mut self) {
        self.entries.iter_mut().for_each(|e| e.cidr = e.cidr.trunc());
        self.entries.sort_by_key(|e| (e.egress, e.rule_number));
        self.associations.sort();
    }
});

impl NetworkAcl {
    /// Entries of one direction in evaluation order.
    pub fn rules(&self, egress: bool) -> impl Iterator<Item = &NaclEntry> {
        let mut v: Vec<&NaclEntry> = self.entries.iter().filter(|e| e.egress == egress).collect();
        v.sort_by_key(|e| e.rule_number);
        v.into_iter()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefixListEntry {
    #[schemars(with = "String")]
    pub cidr: IpNet,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedPrefixList {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub name: String,
    /// "IPv4" or "IPv6".
    pub address_family: String,
    #[serde(default)]
    pub max_entries: Option<u32>,
    /// Owner; "AWS" for AWS-managed lists (S3, CloudFront, ...).
    #[serde(default)]
    pub owner_id: Option<String>,
    #[serde(default)]
    pub entries: Vec<PrefixListEntry>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(ManagedPrefixList, ResourceKind::ManagedPrefixList, {
    fn asset(&self) -> Asset<'_> {
        Asset { fallback_name: Some(&self.name), ..Asset::service("vpc") }
    }
    fn check(&self, out: &mut super::Issues) {
        for (i, e) in self.entries.iter().enumerate() {
            out.cidr(Field::at("entries", i, ".cidr"), &e.cidr);
        }
    }
    fn normalize(&mut self) {
        self.entries.iter_mut().for_each(|e| e.cidr = e.cidr.trunc());
        self.entries.sort();
    }
});
