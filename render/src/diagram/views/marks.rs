//! Change marks for the VPC pages of a diff (`auditmap diff --out`, `package
//! --previous`): what the diff says about each id a page may draw, and the resources
//! of OLD that NEW no longer has, so the VPC view can draw them in their old place.
//!
//! Built from an `inventory::diff::Diff` (the diff is an input: nothing is compared
//! here) and OLD's snapshot (only to find where a removed resource used to be).
use std::collections::{BTreeMap, BTreeSet};

use inventory::diff::{ChangeOp, Diff, ExposureChange, FieldChange, ResourceRef};
use inventory::model::{ResourceKind, ServiceKind};
use inventory::Snapshot;

use super::super::font::metrics;
use super::super::scene::{clean, Anchor, BoxStyle, Rect, Role, Scene};
use super::super::style::{self, MUTED};
use super::frame::LegendEntry;

/// What happened to one resource between OLD and NEW.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    Added,
    Removed,
    /// The top-level fields that changed ("ingress", "tags").
    Changed {
        fields: Vec<String>,
    },
    /// In OLD, absent from NEW, and NEW could not list its kind there.
    Unknown,
}

impl Mark {
    /// The badge drawn on the resource.
    pub fn badge(&self) -> String {
        match self {
            Mark::Added => "+ ADDED".into(),
            Mark::Removed => "− REMOVED".into(),
            Mark::Changed { fields } => format!("~ CHANGED: {}", fields.join(", ")),
            Mark::Unknown => "? NOT COLLECTED (may still exist)".into(),
        }
    }
    pub fn ink(&self) -> &'static str {
        match self {
            Mark::Added => ADDED_INK,
            Mark::Changed { .. } => CHANGED_INK,
            Mark::Removed | Mark::Unknown => MUTED,
        }
    }
    /// The fill of the badge's pill (its text is white).
    pub fn pill(&self) -> &'static str {
        match self {
            Mark::Added => ADDED_INK,
            Mark::Changed { .. } => CHANGED_INK,
            Mark::Removed => GHOST_STROKE,
            Mark::Unknown => "#626567",
        }
    }
    /// The ring drawn round a box that is in NEW (added or changed).
    pub fn ring(&self) -> Option<BoxStyle> {
        match self {
            Mark::Added => Some(ring(ADDED)),
            Mark::Changed { .. } => Some(ring(CHANGED)),
            Mark::Removed | Mark::Unknown => None,
        }
    }
    /// A short key for grouping like resources (marked ones never join unmarked ones).
    pub fn key(&self) -> String {
        self.badge()
    }
}

pub const ADDED: &str = "#1fa34a";
pub const ADDED_INK: &str = "#117a37";
pub const CHANGED: &str = "#e67e22";
pub const CHANGED_INK: &str = "#a04000";
const GHOST_STROKE: &str = "#7f8c8d";
/// How far a ring stands out of its box: inside the gaps the layout leaves between boxes.
pub const RING: f64 = 4.0;

fn ring(color: &'static str) -> BoxStyle {
    BoxStyle { fill: color, stroke: color, stroke_width: 1.0, dashed: false, radius: 5.0 }
}

/// A badge line: white text on a pill of the mark's colour, so it reads at a glance.
/// Text of colour `style::WHITE` in a marked box is its badge.
#[allow(clippy::too_many_arguments)]
pub fn badge(
    scene: &mut Scene,
    owner: usize,
    x: f64,
    baseline: f64,
    text: &str,
    size: f64,
    anchor: Anchor,
    max_w: f64,
    mark: &Mark,
) {
    let w = metrics::width(&metrics::fit(&clean(text), size, true, max_w.max(0.0)), size, true);
    let left = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - w / 2.0,
    };
    let r = Rect::new(left - 3.0, baseline - metrics::ascent(size) - 1.5, w + 6.0, metrics::line_height(size) + 1.0);
    let fill = mark.pill();
    scene.add_box(
        &format!("badge:{}", scene.boxes.len()),
        Role::Ring,
        r,
        Some(owner),
        BoxStyle { fill, stroke: fill, stroke_width: 0.5, dashed: false, radius: 3.0 },
    );
    scene.add_text(Some(owner), x, baseline, text, size, true, style::WHITE, anchor, max_w);
}

/// A removed resource: dashed, greyed.
pub fn removed_style() -> BoxStyle {
    BoxStyle { fill: "#fbfcfc", stroke: GHOST_STROKE, stroke_width: 1.5, dashed: true, radius: 3.0 }
}

/// A resource NEW could not see: grey.
pub fn unknown_style() -> BoxStyle {
    BoxStyle { fill: "#e5e8e8", stroke: "#909497", stroke_width: 1.5, dashed: false, radius: 3.0 }
}

/// What happened to a resource's internet exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExposureWhat {
    New,
    Widened,
    Narrowed,
    Closed,
    Unknown,
}

impl ExposureWhat {
    fn word(self) -> &'static str {
        match self {
            ExposureWhat::New => "NEW internet exposure",
            ExposureWhat::Widened => "WIDENED internet exposure",
            ExposureWhat::Narrowed => "narrowed exposure, no longer",
            ExposureWhat::Closed => "closed exposure, no longer",
            ExposureWhat::Unknown => "exposure unknown (not collected), was",
        }
    }
    /// The internet reaches more than before: drawn loud.
    pub fn opens(self) -> bool {
        matches!(self, ExposureWhat::New | ExposureWhat::Widened)
    }
}

/// One exposure change of a resource, as its label line reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExposureMark {
    pub what: ExposureWhat,
    /// "tcp/22 from 0.0.0.0/0 except 198.51.100.10/32".
    pub delta: String,
}

impl ExposureMark {
    pub fn text(&self) -> String {
        format!("{}: {}", self.what.word(), self.delta)
    }
}

/// One changed resource of a VPC, with what the page needs to draw or list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: ResourceKind,
    pub id: String,
    pub name: Option<String>,
    pub mark: Mark,
    /// Field-level changes as read ("ingress + tcp/22 from 0.0.0.0/0 (sgr-…)").
    pub details: Vec<String>,
    /// Removed/unknown only: where it was in OLD (subnet), what it was attached to
    /// (an ENI's instance), how the VPC page names its kind, and its public address.
    pub old_subnet: Option<String>,
    pub old_instance: Option<String>,
    pub label: &'static str,
    pub old_extra: Option<String>,
}

/// The marks for every VPC page of one diff.
#[derive(Debug, Clone, Default)]
pub struct ChangeMarks {
    /// Resources in NEW (added, changed) by id.
    pub marks: BTreeMap<String, Mark>,
    /// Resources NEW no longer has (removed, not collected) by id: a gateway a route
    /// still names is drawn on the border from the route, and marked from here.
    pub gone: BTreeMap<String, Mark>,
    /// Why a resource is listed when that is not obvious ("state terminated", "not
    /// collected in NEW: …"), by id.
    pub notes: BTreeMap<String, String>,
    /// By resource id and by the ENI ids of its findings.
    pub exposures: BTreeMap<String, Vec<ExposureMark>>,
    /// Every resource change, per VPC id, in the diff's order.
    pub by_vpc: BTreeMap<String, Vec<Entry>>,
    /// VPCs with any resource or exposure change.
    pub vpcs: BTreeSet<String>,
    /// Resource changes on no VPC page (no VPC, or a VPC NEW does not have).
    pub outside: usize,
}

impl ChangeMarks {
    /// Marks from `diff`; `old` is the snapshot the diff's OLD side was (placement of
    /// removed resources only).
    pub fn new(diff: &Diff, old: &Snapshot, new: &Snapshot) -> ChangeMarks {
        let places = OldPlaces::of(old);
        let mut m = ChangeMarks::default();
        let r = &diff.resources;
        let fields = |changes: &[FieldChange]| -> Vec<String> {
            let set: BTreeSet<&str> = changes.iter().map(|c| c.field.split('.').next().unwrap_or(&c.field)).collect();
            set.into_iter().map(str::to_string).collect()
        };
        let listed = r
            .added
            .iter()
            .map(|x| (x, Mark::Added, Vec::new()))
            .chain(r.removed.iter().map(|x| (x, Mark::Removed, Vec::new())))
            .chain(r.changed.iter().map(|c| {
                (&c.resource, Mark::Changed { fields: fields(&c.changes) }, c.changes.iter().map(detail).collect())
            }))
            .chain(r.unknown.iter().map(|x| (x, Mark::Unknown, Vec::new())));
        let new_vpcs: BTreeSet<&str> = new.resources.vpcs.iter().map(|v| v.id.as_str()).collect();
        for (res, mark, details) in listed {
            // Where it is (added, changed) or was (removed, not collected).
            let side = if matches!(mark, Mark::Removed | Mark::Unknown) { old } else { new };
            let vpcs: BTreeSet<String> = match vpc_of(res) {
                Some(v) => BTreeSet::from([v.to_string()]),
                None => attached_vpcs(side, res),
            };
            if matches!(mark, Mark::Added | Mark::Changed { .. }) {
                m.marks.insert(res.id.clone(), mark.clone());
            } else {
                m.gone.insert(res.id.clone(), mark.clone());
            }
            if let Some(n) = &res.note {
                // The badge already says "not collected".
                let n = n.strip_prefix("not collected in NEW: ").unwrap_or(n);
                m.notes.insert(res.id.clone(), n.to_string());
            }
            let on_pages: Vec<&String> = vpcs.iter().filter(|v| new_vpcs.contains(v.as_str())).collect();
            if on_pages.is_empty() {
                m.outside += 1;
                continue;
            }
            let (old_subnet, old_instance, label, old_extra) = match mark {
                Mark::Removed | Mark::Unknown => places.place(res),
                _ => (None, None, "", None),
            };
            let entry = Entry {
                kind: res.kind,
                id: res.id.clone(),
                name: res.name.clone(),
                mark,
                details,
                old_subnet,
                old_instance,
                label,
                old_extra,
            };
            for vpc in on_pages {
                m.vpcs.insert(vpc.clone());
                m.by_vpc.entry(vpc.clone()).or_default().push(entry.clone());
            }
        }
        let e = &diff.exposures;
        for (what, list) in [
            (ExposureWhat::New, &e.new),
            (ExposureWhat::Widened, &e.widened),
            (ExposureWhat::Narrowed, &e.narrowed),
            (ExposureWhat::Closed, &e.closed),
            (ExposureWhat::Unknown, &e.unknown),
        ] {
            for c in list {
                m.exposure(what, c, &new_vpcs);
            }
        }
        for v in m.exposures.values_mut() {
            v.sort();
            v.dedup();
        }
        m
    }

    fn exposure(&mut self, what: ExposureWhat, c: &ExposureChange, new_vpcs: &BTreeSet<&str>) {
        let mark = ExposureMark { what, delta: c.delta_text() };
        let ids: BTreeSet<&str> =
            std::iter::once(c.resource_id.as_str()).chain(c.findings.iter().map(|f| f.eni_id.as_str())).collect();
        for id in ids {
            self.exposures.entry(id.to_string()).or_default().push(mark.clone());
        }
        if new_vpcs.contains(c.vpc_id.as_str()) {
            self.vpcs.insert(c.vpc_id.clone());
        }
    }

    /// The mark of a resource in NEW.
    pub fn mark(&self, id: &str) -> Option<&Mark> {
        self.marks.get(id)
    }

    /// Exposure changes of any of `ids` (a resource and its ENIs), once each.
    pub fn exposure_of<'s>(&'s self, ids: impl Iterator<Item = &'s str>) -> Vec<&'s ExposureMark> {
        let set: BTreeSet<&ExposureMark> = ids.filter_map(|i| self.exposures.get(i)).flatten().collect();
        set.into_iter().collect()
    }

    pub fn entries(&self, vpc: &str) -> &[Entry] {
        self.by_vpc.get(vpc).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The VPC a changed resource belongs to (a VPC is its own).
fn vpc_of(r: &ResourceRef) -> Option<&str> {
    if r.kind == ResourceKind::Vpc {
        return Some(&r.id);
    }
    r.vpc_id.as_deref()
}

/// The VPCs of a resource that states none of its own (gateways by their
/// attachments, a peering by both sides), from the snapshot it is in.
fn attached_vpcs(s: &Snapshot, r: &ResourceRef) -> BTreeSet<String> {
    let res = &s.resources;
    let id = r.id.as_str();
    let attached =
        |a: &[inventory::model::VpcAttachment]| -> BTreeSet<String> { a.iter().map(|x| x.vpc_id.clone()).collect() };
    match r.kind {
        ResourceKind::InternetGateway => {
            res.internet_gateways.iter().filter(|g| g.id == id).flat_map(|g| attached(&g.attachments)).collect()
        }
        ResourceKind::EgressOnlyInternetGateway => res
            .egress_only_internet_gateways
            .iter()
            .filter(|g| g.id == id)
            .flat_map(|g| attached(&g.attachments))
            .collect(),
        ResourceKind::VpnGateway => {
            res.vpn_gateways.iter().filter(|g| g.id == id).flat_map(|g| attached(&g.attachments)).collect()
        }
        ResourceKind::VpcPeeringConnection => res
            .vpc_peering_connections
            .iter()
            .filter(|p| p.id == id)
            .flat_map(|p| [p.requester.vpc_id.clone(), p.accepter.vpc_id.clone()])
            .collect(),
        ResourceKind::TransitGatewayAttachment => res
            .transit_gateway_attachments
            .iter()
            .filter(|a| a.id == id && a.resource_type == inventory::model::TgwAttachmentResourceType::Vpc)
            .filter_map(|a| a.resource_id.clone())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// "ingress + tcp/22 from 0.0.0.0/0", "state: running → stopped".
fn detail(c: &FieldChange) -> String {
    let (old, new) = (c.old.as_deref().unwrap_or(""), c.new.as_deref().unwrap_or(""));
    match c.change {
        ChangeOp::Added => format!("{} + {new}", c.field),
        ChangeOp::Removed => format!("{} − {old}", c.field),
        ChangeOp::Changed => format!("{}: {old} → {new}", c.field),
    }
}

/// An OLD ENI: subnet, attached instance, service, public address.
type OldEni<'a> = (&'a str, Option<&'a str>, ServiceKind, Option<String>);

/// Where OLD's instances, ENIs and NAT gateways were, to draw a removed one in its old subnet.
struct OldPlaces<'a> {
    instances: BTreeMap<&'a str, (Option<&'a str>, Option<String>)>,
    enis: BTreeMap<&'a str, OldEni<'a>>,
    nats: BTreeMap<&'a str, (&'a str, Option<String>)>,
}

impl<'a> OldPlaces<'a> {
    fn of(s: &'a Snapshot) -> OldPlaces<'a> {
        let r = &s.resources;
        OldPlaces {
            instances: r
                .instances
                .iter()
                .map(|i| (i.id.as_str(), (i.subnet_id.as_deref(), i.public_ip.map(|ip| format!("was public {ip}")))))
                .collect(),
            enis: r
                .network_interfaces
                .iter()
                .map(|n| {
                    let ip = n.public_ips().first().map(|ip| format!("was public {ip}"));
                    (n.id.as_str(), (n.subnet_id.as_str(), n.instance_id(), n.service, ip))
                })
                .collect(),
            nats: r
                .nat_gateways
                .iter()
                .map(|n| {
                    let ip = n.addresses.iter().find_map(|a| a.public_ip).map(|ip| format!("was public {ip}"));
                    (n.id.as_str(), (n.subnet_id.as_str(), ip))
                })
                .collect(),
        }
    }

    /// (old subnet, attached instance, kind label, public address) of a removed resource.
    fn place(&self, r: &ResourceRef) -> (Option<String>, Option<String>, &'static str, Option<String>) {
        let own = |s: Option<&str>| s.map(str::to_string);
        match r.kind {
            ResourceKind::Instance => {
                let (s, ip) = self.instances.get(r.id.as_str()).cloned().unwrap_or((None, None));
                (own(s), None, "EC2", ip)
            }
            ResourceKind::NetworkInterface => match self.enis.get(r.id.as_str()) {
                Some((s, i, svc, ip)) => (own(Some(s)), own(*i), super::vpc::kind_label(*svc), ip.clone()),
                None => (None, None, "ENI", None),
            },
            ResourceKind::NatGateway => match self.nats.get(r.id.as_str()) {
                Some((s, ip)) => (own(Some(s)), None, "NAT", ip.clone()),
                None => (None, None, "NAT", None),
            },
            kind => (None, None, short_kind(kind), None),
        }
    }
}

/// How a removed resource with no subnet to stand in is labelled in the page's strip.
fn short_kind(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::Subnet => "Subnet",
        ResourceKind::InternetGateway => "IGW",
        ResourceKind::EgressOnlyInternetGateway => "EIGW",
        ResourceKind::VpnGateway => "VGW",
        ResourceKind::TransitGatewayAttachment => "TGW attachment",
        ResourceKind::VpcPeeringConnection => "PCX",
        ResourceKind::VpcEndpoint => "Endpoint",
        ResourceKind::LoadBalancer => "Load balancer",
        _ => "",
    }
}

/// Legend entries for the change styles.
pub fn legend() -> Vec<LegendEntry> {
    vec![
        LegendEntry::Fill(
            BoxStyle { fill: style::WHITE, stroke: ADDED, stroke_width: 3.0, dashed: false, radius: 3.0 },
            "+ ADDED since the old snapshot (green ring)".into(),
        ),
        LegendEntry::Fill(
            BoxStyle { fill: style::WHITE, stroke: CHANGED, stroke_width: 3.0, dashed: false, radius: 3.0 },
            "~ CHANGED (amber ring; the badge names the changed fields)".into(),
        ),
        LegendEntry::Fill(removed_style(), "− REMOVED: not in the new snapshot, drawn dashed grey where it was".into()),
        LegendEntry::Fill(
            unknown_style(),
            "? NOT COLLECTED: the new snapshot could not list it (API denied/failed), not removed".into(),
        ),
        LegendEntry::Fill(
            style::exposed_resource(),
            "NEW / WIDENED internet exposure: red text on the resource, with the added ports and sources".into(),
        ),
    ]
}
