//! Layout: shelf packing and nested containment (ours), layered placement
//! (layout-rs, capped), orthogonal edge routing around boxes.
pub mod containment;
pub mod lanes;
pub mod layered;
pub mod pack;
pub mod route;
