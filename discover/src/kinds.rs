//! One descriptor per regional resource kind: the operations it sends, the SDK
//! calls, how its pages and per-item reads chain, and its transform. `region::collect`
//! runs every descriptor; `ops::REGIONAL`, `ops::OPERATIONS` (and so the IAM policy
//! and the coverage records) are built from this table.
//!
//! Adding a kind: one `kinds!` entry here and its transform in `transform/*`.
use std::future::Future;
use std::pin::Pin;

use aws_sdk_ec2::types::Filter;
use inventory::model::*;

use crate::chain::{self, Chain};
use crate::ops::Op;
use crate::region::{fan_out, fill, Child, RegionJob};
use crate::transform::{compute, connectivity as conn, network, security, Ctx};

use regional::*;

mod elb;

pub type ReadFuture<'a> = Pin<Box<dyn Future<Output = Read> + Send + 'a>>;

/// How one regional kind is read.
pub struct Descriptor {
    /// The kind it produces; no other descriptor produces it (a test checks).
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests tying the table to the model
    pub kind: ResourceKind,
    /// The operations only it sends: its listing first, then those whose answers are
    /// stitched into its items or read per item.
    pub ops: &'static [Op],
    pub read: for<'a> fn(&'a RegionJob) -> ReadFuture<'a>,
}

impl Descriptor {
    /// The listing: `listing().action()` is e.g. "ec2:DescribeNatGateways".
    #[cfg_attr(not(test), allow(dead_code))] // read by the tests tying the table to the model
    pub fn listing(&self) -> Op {
        self.ops[0]
    }
}

/// What a descriptor read: its chains, and its items ready to go into the region's
/// `Resources` (type-erased, so one loop stores every kind).
pub struct Read {
    chains: Vec<Chain>,
    store: Box<dyn FnOnce(&mut Resources) + Send>,
}

impl Read {
    fn new<T: Listed>(chains: impl IntoChains, items: Vec<T>) -> Read {
        Read { chains: chains.into_chains(), store: Box::new(move |r| T::list(r).extend(items)) }
    }

    /// Stores the items; returns the chains, for the coverage records.
    pub fn store(self, into: &mut Resources) -> Vec<Chain> {
        (self.store)(into);
        self.chains
    }
}

/// The `Resources` list a model type is kept in.
trait Listed: Resource + Send + Sized + 'static {
    fn list(r: &mut Resources) -> &mut Vec<Self>;
}

macro_rules! listed {
    ($field:ident, $ty:ident) => {
        impl Listed for inventory::model::$ty {
            fn list(r: &mut Resources) -> &mut Vec<Self> {
                &mut r.$field
            }
        }
    };
}
inventory::for_each_kind!(listed);

/// One chain (a plain listing) or several (stitched or fanned out).
trait IntoChains {
    fn into_chains(self) -> Vec<Chain>;
}

impl IntoChains for Chain {
    fn into_chains(self) -> Vec<Chain> {
        vec![self]
    }
}

impl IntoChains for Vec<Chain> {
    fn into_chains(self) -> Vec<Chain> {
        self
    }
}

/// Passes across kinds, once every descriptor has stored its list.
pub fn stitch(r: &mut Resources) {
    compute::fill_instances_from_enis(&mut r.instances, &r.network_interfaces);
}

/// The page size asked for: the op's largest.
fn max(op: Op) -> i32 {
    op.max_results.unwrap_or(1000)
}

/// Every page of one listing, each item through `transform(ctx, item)`.
macro_rules! paged {
    ($j:ident, $op:ident, $call:ident, $items:ident, $transform:expr) => {{
        let mut v = Vec::new();
        let ch = chain::paged(&$j.slot, $op, $j.ec2.$call().max_results(max($op)).into_paginator().send(), |o, ch| {
            for x in o.$items() {
                ch.take($transform(&$j.ctx, x), &mut v);
            }
        })
        .await;
        ($j.finish(ch), v)
    }};
}

/// One unpaginated listing, each item through `transform(ctx, item)`.
macro_rules! single {
    ($j:ident, $op:ident, $call:ident, $items:ident, $transform:expr) => {{
        let mut v = Vec::new();
        let ch = chain::single(&$j.slot, $op, $j.ec2.$call().send(), |o, ch| {
            for x in o.$items() {
                ch.take($transform(&$j.ctx, x), &mut v);
            }
        })
        .await;
        ($j.finish(ch), v)
    }};
}

/// An operation's API: EC2 unless the entry says `via Elbv2` (or another `ops::Api`).
macro_rules! op_api {
    () => {
        Api::Ec2
    };
    ($api:ident) => {
        Api::$api
    };
}

/// Declares each entry's operations (as consts in `regional`, re-exported by `ops`)
/// and its descriptor. `read` evaluates (in an async block) to `(chain or chains,
/// Vec<Kind>)`, so the stored type is the entry's kind by construction.
macro_rules! kinds {
    ($(
        $ty:ident {
            ops: [$($(#[$doc:meta])* $op:ident = $name:literal $(via $api:ident)?, $max:expr;)+],
            read: |$j:ident| $body:expr $(,)?
        }
    ),+ $(,)?) => {
        /// The regional operations, each declared by the one descriptor that sends it.
        pub mod regional {
            use crate::ops::{Api, Op};
            $($(
                $(#[$doc])*
                pub const $op: Op = Op { api: op_api!($($api)?), name: $name, max_results: $max };
            )+)+
        }

        pub const KINDS: &[Descriptor] = &[$(
            Descriptor {
                kind: <$ty as Resource>::KIND,
                ops: &[$(regional::$op),+],
                read: {
                    fn read($j: &RegionJob) -> ReadFuture<'_> {
                        Box::pin(async move {
                            let (chains, items): (_, Vec<$ty>) = $body;
                            Read::new(chains, items)
                        })
                    }
                    read
                },
            }
        ),+];
    };
}

// Listed in start order: a region runs every descriptor in one join, and its bound
// serves requests in the order they queue, so the heads of the longest chains go
// first: the fan-out parents (their children can only start when they return), then
// the listings most likely to page.
kinds! {
    ManagedPrefixList {
        ops: [
            DESCRIBE_MANAGED_PREFIX_LISTS = "DescribeManagedPrefixLists", Some(100);
            GET_MANAGED_PREFIX_LIST_ENTRIES = "GetManagedPrefixListEntries", Some(100);
        ],
        read: |j| {
            let (parent, lists) = paged!(
                j,
                DESCRIBE_MANAGED_PREFIX_LISTS,
                describe_managed_prefix_lists,
                prefix_lists,
                security::managed_prefix_list
            );
            fan_out(j, parent, lists, &[GET_MANAGED_PREFIX_LIST_ENTRIES], |jb, l: &ManagedPrefixList| {
                let (jb, id) = (jb.clone(), l.id.clone());
                let entries: Child<ManagedPrefixList> = Box::pin(async move {
                    let op = GET_MANAGED_PREFIX_LIST_ENTRIES;
                    let mut v = Vec::new();
                    let req = jb.ec2.get_managed_prefix_list_entries().prefix_list_id(&id).max_results(max(op));
                    let ch = chain::paged(&jb.slot, op, req.into_paginator().send(), |o, ch| {
                        for e in o.entries() {
                            ch.take(security::prefix_list_entry(&id, e), &mut v);
                        }
                    })
                    .await;
                    (ch, fill(move |l: &mut ManagedPrefixList| l.entries = v))
                });
                vec![entries]
            })
            .await
        },
    },
    TransitGatewayRouteTable {
        ops: [
            DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES = "DescribeTransitGatewayRouteTables", Some(1000);
            /// MaxResults is left unset: AWS's default is already its maximum (1000), and
            /// moto fails on an explicit value.
            SEARCH_TRANSIT_GATEWAY_ROUTES = "SearchTransitGatewayRoutes", None;
            GET_TGW_RT_ASSOCIATIONS = "GetTransitGatewayRouteTableAssociations", Some(1000);
            GET_TGW_RT_PROPAGATIONS = "GetTransitGatewayRouteTablePropagations", Some(1000);
        ],
        read: |j| {
            let (parent, tables) = paged!(
                j,
                DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES,
                describe_transit_gateway_route_tables,
                transit_gateway_route_tables,
                conn::transit_gateway_route_table
            );
            let children = [SEARCH_TRANSIT_GATEWAY_ROUTES, GET_TGW_RT_ASSOCIATIONS, GET_TGW_RT_PROPAGATIONS];
            fan_out(j, parent, tables, &children, |jb, t: &TransitGatewayRouteTable| {
                let (jb1, rt) = (jb.clone(), t.id.clone());
                let routes: Child<TransitGatewayRouteTable> = Box::pin(async move {
                    let op = SEARCH_TRANSIT_GATEWAY_ROUTES;
                    let mut v = Vec::new();
                    // Both states in one filter: SearchTransitGatewayRoutes requires a filter.
                    let state = Filter::builder().name("state").values("active").values("blackhole").build();
                    let req = jb1
                        .ec2
                        .search_transit_gateway_routes()
                        .transit_gateway_route_table_id(&rt)
                        .filters(state)
                        .set_max_results(op.max_results);
                    let ch = chain::paged(&jb1.slot, op, req.into_paginator().send(), |o, ch| {
                        for r in o.routes() {
                            ch.take(conn::tgw_route(&rt, r), &mut v);
                        }
                    })
                    .await;
                    (ch, fill(move |t: &mut TransitGatewayRouteTable| t.routes = v))
                });
                let (jb2, rt) = (jb.clone(), t.id.clone());
                let associations: Child<TransitGatewayRouteTable> = Box::pin(async move {
                    let op = GET_TGW_RT_ASSOCIATIONS;
                    let mut v = Vec::new();
                    let req = jb2
                        .ec2
                        .get_transit_gateway_route_table_associations()
                        .transit_gateway_route_table_id(&rt)
                        .max_results(max(op));
                    let ch = chain::paged(&jb2.slot, op, req.into_paginator().send(), |o, ch| {
                        for a in o.associations() {
                            if let Some(r) = conn::tgw_association(a) {
                                ch.take(Ok(r), &mut v);
                            }
                        }
                    })
                    .await;
                    (ch, fill(move |t: &mut TransitGatewayRouteTable| t.associations = v))
                });
                let (jb3, rt) = (jb.clone(), t.id.clone());
                let propagations: Child<TransitGatewayRouteTable> = Box::pin(async move {
                    let op = GET_TGW_RT_PROPAGATIONS;
                    let mut v = Vec::new();
                    let req = jb3
                        .ec2
                        .get_transit_gateway_route_table_propagations()
                        .transit_gateway_route_table_id(&rt)
                        .max_results(max(op));
                    let ch = chain::paged(&jb3.slot, op, req.into_paginator().send(), |o, ch| {
                        for p in o.transit_gateway_route_table_propagations() {
                            if let Some(r) = conn::tgw_propagation(p) {
                                ch.take(Ok(r), &mut v);
                            }
                        }
                    })
                    .await;
                    (ch, fill(move |t: &mut TransitGatewayRouteTable| t.propagations = v))
                });
                vec![routes, associations, propagations]
            })
            .await
        },
    },
    LoadBalancer {
        ops: [
            ELBV2_DESCRIBE_LOAD_BALANCERS = "DescribeLoadBalancers" via Elbv2, Some(400);
            ELBV2_DESCRIBE_LOAD_BALANCER_ATTRIBUTES = "DescribeLoadBalancerAttributes" via Elbv2, None;
            ELB_DESCRIBE_LOAD_BALANCERS = "DescribeLoadBalancers" via ElbClassic, Some(400);
            ELB_DESCRIBE_INSTANCE_HEALTH = "DescribeInstanceHealth" via ElbClassic, None;
        ],
        read: |j| elb::load_balancers(j).await,
    },
    TargetGroup {
        ops: [
            ELBV2_DESCRIBE_TARGET_GROUPS = "DescribeTargetGroups" via Elbv2, Some(400);
            ELBV2_DESCRIBE_TARGET_HEALTH = "DescribeTargetHealth" via Elbv2, None;
            ELBV2_DESCRIBE_TARGET_GROUP_ATTRIBUTES = "DescribeTargetGroupAttributes" via Elbv2, None;
        ],
        read: |j| elb::target_groups(j).await,
    },
    // Listed per v2 load balancer, once the LoadBalancer descriptor has them.
    Listener {
        ops: [
            ELBV2_DESCRIBE_LISTENERS = "DescribeListeners" via Elbv2, Some(400);
            ELBV2_DESCRIBE_RULES = "DescribeRules" via Elbv2, Some(400);
        ],
        read: |j| elb::listeners(j).await,
    },
    Instance {
        ops: [DESCRIBE_INSTANCES = "DescribeInstances", Some(1000);],
        read: |j| {
            let mut v = Vec::new();
            let op = DESCRIBE_INSTANCES;
            let pages = j.ec2.describe_instances().max_results(max(op)).into_paginator().send();
            let ch = chain::paged(&j.slot, op, pages, |o, ch| {
                for r in o.reservations() {
                    for x in r.instances() {
                        ch.take(compute::instance(&j.ctx, x), &mut v);
                    }
                }
            })
            .await;
            (j.finish(ch), v)
        },
    },
    NetworkInterface {
        ops: [DESCRIBE_NETWORK_INTERFACES = "DescribeNetworkInterfaces", Some(1000);],
        read: |j| paged!(
            j,
            DESCRIBE_NETWORK_INTERFACES,
            describe_network_interfaces,
            network_interfaces,
            compute::network_interface
        ),
    },
    SecurityGroup {
        ops: [
            DESCRIBE_SECURITY_GROUPS = "DescribeSecurityGroups", Some(1000);
            /// Only for rule ids ("sgr-…"): the rules themselves come from DescribeSecurityGroups.
            DESCRIBE_SECURITY_GROUP_RULES = "DescribeSecurityGroupRules", Some(1000);
        ],
        read: |j| {
            // The rules queue first, as they always have.
            let ((c_rules, rules), (c_groups, mut groups)) = tokio::join!(
                async {
                    paged!(
                        j,
                        DESCRIBE_SECURITY_GROUP_RULES,
                        describe_security_group_rules,
                        security_group_rules,
                        |_: &Ctx, x| security::security_group_rule(x)
                    )
                },
                async {
                    paged!(
                        j,
                        DESCRIBE_SECURITY_GROUPS,
                        describe_security_groups,
                        security_groups,
                        security::security_group
                    )
                },
            );
            security::attach_all_rule_ids(&mut groups, rules);
            (vec![c_groups, c_rules], groups)
        },
    },
    Subnet {
        ops: [DESCRIBE_SUBNETS = "DescribeSubnets", Some(1000);],
        read: |j| paged!(j, DESCRIBE_SUBNETS, describe_subnets, subnets, network::subnet),
    },
    RouteTable {
        ops: [DESCRIBE_ROUTE_TABLES = "DescribeRouteTables", Some(100);],
        read: |j| paged!(j, DESCRIBE_ROUTE_TABLES, describe_route_tables, route_tables, network::route_table),
    },
    NetworkAcl {
        ops: [DESCRIBE_NETWORK_ACLS = "DescribeNetworkAcls", Some(1000);],
        read: |j| paged!(j, DESCRIBE_NETWORK_ACLS, describe_network_acls, network_acls, security::network_acl),
    },
    VpcEndpoint {
        ops: [DESCRIBE_VPC_ENDPOINTS = "DescribeVpcEndpoints", Some(1000);],
        read: |j| paged!(j, DESCRIBE_VPC_ENDPOINTS, describe_vpc_endpoints, vpc_endpoints, network::vpc_endpoint),
    },
    Vpc {
        ops: [DESCRIBE_VPCS = "DescribeVpcs", Some(1000);],
        read: |j| paged!(j, DESCRIBE_VPCS, describe_vpcs, vpcs, network::vpc),
    },
    AvailabilityZone {
        ops: [DESCRIBE_AVAILABILITY_ZONES = "DescribeAvailabilityZones", None;],
        read: |j| single!(
            j,
            DESCRIBE_AVAILABILITY_ZONES,
            describe_availability_zones,
            availability_zones,
            network::availability_zone
        ),
    },
    InternetGateway {
        ops: [DESCRIBE_INTERNET_GATEWAYS = "DescribeInternetGateways", Some(1000);],
        read: |j| paged!(
            j,
            DESCRIBE_INTERNET_GATEWAYS,
            describe_internet_gateways,
            internet_gateways,
            network::internet_gateway
        ),
    },
    EgressOnlyInternetGateway {
        ops: [DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS = "DescribeEgressOnlyInternetGateways", Some(255);],
        read: |j| paged!(
            j,
            DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS,
            describe_egress_only_internet_gateways,
            egress_only_internet_gateways,
            network::egress_only_internet_gateway
        ),
    },
    NatGateway {
        ops: [DESCRIBE_NAT_GATEWAYS = "DescribeNatGateways", Some(1000);],
        read: |j| paged!(j, DESCRIBE_NAT_GATEWAYS, describe_nat_gateways, nat_gateways, network::nat_gateway),
    },
    VpcPeeringConnection {
        ops: [DESCRIBE_VPC_PEERING_CONNECTIONS = "DescribeVpcPeeringConnections", Some(1000);],
        read: |j| paged!(
            j,
            DESCRIBE_VPC_PEERING_CONNECTIONS,
            describe_vpc_peering_connections,
            vpc_peering_connections,
            conn::vpc_peering_connection
        ),
    },
    TransitGateway {
        ops: [DESCRIBE_TRANSIT_GATEWAYS = "DescribeTransitGateways", Some(1000);],
        read: |j| {
            paged!(j, DESCRIBE_TRANSIT_GATEWAYS, describe_transit_gateways, transit_gateways, conn::transit_gateway)
        },
    },
    TransitGatewayAttachment {
        ops: [
            DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS = "DescribeTransitGatewayAttachments", Some(1000);
            DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS = "DescribeTransitGatewayVpcAttachments", Some(1000);
        ],
        read: |j| {
            // VPC attachment subnets arrive from their own API.
            let ((c_atts, mut atts), (c_vpc_atts, subnets)) = tokio::join!(
                async {
                    paged!(
                        j,
                        DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS,
                        describe_transit_gateway_attachments,
                        transit_gateway_attachments,
                        conn::transit_gateway_attachment
                    )
                },
                async {
                    paged!(
                        j,
                        DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS,
                        describe_transit_gateway_vpc_attachments,
                        transit_gateway_vpc_attachments,
                        |_: &Ctx, x| conn::vpc_attachment_subnets(x)
                    )
                },
            );
            conn::attach_vpc_subnets(&mut atts, subnets);
            (vec![c_atts, c_vpc_atts], atts)
        },
    },
    VpnGateway {
        ops: [DESCRIBE_VPN_GATEWAYS = "DescribeVpnGateways", None;],
        read: |j| single!(j, DESCRIBE_VPN_GATEWAYS, describe_vpn_gateways, vpn_gateways, conn::vpn_gateway),
    },
    VpnConnection {
        ops: [DESCRIBE_VPN_CONNECTIONS = "DescribeVpnConnections", None;],
        read: |j| single!(j, DESCRIBE_VPN_CONNECTIONS, describe_vpn_connections, vpn_connections, conn::vpn_connection),
    },
    CustomerGateway {
        ops: [DESCRIBE_CUSTOMER_GATEWAYS = "DescribeCustomerGateways", None;],
        read: |j| single!(
            j,
            DESCRIBE_CUSTOMER_GATEWAYS,
            describe_customer_gateways,
            customer_gateways,
            conn::customer_gateway
        ),
    },
    ElasticIp {
        ops: [DESCRIBE_ADDRESSES = "DescribeAddresses", None;],
        read: |j| single!(j, DESCRIBE_ADDRESSES, describe_addresses, addresses, network::elastic_ip),
    },
}

/// How many operations the descriptors send (`ops::REGIONAL`'s length).
pub const fn op_count() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < KINDS.len() {
        n += KINDS[i].ops.len();
        i += 1;
    }
    n
}

/// Every descriptor's operations, in table order.
pub const fn flat_ops<const N: usize>() -> [Op; N] {
    let mut out = [Op { api: crate::ops::Api::Ec2, name: "", max_results: None }; N];
    let (mut n, mut i) = (0, 0);
    while i < KINDS.len() {
        let mut k = 0;
        while k < KINDS[i].ops.len() {
            out[n] = KINDS[i].ops[k];
            n += 1;
            k += 1;
        }
        i += 1;
    }
    assert!(n == N, "N must be op_count()");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Account and Region records come from run.rs/accounts.rs; every other kind is
    /// read per region, by exactly one descriptor (else it would be an empty list).
    #[test]
    fn every_regional_kind_has_exactly_one_descriptor() {
        for kind in ResourceKind::ALL {
            let n = KINDS.iter().filter(|d| d.kind == kind).count();
            let expected = usize::from(!matches!(kind, ResourceKind::Account | ResourceKind::Region));
            assert_eq!(n, expected, "{kind}: {n} descriptor(s)");
        }
    }

    #[test]
    fn listing_actions_are_unique_and_ops_belong_to_one_descriptor() {
        let listings: BTreeSet<String> = KINDS.iter().map(|d| d.listing().action()).collect();
        assert_eq!(listings.len(), KINDS.len(), "two descriptors share a listing");
        let all: Vec<String> = KINDS.iter().flat_map(|d| d.ops.iter().map(Op::action)).collect();
        let unique: BTreeSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "an operation is sent by two descriptors: {all:?}");
        assert_eq!(crate::ops::REGIONAL.len(), all.len());
    }

    /// The model's kind table names the API each kind is listed by (coverage records
    /// and generated estates use it); the descriptor must send exactly that one.
    #[test]
    fn descriptors_list_each_kind_with_the_models_api() {
        for d in KINDS {
            assert_eq!(d.kind.listing_api(), Some(d.listing().action().as_str()), "{}", d.kind);
        }
    }
}
