//! How many requests may be in flight. AWS throttles per account and region (EC2's
//! token buckets; STS and Organizations per account), so the polite bound is per
//! (account, region) scope. A second, larger bound over the whole run caps what the
//! client holds open (sockets, response buffers). One global bound alone would make
//! many regions queue behind each other while each stays far below AWS's limits.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Scope of the calls that are not regional (STS, Organizations).
pub const GLOBAL_SCOPE: &str = "global";

/// One semaphore per (account, region), made on first use.
type Scopes = Arc<Mutex<BTreeMap<(String, String), Arc<Semaphore>>>>;

/// The run's two bounds; cheap to clone (handles).
#[derive(Clone, Debug)]
pub struct Limits {
    global: Arc<Semaphore>,
    per_scope: usize,
    scopes: Scopes,
}

impl Limits {
    /// `global`: requests in flight over the run; `per_scope`: per (account, region).
    pub fn new(global: usize, per_scope: usize) -> Limits {
        Limits { global: Arc::new(Semaphore::new(global)), per_scope, scopes: Arc::default() }
    }

    /// The slot requests to `account` in `region` go through (the same for every caller).
    pub fn slot(&self, account: &str, region: &str) -> Slot {
        let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
        let scope = scopes
            .entry((account.to_string(), region.to_string()))
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_scope)))
            .clone();
        Slot { scope, global: self.global.clone() }
    }
}

/// One (account, region) scope's bound plus the run's.
#[derive(Clone, Debug)]
pub struct Slot {
    scope: Arc<Semaphore>,
    global: Arc<Semaphore>,
}

/// Held while a request (or a chain of pages) is in flight.
#[derive(Debug)]
pub struct Permit {
    _scope: Option<OwnedSemaphorePermit>,
    _global: Option<OwnedSemaphorePermit>,
}

impl Slot {
    /// Waits for the scope first, then for the run: a request queued behind its own
    /// busy region holds no run-wide permit, so other regions keep going.
    pub async fn acquire(&self) -> Permit {
        // The semaphores are never closed, so acquiring cannot fail; None would only
        // mean "unbounded", never a lost request.
        let scope = self.scope.clone().acquire_owned().await.ok();
        let global = self.global.clone().acquire_owned().await.ok();
        Permit { _scope: scope, _global: global }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_saturated_region_does_not_hold_back_another() {
        let limits = Limits::new(8, 2);
        let a = limits.slot("111111111111", "us-east-1");
        // Region A at its bound, with more of its requests queued behind it.
        let held = [a.acquire().await, a.acquire().await];
        let queued: Vec<_> = (0..5)
            .map(|_| {
                let a = a.clone();
                tokio::spawn(async move { a.acquire().await })
            })
            .collect();
        tokio::task::yield_now().await;
        let a_again = tokio::time::timeout(Duration::from_millis(50), a.acquire()).await;
        assert!(a_again.is_err(), "region A must stay at its bound of 2");
        // Region B (same account) and the same region of another account still get in.
        let b = limits.slot("111111111111", "eu-west-1");
        let b1 = tokio::time::timeout(Duration::from_millis(50), b.acquire()).await.expect("region B proceeds");
        let b2 = tokio::time::timeout(Duration::from_millis(50), b.acquire()).await.expect("region B proceeds");
        let other = limits.slot("222222222222", "us-east-1");
        let o1 =
            tokio::time::timeout(Duration::from_millis(50), other.acquire()).await.expect("other account proceeds");
        drop((b1, b2, o1, held));
        for q in queued {
            tokio::time::timeout(Duration::from_secs(5), q).await.expect("queued A requests run").expect("task");
        }
    }

    #[tokio::test]
    async fn the_run_wide_bound_holds_over_all_scopes() {
        let limits = Limits::new(3, 2);
        let slots: Vec<Slot> = ["r1", "r2", "r3"].iter().map(|r| limits.slot("1", r)).collect();
        let p1 = slots[0].acquire().await;
        let p2 = slots[1].acquire().await;
        let p3 = slots[2].acquire().await;
        let blocked = tokio::time::timeout(Duration::from_millis(50), slots[1].acquire()).await;
        assert!(blocked.is_err(), "a 4th request must wait for the run-wide bound of 3");
        drop(p1);
        tokio::time::timeout(Duration::from_secs(5), slots[1].acquire()).await.expect("freed permit is reused");
        drop((p2, p3));
    }

    #[test]
    fn one_semaphore_per_scope() {
        let limits = Limits::new(4, 1);
        let a = limits.slot("1", "us-east-1");
        let a2 = limits.slot("1", "us-east-1");
        assert!(Arc::ptr_eq(&a.scope, &a2.scope));
        assert!(!Arc::ptr_eq(&a.scope, &limits.slot("1", "eu-west-1").scope));
    }
}
