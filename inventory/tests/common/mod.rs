//! Tiny estates for analysis tests: `Estate::public_web()` is one instance with a
//! public IP in a public subnet (main route table 0.0.0.0/0 and ::/0 → igw-1, AWS
//! default NACL, sg-1 with no ingress); each case tweaks it in a line or two.
#![allow(dead_code)]
use std::collections::BTreeMap;

use inventory::analysis::{analyze, Analysis, ExposureFinding};
use inventory::model::*;
use inventory::snapshot::{Snapshot, Timestamp};

pub const ACCT: &str = "111111111111";
pub const REGION: &str = "eu-west-1";

pub fn net(s: &str) -> ipnet::IpNet {
    s.parse().unwrap_or_else(|e| panic!("bad CIDR {s}: {e}"))
}

pub fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()
}

pub fn ports(p: &str) -> Option<PortRange> {
    if p.is_empty() {
        return None;
    }
    let (a, b) = p.split_once('-').unwrap_or((p, p));
    Some(PortRange::new(a.parse().unwrap(), b.parse().unwrap()))
}

pub fn proto(p: &str) -> Protocol {
    Protocol::parse(p).unwrap()
}

pub fn route(dest: &str, target: &str) -> Route {
    let destination = if dest.starts_with("pl-") {
        RouteDestination::PrefixList(dest.into())
    } else {
        RouteDestination::Cidr(net(dest))
    };
    Route {
        destination,
        target: RouteTarget { kind: RouteTargetKind::from_target_id(target), id: target.into() },
        state: RouteState::Active,
        origin: None,
    }
}

pub fn sg_rule(p: &str, port: &str, peer: &str) -> SgRule {
    let peer = if peer.starts_with("sg-") {
        RulePeer::SecurityGroup { group_id: peer.into(), account_id: None, vpc_id: None, peering_status: None }
    } else if peer.starts_with("pl-") {
        RulePeer::PrefixList { prefix_list_id: peer.into() }
    } else {
        RulePeer::Cidr { cidr: net(peer) }
    };
    SgRule { rule_id: None, protocol: proto(p), ports: ports(port), icmp: None, peer, description: None }
}

pub fn nacl_entry(n: u16, egress: bool, p: &str, port: &str, cidr: &str, allow: bool) -> NaclEntry {
    NaclEntry {
        rule_number: n,
        egress,
        protocol: proto(p),
        action: if allow { RuleAction::Allow } else { RuleAction::Deny },
        cidr: net(cidr),
        ports: ports(port),
        icmp: None,
    }
}

pub fn vpc(id: &str, cidr: &str, env: Option<&str>) -> Vpc {
    Vpc {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        cidr_blocks: vec![cidr.parse().unwrap()],
        ipv6_cidr_blocks: vec![],
        is_default: false,
        state: Some("available".into()),
        tags: env.map(|e| tags(&[("Environment", e)])).unwrap_or_default(),
    }
}

pub fn subnet(id: &str, vpc: &str, cidr: &str) -> Subnet {
    Subnet {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        vpc_id: vpc.into(),
        availability_zone: "eu-west-1a".into(),
        availability_zone_id: None,
        cidr_block: Some(cidr.parse().unwrap()),
        ipv6_cidr_blocks: vec![],
        map_public_ip_on_launch: false,
        assign_ipv6_address_on_creation: false,
        available_ip_address_count: None,
        state: None,
        tags: Tags::new(),
    }
}

pub fn route_table(id: &str, vpc: &str, main: bool, subnets: &[&str], routes: Vec<Route>) -> RouteTable {
    let mut associations: Vec<RouteTableAssociation> = subnets
        .iter()
        .map(|s| RouteTableAssociation {
            id: format!("rtbassoc-{s}"),
            main: false,
            subnet_id: Some(s.to_string()),
            gateway_id: None,
        })
        .collect();
    if main {
        associations.push(RouteTableAssociation {
            id: format!("rtbassoc-main-{id}"),
            main: true,
            subnet_id: None,
            gateway_id: None,
        });
    }
    RouteTable {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        vpc_id: vpc.into(),
        routes,
        associations,
        propagating_vgws: vec![],
        tags: Tags::new(),
    }
}

/// The NACL AWS creates with a VPC: allow everything both ways (v4 rule 100, v6 rule 101).
pub fn default_nacl(id: &str, vpc: &str) -> NetworkAcl {
    NetworkAcl {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        vpc_id: vpc.into(),
        is_default: true,
        entries: vec![
            nacl_entry(100, false, "-1", "", "0.0.0.0/0", true),
            nacl_entry(101, false, "-1", "", "::/0", true),
            nacl_entry(32767, false, "-1", "", "0.0.0.0/0", false),
            nacl_entry(32767, false, "-1", "", "::/0", false),
            nacl_entry(100, true, "-1", "", "0.0.0.0/0", true),
            nacl_entry(101, true, "-1", "", "::/0", true),
            nacl_entry(32767, true, "-1", "", "0.0.0.0/0", false),
            nacl_entry(32767, true, "-1", "", "::/0", false),
        ],
        associations: vec![],
        tags: Tags::new(),
    }
}

pub fn sg(id: &str, vpc: &str, ingress: Vec<SgRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        vpc_id: vpc.into(),
        group_name: id.into(),
        description: String::new(),
        ingress,
        egress: vec![sg_rule("-1", "", "0.0.0.0/0")],
        tags: Tags::new(),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn eni(
    id: &str,
    vpc: &str,
    subnet: &str,
    private: &str,
    public: Option<&str>,
    ipv6: &[&str],
    sgs: &[&str],
    instance: Option<&str>,
) -> NetworkInterface {
    NetworkInterface {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        vpc_id: vpc.into(),
        subnet_id: subnet.into(),
        availability_zone: None,
        interface_type: "interface".into(),
        requester_id: None,
        requester_managed: false,
        description: String::new(),
        status: Some("in-use".into()),
        private_ips: vec![PrivateIp {
            address: private.parse().unwrap(),
            primary: true,
            association: public.map(|p| PublicIpAssociation {
                public_ip: p.parse().unwrap(),
                allocation_id: None,
                ip_owner_id: Some("amazon".into()),
            }),
        }],
        ipv6_addresses: ipv6.iter().map(|a| a.parse().unwrap()).collect(),
        security_group_ids: sgs.iter().map(|s| s.to_string()).collect(),
        attachment: instance.map(|i| EniAttachment {
            instance_id: Some(i.into()),
            instance_owner_id: None,
            device_index: Some(0),
            status: Some("attached".into()),
        }),
        source_dest_check: true,
        service: if instance.is_some() { ServiceKind::Ec2 } else { ServiceKind::Other },
        tags: Tags::new(),
    }
}

pub fn igw(id: &str, vpc: &str) -> InternetGateway {
    InternetGateway {
        id: id.into(),
        account_id: ACCT.into(),
        region: REGION.into(),
        arn: None,
        attachments: vec![VpcAttachment { vpc_id: vpc.into(), state: "available".into() }],
        tags: Tags::new(),
    }
}

pub struct Estate {
    pub snap: Snapshot,
}

impl Estate {
    pub fn empty() -> Estate {
        let mut snap = Snapshot::new(Timestamp::parse("2026-11-27T10:00:00Z").unwrap());
        snap.scope.accounts = vec![ACCT.into()];
        Estate { snap }
    }

    /// i-1 / eni-1 (198.51.100.10, 2001:db8:1::10) in subnet-1 of vpc-1, main table rtb-1
    /// routing 0.0.0.0/0 and ::/0 to igw-1, AWS default NACL acl-1, sg-1 without ingress.
    pub fn public_web() -> Estate {
        let mut e = Estate::empty();
        let r = &mut e.snap.resources;
        r.vpcs.push(vpc("vpc-1", "10.0.0.0/16", None));
        r.subnets.push(subnet("subnet-1", "vpc-1", "10.0.1.0/24"));
        r.internet_gateways.push(igw("igw-1", "vpc-1"));
        r.route_tables.push(route_table(
            "rtb-1",
            "vpc-1",
            true,
            &[],
            vec![route("10.0.0.0/16", "local"), route("0.0.0.0/0", "igw-1"), route("::/0", "igw-1")],
        ));
        r.network_acls.push(default_nacl("acl-1", "vpc-1"));
        r.security_groups.push(sg("sg-1", "vpc-1", vec![]));
        r.network_interfaces.push(eni(
            "eni-1",
            "vpc-1",
            "subnet-1",
            "10.0.1.10",
            Some("198.51.100.10"),
            &["2001:db8:1::10"],
            &["sg-1"],
            Some("i-1"),
        ));
        e
    }

    pub fn sg_in(mut self, group: &str, p: &str, port: &str, peer: &str) -> Estate {
        let g = self.snap.resources.security_groups.iter_mut().find(|g| g.id == group).expect("sg exists");
        g.ingress.push(sg_rule(p, port, peer));
        self
    }

    pub fn nacl(mut self, n: u16, egress: bool, p: &str, port: &str, cidr: &str, allow: bool) -> Estate {
        let acl = &mut self.snap.resources.network_acls[0];
        acl.entries.retain(|e| !(e.rule_number == n && e.egress == egress));
        acl.entries.push(nacl_entry(n, egress, p, port, cidr, allow));
        self
    }

    /// Removes every rule of one direction of acl-1.
    pub fn clear_nacl(mut self, egress: bool) -> Estate {
        self.snap.resources.network_acls[0].entries.retain(|e| e.egress != egress);
        self
    }

    pub fn set_route(mut self, table: &str, dest: &str, target: &str) -> Estate {
        let t = self.snap.resources.route_tables.iter_mut().find(|t| t.id == table).expect("table exists");
        let r = route(dest, target);
        t.routes.retain(|x| x.destination != r.destination);
        t.routes.push(r);
        self
    }

    pub fn blackhole(mut self, table: &str, dest: &str) -> Estate {
        let t = self.snap.resources.route_tables.iter_mut().find(|t| t.id == table).expect("table exists");
        for r in t.routes.iter_mut().filter(|r| r.destination.to_string() == dest) {
            r.state = RouteState::Blackhole;
        }
        self
    }

    pub fn with(mut self, f: impl FnOnce(&mut Resources)) -> Estate {
        f(&mut self.snap.resources);
        self
    }

    pub fn analyze(&self) -> Analysis {
        let mut s = self.snap.clone();
        s.normalize();
        analyze(&s)
    }

    pub fn findings(&self) -> Vec<String> {
        self.analyze().exposures.iter().map(show).collect()
    }
}

/// One line per finding with its whole evidence chain, for exact comparison.
pub fn show(f: &ExposureFinding) -> String {
    let ports = f.ports.map(|p| format!("/{p}")).unwrap_or_default();
    let e = &f.evidence;
    format!(
        "{} {} {:?} {}{} from {} | {}{} {} | {} in {} out {} | {} {}",
        f.resource_id,
        f.eni_id,
        f.ip_version,
        f.protocol,
        ports,
        f.source_text,
        e.route_table_id,
        if e.route_table_main { "(main)" } else { "" },
        e.route,
        e.nacl_id,
        e.nacl_in_rule,
        e.nacl_out_rule,
        e.security_group_id,
        e.sg_rule
    )
}
