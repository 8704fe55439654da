//! The one table of AWS operations discovery may call. The IAM policy in
//! docs/iam-policy.json, the read-only test and the coverage records all derive
//! from it, so an operation cannot be called without appearing here.

/// One AWS API operation: IAM service prefix and operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Op {
    /// IAM action prefix: "ec2", "sts", "organizations".
    pub service: &'static str,
    pub name: &'static str,
    /// Largest page size the API accepts (MaxResults); None when it does not page.
    pub max_results: Option<i32>,
}

impl Op {
    /// "ec2:DescribeVpcs": the IAM action and the coverage record's `api`.
    pub fn action(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

const fn op(service: &'static str, name: &'static str, max_results: Option<i32>) -> Op {
    Op { service, name, max_results }
}

pub const STS_GET_CALLER_IDENTITY: Op = op("sts", "GetCallerIdentity", None);
/// Not read-only in name, but changes nothing in the estate: it only mints
/// temporary credentials for a role the caller may already use.
pub const STS_ASSUME_ROLE: Op = op("sts", "AssumeRole", None);
pub const ORG_LIST_ACCOUNTS: Op = op("organizations", "ListAccounts", Some(20));

pub const DESCRIBE_REGIONS: Op = op("ec2", "DescribeRegions", None);
pub const DESCRIBE_AVAILABILITY_ZONES: Op = op("ec2", "DescribeAvailabilityZones", None);
pub const DESCRIBE_VPCS: Op = op("ec2", "DescribeVpcs", Some(1000));
pub const DESCRIBE_SUBNETS: Op = op("ec2", "DescribeSubnets", Some(1000));
pub const DESCRIBE_ROUTE_TABLES: Op = op("ec2", "DescribeRouteTables", Some(100));
pub const DESCRIBE_INTERNET_GATEWAYS: Op = op("ec2", "DescribeInternetGateways", Some(1000));
pub const DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS: Op = op("ec2", "DescribeEgressOnlyInternetGateways", Some(255));
pub const DESCRIBE_NAT_GATEWAYS: Op = op("ec2", "DescribeNatGateways", Some(1000));
pub const DESCRIBE_VPC_PEERING_CONNECTIONS: Op = op("ec2", "DescribeVpcPeeringConnections", Some(1000));
pub const DESCRIBE_TRANSIT_GATEWAYS: Op = op("ec2", "DescribeTransitGateways", Some(1000));
pub const DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS: Op = op("ec2", "DescribeTransitGatewayAttachments", Some(1000));
pub const DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS: Op = op("ec2", "DescribeTransitGatewayVpcAttachments", Some(1000));
pub const DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES: Op = op("ec2", "DescribeTransitGatewayRouteTables", Some(1000));
/// MaxResults is left unset: AWS's default is already its maximum (1000), and
/// moto fails on an explicit value.
pub const SEARCH_TRANSIT_GATEWAY_ROUTES: Op = op("ec2", "SearchTransitGatewayRoutes", None);
pub const GET_TGW_RT_ASSOCIATIONS: Op = op("ec2", "GetTransitGatewayRouteTableAssociations", Some(1000));
pub const GET_TGW_RT_PROPAGATIONS: Op = op("ec2", "GetTransitGatewayRouteTablePropagations", Some(1000));
pub const DESCRIBE_VPN_GATEWAYS: Op = op("ec2", "DescribeVpnGateways", None);
pub const DESCRIBE_VPN_CONNECTIONS: Op = op("ec2", "DescribeVpnConnections", None);
pub const DESCRIBE_CUSTOMER_GATEWAYS: Op = op("ec2", "DescribeCustomerGateways", None);
pub const DESCRIBE_VPC_ENDPOINTS: Op = op("ec2", "DescribeVpcEndpoints", Some(1000));
pub const DESCRIBE_INSTANCES: Op = op("ec2", "DescribeInstances", Some(1000));
pub const DESCRIBE_NETWORK_INTERFACES: Op = op("ec2", "DescribeNetworkInterfaces", Some(1000));
pub const DESCRIBE_SECURITY_GROUPS: Op = op("ec2", "DescribeSecurityGroups", Some(1000));
/// Only for rule ids ("sgr-…"): the rules themselves come from DescribeSecurityGroups.
pub const DESCRIBE_SECURITY_GROUP_RULES: Op = op("ec2", "DescribeSecurityGroupRules", Some(1000));
pub const DESCRIBE_NETWORK_ACLS: Op = op("ec2", "DescribeNetworkAcls", Some(1000));
pub const DESCRIBE_ADDRESSES: Op = op("ec2", "DescribeAddresses", None);
pub const DESCRIBE_MANAGED_PREFIX_LISTS: Op = op("ec2", "DescribeManagedPrefixLists", Some(100));
pub const GET_MANAGED_PREFIX_LIST_ENTRIES: Op = op("ec2", "GetManagedPrefixListEntries", Some(100));

/// Every operation discovery may send. Keep in sync with docs/iam-policy.json
/// (a test checks they are equal).
pub const OPERATIONS: &[Op] = &[
    STS_GET_CALLER_IDENTITY,
    STS_ASSUME_ROLE,
    ORG_LIST_ACCOUNTS,
    DESCRIBE_REGIONS,
    DESCRIBE_AVAILABILITY_ZONES,
    DESCRIBE_VPCS,
    DESCRIBE_SUBNETS,
    DESCRIBE_ROUTE_TABLES,
    DESCRIBE_INTERNET_GATEWAYS,
    DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS,
    DESCRIBE_NAT_GATEWAYS,
    DESCRIBE_VPC_PEERING_CONNECTIONS,
    DESCRIBE_TRANSIT_GATEWAYS,
    DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS,
    DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS,
    DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES,
    SEARCH_TRANSIT_GATEWAY_ROUTES,
    GET_TGW_RT_ASSOCIATIONS,
    GET_TGW_RT_PROPAGATIONS,
    DESCRIBE_VPN_GATEWAYS,
    DESCRIBE_VPN_CONNECTIONS,
    DESCRIBE_CUSTOMER_GATEWAYS,
    DESCRIBE_VPC_ENDPOINTS,
    DESCRIBE_INSTANCES,
    DESCRIBE_NETWORK_INTERFACES,
    DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_SECURITY_GROUP_RULES,
    DESCRIBE_NETWORK_ACLS,
    DESCRIBE_ADDRESSES,
    DESCRIBE_MANAGED_PREFIX_LISTS,
    GET_MANAGED_PREFIX_LIST_ENTRIES,
];

/// The regional EC2 operations read in every region (all but DescribeRegions, which is
/// read once per account). A region that is skipped gets a `skipped` record for each.
pub const REGIONAL: &[Op] = &[
    DESCRIBE_AVAILABILITY_ZONES,
    DESCRIBE_VPCS,
    DESCRIBE_SUBNETS,
    DESCRIBE_ROUTE_TABLES,
    DESCRIBE_INTERNET_GATEWAYS,
    DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS,
    DESCRIBE_NAT_GATEWAYS,
    DESCRIBE_VPC_PEERING_CONNECTIONS,
    DESCRIBE_TRANSIT_GATEWAYS,
    DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS,
    DESCRIBE_TRANSIT_GATEWAY_VPC_ATTACHMENTS,
    DESCRIBE_TRANSIT_GATEWAY_ROUTE_TABLES,
    SEARCH_TRANSIT_GATEWAY_ROUTES,
    GET_TGW_RT_ASSOCIATIONS,
    GET_TGW_RT_PROPAGATIONS,
    DESCRIBE_VPN_GATEWAYS,
    DESCRIBE_VPN_CONNECTIONS,
    DESCRIBE_CUSTOMER_GATEWAYS,
    DESCRIBE_VPC_ENDPOINTS,
    DESCRIBE_INSTANCES,
    DESCRIBE_NETWORK_INTERFACES,
    DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_SECURITY_GROUP_RULES,
    DESCRIBE_NETWORK_ACLS,
    DESCRIBE_ADDRESSES,
    DESCRIBE_MANAGED_PREFIX_LISTS,
    GET_MANAGED_PREFIX_LIST_ENTRIES,
];

/// Looks an operation up by the SDK's service and operation names
/// (`Metadata::service()` is "EC2", "STS", "Organizations").
pub fn find(sdk_service: &str, name: &str) -> Option<&'static Op> {
    OPERATIONS.iter().find(|o| o.service.eq_ignore_ascii_case(sdk_service) && o.name == name)
}

/// Whether an operation name only reads: the verbs AWS uses for reads, plus AssumeRole.
pub fn is_read_only(op: &Op) -> bool {
    ["Describe", "Get", "List", "Search"].iter().any(|v| op.name.starts_with(v)) || *op == STS_ASSUME_ROLE
}

/// The IAM actions discovery needs, sorted: the `Action` list of docs/iam-policy.json.
pub fn iam_actions() -> Vec<String> {
    let mut v: Vec<String> = OPERATIONS.iter().map(Op::action).collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_reads_only() {
        for op in OPERATIONS {
            assert!(is_read_only(op), "{} is not a read operation", op.action());
        }
        for op in REGIONAL {
            assert!(OPERATIONS.contains(op), "{} missing from OPERATIONS", op.action());
        }
    }

    #[test]
    fn find_maps_sdk_service_names() {
        assert_eq!(find("EC2", "DescribeVpcs"), Some(&DESCRIBE_VPCS));
        assert_eq!(find("Organizations", "ListAccounts"), Some(&ORG_LIST_ACCOUNTS));
        assert_eq!(find("EC2", "TerminateInstances"), None);
    }

    /// docs/iam-policy.json must grant exactly what discovery calls.
    #[test]
    fn iam_policy_matches_operation_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/iam-policy.json");
        let text = std::fs::read_to_string(path).expect("docs/iam-policy.json is readable");
        let policy: serde_json::Value = serde_json::from_str(&text).expect("iam-policy.json is JSON");
        let mut actions: Vec<String> = Vec::new();
        for st in policy["Statement"].as_array().expect("Statement array") {
            assert_eq!(st["Effect"], "Allow");
            for a in st["Action"].as_array().expect("Action array") {
                actions.push(a.as_str().expect("action string").to_string());
            }
        }
        actions.sort();
        assert_eq!(actions, iam_actions(), "docs/iam-policy.json differs from ops::OPERATIONS");
    }
}
