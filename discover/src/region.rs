//! Reading one account × region: every descriptor of `kinds::KINDS` concurrently (pages
//! of one API are the only sequential chain), then the passes across kinds.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use aws_sdk_ec2::Client as Ec2;
use aws_sdk_elasticloadbalancing::Client as Elb;
use aws_sdk_elasticloadbalancingv2::Client as Elbv2;
use inventory::model::Resources;
use inventory::snapshot::CoverageRecord;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::chain::{record, Chain};
use crate::kinds::{self, KINDS};
use crate::limits::Slot;
use crate::ops::{self, Op};
use crate::progress::Progress;
use crate::recorder::Recorder;
use crate::transform::Ctx;

/// What one region job needs; cheap to clone (all handles).
#[derive(Clone)]
pub struct RegionJob {
    pub ctx: Ctx,
    pub ec2: Ec2,
    pub elbv2: Elbv2,
    /// Classic Load Balancers.
    pub elb: Elb,
    /// The region's v2 load balancers, from the LoadBalancer descriptor to the Listener one.
    pub v2_load_balancers: Handoff<Vec<String>>,
    /// This account × region's concurrency bound (and the run's).
    pub slot: Slot,
    pub recorder: Recorder,
    pub progress: Progress,
}

pub struct RegionOutput {
    pub resources: Resources,
    pub coverage: Vec<CoverageRecord>,
}

impl RegionJob {
    /// Marks a chain done on the progress bar.
    pub fn finish(&self, c: Chain) -> Chain {
        self.progress.done(&format!("{} {} {}", self.ctx.account_id, self.ctx.region, c.op.name));
        c
    }
}

pub async fn collect(job: RegionJob) -> RegionOutput {
    let j = &job;
    j.progress.add(ops::REGIONAL.len() as u64);

    // One join over every descriptor: each starts now, none waits for another, and
    // they queue for the region's bound in `KINDS` order (see there).
    let reads = join_all(KINDS.iter().map(|d| (d.read)(j)).collect()).await;
    let mut resources = Resources::default();
    let mut chains: Vec<Chain> = Vec::new();
    for read in reads {
        chains.extend(read.store(&mut resources));
    }
    kinds::stitch(&mut resources);

    let coverage = ops::REGIONAL
        .iter()
        .map(|op| {
            let of_op: Vec<&Chain> = chains.iter().filter(|ch| ch.op == *op).collect();
            record(&j.ctx.account_id, &j.ctx.region, *op, &of_op, &j.recorder)
        })
        .collect();
    RegionOutput { resources, coverage }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Polls every future until all are done, like `tokio::join!` over a list: the first
/// poll goes in list order (so requests queue in that order), later ones start one
/// further along each time so no future is always polled last.
async fn join_all<T>(futures: Vec<BoxFuture<'_, T>>) -> Vec<T> {
    let mut slots: Vec<(Option<BoxFuture<'_, T>>, Option<T>)> = futures.into_iter().map(|f| (Some(f), None)).collect();
    let mut start = 0;
    std::future::poll_fn(move |cx| {
        let n = slots.len();
        let mut pending = false;
        for k in 0..n {
            let (fut, out) = &mut slots[(start + k) % n];
            if let Some(f) = fut {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *fut = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        start = (start + 1) % n.max(1);
        if pending {
            return Poll::Pending;
        }
        Poll::Ready(slots.iter_mut().filter_map(|(_, out)| out.take()).collect())
    })
    .await
}

/// One value passed from one descriptor to another of the same region, with the
/// chain that produced it: listeners can only be listed per load balancer, so the
/// Listener descriptor waits for the LoadBalancer descriptor's listing. Both run in
/// the region's one join, so the wait cannot block the listing.
#[derive(Clone)]
pub struct Handoff<T>(Arc<watch::Sender<Option<(Chain, T)>>>);

impl<T: Clone> Default for Handoff<T> {
    fn default() -> Self {
        Handoff(Arc::new(watch::channel(None).0))
    }
}

impl<T: Clone> Handoff<T> {
    /// Called once, whatever the chain's outcome (a failed chain skips the waiter's reads).
    pub fn publish(&self, chain: &Chain, value: T) {
        self.0.send_replace(Some((chain.clone(), value)));
    }

    pub async fn get(&self) -> Option<(Chain, T)> {
        let mut rx = self.0.subscribe();
        let got = rx.wait_for(Option::is_some).await.ok()?.clone();
        got
    }
}

/// Fills in one part of a fanned-out item.
pub type Fill<T> = Box<dyn FnOnce(&mut T) + Send>;
/// One per-item read of a fan-out: its chain, and what it fills in on the item.
pub type Child<T> = BoxFuture<'static, (Chain, Fill<T>)>;

pub fn fill<T>(f: impl FnOnce(&mut T) + Send + 'static) -> Fill<T> {
    Box::new(f)
}

/// A listing whose items each need more calls: once the (finished) parent chain is in,
/// every item's `reads` (one per op of `children`, in that order) run concurrently as
/// tasks under the region's bound. If the parent failed, the children are recorded as
/// skipped, with the reason.
pub async fn fan_out<T: Send + 'static>(
    j: &RegionJob,
    parent: Chain,
    items: Vec<T>,
    children: &[Op],
    reads: impl Fn(&RegionJob, &T) -> Vec<Child<T>>,
) -> (Vec<Chain>, Vec<T>) {
    if !parent.ok() {
        let mut chains = skip_children(j, &parent, children);
        chains.insert(0, parent);
        return (chains, items);
    }
    let (mut chains, items) = for_each_item(j, items, children, reads).await;
    chains.insert(0, parent);
    (chains, items)
}

/// The children of a failed parent: recorded as skipped, with the reason.
pub fn skip_children(j: &RegionJob, parent: &Chain, children: &[Op]) -> Vec<Chain> {
    let why = format!("not read: {} failed", parent.op.action());
    for child in children {
        j.progress.done(child.name);
    }
    children.iter().map(|o| Chain::skipped(*o, why.clone())).collect()
}

/// Every item's `reads` (one per op of `children`, in that order), run concurrently as
/// tasks under the region's bound; returns their chains.
pub async fn for_each_item<T: Send + 'static>(
    j: &RegionJob,
    mut items: Vec<T>,
    children: &[Op],
    reads: impl Fn(&RegionJob, &T) -> Vec<Child<T>>,
) -> (Vec<Chain>, Vec<T>) {
    // A panicked child is recorded under the first child op (it names no op itself).
    let Some(panicked_op) = children.first().copied() else { return (Vec::new(), items) };
    // The REGIONAL count reserved one progress step per child op; add the rest.
    let per_item = children.len() as u64;
    j.progress.add((items.len() as u64 * per_item).saturating_sub(per_item));

    let mut set: JoinSet<(usize, Chain, Fill<T>)> = JoinSet::new();
    for (i, item) in items.iter().enumerate() {
        for read in reads(j, item) {
            let jb = j.clone();
            set.spawn(async move {
                let (ch, fill) = read.await;
                (i, jb.finish(ch), fill)
            });
        }
    }
    let mut chains = Vec::new();
    if items.is_empty() {
        for child in children {
            j.progress.done(child.name);
        }
    }
    while let Some(res) = set.join_next().await {
        match res {
            Ok((i, ch, fill)) => {
                chains.push(ch);
                if let Some(item) = items.get_mut(i) {
                    fill(item);
                }
            }
            // A panicking task is a bug; record it instead of losing the run.
            Err(e) => chains.push(Chain {
                failure: Some(crate::errors::ApiFailure::from_code(Some("InternalError"), e.to_string())),
                ..Chain::new(panicked_op)
            }),
        }
    }
    (chains, items)
}
