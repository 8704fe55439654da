//! The AWS operations discovery may call: the global ones here, the regional ones
//! declared by their descriptors in kinds.rs; `OPERATIONS` joins both. The IAM policy
//! in docs/iam-policy.json, the read-only test and the coverage records all derive
//! from it, so an operation cannot be called without appearing here.

/// The AWS API (SDK client) an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    Ec2,
    Sts,
    Organizations,
    /// Elastic Load Balancing v2 (application, network, gateway load balancers).
    Elbv2,
    /// Classic Load Balancers: same IAM prefix as v2, and some same operation names.
    ElbClassic,
}

impl Api {
    /// The IAM action prefix.
    pub const fn iam_prefix(self) -> &'static str {
        match self {
            Api::Ec2 => "ec2",
            Api::Sts => "sts",
            Api::Organizations => "organizations",
            Api::Elbv2 | Api::ElbClassic => "elasticloadbalancing",
        }
    }

    /// The service name the SDK puts in each operation's `Metadata`.
    pub const fn sdk_service(self) -> &'static str {
        match self {
            Api::Ec2 => "EC2",
            Api::Sts => "STS",
            Api::Organizations => "Organizations",
            Api::Elbv2 => ELBV2_SDK_SERVICE,
            Api::ElbClassic => ELB_SDK_SERVICE,
        }
    }
}

/// `Metadata::service()` of the two ELB SDKs (their generated operation code).
const ELBV2_SDK_SERVICE: &str = "Elastic Load Balancing v2";
const ELB_SDK_SERVICE: &str = "Elastic Load Balancing";

/// One AWS API operation: which API, and the operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Op {
    pub api: Api,
    pub name: &'static str,
    /// Largest page size the API accepts (MaxResults, or PageSize for ELB); None when
    /// it does not page.
    pub max_results: Option<i32>,
}

impl Op {
    /// "ec2:DescribeVpcs": the coverage record's `api` and the recorder's key. It is
    /// the IAM action, except that Classic ELB operations say "(classic)": they share
    /// IAM actions (elasticloadbalancing:DescribeLoadBalancers) with v2, and each
    /// API needs its own record.
    pub fn action(&self) -> String {
        match self.api {
            Api::ElbClassic => format!("{} (classic)", self.iam_action()),
            _ => self.iam_action(),
        }
    }

    /// "elasticloadbalancing:DescribeLoadBalancers": what the IAM policy grants.
    pub fn iam_action(&self) -> String {
        format!("{}:{}", self.api.iam_prefix(), self.name)
    }
}

const fn op(api: Api, name: &'static str, max_results: Option<i32>) -> Op {
    Op { api, name, max_results }
}

pub const STS_GET_CALLER_IDENTITY: Op = op(Api::Sts, "GetCallerIdentity", None);
/// Not read-only in name, but changes nothing in the estate: it only mints
/// temporary credentials for a role the caller may already use.
pub const STS_ASSUME_ROLE: Op = op(Api::Sts, "AssumeRole", None);
pub const ORG_LIST_ACCOUNTS: Op = op(Api::Organizations, "ListAccounts", Some(20));

pub const DESCRIBE_REGIONS: Op = op(Api::Ec2, "DescribeRegions", None);

/// The regional operations (DescribeVpcs, …) are declared by the descriptor that
/// sends them, in kinds.rs.
pub use crate::kinds::regional::*;

/// Sent once per run or account, outside any region's descriptors.
const GLOBAL: [Op; 4] = [STS_GET_CALLER_IDENTITY, STS_ASSUME_ROLE, ORG_LIST_ACCOUNTS, DESCRIBE_REGIONS];

const REGIONAL_LEN: usize = crate::kinds::op_count();
const REGIONAL_OPS: [Op; REGIONAL_LEN] = crate::kinds::flat_ops();
const ALL_OPS: [Op; GLOBAL.len() + REGIONAL_LEN] = concat(&GLOBAL, &REGIONAL_OPS);

/// Every operation discovery may send: the global ones, then every descriptor's.
/// docs/iam-policy.json must grant exactly these (a test checks).
pub const OPERATIONS: &[Op] = &ALL_OPS;

/// The regional operations read in every region: every descriptor's operations, in
/// `kinds::KINDS` order. A region that is skipped gets a `skipped` record for each.
pub const REGIONAL: &[Op] = &REGIONAL_OPS;

const fn concat<const N: usize>(a: &[Op], b: &[Op]) -> [Op; N] {
    let mut out = [op(Api::Ec2, "", None); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < a.len() + b.len() {
        out[i] = b[i - a.len()];
        i += 1;
    }
    assert!(i == N, "N must be a.len() + b.len()");
    out
}

/// Looks an operation up by the SDK's service and operation names
/// (`Metadata::service()` is "EC2", "STS", "Organizations", ...).
pub fn find(sdk_service: &str, name: &str) -> Option<&'static Op> {
    OPERATIONS.iter().find(|o| o.api.sdk_service().eq_ignore_ascii_case(sdk_service) && o.name == name)
}

/// Whether an operation name only reads: the verbs AWS uses for reads, plus AssumeRole.
pub fn is_read_only(op: &Op) -> bool {
    ["Describe", "Get", "List", "Search"].iter().any(|v| op.name.starts_with(v)) || *op == STS_ASSUME_ROLE
}

/// The IAM actions discovery needs, sorted: the `Action` list of docs/iam-policy.json.
pub fn iam_actions() -> Vec<String> {
    let mut v: Vec<String> = OPERATIONS.iter().map(Op::iam_action).collect();
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
        assert_eq!(find(ELBV2_SDK_SERVICE, "DescribeLoadBalancers"), Some(&ELBV2_DESCRIBE_LOAD_BALANCERS));
        assert_eq!(find(ELB_SDK_SERVICE, "DescribeLoadBalancers"), Some(&ELB_DESCRIBE_LOAD_BALANCERS));
    }

    /// v2 and Classic share IAM actions but not coverage records.
    #[test]
    fn classic_operations_have_their_own_records() {
        assert_eq!(ELB_DESCRIBE_LOAD_BALANCERS.iam_action(), ELBV2_DESCRIBE_LOAD_BALANCERS.iam_action());
        assert_eq!(ELB_DESCRIBE_LOAD_BALANCERS.action(), "elasticloadbalancing:DescribeLoadBalancers (classic)");
        assert_eq!(ELBV2_DESCRIBE_LOAD_BALANCERS.action(), "elasticloadbalancing:DescribeLoadBalancers");
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
