//! The one list of resource kinds. Everything per kind that is not about one type's
//! own fields follows from this table: the `ResourceKind` enum, `ALL`, the names, the
//! listing API each kind comes from, the `Resources` field (and so the snapshot's
//! schema and (de)serialisation), and `for_each_kind!`.
//!
//! Adding a kind: one line here, the type (with its `impl_resource!`, references and
//! normalisation) in its model file, and a discovery descriptor. See docs/architecture.md.

/// The kind table: `(Variant, field, Type, "name", listing API, segment)`, in output
/// order. `segment` marks the kinds that make up a VPC's network (its segment boundary:
/// scoping any resource of a VPC pulls these in); `-` the others.
/// Calls `$callback! { [args] (row) (row) ... }`; `for_each_kind!` is the usual entry.
#[doc(hidden)]
#[macro_export]
macro_rules! kind_table {
    (@segment segment) => { true };
    (@segment -) => { false };
    ([$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            [$($args)*]
            (Account, accounts, Account, "account", None, -)
            (Region, regions, Region, "region", Some("ec2:DescribeRegions"), -)
            (AvailabilityZone, availability_zones, AvailabilityZone, "availability_zone", Some("ec2:DescribeAvailabilityZones"), -)
            (Vpc, vpcs, Vpc, "vpc", Some("ec2:DescribeVpcs"), segment)
            (Subnet, subnets, Subnet, "subnet", Some("ec2:DescribeSubnets"), segment)
            (RouteTable, route_tables, RouteTable, "route_table", Some("ec2:DescribeRouteTables"), segment)
            (InternetGateway, internet_gateways, InternetGateway, "internet_gateway", Some("ec2:DescribeInternetGateways"), segment)
            (EgressOnlyInternetGateway, egress_only_internet_gateways, EgressOnlyInternetGateway, "egress_only_internet_gateway", Some("ec2:DescribeEgressOnlyInternetGateways"), segment)
            (NatGateway, nat_gateways, NatGateway, "nat_gateway", Some("ec2:DescribeNatGateways"), segment)
            (VpcPeeringConnection, vpc_peering_connections, VpcPeeringConnection, "vpc_peering_connection", Some("ec2:DescribeVpcPeeringConnections"), segment)
            (TransitGateway, transit_gateways, TransitGateway, "transit_gateway", Some("ec2:DescribeTransitGateways"), -)
            (TransitGatewayAttachment, transit_gateway_attachments, TransitGatewayAttachment, "transit_gateway_attachment", Some("ec2:DescribeTransitGatewayAttachments"), segment)
            (TransitGatewayRouteTable, transit_gateway_route_tables, TransitGatewayRouteTable, "transit_gateway_route_table", Some("ec2:DescribeTransitGatewayRouteTables"), -)
            (VpnGateway, vpn_gateways, VpnGateway, "vpn_gateway", Some("ec2:DescribeVpnGateways"), segment)
            (VpnConnection, vpn_connections, VpnConnection, "vpn_connection", Some("ec2:DescribeVpnConnections"), -)
            (CustomerGateway, customer_gateways, CustomerGateway, "customer_gateway", Some("ec2:DescribeCustomerGateways"), -)
            (VpcEndpoint, vpc_endpoints, VpcEndpoint, "vpc_endpoint", Some("ec2:DescribeVpcEndpoints"), segment)
            (Instance, instances, Instance, "instance", Some("ec2:DescribeInstances"), -)
            (NetworkInterface, network_interfaces, NetworkInterface, "network_interface", Some("ec2:DescribeNetworkInterfaces"), -)
            (SecurityGroup, security_groups, SecurityGroup, "security_group", Some("ec2:DescribeSecurityGroups"), segment)
            (NetworkAcl, network_acls, NetworkAcl, "network_acl", Some("ec2:DescribeNetworkAcls"), segment)
            (ElasticIp, elastic_ips, ElasticIp, "elastic_ip", Some("ec2:DescribeAddresses"), -)
            (ManagedPrefixList, managed_prefix_lists, ManagedPrefixList, "managed_prefix_list", Some("ec2:DescribeManagedPrefixLists"), -)
            (LoadBalancer, load_balancers, LoadBalancer, "load_balancer", Some("elasticloadbalancing:DescribeLoadBalancers"), -)
            (Listener, listeners, Listener, "listener", Some("elasticloadbalancing:DescribeListeners"), -)
            (TargetGroup, target_groups, TargetGroup, "target_group", Some("elasticloadbalancing:DescribeTargetGroups"), -)
        }
    };
}

/// Calls `$m!(field, Type)` once per kind, in table order.
#[macro_export]
macro_rules! for_each_kind {
    ($m:ident) => {
        $crate::kind_table! { [$crate::__each_kind] [$m] }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __each_kind {
    ([$m:ident] $(($variant:ident, $field:ident, $ty:ident, $name:literal, $api:expr, $segment:tt))*) => {
        $( $m!($field, $ty); )*
    };
}

macro_rules! declare_kinds {
    ([] $(($variant:ident, $field:ident, $ty:ident, $name:literal, $api:expr, $segment:tt))*) => {
        /// Every resource kind auditmap models. The serialized name is also the key of the
        /// kind's list in the snapshot's `resources` object.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum ResourceKind {
            $($variant,)*
        }

        impl ResourceKind {
            pub const ALL: [ResourceKind; [$($name),*].len()] = [$(ResourceKind::$variant,)*];

            /// snake_case name, as used in the snapshot and every output file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ResourceKind::$variant => $name,)*
                }
            }

            /// Whether the kind is part of a VPC's network segment (VPC, subnets, route
            /// tables, gateways, endpoints, SGs, NACLs, peerings, attachments) rather than a
            /// workload or account-level record.
            pub fn is_segment(self) -> bool {
                match self {
                    $(ResourceKind::$variant => kind_table!(@segment $segment),)*
                }
            }

            /// The IAM action of the API that lists this kind ("ec2:DescribeVpcs"), which is
            /// also its coverage record's `api`; None for accounts (STS/Organizations).
            pub fn listing_api(self) -> Option<&'static str> {
                match self {
                    $(ResourceKind::$variant => $api,)*
                }
            }
        }

        // Every resource of a snapshot, one sorted list per kind. (No doc comment: it
        // would become a description in the committed JSON schema.)
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Resources {
            $(
                #[serde(default)]
                pub $field: Vec<$ty>,
            )*
        }

        // Each type's `Resource::KIND` must be its own row's kind.
        $(
            const _: () = assert!(
                matches!(<$ty as Resource>::KIND, ResourceKind::$variant),
                concat!(stringify!($ty), "::KIND differs from its row in the kind table")
            );
        )*
    };
}

use super::*;
kind_table!([declare_kinds] []);
