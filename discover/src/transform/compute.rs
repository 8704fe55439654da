//! Instances and network interfaces.
use std::collections::BTreeMap;

use aws_sdk_ec2::types as sdk;
use aws_smithy_types::date_time::Format;
use inventory::model::{EniAttachment, Instance, NetworkInterface, PrivateIp, PublicIpAssociation, ServiceKind};

use super::{opt, required, tags, v4addr, v6addr, Ctx, Result};

pub fn instance(ctx: &Ctx, i: &sdk::Instance) -> Result<Instance> {
    let id = required(i.instance_id(), "InstanceId", "instance")?;
    Ok(Instance {
        vpc_id: opt(i.vpc_id()),
        subnet_id: opt(i.subnet_id()),
        availability_zone: i.placement().and_then(|p| opt(p.availability_zone())),
        instance_type: i.instance_type().map(|t| t.as_str().to_string()),
        state: i.state().and_then(|s| s.name()).map(|s| s.as_str().to_string()),
        image_id: opt(i.image_id()),
        platform: opt(i.platform_details()).or_else(|| i.platform().map(|p| p.as_str().to_string())),
        private_ip: v4addr(i.private_ip_address()),
        public_ip: v4addr(i.public_ip_address()),
        network_interface_ids: i.network_interfaces().iter().filter_map(|n| opt(n.network_interface_id())).collect(),
        // Instances launched with explicit interfaces may list no groups at the top
        // level; the collector fills them from the ENIs.
        security_group_ids: i.security_groups().iter().filter_map(|g| opt(g.group_id())).collect(),
        iam_instance_profile_arn: i.iam_instance_profile().and_then(|p| opt(p.arn())),
        launch_time: i.launch_time().and_then(|t| t.fmt(Format::DateTime).ok()),
        arn: Some(format!("arn:aws:ec2:{}:{}:instance/{}", ctx.region, ctx.account_id, id)),
        tags: tags(i.tags()),
        account_id: ctx.account_id.clone(),
        region: ctx.region.clone(),
        id,
    })
}

fn association(a: Option<&sdk::NetworkInterfaceAssociation>) -> Option<PublicIpAssociation> {
    let a = a?;
    Some(PublicIpAssociation {
        public_ip: v4addr(a.public_ip())?,
        allocation_id: opt(a.allocation_id()),
        ip_owner_id: opt(a.ip_owner_id()),
    })
}

/// AWS spells one interface type in camel case ("natGateway") and the rest in snake
/// case; the model (and `ServiceKind::classify`) uses snake case throughout.
fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn network_interface(ctx: &Ctx, n: &sdk::NetworkInterface) -> Result<NetworkInterface> {
    let id = required(n.network_interface_id(), "NetworkInterfaceId", "network interface")?;
    let mut private_ips: Vec<PrivateIp> = n
        .private_ip_addresses()
        .iter()
        .filter_map(|p| {
            Some(PrivateIp {
                address: v4addr(p.private_ip_address())?,
                primary: p.primary().unwrap_or(false),
                association: association(p.association()),
            })
        })
        .collect();
    // Some responses carry only the top-level primary address and association.
    if private_ips.is_empty() {
        if let Some(address) = v4addr(n.private_ip_address()) {
            private_ips.push(PrivateIp { address, primary: true, association: association(n.association()) });
        }
    } else if let Some(top) = association(n.association()) {
        // The top-level association belongs to the primary address; keep it if the
        // per-address list left it out.
        if let Some(p) = private_ips.iter_mut().find(|p| p.primary) {
            if p.association.is_none() {
                p.association = Some(top);
            }
        }
    }
    let attachment = n.attachment().map(|a| EniAttachment {
        instance_id: opt(a.instance_id()),
        instance_owner_id: opt(a.instance_owner_id()),
        device_index: a.device_index(),
        status: a.status().map(|s| s.as_str().to_string()),
    });
    let interface_type = n
        .interface_type()
        .map(|t| snake_case(t.as_str()))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "interface".to_string());
    let description = n.description().unwrap_or("").to_string();
    let attached_to_instance = attachment.as_ref().is_some_and(|a| a.instance_id.is_some());
    let service = ServiceKind::classify(&interface_type, n.requester_id(), &description, attached_to_instance);
    Ok(NetworkInterface {
        vpc_id: required(n.vpc_id(), "VpcId", &id)?,
        subnet_id: required(n.subnet_id(), "SubnetId", &id)?,
        availability_zone: opt(n.availability_zone()),
        requester_id: opt(n.requester_id()),
        requester_managed: n.requester_managed().unwrap_or(false),
        status: n.status().map(|s| s.as_str().to_string()),
        private_ips,
        ipv6_addresses: n.ipv6_addresses().iter().filter_map(|a| v6addr(a.ipv6_address())).collect(),
        security_group_ids: n.groups().iter().filter_map(|g| opt(g.group_id())).collect(),
        attachment,
        source_dest_check: n.source_dest_check().unwrap_or(true),
        service,
        interface_type,
        description,
        arn: Some(format!(
            "arn:aws:ec2:{}:{}:network-interface/{}",
            ctx.region,
            n.owner_id().unwrap_or(&ctx.account_id),
            id
        )),
        tags: tags(n.tag_set()),
        account_id: ctx.owner(n.owner_id()),
        region: ctx.region.clone(),
        id,
    })
}

/// Instances launched with explicit interfaces may report no groups (and emulators
/// may omit the interface list); the ENIs attached to them are authoritative.
pub fn fill_instances_from_enis(instances: &mut [Instance], enis: &[NetworkInterface]) {
    let mut by_instance: BTreeMap<&str, Vec<&NetworkInterface>> = BTreeMap::new();
    for e in enis {
        if let Some(i) = e.instance_id() {
            by_instance.entry(i).or_default().push(e);
        }
    }
    for inst in instances {
        let Some(attached) = by_instance.get(inst.id.as_str()) else { continue };
        for e in attached {
            if !inst.network_interface_ids.contains(&e.id) {
                inst.network_interface_ids.push(e.id.clone());
            }
            for g in &e.security_group_ids {
                if !inst.security_group_ids.contains(g) {
                    inst.security_group_ids.push(g.clone());
                }
            }
        }
        inst.network_interface_ids.sort();
        inst.security_group_ids.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx::new("111111111111", "eu-west-1")
    }

    #[test]
    fn instance_fields() {
        let i = sdk::Instance::builder()
            .instance_id("i-1")
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .instance_type(sdk::InstanceType::T3Micro)
            .state(sdk::InstanceState::builder().name(sdk::InstanceStateName::Running).build())
            .private_ip_address("10.0.1.5")
            .public_ip_address("not-an-ip")
            .network_interfaces(sdk::InstanceNetworkInterface::builder().network_interface_id("eni-1").build())
            .security_groups(sdk::GroupIdentifier::builder().group_id("sg-1").build())
            .launch_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .build();
        let m = instance(&ctx(), &i).unwrap();
        assert_eq!(m.instance_type.as_deref(), Some("t3.micro"));
        assert_eq!(m.state.as_deref(), Some("running"));
        assert_eq!(m.public_ip, None, "malformed optional addresses are dropped");
        assert_eq!(m.network_interface_ids, vec!["eni-1".to_string()]);
        assert_eq!(m.launch_time.as_deref(), Some("2023-11-14T22:13:20Z"));
    }

    #[test]
    fn eni_classification_and_addresses() {
        let n = sdk::NetworkInterface::builder()
            .network_interface_id("eni-1")
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .description("ELB app/my-alb/123")
            .requester_id("amazon-elb")
            .requester_managed(true)
            .private_ip_address("10.0.1.9")
            .private_ip_addresses(
                sdk::NetworkInterfacePrivateIpAddress::builder()
                    .private_ip_address("10.0.1.9")
                    .primary(true)
                    .association(
                        sdk::NetworkInterfaceAssociation::builder()
                            .public_ip("203.0.113.9")
                            .ip_owner_id("amazon")
                            .build(),
                    )
                    .build(),
            )
            .groups(sdk::GroupIdentifier::builder().group_id("sg-1").build())
            .build();
        let m = network_interface(&ctx(), &n).unwrap();
        assert_eq!(m.service, ServiceKind::Elb);
        assert_eq!(m.interface_type, "interface");
        assert_eq!(m.public_ips(), vec!["203.0.113.9".parse::<std::net::Ipv4Addr>().unwrap()]);
        assert!(m.source_dest_check, "absent source/dest check defaults to on");
    }

    #[test]
    fn eni_top_level_address_only_and_instance_attachment() {
        let n = sdk::NetworkInterface::builder()
            .network_interface_id("eni-2")
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .private_ip_address("10.0.1.10")
            .association(
                sdk::NetworkInterfaceAssociation::builder()
                    .public_ip("198.51.100.3")
                    .allocation_id("eipalloc-1")
                    .build(),
            )
            .attachment(sdk::NetworkInterfaceAttachment::builder().instance_id("i-1").device_index(0).build())
            .interface_type(sdk::NetworkInterfaceType::Interface)
            .build();
        let m = network_interface(&ctx(), &n).unwrap();
        assert_eq!(m.service, ServiceKind::Ec2);
        assert_eq!(m.private_ips.len(), 1);
        assert_eq!(m.private_ips[0].association.as_ref().and_then(|a| a.allocation_id.as_deref()), Some("eipalloc-1"));
        assert_eq!(m.instance_id(), Some("i-1"));
        let nat = sdk::NetworkInterface::builder()
            .network_interface_id("eni-3")
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .interface_type(sdk::NetworkInterfaceType::NatGateway)
            .build();
        let nat = network_interface(&ctx(), &nat).unwrap();
        assert_eq!((nat.interface_type.as_str(), nat.service), ("nat_gateway", ServiceKind::Nat));
        assert!(
            network_interface(&ctx(), &sdk::NetworkInterface::builder().network_interface_id("eni-4").build()).is_err()
        );
    }
}
