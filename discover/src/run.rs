//! One discovery run: identity → accounts → regions → every regional API. Each step
//! starts as soon as what it depends on has returned (an account's reads do not wait
//! for other accounts' AssumeRole, a region does not wait for other regions), under
//! the bounds of `limits`: per (account, region) and over the whole run.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_config::Region as SdkRegion;
use inventory::model::{Account, Region, Resources, VpcPeeringConnection};
use inventory::snapshot::{CoverageRecord, CoverageStatus, Identity, Scope, Timestamp};
use inventory::Snapshot;
use tokio::task::JoinSet;

use crate::accounts::{self, account_of_role, Reached};
use crate::chain::{record, single};
use crate::limits::{Limits, GLOBAL_SCOPE};
use crate::ops;
use crate::options::{DiscoverOptions, RoleTarget};
use crate::progress::Progress;
use crate::recorder::{CallCount, Recorder};
use crate::region::{self, RegionJob};
use crate::sdk;
use crate::transform::{network, Ctx};
use crate::{DiscoverError, Discovery, Stats};

/// Shared by every task of a run.
#[derive(Clone)]
struct Run {
    opts: Arc<DiscoverOptions>,
    home_region: String,
    recorder: Recorder,
    limits: Limits,
    progress: Progress,
    /// Accounts whose reads have started: two roles into one account read it once.
    claimed: Arc<Mutex<BTreeSet<String>>>,
}

impl Run {
    /// True for the first caller that claims `account`.
    fn claim(&self, account: &str) -> bool {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner()).insert(account.to_string())
    }
}

struct AccountOutput {
    resources: Resources,
    coverage: Vec<CoverageRecord>,
    regions_read: Vec<String>,
}

/// What one account's pipeline (assume, identify, read) produced.
struct AccountResult {
    coverage: Vec<CoverageRecord>,
    /// Set when the account was read.
    read: Option<(Identity, Option<String>, AccountOutput)>,
}

fn check(opts: &DiscoverOptions) -> Result<(), DiscoverError> {
    if opts.concurrency == 0 {
        return Err(DiscoverError::BadOption("--concurrency must be at least 1".into()));
    }
    if opts.region_concurrency == 0 {
        return Err(DiscoverError::BadOption("--region-concurrency must be at least 1".into()));
    }
    for r in &opts.roles {
        if account_of_role(&r.role_arn).is_none() {
            return Err(DiscoverError::BadOption(format!(
                "--role-arn {:?} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)",
                r.role_arn
            )));
        }
    }
    if let Some(name) = &opts.org_role {
        if name.is_empty() || name.contains(':') {
            return Err(DiscoverError::BadOption(format!("--org-role {name:?} must be a role name, not an ARN")));
        }
    }
    Ok(())
}

pub async fn discover(opts: DiscoverOptions) -> Result<Discovery, DiscoverError> {
    check(&opts)?;
    let started = Instant::now();
    let mut base = sdk::load_base(&opts).await;
    let home_region = match base.region() {
        Some(r) => r.to_string(),
        None => opts.regions.first().cloned().ok_or(DiscoverError::NoRegion)?,
    };
    if base.region().is_none() {
        base = base.into_builder().region(SdkRegion::new(home_region.clone())).build();
    }
    let run = Run {
        limits: Limits::new(opts.concurrency, opts.region_concurrency),
        progress: Progress::new(opts.progress),
        opts: Arc::new(opts),
        home_region,
        recorder: Recorder::new(),
        claimed: Arc::default(),
    };
    let result = discover_with(&run, base, started).await;
    run.progress.finish();
    result
}

async fn discover_with(run: &Run, base: aws_config::SdkConfig, started: Instant) -> Result<Discovery, DiscoverError> {
    let opts = &run.opts;
    let mut coverage: Vec<CoverageRecord> = Vec::new();

    // Calls made with the caller's own credentials (GetCallerIdentity, AssumeRole,
    // ListAccounts) share one STS scope.
    let caller_slot = run.limits.slot("caller", GLOBAL_SCOPE);
    // Each account's pipeline starts as soon as the account is known. A --role-arn
    // needs nothing from the caller's identity, so its AssumeRole goes out alongside
    // GetCallerIdentity (if that fails, dropping the set cancels them).
    let mut scope_accounts: BTreeSet<String> = BTreeSet::new();
    let mut pipelines: JoinSet<AccountResult> = JoinSet::new();
    let spawn_role = |pipelines: &mut JoinSet<AccountResult>, role: RoleTarget, org_name: Option<String>| {
        let (run, base, slot) = (run.clone(), base.clone(), caller_slot.clone());
        pipelines.spawn(async move { assumed_account(&run, &base, role, org_name, &slot).await });
    };
    for role in &opts.roles {
        if let Some(a) = account_of_role(&role.role_arn) {
            scope_accounts.insert(a);
        }
        spawn_role(&mut pipelines, role.clone(), None);
    }

    // Who are we? Without this nothing else can work, so failing here ends the run.
    let (ch, caller) = accounts::caller_identity(&base, &run.recorder, "caller", &caller_slot).await;
    let caller = match (caller, &ch.failure) {
        (Some(c), _) => c,
        (None, Some(f)) => {
            return Err(DiscoverError::NothingRead(format!(
                "cannot read the caller identity (sts:GetCallerIdentity) in {}: {}{}. Check the credentials (AWS_PROFILE / --profile, AWS_ACCESS_KEY_ID, `aws sso login`) and the endpoint (AWS_ENDPOINT_URL)",
                run.home_region,
                f.code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default(),
                f.message
            )))
        }
        (None, None) => return Err(DiscoverError::NothingRead("sts:GetCallerIdentity returned no account".into())),
    };
    let mut rec = record(&caller.account_id, "global", ops::STS_GET_CALLER_IDENTITY, &[&ch], &run.recorder);
    // The account was unknown when the call went out; its attempts are filed under "caller".
    rec.retries = u32::try_from(run.recorder.get("caller", "global", &ops::STS_GET_CALLER_IDENTITY.action()).retries())
        .unwrap_or(u32::MAX);
    coverage.push(rec);

    // Which other accounts?
    // With --org-role the caller's account is read too: it is the account the listing
    // runs in, and Organizations lists it as a member.
    if (opts.roles.is_empty() || opts.org_role.is_some()) && run.claim(&caller.account_id) {
        scope_accounts.insert(caller.account_id.clone());
        let reached = Reached {
            account_id: caller.account_id.clone(),
            conf: base.clone(),
            identity: Identity {
                account_id: caller.account_id.clone(),
                caller_arn: caller.arn.clone(),
                assumed_role_arn: None,
            },
            org_name: None,
        };
        let run = run.clone();
        pipelines.spawn(async move {
            let out = read_account(&run, &reached).await;
            AccountResult { coverage: Vec::new(), read: Some((reached.identity, reached.org_name, out)) }
        });
    }
    let mut org_names: BTreeMap<String, String> = BTreeMap::new();
    if let Some(role_name) = &opts.org_role {
        let role_accounts: BTreeSet<String> = opts.roles.iter().filter_map(|t| account_of_role(&t.role_arn)).collect();
        let ch = accounts::org_accounts(&base, &run.recorder, &caller.account_id, &caller_slot, |id, name| {
            if let Some(n) = &name {
                org_names.insert(id.clone(), n.clone());
            }
            if id == caller.account_id || role_accounts.contains(&id) || !scope_accounts.insert(id.clone()) {
                return;
            }
            let arn = format!("arn:{}:iam::{}:role/{}", caller.partition(), id, role_name);
            spawn_role(&mut pipelines, RoleTarget { role_arn: arn, external_id: None }, name);
        })
        .await;
        coverage.push(record(&caller.account_id, "global", ops::ORG_LIST_ACCOUNTS, &[&ch], &run.recorder));
    }

    // Every account, every region, concurrently.
    let mut identity: Vec<Identity> = Vec::new();
    let mut resources = Resources::default();
    let mut regions_discovered = BTreeSet::new();
    while let Some(res) = pipelines.join_next().await {
        match res {
            Ok(result) => {
                coverage.extend(result.coverage);
                if let Some((id, org_name, out)) = result.read {
                    resources.accounts.push(Account {
                        id: id.account_id.clone(),
                        account_id: id.account_id.clone(),
                        region: String::new(),
                        arn: None,
                        alias: None,
                        org_name: org_name.or_else(|| org_names.get(&id.account_id).cloned()),
                        tags: Default::default(),
                    });
                    scope_accounts.insert(id.account_id.clone());
                    identity.push(id);
                    merge(&mut resources, out.resources);
                    coverage.extend(out.coverage);
                    regions_discovered.extend(out.regions_read);
                }
            }
            Err(e) => tracing::error!("account task failed: {e}"),
        }
    }
    if identity.is_empty() {
        let reasons: Vec<String> = coverage
            .iter()
            .filter(|c| c.status.is_gap())
            .map(|c| format!("{} {}: {}", c.account_id, c.api, c.error_message.as_deref().unwrap_or("?")))
            .collect();
        return Err(DiscoverError::NothingRead(format!("no account could be read:\n  {}", reasons.join("\n  "))));
    }
    dedup_peering(&mut resources.vpc_peering_connections);
    dedup_shared(&mut resources);
    identity.sort();

    let mut snapshot = Snapshot::new(Timestamp::now());
    snapshot.scope = Scope {
        accounts: scope_accounts.into_iter().collect(),
        regions_requested: opts.regions.clone(),
        regions_discovered: regions_discovered.into_iter().collect(),
    };
    snapshot.identity = identity;
    snapshot.coverage = coverage;
    snapshot.resources = resources;
    snapshot.normalize();

    let mut calls: BTreeMap<String, CallCount> = run.recorder.per_action();
    // AssumeRole runs inside aws-config's provider, outside our interceptor; count it from its records.
    let assumes = snapshot.coverage.iter().filter(|c| c.api == ops::STS_ASSUME_ROLE.action()).count() as u64;
    if assumes > 0 {
        calls.insert(ops::STS_ASSUME_ROLE.action(), CallCount { calls: assumes, attempts: assumes });
    }
    tracing::debug!("calls per action: {calls:?}");
    let stats = Stats {
        accounts: snapshot.resources.accounts.len(),
        regions: snapshot.scope.regions_discovered.len(),
        calls,
        gaps: snapshot.gaps().count(),
        wall: started.elapsed(),
    };
    Ok(Discovery { snapshot, stats })
}

/// One role's account: AssumeRole, then its reads and its GetCallerIdentity side by
/// side (the account is known from the role ARN; the caller ARN is only for the record).
async fn assumed_account(
    run: &Run,
    base: &aws_config::SdkConfig,
    role: RoleTarget,
    org_name: Option<String>,
    sts_slot: &crate::limits::Slot,
) -> AccountResult {
    let (rec, reached) = accounts::assume(base, &role, org_name, &run.recorder, sts_slot).await;
    let mut coverage = vec![rec];
    let Some(mut reached) = reached else { return AccountResult { coverage, read: None } };
    if !run.claim(&reached.account_id) {
        tracing::info!(role = %role.role_arn, "account {} is already being read", reached.account_id);
        return AccountResult { coverage, read: None };
    }
    let id = reached.account_id.clone();
    let slot = run.limits.slot(&id, GLOBAL_SCOPE);
    let ((ch, caller), out) =
        tokio::join!(accounts::caller_identity(&reached.conf, &run.recorder, &id, &slot), read_account(run, &reached));
    coverage.push(record(&id, "global", ops::STS_GET_CALLER_IDENTITY, &[&ch], &run.recorder));
    match caller {
        Some(c) if c.account_id != id => {
            tracing::warn!(role = %role.role_arn, actual = %c.account_id, "assumed role reports a different account than its ARN");
            reached.identity.caller_arn = c.arn;
        }
        Some(c) => reached.identity.caller_arn = c.arn,
        // The reads went through (their records say so); the identity gap is recorded above.
        None => {}
    }
    AccountResult { coverage, read: Some((reached.identity, reached.org_name, out)) }
}

/// Regions of one account (DescribeRegions decides opt-in), then one job per region.
async fn read_account(run: &Run, acct: &Reached) -> AccountOutput {
    let opts = &run.opts;
    let id = acct.account_id.clone();
    let home = sdk::ec2(&acct.conf, &run.home_region, &run.recorder, &id);
    let ctx = Ctx::new(id.clone(), run.home_region.clone());
    run.progress.add(1);
    let mut listed: Vec<Region> = Vec::new();
    let ch = single(
        &run.limits.slot(&id, &run.home_region),
        ops::DESCRIBE_REGIONS,
        home.describe_regions().all_regions(true).send(),
        |o, ch| {
            for r in o.regions() {
                ch.take(network::region(&ctx, r), &mut listed);
            }
        },
    )
    .await;
    run.progress.done(&format!("{id} DescribeRegions"));
    let mut coverage = vec![record(&id, &run.home_region, ops::DESCRIBE_REGIONS, &[&ch], &run.recorder)];

    let wanted: Vec<String> = if opts.all_regions && ch.ok() {
        listed.iter().map(|r| r.region.clone()).collect()
    } else if opts.regions.is_empty() {
        // --all-regions without DescribeRegions: the home region is all we know.
        vec![run.home_region.clone()]
    } else {
        opts.regions.clone()
    };
    let mut resources = Resources::default();
    let mut regions_read = Vec::new();
    let mut jobs: JoinSet<region::RegionOutput> = JoinSet::new();
    for name in wanted.iter().collect::<BTreeSet<_>>() {
        let known = listed.iter().find(|r| &r.region == name);
        let not_read = match known {
            // Calls would fail with OptInRequired; the account chose not to use the region.
            Some(r) if r.opt_in_status.as_deref() == Some("not-opted-in") => {
                Some((CoverageStatus::Skipped, None, "region not enabled for this account (not-opted-in)".to_string()))
            }
            // A typo would otherwise cost every API its retries against a host that does not exist.
            None if ch.ok() && !listed.is_empty() => Some((
                CoverageStatus::Failed,
                Some("UnknownRegion".to_string()),
                format!("{name:?} is not a region this account's DescribeRegions lists"),
            )),
            _ => None,
        };
        if let Some((status, error_code, message)) = not_read {
            for op in ops::REGIONAL {
                coverage.push(CoverageRecord {
                    account_id: id.clone(),
                    region: name.clone(),
                    api: op.action(),
                    status,
                    items: 0,
                    pages: 0,
                    retries: 0,
                    duration_ms: 0,
                    error_code: error_code.clone(),
                    error_message: Some(message.clone()),
                });
            }
            continue;
        }
        resources.regions.push(known.cloned().unwrap_or_else(|| Region {
            id: format!("{id}/{name}"),
            account_id: id.clone(),
            region: name.clone(),
            arn: None,
            opt_in_status: None,
            tags: Default::default(),
        }));
        regions_read.push(name.clone());
        let job = RegionJob {
            ctx: Ctx::new(id.clone(), name.clone()),
            ec2: sdk::ec2(&acct.conf, name, &run.recorder, &id),
            elbv2: sdk::elbv2(&acct.conf, name, &run.recorder, &id),
            elb: sdk::elb(&acct.conf, name, &run.recorder, &id),
            v2_load_balancers: Default::default(),
            slot: run.limits.slot(&id, name),
            recorder: run.recorder.clone(),
            progress: run.progress.clone(),
        };
        jobs.spawn(region::collect(job));
    }
    while let Some(res) = jobs.join_next().await {
        match res {
            Ok(out) => {
                merge(&mut resources, out.resources);
                coverage.extend(out.coverage);
            }
            Err(e) => tracing::error!("region task failed: {e}"),
        }
    }
    AccountOutput { resources, coverage, regions_read }
}

fn merge(into: &mut Resources, from: Resources) {
    macro_rules! extend {
        ($field:ident, $ty:ident) => {
            into.$field.extend(from.$field);
        };
    }
    inventory::for_each_kind!(extend);
}

/// Resources seen from several accounts (RAM-shared VPCs and subnets, a TGW and its
/// attachments seen by owner and attacher, AWS-managed prefix lists present in every
/// account) must appear once: ids are unique per kind in a snapshot. Transforms put
/// owned resources under their owner, so the copies agree; keep the first in
/// (id, account) order, which is deterministic.
fn dedup_shared(r: &mut Resources) {
    macro_rules! dedup {
        ($field:ident, $ty:ident) => {
            if <inventory::model::$ty as inventory::model::Resource>::KIND
                != inventory::model::ResourceKind::VpcPeeringConnection
            {
                r.$field.sort_by(|a, b| {
                    (a.id.as_str(), a.account_id.as_str()).cmp(&(b.id.as_str(), b.account_id.as_str()))
                });
                let before = r.$field.len();
                r.$field.dedup_by(|later, first| later.id == first.id);
                if r.$field.len() < before {
                    tracing::debug!(
                        kind = stringify!($field),
                        dropped = before - r.$field.len(),
                        "same resource seen from several accounts"
                    );
                }
            }
        };
    }
    inventory::for_each_kind!(dedup);
}

/// A cross-region peering is described in both regions of the same account; keep
/// one record per (account, id), preferring the requester's region.
fn dedup_peering(v: &mut Vec<VpcPeeringConnection>) {
    let mut best: BTreeMap<(String, String), VpcPeeringConnection> = BTreeMap::new();
    for p in v.drain(..) {
        let key = (p.account_id.clone(), p.id.clone());
        match best.get(&key) {
            Some(existing) if existing.region == existing.requester.region => {}
            Some(_) if p.region != p.requester.region => {}
            _ => {
                best.insert(key, p);
            }
        }
    }
    v.extend(best.into_values());
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
