//! An SDK interceptor on every client discovery builds: it counts operations and
//! attempts per (account, region, action), so coverage records can report retries
//! and tests can check that only operations from `ops::OPERATIONS` were sent.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::ops;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCount {
    /// Operations sent (one per page).
    pub calls: u64,
    /// HTTP attempts, including retries.
    pub attempts: u64,
}

impl CallCount {
    pub fn retries(&self) -> u64 {
        self.attempts.saturating_sub(self.calls)
    }
}

/// (account, region, "service:Operation")
pub type CallKey = (String, String, String);

/// Shared by every client of one discovery run.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    counts: Arc<Mutex<BTreeMap<CallKey, CallCount>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// An interceptor that files calls under this account and region.
    pub fn interceptor(&self, account_id: &str, region: &str) -> RecordingInterceptor {
        RecordingInterceptor { recorder: self.clone(), account_id: account_id.to_string(), region: region.to_string() }
    }

    fn bump(&self, key: CallKey, f: impl FnOnce(&mut CallCount)) {
        // A poisoned lock only means another task panicked mid-increment; counts stay usable.
        let mut m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        f(m.entry(key).or_default());
    }

    pub fn get(&self, account_id: &str, region: &str, action: &str) -> CallCount {
        let m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&(account_id.to_string(), region.to_string(), action.to_string())).copied().unwrap_or_default()
    }

    /// Every call made so far.
    pub fn snapshot(&self) -> BTreeMap<CallKey, CallCount> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Totals per action ("ec2:DescribeVpcs"), over all accounts and regions.
    pub fn per_action(&self) -> BTreeMap<String, CallCount> {
        let mut out: BTreeMap<String, CallCount> = BTreeMap::new();
        for ((_, _, action), c) in self.snapshot() {
            let e = out.entry(action).or_default();
            e.calls += c.calls;
            e.attempts += c.attempts;
        }
        out
    }
}

#[derive(Debug)]
pub struct RecordingInterceptor {
    recorder: Recorder,
    account_id: String,
    region: String,
}

impl RecordingInterceptor {
    fn key(&self, cfg: &ConfigBag) -> CallKey {
        let action = match cfg.load::<Metadata>() {
            // Unknown operations are recorded under their SDK names so the read-only
            // test sees them (and fails) rather than losing them.
            Some(m) => match ops::find(m.service(), m.name()) {
                Some(op) => op.action(),
                None => format!("{}:{}", m.service().to_ascii_lowercase(), m.name()),
            },
            None => "unknown:unknown".to_string(),
        };
        (self.account_id.clone(), self.region.clone(), action)
    }
}

impl Intercept for RecordingInterceptor {
    fn name(&self) -> &'static str {
        "auditmap::RecordingInterceptor"
    }

    // Not read_before_execution: the operation's Metadata is not in the bag yet there.
    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.recorder.bump(self.key(cfg), |c| c.calls += 1);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.recorder.bump(self.key(cfg), |c| c.attempts += 1);
        Ok(())
    }

    /// A successful response whose XML stops early is an error, not a short page
    /// (see complete.rs). It is not retried: the run records the API as failed.
    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = ctx.response();
        if response.status().is_success() {
            if let Some(body) = response.body().bytes() {
                crate::complete::check_xml_complete(body)?;
            }
        }
        Ok(())
    }
}
