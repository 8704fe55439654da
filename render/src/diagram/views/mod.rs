//! Views: snapshot + analysis → scenes. Each page is framed with a title block
//! and a legend by `frame`.
pub mod account;
pub mod cards;
pub mod exposure;
pub mod frame;
pub mod grid;
pub mod labels;
pub mod links;
pub mod marks;
pub mod matrix;
pub mod org;
pub mod overview;
pub mod scope;
pub mod vpc;

use inventory::analysis::SubnetTier;

use super::scene::BoxStyle;
use super::style::{self, Env, Line};
use frame::LegendEntry;

pub fn env_legend() -> Vec<LegendEntry> {
    [Env::Prod, Env::NonProd, Env::Unknown]
        .into_iter()
        .map(|e| LegendEntry::Fill(style::vpc(e), format!("VPC, {}", e.label())))
        .collect()
}

pub fn exposed_legend() -> LegendEntry {
    LegendEntry::Fill(style::exposed_resource(), "reachable from the internet (red outline, open ports)".into())
}

pub fn line_legend(l: Line) -> LegendEntry {
    LegendEntry::Line(l.style(), l.label().into())
}

pub fn fill(st: BoxStyle, label: &str) -> LegendEntry {
    LegendEntry::Fill(st, label.into())
}

pub fn tier_legend() -> Vec<LegendEntry> {
    [
        (SubnetTier::Public, "public subnet (default route to an internet gateway)"),
        (SubnetTier::Private, "private subnet (egress via NAT / other gateway)"),
        (SubnetTier::Isolated, "isolated subnet (no default route)"),
    ]
    .into_iter()
    .map(|(t, l)| LegendEntry::Fill(style::subnet_style(t), l.into()))
    .collect()
}

/// VPC pages with a load balancer: its box and its lines to targets.
pub fn lb_legend() -> Vec<LegendEntry> {
    vec![
        fill(
            style::load_balancer(),
            "load balancer: one box across the subnets it serves (tab \"node in …\" in each); type, name, scheme, listeners",
        ),
        line_legend(Line::LbTarget),
        line_legend(Line::LbTargetBlocked),
    ]
}
