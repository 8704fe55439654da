//! The audit scope (`--scope-tag`) on a page: in-scope VPCs inside a scope
//! boundary, out-of-scope boxes dimmed, and every line between an in-scope and an
//! out-of-scope end highlighted. Runs over any view's scene before framing, so
//! every page shows scope the same way; without a scope nothing is touched.
use super::super::facts::Scope;
use super::super::scene::{BoxStyle, EdgeStyle, Role, Scene, SceneEdge};
use super::super::style::{self, EXPOSED, MUTED};
use super::frame::LegendEntry;

const SCOPE: &str = "#c2185b";

pub fn boundary() -> EdgeStyle {
    EdgeStyle { color: SCOPE, width: 2.5, dashed: true, arrow: false }
}

/// A line crossing the boundary: the scope colour, heavier; its dash and arrow
/// still tell its kind.
pub fn crossing(kind: &EdgeStyle) -> EdgeStyle {
    EdgeStyle { color: SCOPE, width: kind.width.max(2.0) + 1.2, dashed: kind.dashed, arrow: kind.arrow }
}

pub fn dimmed() -> BoxStyle {
    BoxStyle { fill: "#f2f3f4", stroke: "#bdc3c7", stroke_width: 1.0, dashed: false, radius: 0.0 }
}

pub fn legend() -> Vec<LegendEntry> {
    vec![
        LegendEntry::Line(boundary(), "audit scope boundary: in-scope VPC (--scope-tag)".into()),
        LegendEntry::Fill(dimmed(), "out of audit scope (dimmed)".into()),
        LegendEntry::Line(crossing(&style::Line::Peering.style()), "connection crossing the scope boundary".into()),
    ]
}

/// Marks `scene` (a view, before framing) with `scope`.
pub fn mark(scene: &mut Scene, scope: &Scope) {
    let mut dim = vec![false; scene.boxes.len()];
    let mut boundaries = Vec::new();
    for (i, b) in scene.boxes.iter_mut().enumerate() {
        let s = if b.members.is_empty() {
            scope.of(&b.id)
        } else {
            // An aggregate is in scope when any member is.
            let known: Vec<bool> = b.members.iter().filter_map(|m| scope.of(m)).collect();
            if known.is_empty() {
                scope.of(&b.id)
            } else {
                Some(known.contains(&true))
            }
        };
        match s {
            // Regions and AZs are containers of what is in scope, not part of it.
            Some(false) if !matches!(b.role, Role::Chip | Role::Region | Role::AvailabilityZone) => {
                b.style = BoxStyle { radius: b.style.radius, dashed: b.style.dashed, ..dimmed() };
                dim[i] = true;
            }
            Some(true) if b.role == Role::Vpc => boundaries.push((b.id.clone(), b.rect.inflate(4.0))),
            _ => {}
        }
    }
    for t in &mut scene.texts {
        if t.owner.is_some_and(|o| dim.get(o).copied().unwrap_or(false)) && t.color != EXPOSED {
            t.color = MUTED;
        }
    }
    for e in &mut scene.edges {
        if let (Some(a), Some(b)) = (scope.of(&e.from), scope.of(&e.to)) {
            if a != b {
                e.style = crossing(&e.style);
            }
        }
    }
    for (id, r) in boundaries {
        scene.edges.push(SceneEdge {
            from: format!("scope:{id}"),
            to: format!("scope:{id}"),
            points: vec![(r.x, r.y), (r.right(), r.y), (r.right(), r.bottom()), (r.x, r.bottom()), (r.x, r.y)],
            style: boundary(),
            label: None,
        });
    }
}
