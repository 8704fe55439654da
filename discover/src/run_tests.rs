//! Unit tests of run.rs (merging what several accounts and regions saw).
use super::*;
use inventory::model::{ManagedPrefixList, PeeringSide};

fn pl(account: &str) -> ManagedPrefixList {
    ManagedPrefixList {
        id: "pl-63a5400a".into(),
        account_id: account.into(),
        region: "us-east-1".into(),
        arn: None,
        name: "com.amazonaws.us-east-1.s3".into(),
        address_family: "IPv4".into(),
        max_entries: None,
        owner_id: Some("AWS".into()),
        entries: Vec::new(),
        tags: Default::default(),
    }
}

#[test]
fn resources_seen_from_several_accounts_appear_once() {
    let mut r =
        Resources { managed_prefix_lists: vec![pl("222222222222"), pl("111111111111")], ..Resources::default() };
    dedup_shared(&mut r);
    assert_eq!(r.managed_prefix_lists.len(), 1);
    assert_eq!(r.managed_prefix_lists[0].account_id, "111111111111");
}

#[test]
fn cross_region_peering_is_kept_once_per_account_from_the_requester_region() {
    let side = |region: &str, vpc: &str| PeeringSide {
        account_id: "1".into(),
        region: region.into(),
        vpc_id: vpc.into(),
        cidr_blocks: vec![],
    };
    let p = |region: &str| VpcPeeringConnection {
        id: "pcx-1".into(),
        account_id: "1".into(),
        region: region.into(),
        arn: None,
        requester: side("us-east-1", "vpc-a"),
        accepter: side("eu-west-1", "vpc-b"),
        status: "active".into(),
        tags: Default::default(),
    };
    let mut v = vec![p("eu-west-1"), p("us-east-1")];
    dedup_peering(&mut v);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].region, "us-east-1");
}
