//! Load balancers joined to their ENIs as real AWS describes them
//! (fixtures/load_balancer_enis.json: requester-managed, "ELB app/<name>/<id>").
use std::path::Path;

use inventory::model::{LoadBalancerEnis, LoadBalancerType, NetworkInterface, Resource};
use inventory::snapshot::load_bytes;

const FIXTURE: &str = include_str!("fixtures/load_balancer_enis.json");

#[test]
fn load_balancer_enis_map_to_their_load_balancers() {
    let s = load_bytes(Path::new("load_balancer_enis.json"), FIXTURE.as_bytes()).expect("fixture loads and validates");
    let r = &s.resources;
    let join = LoadBalancerEnis::new(&r.load_balancers);
    let of = |id: &str| {
        let eni: &NetworkInterface = r.network_interfaces.iter().find(|e| e.id == id).expect("ENI in the fixture");
        join.load_balancer_of(eni).map(|lb| (lb.name.as_str(), lb.kind()))
    };
    assert_eq!(of("eni-alb-a"), Some(("web", LoadBalancerType::Application)));
    assert_eq!(of("eni-alb-b"), Some(("web", LoadBalancerType::Application)));
    assert_eq!(of("eni-nlb-a"), Some(("edge", LoadBalancerType::Network)));
    assert_eq!(of("eni-clb-a"), Some(("legacy", LoadBalancerType::Classic)));
    assert_eq!(of("eni-lookalike"), None, "not requester-managed");
    assert_eq!(of("eni-orphan"), None, "its load balancer is not in the snapshot");
    let nlb = r.load_balancers.iter().find(|l| l.name == "edge").expect("the NLB");
    assert!(nlb.is_internet_facing() && nlb.security_group_ids.is_empty());
    assert_eq!(Resource::asset(nlb).service, "elb");
}
