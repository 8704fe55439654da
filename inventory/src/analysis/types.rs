//! Result types of the analyses. Plain serde data in a stable order: the render
//! crate draws and tabulates these, and tests compare them exactly.
use super::egress::SubnetEgress;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::model::{PortRange, Protocol, ResourceKind, ServiceKind};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Internet exposure findings, sorted by (account, region, vpc, subnet, resource, ...)
    /// in field order. A finding is per (ENI, IP version, protocol, port range, source).
    pub exposures: Vec<ExposureFinding>,
    /// The targets of every load-balancer listener the internet reaches (listener →
    /// rule → target group → target), each with whether the target admits the traffic.
    pub behind_load_balancers: Vec<LoadBalancerTarget>,
    /// The targets of the listeners of every other load balancer (internal ones above
    /// all), for clients anywhere in IPv4: the path engine's hops and the VPC pages'
    /// lines from those load balancers.
    #[serde(default)]
    pub other_load_balancer_targets: Vec<LoadBalancerTarget>,
    /// Resources with a public address that are not exposed, with the controls that stop it.
    #[serde(default)]
    pub blocked: Vec<Blocked>,
    /// Internet egress of every subnet.
    pub egress: Vec<SubnetEgress>,
    /// VPC-to-VPC and VPC-to-on-premises connectivity.
    pub segmentation: Vec<Connection>,
    /// Which security group may talk to which, on which ports.
    pub sg_flows: Vec<SgFlow>,
    /// Per-subnet route table and tier, environments, scope: derived once, read by
    /// every writer.
    #[serde(default)]
    pub facts: crate::facts::Facts,
    /// Every hop from the internet towards the data stores within `DATA_FLOW_HOPS`,
    /// by the path engine (filled by `analyze_with`; `analyze_topology_with` leaves it
    /// empty, `data_flows` computes it).
    #[serde(default)]
    pub data_flows: Vec<super::paths::DataFlow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpVersion {
    V4,
    V6,
}

/// One way the internet reaches one ENI: every control on the path allows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExposureFinding {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// Instance id when the ENI is attached to an instance, else the ENI id.
    pub resource_id: String,
    pub resource_kind: ResourceKind,
    pub service: ServiceKind,
    pub eni_id: String,
    /// Resource name (Name tag) for display, if any.
    pub name: Option<String>,
    pub ip_version: IpVersion,
    /// The public IPv4 (or EIP) or IPv6 address the internet uses.
    pub public_ip: String,
    pub protocol: Protocol,
    /// None for protocols without ports (ICMP, "all").
    pub ports: Option<PortRange>,
    /// The smallest CIDR containing every allowed source (`sources` is the exact set).
    pub source: IpNet,
    /// The exact allowed internet sources: minimal CIDRs whose public addresses are
    /// the set (non-public ranges never reach from the internet, so they do not count).
    pub sources: Vec<IpNet>,
    /// The sources as read: "0.0.0.0/0", or "0.0.0.0/0 except 1.2.3.0/24".
    pub source_text: String,
    /// Set where the ports are not in EC2 data: an NLB without security groups admits
    /// any client on its listener ports ("listener ports (not in EC2 data)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports_note: Option<String>,
    /// The load-balancer listener the internet enters by, when the resource is a load
    /// balancer (its ENI, or one of its nodes when the snapshot has no ENIs for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LbListener>,
    pub evidence: Evidence,
}

/// A load-balancer listener, as an exposure finding and a target row name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LbListener {
    pub load_balancer_id: String,
    pub load_balancer_name: String,
    /// "application", "network", "gateway" or "classic".
    pub lb_type: String,
    /// The v2 listener ARN; none for a Classic listener.
    pub listener_id: Option<String>,
    /// As AWS states it: "HTTPS", "TCP", "UDP", "TCP_UDP", "SSL", ...
    pub listener_protocol: String,
    pub port: u16,
    /// Encryption in transit: "TLS (ELBSecurityPolicy-TLS13-1-2-2021-06)", or "plain HTTP".
    pub encryption: String,
}

impl LbListener {
    /// "HTTPS 443".
    pub fn label(&self) -> String {
        format!("{} {}", self.listener_protocol, self.port)
    }
}

impl ExposureFinding {
    /// Protocol and ports as read ("tcp/22"), or the note when EC2 data has no ports
    /// ("tcp: listener ports (not in EC2 data)").
    pub fn ports_label(&self, style: crate::facts::PortStyle) -> String {
        match &self.ports_note {
            Some(note) => format!("{}: {note}", self.protocol),
            None => crate::facts::port_label(self.protocol, self.ports, style),
        }
    }

    /// Whether the source is the whole internet (nothing but non-internet ranges left out).
    pub fn from_anywhere(&self) -> bool {
        self.sources.len() == 1 && self.sources[0].prefix_len() == 0
    }
}

/// A resource with a public address that the internet cannot reach, and why: the
/// first control that stops each candidate (source range, protocol).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Blocked {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub resource_id: String,
    pub eni_id: String,
    pub ip_version: IpVersion,
    pub public_ip: String,
    pub reasons: Vec<BlockReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlockReason {
    /// "tcp", "udp", "icmp", or "all" when the reason stops every protocol.
    pub protocol: String,
    /// The internet sources it applies to, as read.
    pub sources: String,
    /// e.g. "NACL acl-1 inbound #90 denies tcp/0-65535".
    pub reason: String,
}

/// The chain of controls that together allow a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub route_table_id: String,
    /// The route used, e.g. "0.0.0.0/0 → igw-0abc".
    pub route: String,
    /// Whether the route table is the subnet's explicit association or the VPC main table.
    pub route_table_main: bool,
    pub nacl_id: String,
    /// Inbound NACL rule number that allows the traffic.
    pub nacl_in_rule: u16,
    /// Outbound NACL rule number that allows the return traffic.
    pub nacl_out_rule: u16,
    pub security_group_id: String,
    /// The SG rule, e.g. "tcp/22 from 0.0.0.0/0" (or "... via pl-123").
    pub sg_rule: String,
    pub sg_rule_id: Option<String>,
    /// Ingress routing: the gateway route table route that sends the traffic to an
    /// inspection point, e.g. "rtb-edge: 10.0.1.0/24 → vpce-1".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_route: Option<String>,
    /// The appliance / GWLB endpoint / Network Firewall endpoint on the path, and what
    /// EC2 data cannot say about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection_point: Option<String>,
}

/// One target of a listener the internet reaches: listener → rule → target group →
/// target, and whether the target admits the load balancer's traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LoadBalancerTarget {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    pub listener: LbListener,
    /// "default", or "priority 10: path-pattern: /api/*".
    pub rule: String,
    /// Target group id (ARN); empty for a Classic load balancer's instances.
    pub target_group_id: String,
    pub target_group_name: String,
    /// "instance", "ip", "lambda" or "alb".
    pub target_type: String,
    /// The target as registered: instance id, IP address, function or ALB ARN.
    pub target_id: String,
    /// Instance id, or the ENI id of an IP target, when the snapshot has it.
    pub resource_id: String,
    pub eni_id: Option<String>,
    pub protocol: Protocol,
    /// The port the target receives on.
    pub port: u16,
    /// Health as the load balancer last saw it ("healthy", "InService", ...).
    pub health: Option<String>,
    pub reach: TargetReach,
    /// Whose addresses the target sees: the load balancer's nodes or the clients'
    /// (client IP preservation), and the assumption made.
    pub source_model: String,
    /// The exact sources admitted ("10.0.1.0/24, 10.0.2.0/24", "0.0.0.0/0").
    pub sources: String,
    /// The controls that admit it, or the first that stops it.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetReach {
    /// Every control between the load balancer and the target admits the traffic.
    Reachable,
    /// A security group or NACL of the target (or the load balancer's subnet) stops it.
    Blocked,
    /// Not decidable from the snapshot (target outside the VPC or not collected).
    NotEvaluated,
}

impl TargetReach {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetReach::Reachable => "reachable",
            TargetReach::Blocked => "blocked",
            TargetReach::NotEvaluated => "not evaluated",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionVia {
    Peering,
    TransitGateway,
    Vpn,
}

/// Network reachability between two networks, with the routes that create it.
/// A shared immutable string (serialised as a plain string).
pub type Text = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Connection {
    pub from_vpc_id: Text,
    pub from_account_id: Text,
    /// A VPC id, or a customer gateway id for on-premises.
    pub to_id: Text,
    pub to_kind: ResourceKind,
    pub to_account_id: Option<Text>,
    pub via: ConnectionVia,
    /// Peering / TGW / VPN connection id.
    pub via_id: Text,
    /// Destination CIDRs routed.
    pub cidrs: Vec<Text>,
    /// Route evidence, e.g. "rtb-1: 10.2.0.0/16 → pcx-1", "tgw-rtb-1: 10.2.0.0/16 → tgw-attach-2".
    /// Shared texts: one route is evidence for many connections (a TGW joins every pair).
    pub evidence: Vec<Text>,
    pub from_environment: Option<Text>,
    pub to_environment: Option<Text>,
    /// A production network reachable from a non-production one.
    pub prod_from_nonprod: bool,
    /// Whether replies can come back: the far side routes the source VPC's CIDRs back
    /// the same way (its VPC route tables and, through a TGW, its attachment's TGW route
    /// table). Without it only one-way traffic passes; TCP sessions cannot be set up.
    #[serde(default)]
    pub return_path: ReturnPath,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnPath {
    /// Routes back exist on every hop the snapshot shows.
    Routed,
    /// Some hop has no route back (named in the evidence).
    Missing,
    /// The far side is not in EC2 data (an on-premises network).
    #[default]
    Unknown,
}

/// A security group allowing another group's members in, on some ports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SgFlow {
    pub vpc_id: String,
    pub from_security_group_id: String,
    pub to_security_group_id: String,
    pub protocol: Protocol,
    pub ports: Option<PortRange>,
    pub rule_id: Option<String>,
}
