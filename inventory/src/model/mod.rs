//! The asset model: one plain serde struct per AWS resource kind.
//!
//! Every kind has `id`, `account_id`, `region`, optional `arn` and all `tags`;
//! the `Resource` trait gives uniform access to them.
mod asset;
mod checks;
mod common;
mod compute;
mod connectivity;
mod elb;
mod kinds;
mod network;
mod refs;
mod resources;
mod security;

pub use asset::*;
pub use checks::*;
pub use common::*;
pub use compute::*;
pub use connectivity::*;
pub use elb::*;
pub use kinds::{ResourceKind, Resources};
pub use network::*;
pub use refs::*;
pub use resources::*;
pub use security::*;
