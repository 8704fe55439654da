//! Coverage between two snapshots: which API calls changed status, and whether a
//! snapshot can vouch for a resource's absence at all.
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::ResourceKind;
use crate::snapshot::{CoverageStatus, Snapshot};

/// One API call (account × region × API) whose status differs between the snapshots,
/// or that only one of them made.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CoverageChange {
    pub account_id: String,
    pub region: String,
    pub api: String,
    /// None: the snapshot has no record of this call.
    pub old: Option<CoverageStatus>,
    pub new: Option<CoverageStatus>,
    /// NEW's error code, when NEW's call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

impl CoverageChange {
    /// A call that now fails (or is no longer made) where it succeeded before.
    pub fn is_new_gap(&self) -> bool {
        self.new.is_none_or(|s| s != CoverageStatus::Ok) && self.old == Some(CoverageStatus::Ok)
    }
    /// A call that succeeds now where it failed (or was not made) before.
    pub fn is_closed_gap(&self) -> bool {
        self.new == Some(CoverageStatus::Ok) && self.old != Some(CoverageStatus::Ok)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageChanges {
    /// Every call whose status changed, sorted by (account, region, api).
    pub changed: Vec<CoverageChange>,
    /// Gaps (denied/failed calls) in each snapshot, for context.
    pub old_gaps: usize,
    pub new_gaps: usize,
}

impl CoverageChanges {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }
}

type Call = (String, String, String);

pub fn coverage_changes(old: &Snapshot, new: &Snapshot) -> CoverageChanges {
    let index = |s: &Snapshot| -> BTreeMap<Call, (CoverageStatus, Option<String>)> {
        s.coverage
            .iter()
            .map(|c| ((c.account_id.clone(), c.region.clone(), c.api.clone()), (c.status, c.error_code.clone())))
            .collect()
    };
    let (o, n) = (index(old), index(new));
    let calls: BTreeSet<&Call> = o.keys().chain(n.keys()).collect();
    let changed = calls
        .into_iter()
        .filter_map(|call| {
            let (a, b) = (o.get(call), n.get(call));
            let (sa, sb) = (a.map(|x| x.0), b.map(|x| x.0));
            (sa != sb).then(|| CoverageChange {
                account_id: call.0.clone(),
                region: call.1.clone(),
                api: call.2.clone(),
                old: sa,
                new: sb,
                error_code: b.and_then(|x| x.1.clone()),
            })
        })
        .collect();
    CoverageChanges { changed, old_gaps: old.gaps().count(), new_gaps: new.gaps().count() }
}

/// What a snapshot listed successfully: enough to tell "absent" from "not looked at".
pub struct Collected<'s> {
    calls: BTreeMap<(&'s str, &'s str, &'s str), (CoverageStatus, Option<&'s str>)>,
    accounts: BTreeSet<&'s str>,
    regions: BTreeSet<&'s str>,
    /// Regions in which the snapshot made any call, per account.
    any_call: BTreeSet<(&'s str, &'s str)>,
}

impl<'s> Collected<'s> {
    pub fn of(s: &'s Snapshot) -> Collected<'s> {
        Collected {
            calls: s
                .coverage
                .iter()
                .map(|c| {
                    ((c.account_id.as_str(), c.region.as_str(), c.api.as_str()), (c.status, c.error_code.as_deref()))
                })
                .collect(),
            accounts: s.scope.accounts.iter().map(String::as_str).collect(),
            regions: s.scope.regions_discovered.iter().map(String::as_str).collect(),
            any_call: s.coverage.iter().map(|c| (c.account_id.as_str(), c.region.as_str())).collect(),
        }
    }

    /// Why this snapshot cannot say whether a resource of `kind` in account/region
    /// exists, or None when its listing succeeded there. A snapshot without any coverage
    /// records (hand-written) is taken at its word.
    pub fn missing_reason(&self, kind: ResourceKind, account: &str, region: &str) -> Option<String> {
        if self.calls.is_empty() {
            return None;
        }
        if !self.accounts.is_empty() && !self.accounts.contains(account) {
            return Some(format!("account {account} not in scope"));
        }
        let region = if region.is_empty() { "global" } else { region };
        let api = kind.listing_api()?;
        match self.calls.get(&(account, region, api)) {
            Some((CoverageStatus::Ok, _)) => None,
            Some((status, code)) => Some(match code {
                Some(code) => format!("{api} {} ({code}) in {account}/{region}", status.as_str()),
                None => format!("{api} {} in {account}/{region}", status.as_str()),
            }),
            None if !self.regions.is_empty() && !self.regions.contains(region) && region != "global" => {
                Some(format!("region {region} not read"))
            }
            None if self.any_call.contains(&(account, region)) => {
                Some(format!("{api} not called in {account}/{region}"))
            }
            None => Some(format!("no calls in {account}/{region}")),
        }
    }
}
