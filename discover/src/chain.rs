//! Running one API "chain" (all pages of one operation, or one call) under the
//! concurrency bounds of its (account, region) scope, and turning its outcome into a
//! coverage record.
use std::future::Future;
use std::time::{Duration, Instant};

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use inventory::snapshot::{CoverageRecord, CoverageStatus};

use crate::errors::{classify, ApiFailure};
use crate::limits::Slot;
use crate::ops::Op;
use crate::recorder::Recorder;

/// How one chain went.
#[derive(Debug, Clone)]
pub struct Chain {
    pub op: Op,
    pub pages: u32,
    pub items: u64,
    pub duration: Duration,
    pub failure: Option<ApiFailure>,
    /// Items the transform rejected (with the reason); they are missing from the snapshot.
    pub rejected: Vec<String>,
    /// Not run, and why (e.g. its parent listing failed).
    pub skipped: Option<String>,
}

impl Chain {
    pub fn new(op: Op) -> Chain {
        Chain { op, pages: 0, items: 0, duration: Duration::ZERO, failure: None, rejected: Vec::new(), skipped: None }
    }

    pub fn skipped(op: Op, why: impl Into<String>) -> Chain {
        Chain { skipped: Some(why.into()), ..Chain::new(op) }
    }

    /// Keeps a transformed item, or notes why it was rejected.
    pub fn take<T>(&mut self, item: Result<T, String>, sink: &mut Vec<T>) {
        match item {
            Ok(v) => {
                self.items += 1;
                sink.push(v);
            }
            Err(why) => {
                tracing::warn!(api = %self.op.action(), "{why}");
                self.rejected.push(why);
            }
        }
    }

    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.skipped.is_none()
    }
}

/// Pages are sequential, so the chain holds one permit from its first request to its
/// last: it counts as one request in flight, and a later page does not queue again
/// behind every request issued since the first (pages are often the critical path).
pub async fn paged<O, E>(
    slot: &Slot,
    op: Op,
    mut stream: PaginationStream<Result<O, SdkError<E, HttpResponse>>>,
    mut each: impl FnMut(O, &mut Chain),
) -> Chain
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let started = Instant::now();
    let mut chain = Chain::new(op);
    let permit = slot.acquire().await;
    loop {
        let next = stream.next().await;
        match next {
            None => break,
            Some(Ok(page)) => {
                chain.pages += 1;
                each(page, &mut chain);
            }
            Some(Err(e)) => {
                tracing::debug!(api = %op.action(), error = %aws_smithy_types::error::display::DisplayErrorContext(&e), "call failed");
                chain.failure = Some(classify(&e));
                break;
            }
        }
    }
    drop(permit);
    chain.duration = started.elapsed();
    chain
}

/// Every page of a listing that pages by Marker/NextMarker (ELB): `call(marker)` sends
/// one page's request, `next(page)` is its NextMarker. Held under one permit, like
/// `paged`. A marker seen before would loop forever: the chain fails instead.
pub async fn by_marker<O, E, Fut>(
    slot: &Slot,
    op: Op,
    mut call: impl FnMut(Option<String>) -> Fut,
    next: impl Fn(&O) -> Option<String>,
    mut each: impl FnMut(O, &mut Chain),
) -> Chain
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
{
    let started = Instant::now();
    let mut chain = Chain::new(op);
    let permit = slot.acquire().await;
    let mut seen: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        match call(marker.take()).await {
            Ok(page) => {
                chain.pages += 1;
                let after = next(&page).filter(|m| !m.is_empty());
                each(page, &mut chain);
                match after {
                    None => break,
                    Some(m) if !seen.insert(m.clone()) => {
                        let message = format!("NextMarker {m:?} was returned before; the listing stopped there");
                        chain.failure = Some(ApiFailure::from_code(Some("RepeatedMarker"), message));
                        break;
                    }
                    Some(m) => marker = Some(m),
                }
            }
            Err(e) => {
                tracing::debug!(api = %op.action(), error = %aws_smithy_types::error::display::DisplayErrorContext(&e), "call failed");
                chain.failure = Some(classify(&e));
                break;
            }
        }
    }
    drop(permit);
    chain.duration = started.elapsed();
    chain
}

/// One unpaginated call.
pub async fn single<O, E, F>(slot: &Slot, op: Op, call: F, each: impl FnOnce(O, &mut Chain)) -> Chain
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
{
    let started = Instant::now();
    let mut chain = Chain::new(op);
    let permit = slot.acquire().await;
    let result = call.await;
    drop(permit);
    match result {
        Ok(out) => {
            chain.pages = 1;
            each(out, &mut chain);
        }
        Err(e) => {
            tracing::debug!(api = %op.action(), error = %aws_smithy_types::error::display::DisplayErrorContext(&e), "call failed");
            chain.failure = Some(classify(&e));
        }
    }
    chain.duration = started.elapsed();
    chain
}

/// Merges the chains of one operation (e.g. one SearchTransitGatewayRoutes per
/// route table) into its coverage record.
pub fn record(account_id: &str, region: &str, op: Op, chains: &[&Chain], recorder: &Recorder) -> CoverageRecord {
    let action = op.action();
    let mut rec = CoverageRecord {
        account_id: account_id.to_string(),
        region: region.to_string(),
        api: action.clone(),
        status: CoverageStatus::Ok,
        items: chains.iter().map(|c| c.items).sum(),
        pages: chains.iter().map(|c| c.pages).sum(),
        retries: u32::try_from(recorder.get(account_id, region, &action).retries()).unwrap_or(u32::MAX),
        duration_ms: chains.iter().map(|c| c.duration.as_millis() as u64).sum(),
        error_code: None,
        error_message: None,
    };
    // Denied outranks failed: it names the fix (a permission), so report it first.
    let failures: Vec<&ApiFailure> = chains.iter().filter_map(|c| c.failure.as_ref()).collect();
    if let Some(f) = failures.iter().find(|f| f.status == CoverageStatus::Denied).or(failures.first()) {
        rec.status = f.status;
        rec.error_code = f.code.clone();
        let more =
            if failures.len() > 1 { format!(" (and {} more failed calls)", failures.len() - 1) } else { String::new() };
        rec.error_message = Some(format!("{}{more}", f.message));
        return rec;
    }
    let rejected: Vec<&String> = chains.iter().flat_map(|c| c.rejected.iter()).collect();
    if !rejected.is_empty() {
        rec.status = CoverageStatus::Failed;
        rec.error_code = Some("UnusableResponse".into());
        let shown: Vec<&str> = rejected.iter().take(5).map(|s| s.as_str()).collect();
        let more = if rejected.len() > 5 { format!("; and {} more", rejected.len() - 5) } else { String::new() };
        rec.error_message = Some(crate::errors::cap(format!(
            "{} item(s) could not be read and are missing: {}{more}",
            rejected.len(),
            shown.join("; ")
        )));
        return rec;
    }
    if !chains.is_empty() && chains.iter().all(|c| c.skipped.is_some()) {
        rec.status = CoverageStatus::Skipped;
        rec.error_message = chains[0].skipped.clone();
    }
    rec
}
