//! The asset model: one plain serde struct per AWS resource kind.
//!
//! Every kind has `id`, `account_id`, `region`, optional `arn` and all `tags`;
//! the `Resource` trait gives uniform access to them.
mod common;
mod compute;
mod connectivity;
mod network;
mod resources;
mod security;

pub use common::*;
pub use compute::*;
pub use connectivity::*;
pub use network::*;
pub use resources::*;
pub use security::*;
