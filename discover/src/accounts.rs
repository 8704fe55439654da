//! Which accounts to read and how to reach them: the caller's own, each `--role-arn`,
//! or every active organisation account via `--org-role`. An account that cannot be
//! reached becomes a coverage gap, not the end of the run.
use std::time::Instant;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use inventory::snapshot::{CoverageRecord, Identity};

use crate::chain::{paged, record, single, Chain};
use crate::errors::{classify, ApiFailure};
use crate::limits::Slot;
use crate::ops;
use crate::options::RoleTarget;
use crate::recorder::Recorder;
use crate::sdk;

/// An account discovery can read.
pub struct Reached {
    pub account_id: String,
    pub conf: SdkConfig,
    pub identity: Identity,
    pub org_name: Option<String>,
}

/// The caller as STS sees it.
pub struct Caller {
    pub account_id: String,
    pub arn: String,
}

impl Caller {
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws")
    }
}

pub async fn caller_identity(
    conf: &SdkConfig,
    recorder: &Recorder,
    account_key: &str,
    slot: &Slot,
) -> (Chain, Option<Caller>) {
    let client = sdk::sts(conf, recorder, account_key);
    let mut caller = None;
    let ch = single(slot, ops::STS_GET_CALLER_IDENTITY, client.get_caller_identity().send(), |o, ch| {
        if let (Some(account_id), Some(arn)) = (o.account(), o.arn()) {
            ch.items = 1;
            caller = Some(Caller { account_id: account_id.to_string(), arn: arn.to_string() });
        } else {
            ch.rejected.push("GetCallerIdentity returned no account or ARN".into());
        }
    })
    .await;
    (ch, caller)
}

/// Active accounts of the organisation, each handed to `found(id, name)` as soon as its
/// page arrives: with hundreds of accounts (20 a page) the first ones are being read
/// long before the listing ends.
pub async fn org_accounts(
    conf: &SdkConfig,
    recorder: &Recorder,
    account_id: &str,
    slot: &Slot,
    mut found: impl FnMut(String, Option<String>),
) -> Chain {
    let client = sdk::organizations(conf, recorder, account_id);
    let op = ops::ORG_LIST_ACCOUNTS;
    let stream = client.list_accounts().max_results(op.max_results.unwrap_or(20)).into_paginator().send();
    paged(slot, op, stream, |o, ch| {
        for a in o.accounts() {
            #[allow(deprecated)] // `status` is what older Organizations endpoints (and moto) fill.
            let active = a
                .status()
                .map(|s| s.as_str() == "ACTIVE")
                .or_else(|| a.state().map(|s| s.as_str() == "ACTIVE"))
                .unwrap_or(true);
            match a.id() {
                Some(id) if active => {
                    ch.items += 1;
                    found(id.to_string(), a.name().map(str::to_string));
                }
                Some(_) => {}
                None => ch.rejected.push("ListAccounts returned an account without Id".into()),
            }
        }
    })
    .await
}

/// Account id inside a role ARN ("arn:aws:iam::123456789012:role/x").
pub fn account_of_role(arn: &str) -> Option<String> {
    let id = arn.split(':').nth(4)?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
}

/// Why a credentials provider failed, as a coverage failure. The STS error inside
/// carries the AWS code (AccessDenied, ...) when there is one.
fn credentials_failure(e: &aws_credential_types::provider::error::CredentialsError) -> ApiFailure {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(sdk_err) = s.downcast_ref::<aws_sdk_sts::error::SdkError<AssumeRoleError, HttpResponse>>() {
            return classify(sdk_err);
        }
        source = s.source();
    }
    ApiFailure::from_code(None, crate::errors::chain_message(e))
}

/// Hands out the credentials the probe already obtained, then defers to the role
/// provider when the shared identity cache asks again (at expiry): one AssumeRole
/// per account instead of two.
#[derive(Debug)]
struct Primed {
    first: std::sync::Mutex<Option<aws_credential_types::Credentials>>,
    inner: AssumeRoleProvider,
}

impl ProvideCredentials for Primed {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self.first.lock().unwrap_or_else(|e| e.into_inner()).take();
        match first {
            Some(c) => aws_credential_types::provider::future::ProvideCredentials::ready(Ok(c)),
            None => aws_credential_types::provider::future::ProvideCredentials::new(self.inner.provide_credentials()),
        }
    }
}

/// Assumes `role` from the base credentials; on success the account's config (its
/// identity's caller ARN is filled by the GetCallerIdentity that runs alongside the
/// account's reads), on failure the sts:AssumeRole gap record. `slot` is the calling
/// account's STS scope: every AssumeRole is made by the caller's credentials.
pub async fn assume(
    base: &SdkConfig,
    role: &RoleTarget,
    org_name: Option<String>,
    recorder: &Recorder,
    slot: &Slot,
) -> (CoverageRecord, Option<Reached>) {
    let account_id = account_of_role(&role.role_arn).unwrap_or_else(|| role.role_arn.clone());
    let mut builder =
        AssumeRoleProvider::builder(role.role_arn.clone()).session_name("auditmap-discover").configure(base);
    if let Some(x) = &role.external_id {
        builder = builder.external_id(x.clone());
    }
    let provider = builder.build().await;
    let started = Instant::now();
    let permit = slot.acquire().await;
    // Probe now so a refused role is one clear record, not a failure on every call.
    let probe = provider.provide_credentials().await;
    drop(permit);
    let mut chain = Chain::new(ops::STS_ASSUME_ROLE);
    chain.duration = started.elapsed();
    chain.pages = 1;
    if let Err(e) = &probe {
        chain.failure = Some(credentials_failure(e));
        tracing::warn!(role = %role.role_arn, "cannot assume role: {}", DisplayErrorContext(e));
        return (record(&account_id, "global", ops::STS_ASSUME_ROLE, &[&chain], recorder), None);
    }
    chain.items = 1;
    let rec = record(&account_id, "global", ops::STS_ASSUME_ROLE, &[&chain], recorder);
    let first = probe.ok();
    let primed = Primed { first: std::sync::Mutex::new(first), inner: provider };
    let conf = base.clone().into_builder().credentials_provider(SharedCredentialsProvider::new(primed)).build();
    // A role's credentials are always for the account in its ARN (checked at start).
    let identity = Identity {
        account_id: account_id.clone(),
        caller_arn: String::new(),
        assumed_role_arn: Some(role.role_arn.clone()),
    };
    (rec, Some(Reached { account_id, conf, identity, org_name }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_account() {
        assert_eq!(account_of_role("arn:aws:iam::123456789012:role/audit").as_deref(), Some("123456789012"));
        assert_eq!(account_of_role("arn:aws:iam::12345:role/audit"), None);
        assert_eq!(account_of_role("nonsense"), None);
    }
}
