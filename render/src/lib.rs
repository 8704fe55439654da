//! auditmap render: the pipeline driver, views, layout and every writer. Works from
//! a snapshot and its analysis only; nothing here touches AWS.
pub mod changes;
mod deflate;
pub mod diagram;
pub mod exit;
pub mod package;
pub mod pipeline;
pub mod text;
