//! The synthetic estate generator: deterministic, the requested size, valid, realistic.
use std::collections::{BTreeMap, BTreeSet};

use generate::generate;
use inventory::model::*;
use inventory::snapshot::{load_bytes, to_json_bytes, validate, Snapshot};

fn assert_valid(s: &Snapshot) {
    let problems = validate(s);
    assert!(
        problems.is_empty(),
        "{} problem(s), first: {}",
        problems.len(),
        problems.iter().take(5).map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = to_json_bytes(&generate(1000, 7));
    let b = to_json_bytes(&generate(1000, 7));
    assert!(a == b, "same seed gave different output");
    let c = to_json_bytes(&generate(1000, 8));
    assert!(a != c, "different seeds gave the same output");
}

#[test]
fn output_is_canonical_and_loads() {
    let s = generate(1000, 3);
    let bytes = to_json_bytes(&s);
    let loaded = load_bytes(std::path::Path::new("generated"), &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(to_json_bytes(&loaded) == bytes, "load + write is not the identity");
    assert_eq!(loaded, s, "generate() returns a normalized snapshot");
}

#[test]
fn size_is_as_requested() {
    for (n, seed) in [(1000, 1), (1000, 99), (2500, 4), (10_000, 1), (10_000, 12345)] {
        let s = generate(n, seed);
        let total = s.resources.total();
        assert!(total.abs_diff(n) * 20 <= n, "asked {n}, got {total}");
        // The generator tops up to the exact count.
        assert_eq!(total, n, "seed {seed}");
        assert_valid(&s);
    }
}

#[test]
fn exact_size_across_many_sizes_and_seeds() {
    for n in (400..4000).step_by(271) {
        for seed in 0..3 {
            assert_eq!(generate(n, seed).resources.total(), n, "n={n} seed={seed}");
        }
    }
}

#[test]
fn tiny_requests_still_give_a_valid_estate() {
    for n in [0, 1, 50, 120, 300] {
        let s = generate(n, 5);
        assert_valid(&s);
        assert!(s.resources.count(ResourceKind::Vpc) >= 1);
        assert!(s.resources.total() <= n.max(80), "asked {n}, got {}", s.resources.total());
    }
}

#[test]
fn every_kind_appears_at_1k() {
    for seed in [1, 2, 3] {
        let s = generate(1000, seed);
        let missing: Vec<ResourceKind> = ResourceKind::ALL.into_iter().filter(|k| s.resources.count(*k) == 0).collect();
        assert!(missing.is_empty(), "seed {seed}: missing {missing:?}");
    }
}

#[test]
fn generated_estates_validate_across_seeds() {
    for seed in 0..20 {
        assert_valid(&generate(1500, seed));
    }
}

#[test]
fn eni_services_are_classified_consistently() {
    let s = generate(3000, 11);
    let mut seen = BTreeSet::new();
    for e in &s.resources.network_interfaces {
        let expected = ServiceKind::classify(
            &e.interface_type,
            e.requester_id.as_deref(),
            &e.description,
            e.instance_id().is_some(),
        );
        assert_eq!(e.service, expected, "{}", e.id);
        seen.insert(e.service);
    }
    for k in [
        ServiceKind::Ec2,
        ServiceKind::Elb,
        ServiceKind::Rds,
        ServiceKind::Lambda,
        ServiceKind::Nat,
        ServiceKind::VpcEndpoint,
    ] {
        assert!(seen.contains(&k), "no {k} ENIs");
    }
}

#[test]
fn coverage_matches_resources() {
    let s = generate(2000, 6);
    assert!(!s.has_gaps());
    let mut counts: BTreeMap<(String, String, &str), u64> = BTreeMap::new();
    for c in &s.coverage {
        counts.insert((c.account_id.clone(), c.region.clone(), c.api.as_str()), c.items);
    }
    for a in &s.resources.accounts {
        assert_eq!(counts.get(&(a.id.clone(), "global".into(), "sts:GetCallerIdentity")), Some(&1));
    }
    for r in &s.resources.regions {
        let n = s.resources.instances.iter().filter(|i| i.account_id == r.account_id && i.region == r.region).count()
            as u64;
        assert_eq!(counts.get(&(r.account_id.clone(), r.region.clone(), "ec2:DescribeInstances")), Some(&n));
    }
}

#[test]
fn estate_is_realistic() {
    let s = generate(10_000, 1);
    let r = &s.resources;
    assert!(r.accounts.len() >= 3 && r.vpcs.len() >= 20, "{} accounts, {} vpcs", r.accounts.len(), r.vpcs.len());
    let regions: BTreeSet<&str> = r.vpcs.iter().map(|v| v.region.as_str()).collect();
    assert!(regions.len() >= 2);
    // Subnets spread over several zones per VPC.
    for v in &r.vpcs {
        let zones: BTreeSet<&str> =
            r.subnets.iter().filter(|s| s.vpc_id == v.id).map(|s| s.availability_zone.as_str()).collect();
        assert!(zones.len() >= 2, "{}", v.id);
    }
    // ASG-like groups: instances named stem-N with the group tag.
    let asg = r.instances.iter().filter(|i| i.tags.contains_key("aws:autoscaling:groupName")).count();
    assert!(asg * 10 >= r.instances.len() * 8, "most instances are in groups");
    // Most instances private, but some public ones with an open rule: exposure findings exist.
    let public = r.instances.iter().filter(|i| i.public_ip.is_some()).count();
    assert!(public > 0 && public * 10 < r.instances.len());
    let open = |g: &SecurityGroup| {
        g.ingress.iter().any(|x| matches!(&x.peer, RulePeer::Cidr { cidr } if cidr.prefix_len() == 0))
    };
    let open_public = r.instances.iter().filter(|i| {
        i.public_ip.is_some()
            && i.security_group_ids.iter().any(|id| r.security_groups.iter().any(|g| &g.id == id && open(g)))
    });
    assert!(open_public.count() > 0, "some public instance has a world-open rule");
    // Tags.
    for env in ["prod", "staging", "dev"] {
        assert!(r.vpcs.iter().any(|v| v.tags.get("Environment").map(String::as_str) == Some(env)), "{env}");
    }
    assert!(r.instances.iter().all(|i| i.tags.contains_key("Owner") && i.tags.contains_key("DataClassification")));
    // Public addresses are unique.
    let mut ips = BTreeSet::new();
    for e in &r.network_interfaces {
        for ip in e.public_ips() {
            assert!(ips.insert(ip), "duplicate public IP {ip}");
        }
    }
    // Private addresses unique within a VPC.
    let mut private = BTreeSet::new();
    for e in &r.network_interfaces {
        for p in &e.private_ips {
            assert!(private.insert((e.vpc_id.clone(), p.address)), "duplicate {} in {}", p.address, e.vpc_id);
        }
    }
}

/// 100k runs in about a second even in a debug build. Prints timings (see with --nocapture).
#[test]
fn size_100k() {
    for n in [1_000, 10_000] {
        let t = std::time::Instant::now();
        let s = generate(n, 1);
        eprintln!("generate({n}) took {:?}", t.elapsed());
        assert_eq!(s.resources.total(), n);
    }
    let t = std::time::Instant::now();
    let s = generate(100_000, 1);
    eprintln!("generate(100000) took {:?}", t.elapsed());
    assert_eq!(s.resources.total(), 100_000);
    assert_valid(&s);
}

/// Exposure analysis has something to find: load balancers, open bastions, dev test boxes.
#[test]
fn generated_estates_have_exposure_findings() {
    use inventory::analysis::{analyze, IpVersion};
    let s = generate(10_000, 1);
    let a = analyze(&s);
    let by = |svc: ServiceKind| a.exposures.iter().filter(|f| f.service == svc).count();
    assert!(by(ServiceKind::Elb) > 0, "ALB findings");
    let ec2_world: Vec<_> =
        a.exposures.iter().filter(|f| f.service == ServiceKind::Ec2 && f.source.prefix_len() == 0).collect();
    assert!(ec2_world.iter().any(|f| f.ports == Some(PortRange::single(22))), "an SSH-open bastion");
    assert!(ec2_world.iter().any(|f| f.ports == Some(PortRange::single(8080))), "a dev test box");
    assert!(a.exposures.iter().any(|f| f.ip_version == IpVersion::V6), "an IPv6 finding");
    assert!(!a.behind_load_balancers.is_empty());
    // Most instances are not exposed.
    let exposed: BTreeSet<&str> = a
        .exposures
        .iter()
        .filter(|f| f.resource_kind == ResourceKind::Instance)
        .map(|f| f.resource_id.as_str())
        .collect();
    assert!(!exposed.is_empty());
    assert!(exposed.len() * 20 < s.resources.instances.len());
}
