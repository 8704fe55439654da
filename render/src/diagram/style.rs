//! Colours and box styles, in one place so every page and the legend agree.
use inventory::analysis::SubnetTier;

use super::scene::{BoxStyle, EdgeStyle};

pub const INK: &str = "#1b2631";
pub const MUTED: &str = "#566573";
pub const EXPOSED: &str = "#d00000";
pub const WHITE: &str = "#ffffff";

/// Environment of a VPC or account, from its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    Prod,
    NonProd,
    Unknown,
}

impl Env {
    pub fn label(self) -> &'static str {
        match self {
            Env::Prod => "production",
            Env::NonProd => "non-production",
            Env::Unknown => "environment not tagged",
        }
    }
    pub fn color(self) -> &'static str {
        match self {
            Env::Prod => "#7d3c98",
            Env::NonProd => "#148f77",
            Env::Unknown => "#7f8c8d",
        }
    }
    pub fn fill(self) -> &'static str {
        match self {
            Env::Prod => "#f5eef8",
            Env::NonProd => "#e8f8f5",
            Env::Unknown => "#f8f9f9",
        }
    }
}

pub fn tier_label(t: SubnetTier) -> &'static str {
    match t {
        SubnetTier::Public => "public",
        SubnetTier::Private => "private",
        SubnetTier::Isolated => "isolated",
    }
}

pub fn subnet_style(t: SubnetTier) -> BoxStyle {
    let (fill, stroke) = match t {
        SubnetTier::Public => ("#e9f7ef", "#1e8449"),
        SubnetTier::Private => ("#eaf2fb", "#2471a3"),
        SubnetTier::Isolated => ("#f2f3f4", "#7b7d7d"),
    };
    BoxStyle { fill, stroke, stroke_width: 1.5, dashed: false, radius: 3.0 }
}

pub fn plain(fill: &'static str, stroke: &'static str, stroke_width: f64, dashed: bool) -> BoxStyle {
    BoxStyle { fill, stroke, stroke_width, dashed, radius: 0.0 }
}

pub fn page() -> BoxStyle {
    plain(WHITE, WHITE, 0.0, false)
}
pub fn account() -> BoxStyle {
    plain("#fdfefe", "#232f3e", 1.5, false)
}
pub fn region() -> BoxStyle {
    plain("#fbfcfc", "#147eba", 1.2, true)
}
pub fn az() -> BoxStyle {
    plain("#ffffff", "#147eba", 1.0, true)
}
pub fn vpc(env: Env) -> BoxStyle {
    BoxStyle { fill: env.fill(), stroke: env.color(), stroke_width: 2.5, dashed: false, radius: 0.0 }
}
pub fn resource() -> BoxStyle {
    BoxStyle { fill: WHITE, stroke: "#5d6d7e", stroke_width: 1.0, dashed: false, radius: 3.0 }
}
pub fn exposed_resource() -> BoxStyle {
    BoxStyle { fill: "#fdedec", stroke: EXPOSED, stroke_width: 2.5, dashed: false, radius: 3.0 }
}
/// Load balancer colour: its box, its per-subnet marks and its lines to targets.
pub const LOAD_BALANCER: &str = "#1a5276";
pub fn load_balancer() -> BoxStyle {
    BoxStyle { fill: "#ebf5fb", stroke: LOAD_BALANCER, stroke_width: 1.8, dashed: false, radius: 6.0 }
}
pub fn gateway() -> BoxStyle {
    BoxStyle { fill: "#fef5e7", stroke: "#b9770e", stroke_width: 1.5, dashed: false, radius: 4.0 }
}
pub fn node() -> BoxStyle {
    BoxStyle { fill: "#fdfefe", stroke: "#34495e", stroke_width: 1.5, dashed: false, radius: 6.0 }
}
pub fn internet() -> BoxStyle {
    BoxStyle { fill: "#fdedec", stroke: EXPOSED, stroke_width: 2.0, dashed: false, radius: 14.0 }
}
pub fn data_store() -> BoxStyle {
    BoxStyle { fill: "#fef9e7", stroke: "#9a7d0a", stroke_width: 2.0, dashed: false, radius: 10.0 }
}
pub fn chip() -> BoxStyle {
    BoxStyle { fill: WHITE, stroke: "#aab7b8", stroke_width: 0.8, dashed: false, radius: 2.0 }
}
pub fn frame() -> BoxStyle {
    plain(WHITE, INK, 1.0, false)
}

/// Line kinds used across pages (and shown in the legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Line {
    Internet,
    /// Internet traffic allowed in that an accepted-exposures entry covers.
    InternetAccepted,
    Gateway,
    Route,
    Peering,
    Transit,
    Vpn,
    Flow,
    CrossAccount,
    /// A load balancer forwards to targets in that subnet.
    LbTarget,
    /// It would, but the target's security group or NACL refuses.
    LbTargetBlocked,
}

impl Line {
    pub fn style(self) -> EdgeStyle {
        match self {
            Line::Internet => EdgeStyle { color: EXPOSED, width: 2.0, dashed: false, arrow: true },
            // Still an opening (arrow, same weight), but dashed and amber, so an accepted
            // line reads apart from an unreviewed red one, also in greyscale print.
            Line::InternetAccepted => EdgeStyle { color: "#b9770e", width: 2.0, dashed: true, arrow: true },
            Line::Route => EdgeStyle { color: "#b9770e", width: 1.2, dashed: false, arrow: false },
            Line::Gateway => EdgeStyle { color: "#b9770e", width: 1.6, dashed: false, arrow: false },
            Line::Peering => EdgeStyle { color: "#1f618d", width: 1.8, dashed: true, arrow: false },
            Line::Transit => EdgeStyle { color: "#6c3483", width: 1.6, dashed: false, arrow: false },
            Line::Vpn => EdgeStyle { color: "#117864", width: 1.8, dashed: true, arrow: false },
            Line::Flow => EdgeStyle { color: "#34495e", width: 1.4, dashed: false, arrow: true },
            Line::CrossAccount => EdgeStyle { color: "#ca6f1e", width: 2.0, dashed: true, arrow: false },
            Line::LbTarget => EdgeStyle { color: LOAD_BALANCER, width: 1.4, dashed: false, arrow: true },
            Line::LbTargetBlocked => EdgeStyle { color: "#7f8c8d", width: 1.4, dashed: true, arrow: true },
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Line::Internet => "internet traffic allowed in",
            Line::InternetAccepted => "internet traffic allowed in, accepted (label: \"accepted\" and the ticket)",
            Line::Route => "route table uses gateway",
            Line::Gateway => "gateway attached to the internet / VPN",
            Line::Peering => "VPC peering",
            Line::Transit => "transit gateway attachment",
            Line::Vpn => "site-to-site VPN",
            Line::Flow => "traffic allowed towards a data store (ports)",
            Line::CrossAccount => "cross-account link",
            Line::LbTarget => {
                "load balancer forwards to targets in that subnet (label: protocol/target port × targets)"
            }
            Line::LbTargetBlocked => "load balancer target refused by its security group or NACL (label: \"blocked\")",
        }
    }
}
