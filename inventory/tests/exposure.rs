//! Internet exposure, one tiny estate per case, asserting the exact findings and
//! their evidence chains.
mod common;

use common::*;
use inventory::model::*;

/// Evidence tail shared by most v4 cases: main table default route, default NACL.
const V4: &str = "| rtb-1(main) 0.0.0.0/0 → igw-1 | acl-1 in 100 out 100 |";
const V6: &str = "| rtb-1(main) ::/0 → igw-1 | acl-1 in 101 out 101 |";

fn base() -> Estate {
    Estate::public_web()
}

fn ssh() -> Estate {
    base().sg_in("sg-1", "tcp", "22", "0.0.0.0/0")
}

fn cases() -> Vec<(&'static str, Estate, Vec<String>)> {
    let f = |s: &str| s.to_string();
    vec![
        ("nothing allowed", base(), vec![]),
        ("ssh open to the world", ssh(), vec![f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0"))]),
        ("NACL deny numbered before the allow", ssh().nacl(90, false, "tcp", "22", "0.0.0.0/0", false), vec![]),
        ("NACL deny numbered after the allow does nothing", ssh().nacl(200, false, "tcp", "22", "0.0.0.0/0", false), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
        ]),
        ("NACL deny of a sub-range splits the port range", base().sg_in("sg-1", "tcp", "20-30", "0.0.0.0/0").nacl(90, false, "tcp", "22-23", "0.0.0.0/0", false), vec![
            f(&format!("i-1 eni-1 V4 tcp/20-21 from 0.0.0.0/0 {V4} sg-1 tcp/20-30 from 0.0.0.0/0")),
            f(&format!("i-1 eni-1 V4 tcp/24-30 from 0.0.0.0/0 {V4} sg-1 tcp/20-30 from 0.0.0.0/0")),
        ]),
        ("NACL partial denies that together cover every source", ssh().nacl(80, false, "-1", "", "0.0.0.0/1", false).nacl(90, false, "tcp", "0-100", "128.0.0.0/1", false), vec![]),
        ("NACL partial deny of one range leaves the rest of the internet", ssh().nacl(90, false, "tcp", "22", "198.51.100.0/24", false), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
        ]),
        ("NACL partial denies cover every source on some ports only", base().sg_in("sg-1", "tcp", "20-30", "0.0.0.0/0").nacl(80, false, "tcp", "20-24", "0.0.0.0/1", false).nacl(90, false, "tcp", "22-30", "128.0.0.0/1", false), vec![
            // Exact sets: each deny removes its half of the internet on its ports.
            f(&format!("i-1 eni-1 V4 tcp/20-21 from 128.0.0.0/1 {V4} sg-1 tcp/20-30 from 0.0.0.0/0")),
            f(&format!("i-1 eni-1 V4 tcp/25-30 from 0.0.0.0/1 {V4} sg-1 tcp/20-30 from 0.0.0.0/0")),
        ]),
        ("NACL outbound partial denies cover every destination", ssh().nacl(80, true, "-1", "", "0.0.0.0/1", false).nacl(90, true, "-1", "", "128.0.0.0/1", false), vec![]),
        ("NACL all-protocol deny first", ssh().nacl(50, false, "-1", "", "0.0.0.0/0", false), vec![]),
        ("NACL deny of another protocol is irrelevant", ssh().nacl(50, false, "udp", "", "0.0.0.0/0", false), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
        ]),
        ("NACL outbound blocks ephemeral ports", ssh().clear_nacl(true).nacl(100, true, "tcp", "0-1023", "0.0.0.0/0", true), vec![]),
        ("NACL outbound allows part of the ephemeral range", ssh().clear_nacl(true).nacl(120, true, "tcp", "32768-65535", "0.0.0.0/0", true), vec![
            f("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 | rtb-1(main) 0.0.0.0/0 → igw-1 | acl-1 in 100 out 120 | sg-1 tcp/22 from 0.0.0.0/0"),
        ]),
        ("NACL outbound denies the ephemeral range first", ssh().nacl(90, true, "tcp", "1024-65535", "0.0.0.0/0", false), vec![]),
        ("default route to a NAT gateway", ssh().set_route("rtb-1", "0.0.0.0/0", "nat-1"), vec![]),
        ("blackhole default route", ssh().blackhole("rtb-1", "0.0.0.0/0"), vec![]),
        ("no public IP", ssh().with(|r| r.network_interfaces[0].private_ips[0].association = None), vec![]),
        ("public IP from an Elastic IP record only", ssh()
            .with(|r| r.network_interfaces[0].private_ips[0].association = None)
            .with(|r| r.elastic_ips.push(ElasticIp {
                id: "eipalloc-1".into(), account_id: ACCT.into(), region: REGION.into(), arn: None,
                public_ip: "198.51.100.99".parse().unwrap(), association_id: Some("eipassoc-1".into()),
                instance_id: Some("i-1".into()), network_interface_id: Some("eni-1".into()), private_ip: None,
                network_border_group: None, tags: Tags::new(),
            })), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
        ]),
        ("IGW attached to another VPC", ssh().with(|r| r.internet_gateways[0].attachments[0].vpc_id = "vpc-9".into()), vec![]),
        ("subnet with an explicit table without IGW route", ssh().with(|r| r.route_tables.push(route_table("rtb-2", "vpc-1", false, &["subnet-1"], vec![route("10.0.0.0/16", "local")]))), vec![]),
        ("subnet with an explicit table routing to the IGW", ssh().with(|r| r.route_tables.push(route_table("rtb-2", "vpc-1", false, &["subnet-1"], vec![route("0.0.0.0/0", "igw-1")]))), vec![
            f("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 | rtb-2 0.0.0.0/0 → igw-1 | acl-1 in 100 out 100 | sg-1 tcp/22 from 0.0.0.0/0"),
        ]),
        ("main table applies when another subnet has the explicit table", ssh().with(|r| r.route_tables.push(route_table("rtb-2", "vpc-1", false, &["subnet-9"], vec![]))), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
        ]),
        ("IPv6 ::/0 through the IGW", base().sg_in("sg-1", "tcp", "443", "::/0"), vec![
            f(&format!("i-1 eni-1 V6 tcp/443 from ::/0 {V6} sg-1 tcp/443 from ::/0")),
        ]),
        ("IPv6 ::/0 through an egress-only IGW", base().sg_in("sg-1", "tcp", "443", "::/0").set_route("rtb-1", "::/0", "eigw-1"), vec![]),
        ("IPv6 ULA address is not public", base().sg_in("sg-1", "tcp", "443", "::/0").with(|r| r.network_interfaces[0].ipv6_addresses = vec!["fd00::10".parse().unwrap()]), vec![]),
        ("prefix list containing 0.0.0.0/0", base().sg_in("sg-1", "tcp", "443", "pl-1").with(|r| r.managed_prefix_lists.push(ManagedPrefixList {
            id: "pl-1".into(), account_id: ACCT.into(), region: REGION.into(), arn: None, name: "anywhere".into(),
            address_family: "IPv4".into(), max_entries: None, owner_id: None,
            entries: vec![PrefixListEntry { cidr: net("0.0.0.0/0"), description: None }], tags: Tags::new(),
        })), vec![
            f(&format!("i-1 eni-1 V4 tcp/443 from 0.0.0.0/0 {V4} sg-1 tcp/443 from pl-1 (entry 0.0.0.0/0)")),
        ]),
        ("prefix list of private ranges only", base().sg_in("sg-1", "tcp", "443", "pl-1").with(|r| r.managed_prefix_lists.push(ManagedPrefixList {
            id: "pl-1".into(), account_id: ACCT.into(), region: REGION.into(), arn: None, name: "corp".into(),
            address_family: "IPv4".into(), max_entries: None, owner_id: None,
            entries: vec![PrefixListEntry { cidr: net("10.0.0.0/8"), description: None }], tags: Tags::new(),
        })), vec![]),
        ("a /32 source is exposed to that source only", base().sg_in("sg-1", "tcp", "22", "203.0.113.7/32"), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 203.0.113.7/32 {V4} sg-1 tcp/22 from 203.0.113.7/32")),
        ]),
        ("narrow source inside a broader allowed one is not repeated", ssh().sg_in("sg-1", "tcp", "22-23", "203.0.113.0/24"), vec![
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
            f(&format!("i-1 eni-1 V4 tcp/23 from 203.0.113.0/24 {V4} sg-1 tcp/22-23 from 203.0.113.0/24")),
        ]),
        ("private source range is not internet", base().sg_in("sg-1", "tcp", "22", "10.0.0.0/8"), vec![]),
        ("NACL allows only one public /24", ssh().clear_nacl(false).nacl(100, false, "tcp", "22", "198.51.100.0/24", true), vec![
            f("i-1 eni-1 V4 tcp/22 from 198.51.100.0/24 | rtb-1(main) 0.0.0.0/0 → igw-1 | acl-1 in 100 out 100 | sg-1 tcp/22 from 0.0.0.0/0"),
        ]),
        ("more specific route elsewhere carves out a source", base().sg_in("sg-1", "tcp", "22", "203.0.113.0/24").set_route("rtb-1", "203.0.113.0/24", "vgw-1"), vec![]),
        ("protocol all in the SG", base().sg_in("sg-1", "-1", "", "0.0.0.0/0"), vec![
            f(&format!("i-1 eni-1 V4 all from 0.0.0.0/0 {V4} sg-1 all from 0.0.0.0/0")),
        ]),
        ("protocol all in the SG, NACL allowing only TCP 443", base().sg_in("sg-1", "-1", "", "0.0.0.0/0").clear_nacl(false).nacl(100, false, "tcp", "443", "0.0.0.0/0", true), vec![
            f(&format!("i-1 eni-1 V4 tcp/443 from 0.0.0.0/0 {V4} sg-1 all from 0.0.0.0/0")),
        ]),
        ("ICMP", base().sg_in("sg-1", "icmp", "", "0.0.0.0/0"), vec![
            f(&format!("i-1 eni-1 V4 icmp from 0.0.0.0/0 {V4} sg-1 icmp from 0.0.0.0/0")),
        ]),
        ("ICMP blocked by NACL", base().sg_in("sg-1", "icmp", "", "0.0.0.0/0").nacl(90, false, "icmp", "", "0.0.0.0/0", false), vec![]),
        ("SG-to-SG reference is not internet exposure", base().sg_in("sg-1", "tcp", "22", "sg-2").with(|r| r.security_groups.push(sg("sg-2", "vpc-1", vec![]))), vec![]),
        ("union over two groups, first group wins the overlap", ssh()
            .with(|r| r.security_groups.push(sg("sg-2", "vpc-1", vec![sg_rule("tcp", "20-25", "0.0.0.0/0")])))
            .with(|r| r.network_interfaces[0].security_group_ids.push("sg-2".into())), vec![
            f(&format!("i-1 eni-1 V4 tcp/20-21 from 0.0.0.0/0 {V4} sg-2 tcp/20-25 from 0.0.0.0/0")),
            f(&format!("i-1 eni-1 V4 tcp/22 from 0.0.0.0/0 {V4} sg-1 tcp/22 from 0.0.0.0/0")),
            f(&format!("i-1 eni-1 V4 tcp/23-25 from 0.0.0.0/0 {V4} sg-2 tcp/20-25 from 0.0.0.0/0")),
        ]),
        ("explicit NACL association instead of the default", ssh().with(|r| {
            let mut acl = default_nacl("acl-2", "vpc-1");
            acl.is_default = false;
            acl.entries.retain(|e| e.egress);
            acl.associations.push(NaclAssociation { id: "aclassoc-1".into(), subnet_id: "subnet-1".into() });
            r.network_acls.push(acl);
        }), vec![]),
        ("no NACL known: nothing reported, no panic", ssh().with(|r| r.network_acls.clear()), vec![]),
        ("no route table known: nothing reported, no panic", ssh().with(|r| r.route_tables.clear()), vec![]),
        ("ENI naming a security group missing from the snapshot", ssh().with(|r| r.network_interfaces[0].security_group_ids = vec!["sg-404".into()]), vec![]),
    ]
}

#[test]
fn exposure_cases() {
    let mut failures = Vec::new();
    for (name, estate, expected) in cases() {
        let got = estate.findings();
        if got != expected {
            failures.push(format!("case {name:?}:\n  expected {expected:#?}\n  got      {got:#?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn finding_fields() {
    let a = ssh()
        .with(|r| {
            r.instances.push(Instance {
                id: "i-1".into(),
                account_id: ACCT.into(),
                region: REGION.into(),
                arn: None,
                vpc_id: Some("vpc-1".into()),
                subnet_id: Some("subnet-1".into()),
                availability_zone: None,
                instance_type: None,
                state: Some("running".into()),
                image_id: None,
                platform: None,
                private_ip: None,
                public_ip: None,
                network_interface_ids: vec!["eni-1".into()],
                security_group_ids: vec![],
                iam_instance_profile_arn: None,
                launch_time: None,
                tags: tags(&[("Name", "bastion")]),
            })
        })
        .analyze();
    let f = &a.exposures[0];
    assert_eq!(f.resource_kind, ResourceKind::Instance);
    assert_eq!(f.name.as_deref(), Some("bastion"));
    assert_eq!(f.public_ip, "198.51.100.10");
    assert_eq!(f.ports, Some(PortRange::single(22)));
    assert_eq!(f.service, ServiceKind::Ec2);
    assert!(f.evidence.route_table_main);
}

#[test]
fn output_is_deterministic_whatever_the_input_order() {
    let a = ssh().sg_in("sg-1", "udp", "53", "0.0.0.0/0").sg_in("sg-1", "tcp", "443", "::/0");
    let mut b = ssh().sg_in("sg-1", "tcp", "443", "::/0").sg_in("sg-1", "udp", "53", "0.0.0.0/0");
    b.snap.resources.network_acls[0].entries.reverse();
    assert_eq!(a.analyze(), b.analyze());
    assert_eq!(a.findings().len(), 3);
}
