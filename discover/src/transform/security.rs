//! Security groups (one SgRule per peer), network ACLs, managed prefix lists.
use std::collections::BTreeMap;

use aws_sdk_ec2::types as sdk;
use inventory::model::{
    IcmpTypeCode, ManagedPrefixList, NaclAssociation, NaclEntry, NetworkAcl, PortRange, PrefixListEntry, Protocol,
    RuleAction, RulePeer, SecurityGroup, SgRule,
};

use super::{net, opt, required, tags, Ctx, Result};

/// Ports or ICMP type/code of a rule. AWS uses from/to = -1 (or absent) for "all",
/// and reuses them as type/code for ICMP.
fn ports_and_icmp(protocol: Protocol, from: Option<i32>, to: Option<i32>) -> (Option<PortRange>, Option<IcmpTypeCode>) {
    match protocol {
        Protocol::Icmp | Protocol::Icmpv6 => match (from, to) {
            (Some(t), Some(c)) if !(t == -1 && c == -1) => (None, Some(IcmpTypeCode { icmp_type: t, code: c })),
            _ => (None, None),
        },
        p if p.has_ports() => {
            match (from.and_then(|f| u16::try_from(f).ok()), to.and_then(|t| u16::try_from(t).ok())) {
                (Some(f), Some(t)) if f <= t && !(f == 0 && t == 65535) => (Some(PortRange::new(f, t)), None),
                _ => (None, None),
            }
        }
        _ => (None, None),
    }
}

/// Splits one IpPermission into one rule per peer (CIDR, IPv6 CIDR, group, prefix list).
pub fn sg_rules(group_id: &str, p: &sdk::IpPermission) -> Result<Vec<SgRule>> {
    let proto_text = p.ip_protocol().unwrap_or("-1");
    let protocol =
        Protocol::parse(proto_text).ok_or_else(|| format!("{group_id}: unknown IpProtocol {proto_text:?}"))?;
    let (ports, icmp) = ports_and_icmp(protocol, p.from_port(), p.to_port());
    let rule = |peer: RulePeer, description: Option<&str>| SgRule {
        rule_id: None,
        protocol,
        ports,
        icmp,
        peer,
        description: opt(description),
    };
    let mut out = Vec::new();
    for r in p.ip_ranges() {
        if let Some(c) = r.cidr_ip() {
            out.push(rule(RulePeer::Cidr { cidr: net(c, "CidrIp", group_id)? }, r.description()));
        }
    }
    for r in p.ipv6_ranges() {
        if let Some(c) = r.cidr_ipv6() {
            out.push(rule(RulePeer::Cidr { cidr: net(c, "CidrIpv6", group_id)? }, r.description()));
        }
    }
    for g in p.user_id_group_pairs() {
        let Some(id) = opt(g.group_id()) else { continue };
        out.push(rule(
            RulePeer::SecurityGroup {
                group_id: id,
                account_id: opt(g.user_id()),
                vpc_id: opt(g.vpc_id()),
                peering_status: opt(g.peering_status()),
            },
            g.description(),
        ));
    }
    for pl in p.prefix_list_ids() {
        if let Some(id) = opt(pl.prefix_list_id()) {
            out.push(rule(RulePeer::PrefixList { prefix_list_id: id }, pl.description()));
        }
    }
    Ok(out)
}

pub fn security_group(ctx: &Ctx, g: &sdk::SecurityGroup) -> Result<SecurityGroup> {
    let id = required(g.group_id(), "GroupId", "security group")?;
    let mut ingress = Vec::new();
    for p in g.ip_permissions() {
        ingress.extend(sg_rules(&id, p)?);
    }
    let mut egress = Vec::new();
    for p in g.ip_permissions_egress() {
        egress.extend(sg_rules(&id, p)?);
    }
    // A group's own account is implied; keep other-account references explicit only.
    for r in ingress.iter_mut().chain(egress.iter_mut()) {
        if let RulePeer::SecurityGroup { account_id, .. } = &mut r.peer {
            if account_id.as_deref() == Some(ctx.account_id.as_str()) || account_id.as_deref() == g.owner_id() {
                *account_id = None;
            }
        }
    }
    Ok(SecurityGroup {
        vpc_id: required(g.vpc_id(), "VpcId", &id)?,
        group_name: g.group_name().unwrap_or("").to_string(),
        description: g.description().unwrap_or("").to_string(),
        ingress,
        egress,
        arn: opt(g.security_group_arn()),
        tags: tags(g.tags()),
        account_id: ctx.owner(g.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

/// A rule as DescribeSecurityGroupRules reports it: (group id, egress, rule with its id).
/// Only used to put rule ids on the rules split from DescribeSecurityGroups.
pub fn security_group_rule(r: &sdk::SecurityGroupRule) -> Result<(String, bool, SgRule)> {
    let rule_id = required(r.security_group_rule_id(), "SecurityGroupRuleId", "security group rule")?;
    let group = required(r.group_id(), "GroupId", &rule_id)?;
    let proto_text = r.ip_protocol().unwrap_or("-1");
    let protocol =
        Protocol::parse(proto_text).ok_or_else(|| format!("{rule_id}: unknown IpProtocol {proto_text:?}"))?;
    let (ports, icmp) = ports_and_icmp(protocol, r.from_port(), r.to_port());
    let peer = if let Some(c) = r.cidr_ipv4().or(r.cidr_ipv6()) {
        RulePeer::Cidr { cidr: net(c, "Cidr", &rule_id)? }
    } else if let Some(p) = opt(r.prefix_list_id()) {
        RulePeer::PrefixList { prefix_list_id: p }
    } else if let Some(g) = r.referenced_group_info().and_then(|g| opt(g.group_id())) {
        RulePeer::SecurityGroup { group_id: g, account_id: None, vpc_id: None, peering_status: None }
    } else {
        return Err(format!("{rule_id}: rule without a peer"));
    };
    Ok((
        group,
        r.is_egress().unwrap_or(false),
        SgRule { rule_id: Some(rule_id), protocol, ports, icmp, peer, description: opt(r.description()) },
    ))
}

/// Whether two rules are the same permission (ignoring ids, descriptions and the
/// extra detail DescribeSecurityGroups gives on referenced groups).
pub fn same_permission(a: &SgRule, b: &SgRule) -> bool {
    let peer_eq = match (&a.peer, &b.peer) {
        (RulePeer::SecurityGroup { group_id: x, .. }, RulePeer::SecurityGroup { group_id: y, .. }) => x == y,
        (x, y) => x == y,
    };
    a.protocol == b.protocol && a.ports == b.ports && a.icmp == b.icmp && peer_eq
}

/// Puts rule ids on a group's rules; rules without a matching id keep None.
pub fn attach_rule_ids(group: &mut SecurityGroup, ids: &[(bool, SgRule)]) {
    for (egress, rules) in [(false, &mut group.ingress), (true, &mut group.egress)] {
        for rule in rules.iter_mut().filter(|r| r.rule_id.is_none()) {
            if let Some((_, with_id)) = ids.iter().find(|(e, w)| *e == egress && same_permission(rule, w)) {
                rule.rule_id = with_id.rule_id.clone();
            }
        }
    }
}

/// Puts the ids DescribeSecurityGroupRules reports, (group id, egress, rule), on the
/// rules of their groups.
pub fn attach_all_rule_ids(groups: &mut [SecurityGroup], rules: Vec<(String, bool, SgRule)>) {
    let mut by_group: BTreeMap<String, Vec<(bool, SgRule)>> = BTreeMap::new();
    for (group, egress, rule) in rules {
        by_group.entry(group).or_default().push((egress, rule));
    }
    for g in groups {
        if let Some(ids) = by_group.get(&g.id) {
            attach_rule_ids(g, ids);
        }
    }
}

pub fn nacl_entry(acl_id: &str, e: &sdk::NetworkAclEntry) -> Result<NaclEntry> {
    let rule_number = e
        .rule_number()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| format!("{acl_id}: entry without a valid RuleNumber"))?;
    let proto_text = e.protocol().unwrap_or("-1");
    let protocol = Protocol::parse(proto_text)
        .ok_or_else(|| format!("{acl_id}: rule {rule_number}: unknown protocol {proto_text:?}"))?;
    let cidr_text =
        e.cidr_block().or(e.ipv6_cidr_block()).ok_or_else(|| format!("{acl_id}: rule {rule_number}: no CIDR"))?;
    let action = match e.rule_action().map(|a| a.as_str()) {
        Some("allow") => RuleAction::Allow,
        Some("deny") => RuleAction::Deny,
        other => return Err(format!("{acl_id}: rule {rule_number}: unknown action {other:?}")),
    };
    let (ports, icmp) = match protocol {
        Protocol::Icmp | Protocol::Icmpv6 => ports_and_icmp(
            protocol,
            e.icmp_type_code().and_then(|c| c.r#type()),
            e.icmp_type_code().and_then(|c| c.code()),
        ),
        _ => ports_and_icmp(protocol, e.port_range().and_then(|r| r.from()), e.port_range().and_then(|r| r.to())),
    };
    Ok(NaclEntry {
        rule_number,
        egress: e.egress().unwrap_or(false),
        protocol,
        action,
        cidr: net(cidr_text, "CidrBlock", acl_id)?,
        ports,
        icmp,
    })
}

pub fn network_acl(ctx: &Ctx, a: &sdk::NetworkAcl) -> Result<NetworkAcl> {
    let id = required(a.network_acl_id(), "NetworkAclId", "network ACL")?;
    let entries = a.entries().iter().map(|e| nacl_entry(&id, e)).collect::<Result<Vec<_>>>()?;
    Ok(NetworkAcl {
        vpc_id: required(a.vpc_id(), "VpcId", &id)?,
        is_default: a.is_default().unwrap_or(false),
        entries,
        associations: a
            .associations()
            .iter()
            .filter_map(|x| {
                Some(NaclAssociation {
                    id: x.network_acl_association_id().unwrap_or("").to_string(),
                    subnet_id: opt(x.subnet_id())?,
                })
            })
            .collect(),
        arn: None,
        tags: tags(a.tags()),
        account_id: ctx.owner(a.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

/// The list without entries (GetManagedPrefixListEntries fills them).
pub fn managed_prefix_list(ctx: &Ctx, p: &sdk::ManagedPrefixList) -> Result<ManagedPrefixList> {
    let id = required(p.prefix_list_id(), "PrefixListId", "prefix list")?;
    Ok(ManagedPrefixList {
        name: p.prefix_list_name().unwrap_or("").to_string(),
        address_family: p.address_family().unwrap_or("IPv4").to_string(),
        max_entries: p.max_entries().and_then(|n| u32::try_from(n).ok()),
        owner_id: opt(p.owner_id()),
        entries: Vec::new(),
        arn: opt(p.prefix_list_arn()),
        tags: tags(p.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

pub fn prefix_list_entry(list_id: &str, e: &sdk::PrefixListEntry) -> Result<PrefixListEntry> {
    let c = e.cidr().ok_or_else(|| format!("{list_id}: entry without Cidr"))?;
    Ok(PrefixListEntry { cidr: net(c, "Cidr", list_id)?, description: opt(e.description()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx::new("111111111111", "eu-west-1")
    }

    #[test]
    fn one_rule_per_peer() {
        let g = sdk::SecurityGroup::builder()
            .group_id("sg-1")
            .vpc_id("vpc-1")
            .group_name("web")
            .owner_id("111111111111")
            .ip_permissions(
                sdk::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .ip_ranges(sdk::IpRange::builder().cidr_ip("0.0.0.0/0").description("https").build())
                    .ipv6_ranges(sdk::Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .user_id_group_pairs(
                        sdk::UserIdGroupPair::builder().group_id("sg-2").user_id("111111111111").build(),
                    )
                    .user_id_group_pairs(
                        sdk::UserIdGroupPair::builder().group_id("sg-9").user_id("222222222222").build(),
                    )
                    .prefix_list_ids(sdk::PrefixListId::builder().prefix_list_id("pl-1").build())
                    .build(),
            )
            .ip_permissions_egress(
                sdk::IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(sdk::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .build();
        let m = security_group(&ctx(), &g).unwrap();
        assert_eq!(m.ingress.len(), 5);
        assert!(m.ingress.iter().all(|r| r.protocol == Protocol::Tcp && r.ports == Some(PortRange::single(443))));
        assert_eq!(m.ingress[0].description.as_deref(), Some("https"));
        assert!(
            matches!(&m.ingress[2].peer, RulePeer::SecurityGroup { group_id, account_id: None, .. } if group_id == "sg-2")
        );
        assert!(
            matches!(&m.ingress[3].peer, RulePeer::SecurityGroup { account_id: Some(a), .. } if a == "222222222222")
        );
        assert!(matches!(&m.ingress[4].peer, RulePeer::PrefixList { prefix_list_id } if prefix_list_id == "pl-1"));
        assert_eq!(m.egress[0].protocol, Protocol::All);
        assert_eq!(m.egress[0].ports, None);
    }

    #[test]
    fn icmp_and_odd_ports() {
        let p = sdk::IpPermission::builder()
            .ip_protocol("icmp")
            .from_port(8)
            .to_port(-1)
            .ip_ranges(sdk::IpRange::builder().cidr_ip("10.0.0.0/8").build())
            .build();
        let r = sg_rules("sg-1", &p).unwrap();
        assert_eq!(r[0].icmp, Some(IcmpTypeCode { icmp_type: 8, code: -1 }));
        let all = sdk::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(0)
            .to_port(65535)
            .ip_ranges(sdk::IpRange::builder().cidr_ip("10.0.0.0/8").build())
            .build();
        assert_eq!(sg_rules("sg-1", &all).unwrap()[0].ports, None);
        let bad = sdk::IpPermission::builder().ip_protocol("bogus").build();
        assert!(sg_rules("sg-1", &bad).is_err());
    }

    #[test]
    fn rule_ids_attach_to_the_matching_split_rule() {
        let g = sdk::SecurityGroup::builder()
            .group_id("sg-1")
            .vpc_id("vpc-1")
            .ip_permissions(
                sdk::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .ip_ranges(sdk::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .user_id_group_pairs(
                        sdk::UserIdGroupPair::builder().group_id("sg-2").user_id("222222222222").build(),
                    )
                    .build(),
            )
            .build();
        let mut m = security_group(&ctx(), &g).unwrap();
        let r = sdk::SecurityGroupRule::builder()
            .security_group_rule_id("sgr-1")
            .group_id("sg-1")
            .is_egress(false)
            .ip_protocol("tcp")
            .from_port(443)
            .to_port(443)
            .referenced_group_info(sdk::ReferencedSecurityGroup::builder().group_id("sg-2").build())
            .build();
        let (group, egress, rule) = security_group_rule(&r).unwrap();
        assert_eq!((group.as_str(), egress), ("sg-1", false));
        attach_rule_ids(&mut m, &[(egress, rule)]);
        assert_eq!(m.ingress[0].rule_id, None, "the CIDR rule is another permission");
        assert_eq!(m.ingress[1].rule_id.as_deref(), Some("sgr-1"));
        assert!(security_group_rule(
            &sdk::SecurityGroupRule::builder().security_group_rule_id("sgr-2").group_id("sg-1").build()
        )
        .is_err());
    }

    #[test]
    fn nacl_entries() {
        let a = sdk::NetworkAcl::builder()
            .network_acl_id("acl-1")
            .vpc_id("vpc-1")
            .entries(
                sdk::NetworkAclEntry::builder()
                    .rule_number(100)
                    .protocol("6")
                    .rule_action(sdk::RuleAction::Allow)
                    .egress(false)
                    .cidr_block("0.0.0.0/0")
                    .port_range(sdk::PortRange::builder().from(22).to(22).build())
                    .build(),
            )
            .entries(
                sdk::NetworkAclEntry::builder()
                    .rule_number(32767)
                    .protocol("-1")
                    .rule_action(sdk::RuleAction::Deny)
                    .egress(true)
                    .ipv6_cidr_block("::/0")
                    .build(),
            )
            .associations(
                sdk::NetworkAclAssociation::builder()
                    .network_acl_association_id("aclassoc-1")
                    .subnet_id("subnet-1")
                    .build(),
            )
            .build();
        let m = network_acl(&ctx(), &a).unwrap();
        assert_eq!(m.entries[0].ports, Some(PortRange::single(22)));
        assert_eq!(m.entries[1].action, RuleAction::Deny);
        assert!(m.entries[1].egress);
        assert_eq!(m.associations[0].subnet_id, "subnet-1");
        let bad = sdk::NetworkAclEntry::builder().rule_number(1).protocol("6").cidr_block("0.0.0.0/0").build();
        assert!(nacl_entry("acl-1", &bad).is_err(), "missing action is an error");
    }

    #[test]
    fn prefix_lists() {
        let p = sdk::ManagedPrefixList::builder()
            .prefix_list_id("pl-1")
            .prefix_list_name("office")
            .address_family("IPv4")
            .max_entries(10)
            .build();
        assert_eq!(managed_prefix_list(&ctx(), &p).unwrap().max_entries, Some(10));
        let e = sdk::PrefixListEntry::builder().cidr("192.0.2.0/24").description("hq").build();
        assert_eq!(prefix_list_entry("pl-1", &e).unwrap().description.as_deref(), Some("hq"));
        assert!(prefix_list_entry("pl-1", &sdk::PrefixListEntry::builder().build()).is_err());
    }
}
