//! The snapshot file: everything discovery collected, plus how completely.
//!
//! Format documented in `docs/snapshot-format.md`; JSON Schema in
//! `docs/snapshot.schema.json` (generated from these types by `auditmap schema`).
mod load;
mod timestamp;
mod validate;

pub use load::{load_bytes, load_file, to_json_bytes, write_file, SnapshotError, MAX_STRING_BYTES};
pub use timestamp::Timestamp;
pub use validate::{validate, Problem, Severity};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Resources;

/// Version of the snapshot format this build writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: u32,
    pub generator: Generator,
    /// When collection finished, UTC. Every rendered file uses this time, not "now".
    pub collected_at: Timestamp,
    pub scope: Scope,
    /// Who discovery ran as, per account.
    #[serde(default)]
    pub identity: Vec<Identity>,
    /// One record per account × region × API call chain.
    #[serde(default)]
    pub coverage: Vec<CoverageRecord>,
    #[serde(deserialize_with = "resources_object")]
    pub resources: Resources,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    pub name: String,
    pub version: String,
}

impl Generator {
    pub fn this_build() -> Generator {
        Generator { name: "auditmap".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub accounts: Vec<String>,
    /// Regions the user asked for (empty: the default region, or all with --all-regions).
    #[serde(default)]
    pub regions_requested: Vec<String>,
    /// Regions actually read.
    #[serde(default)]
    pub regions_discovered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub account_id: String,
    /// STS GetCallerIdentity ARN.
    pub caller_arn: String,
    /// Role assumed to reach this account, if any.
    #[serde(default)]
    pub assumed_role_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    Ok,
    /// AccessDenied, UnauthorizedOperation, OptInRequired, ...
    Denied,
    /// Network, timeout, throttling after retries, unparsable response, ...
    Failed,
    /// Deliberately not called (region not opted in, API not applicable).
    Skipped,
}

impl CoverageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Ok => "ok",
            CoverageStatus::Denied => "denied",
            CoverageStatus::Failed => "failed",
            CoverageStatus::Skipped => "skipped",
        }
    }
    /// Denied and failed calls mean resources may be missing.
    pub fn is_gap(self) -> bool {
        matches!(self, CoverageStatus::Denied | CoverageStatus::Failed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    pub account_id: String,
    /// Region, or "global" for account-level APIs (STS, Organizations).
    pub region: String,
    /// API operation, e.g. "ec2:DescribeInstances".
    pub api: String,
    pub status: CoverageStatus,
    #[serde(default)]
    pub items: u64,
    #[serde(default)]
    pub pages: u32,
    #[serde(default)]
    pub retries: u32,
    #[serde(default)]
    pub duration_ms: u64,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
}

impl Snapshot {
    /// An empty snapshot stamped with this build as generator.
    pub fn new(collected_at: Timestamp) -> Snapshot {
        Snapshot {
            schema_version: SCHEMA_VERSION,
            generator: Generator::this_build(),
            collected_at,
            scope: Scope::default(),
            identity: Vec::new(),
            coverage: Vec::new(),
            resources: Resources::default(),
        }
    }

    /// Sorts everything so two snapshots of the same estate serialize identically.
    pub fn normalize(&mut self) {
        self.scope.accounts.sort();
        self.scope.accounts.dedup();
        self.scope.regions_requested.sort();
        self.scope.regions_requested.dedup();
        self.scope.regions_discovered.sort();
        self.scope.regions_discovered.dedup();
        self.identity.sort();
        self.coverage.sort_by(|a, b| (&a.account_id, &a.region, &a.api).cmp(&(&b.account_id, &b.region, &b.api)));
        self.resources.normalize();
    }

    /// Coverage records that mean something may be missing.
    pub fn gaps(&self) -> impl Iterator<Item = &CoverageRecord> {
        self.coverage.iter().filter(|c| c.status.is_gap())
    }

    pub fn has_gaps(&self) -> bool {
        self.gaps().next().is_some()
    }

    /// JSON Schema of the format, as committed in docs/.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Snapshot);
        let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// `resources` must be an object of per-kind lists: serde would also take an array
/// (`"resources": []`) as a struct in field order and silently read nothing.
fn resources_object<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Resources, D::Error> {
    struct ObjectOnly;
    impl<'de> serde::de::Visitor<'de> for ObjectOnly {
        type Value = Resources;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object with one list per resource kind")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Resources, A::Error> {
            serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(ObjectOnly)
}
