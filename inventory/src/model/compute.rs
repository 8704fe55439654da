//! Instances and network interfaces (ENIs). Managed services (ELB, RDS, Lambda, ...)
//! appear as ENIs; `ServiceKind` says which service an ENI belongs to.
use std::net::{Ipv4Addr, Ipv6Addr};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::asset::{Asset, ExposedAs, FromEnis};
use super::common::{impl_resource, ResourceKind, Tags};
use super::refs::{Check, Field, Refs, Rel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub instance_type: Option<String>,
    /// "running", "stopped", ...
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub private_ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub public_ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    /// Groups as reported on the instance; the ENIs' groups are authoritative.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub iam_instance_profile_arn: Option<String>,
    #[serde(default)]
    pub launch_time: Option<String>,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(Instance, ResourceKind::Instance, opt_vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            availability_zone: self.availability_zone.as_deref(),
            zone_from_subnet: true,
            subnets: self.subnet_id.as_deref().into_iter().collect(),
            private_ips: self.private_ip.iter().map(|i| i.to_string()).collect(),
            public_ips: self.public_ip.iter().map(|i| i.to_string()).collect(),
            security_groups: self.security_group_ids.iter().map(String::as_str).collect(),
            enis: &self.network_interface_ids,
            from_enis: FromEnis::Everything,
            exposed_as: Some(ExposedAs::Resource),
            ..Asset::service("ec2")
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        if let Some(v) = &self.vpc_id {
            out.required("vpc_id", ResourceKind::Vpc, v, Rel::Names);
        }
        if let Some(sn) = &self.subnet_id {
            out.required("subnet_id", ResourceKind::Subnet, sn, Rel::Names);
        }
        // The ENI's own attachment is what the graph draws (Rel::InterfaceOf).
        out.required_each(
            "network_interface_ids",
            ResourceKind::NetworkInterface,
            &self.network_interface_ids,
            Rel::Names,
        );
    }
    fn normalize(&mut self) {
        self.network_interface_ids.sort();
        self.security_group_ids.sort();
    }
});

/// The service an ENI belongs to, derived from interface type, requester and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    Ec2,
    Elb,
    Rds,
    Lambda,
    Nat,
    VpcEndpoint,
    Eks,
    Ecs,
    Efs,
    Elasticache,
    Redshift,
    TransitGateway,
    Other,
}

impl ServiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Ec2 => "ec2",
            ServiceKind::Elb => "elb",
            ServiceKind::Rds => "rds",
            ServiceKind::Lambda => "lambda",
            ServiceKind::Nat => "nat",
            ServiceKind::VpcEndpoint => "vpc-endpoint",
            ServiceKind::Eks => "eks",
            ServiceKind::Ecs => "ecs",
            ServiceKind::Efs => "efs",
            ServiceKind::Elasticache => "elasticache",
            ServiceKind::Redshift => "redshift",
            ServiceKind::TransitGateway => "transit-gateway",
            ServiceKind::Other => "other",
        }
    }

    /// Services that hold data (targets of the data-flow view).
    pub fn is_data_store(self) -> bool {
        matches!(self, ServiceKind::Rds | ServiceKind::Elasticache | ServiceKind::Redshift | ServiceKind::Efs)
    }

    /// Classifies an ENI. AWS gives no "service" field; the interface type is decisive
    /// where set, otherwise the description text managed services write is the signal.
    /// `requester_id` is the AWS principal that created a requester-managed ENI.
    pub fn classify(
        interface_type: &str,
        requester_id: Option<&str>,
        description: &str,
        attached_to_instance: bool,
    ) -> ServiceKind {
        match interface_type {
            "nat_gateway" => return ServiceKind::Nat,
            "lambda" => return ServiceKind::Lambda,
            "network_load_balancer" | "gateway_load_balancer" | "load_balancer" => return ServiceKind::Elb,
            "vpc_endpoint" | "gateway_load_balancer_endpoint" => return ServiceKind::VpcEndpoint,
            "transit_gateway" => return ServiceKind::TransitGateway,
            "efs" => return ServiceKind::Efs,
            _ => {}
        }
        let d = description.to_ascii_lowercase();
        let requester = requester_id.unwrap_or("").to_ascii_lowercase();
        if d.starts_with("elb ") || d.starts_with("elb app/") || d.starts_with("elb net/") || requester == "amazon-elb"
        {
            ServiceKind::Elb
        } else if d.starts_with("rdsnetworkinterface") || requester == "amazon-rds" {
            ServiceKind::Rds
        } else if d.starts_with("aws lambda vpc eni") || requester.contains("lambda") {
            ServiceKind::Lambda
        } else if d.starts_with("interface for nat gateway") {
            ServiceKind::Nat
        } else if d.starts_with("vpc endpoint interface") {
            ServiceKind::VpcEndpoint
        } else if d.starts_with("amazon eks") || requester.contains("eks") {
            ServiceKind::Eks
        } else if d.starts_with("arn:aws:ecs") || requester.contains("ecs") {
            ServiceKind::Ecs
        } else if d.starts_with("efs mount target") {
            ServiceKind::Efs
        } else if d.starts_with("elasticache") || requester.contains("elasticache") {
            ServiceKind::Elasticache
        } else if d.starts_with("redshift") || requester.contains("redshift") {
            ServiceKind::Redshift
        } else if d.starts_with("network interface for transit gateway attachment") {
            ServiceKind::TransitGateway
        } else if attached_to_instance {
            ServiceKind::Ec2
        } else {
            ServiceKind::Other
        }
    }
}

impl std::fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public IPv4 address associated with one private address of an ENI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicIpAssociation {
    pub public_ip: Ipv4Addr,
    /// Elastic IP allocation, when the address is an EIP.
    #[serde(default)]
    pub allocation_id: Option<String>,
    /// "amazon" for an auto-assigned address, else the EIP owner's account.
    #[serde(default)]
    pub ip_owner_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateIp {
    pub address: Ipv4Addr,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub association: Option<PublicIpAssociation>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EniAttachment {
    #[serde(default)]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub instance_owner_id: Option<String>,
    #[serde(default)]
    pub device_index: Option<i32>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub id: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub vpc_id: String,
    pub subnet_id: String,
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// AWS InterfaceType: "interface", "nat_gateway", "lambda", "network_load_balancer", ...
    #[serde(default = "default_interface_type")]
    pub interface_type: String,
    #[serde(default)]
    pub requester_id: Option<String>,
    #[serde(default)]
    pub requester_managed: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub private_ips: Vec<PrivateIp>,
    #[serde(default)]
    pub ipv6_addresses: Vec<Ipv6Addr>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub attachment: Option<EniAttachment>,
    #[serde(default = "default_true")]
    pub source_dest_check: bool,
    /// Derived by `ServiceKind::classify`; stored so every stage agrees.
    pub service: ServiceKind,
    #[serde(default, deserialize_with = "super::common::unique_tags")]
    pub tags: Tags,
}
impl_resource!(NetworkInterface, ResourceKind::NetworkInterface, vpc, {
    fn asset(&self) -> Asset<'_> {
        Asset {
            fallback_name: (!self.description.is_empty()).then_some(self.description.as_str()),
            availability_zone: self.availability_zone.as_deref(),
            zone_from_subnet: true,
            subnets: vec![&self.subnet_id],
            private_ips: self.private_ips.iter().map(|p| p.address.to_string()).collect(),
            public_ips: self.public_ips().iter().map(|i| i.to_string()).collect(),
            ipv6_addresses: self.ipv6_addresses.iter().map(|i| i.to_string()).collect(),
            security_groups: self.security_group_ids.iter().map(String::as_str).collect(),
            exposed_as: Some(ExposedAs::Eni),
            ..Asset::service(self.service.as_str())
        }
    }
    fn references<'a>(&'a self, out: &mut Refs<'a>) {
        out.required("vpc_id", ResourceKind::Vpc, &self.vpc_id, Rel::Names);
        out.required("subnet_id", ResourceKind::Subnet, &self.subnet_id, Rel::In);
        out.required_each(
            "security_group_ids",
            ResourceKind::SecurityGroup,
            &self.security_group_ids,
            Rel::ProtectedBy,
        );
        if let Some(inst) = self.instance_id() {
            let field = Field::new("attachment.instance_id");
            out.push(field, ResourceKind::Instance, inst, Check::Expected, Rel::InterfaceOf);
        }
    }
    fn normalize(&mut self) {
        self.private_ips.sort_by_key(|a| (!a.primary, a.address));
        self.ipv6_addresses.sort();
        self.security_group_ids.sort();
    }
});

fn default_interface_type() -> String {
    "interface".to_string()
}
fn default_true() -> bool {
    true
}

impl NetworkInterface {
    /// Every public IPv4 address on the ENI (auto-assigned or EIP), sorted.
    pub fn public_ips(&self) -> Vec<Ipv4Addr> {
        let mut ips: Vec<Ipv4Addr> =
            self.private_ips.iter().filter_map(|p| p.association.as_ref().map(|a| a.public_ip)).collect();
        ips.sort();
        ips.dedup();
        ips
    }
    pub fn primary_private_ip(&self) -> Option<Ipv4Addr> {
        self.private_ips.iter().find(|p| p.primary).or(self.private_ips.first()).map(|p| p.address)
    }
    pub fn instance_id(&self) -> Option<&str> {
        self.attachment.as_ref().and_then(|a| a.instance_id.as_deref())
    }
}
