//! The connectivity matrix: every VPC (rows) against every VPC and on-premises
//! site (columns), each cell the routed connection types from the segmentation
//! analysis (P peering, T transit gateway, V VPN) and, in red with "!", a
//! non-production network reaching production. It still reads at hundreds of
//! VPCs; large matrices are tiled over pages (`tiles`), each within A0.
use std::collections::{BTreeMap, BTreeSet};

use inventory::analysis::{Analysis, ConnectionVia};
use inventory::facts::is_production;
use inventory::model::*;
use inventory::Snapshot;

use super::super::font::metrics;
use super::super::scene::{name as nm, Anchor, Rect, Role, Scene};
use super::super::style::{self, Env, EXPOSED, INK, MUTED};

const TEXT: f64 = 7.5;
const CELL_W: f64 = 20.0;
const CELL_H: f64 = 12.0;
const ROW_LABEL_W: f64 = 360.0;
/// Rows and columns per page, so a tile and its frame fit A0 (2384 × 3370).
pub const TILE_ROWS: usize = 140;
pub const TILE_COLS: usize = 145;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub vias: BTreeSet<ConnectionVia>,
    pub prod_from_nonprod: bool,
}

impl Cell {
    /// "P", "PT", "V!": letters of the connection types, "!" for non-prod → prod.
    pub fn code(&self) -> String {
        let mut s: String = self
            .vias
            .iter()
            .map(|v| match v {
                ConnectionVia::Peering => 'P',
                ConnectionVia::TransitGateway => 'T',
                ConnectionVia::Vpn => 'V',
            })
            .collect();
        if self.prod_from_nonprod {
            s.push('!');
        }
        s
    }

    /// "peering, transit gateway; non-prod → prod": for the XLSX sheet.
    pub fn words(&self) -> String {
        let mut s = self
            .vias
            .iter()
            .map(|v| match v {
                ConnectionVia::Peering => "peering",
                ConnectionVia::TransitGateway => "transit gateway",
                ConnectionVia::Vpn => "VPN",
            })
            .collect::<Vec<_>>()
            .join(", ");
        if self.prod_from_nonprod {
            s.push_str("; non-prod → prod");
        }
        s
    }
}

/// Rows: the snapshot's VPCs (by account, region, id). Columns: the same VPCs, then
/// on-premises sites and VPCs outside the snapshot that connections reach.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// (id, label) per row.
    pub rows: Vec<(String, String)>,
    /// (id, label) per column; the first `rows.len()` are the row VPCs.
    pub cols: Vec<(String, String)>,
    pub cells: BTreeMap<(usize, usize), Cell>,
}

pub fn matrix(snap: &Snapshot, analysis: &Analysis) -> Matrix {
    let r = &snap.resources;
    let env = |id: &str| match analysis.facts.vpc_environment(id) {
        Some(v) if is_production(v) => Env::Prod,
        Some(_) => Env::NonProd,
        None => Env::Unknown,
    };
    let mut vpcs: Vec<&Vpc> = r.vpcs.iter().collect();
    vpcs.sort_by(|a, b| (&a.account_id, &a.region, &a.id).cmp(&(&b.account_id, &b.region, &b.id)));
    vpcs.dedup_by(|a, b| a.id == b.id);
    let rows: Vec<(String, String)> = vpcs
        .iter()
        .map(|v| {
            let name = v.name().map(nm).unwrap_or_default();
            (v.id.clone(), format!("{name} {} · {} · {}", v.id, v.account_id, env(&v.id).label()))
        })
        .collect();
    let mut cols = rows.clone();
    let mut col_of: BTreeMap<String, usize> = cols.iter().enumerate().map(|(i, c)| (c.0.clone(), i)).collect();
    let row_of: BTreeMap<String, usize> = rows.iter().enumerate().map(|(i, c)| (c.0.clone(), i)).collect();
    let mut extra: BTreeSet<(bool, String)> = BTreeSet::new();
    for c in &analysis.segmentation {
        if !col_of.contains_key(&*c.to_id) {
            extra.insert((c.to_kind != ResourceKind::CustomerGateway, c.to_id.to_string()));
        }
    }
    for (is_vpc, id) in extra {
        let label = if is_vpc {
            format!("VPC {id} (not in this snapshot)")
        } else {
            let name = r
                .customer_gateways
                .iter()
                .find(|g| g.id == id)
                .and_then(|g| g.name().or(g.device_name.as_deref()))
                .map(nm)
                .unwrap_or_default();
            format!("on-premises {name} {id}")
        };
        col_of.insert(id.clone(), cols.len());
        cols.push((id, label));
    }
    let mut cells: BTreeMap<(usize, usize), Cell> = BTreeMap::new();
    for c in &analysis.segmentation {
        let (Some(&i), Some(&j)) = (row_of.get(&*c.from_vpc_id), col_of.get(&*c.to_id)) else { continue };
        let cell = cells.entry((i, j)).or_default();
        cell.vias.insert(c.via);
        cell.prod_from_nonprod |= c.prod_from_nonprod;
    }
    Matrix { rows, cols, cells }
}

/// Pages of the matrix: (row range, column range), tiles with no connection left
/// out (at least one page).
pub fn tiles(m: &Matrix) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    // The tiles holding a connection, from one pass over the cells (not one per tile).
    let occupied: BTreeSet<(usize, usize)> = m.cells.keys().map(|&(i, j)| (i / TILE_ROWS, j / TILE_COLS)).collect();
    for r0 in (0..m.rows.len().max(1)).step_by(TILE_ROWS) {
        for c0 in (0..m.cols.len().max(1)).step_by(TILE_COLS) {
            let rr = r0..(r0 + TILE_ROWS).min(m.rows.len());
            let cr = c0..(c0 + TILE_COLS).min(m.cols.len());
            if occupied.contains(&(r0 / TILE_ROWS, c0 / TILE_COLS)) {
                out.push((rr, cr));
            }
        }
    }
    if out.is_empty() {
        out.push((0..m.rows.len().min(TILE_ROWS), 0..m.cols.len().min(TILE_COLS)));
    }
    out
}

/// One tile as a scene: numbered columns over the grid, rows labelled with their
/// number and VPC, and a key to the columns that are not rows.
pub fn render(m: &Matrix, rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> Scene {
    let mut scene = Scene::new("matrix");
    let head_h = metrics::line_height(TEXT) + 8.0;
    let x0 = ROW_LABEL_W;
    let y0 = head_h;
    let w = x0 + cols.len() as f64 * CELL_W;
    let h = y0 + rows.len() as f64 * CELL_H;
    let grid = scene.add_box(
        "matrix",
        Role::Node,
        Rect::new(0.0, 0.0, w, h),
        None,
        style::plain(style::WHITE, "#aab7b8", 0.6, false),
    );
    let base = |top: f64| top + (CELL_H - metrics::line_height(TEXT)) / 2.0 + metrics::ascent(TEXT);
    for (k, j) in cols.clone().enumerate() {
        let cx = x0 + k as f64 * CELL_W + CELL_W / 2.0;
        let num = (j + 1).to_string();
        let cell = scene.add_box(
            &format!("matrix:col:{j}"),
            Role::Swatch,
            Rect::new(cx - CELL_W / 2.0, 0.0, CELL_W, head_h),
            Some(grid),
            style::plain(if k % 2 == 0 { "#f4f6f6" } else { style::WHITE }, "#d5dbdb", 0.4, false),
        );
        let y = head_h - 4.0 - metrics::descent(TEXT);
        scene.add_text(Some(cell), cx, y, &num, TEXT, false, INK, Anchor::Middle, CELL_W);
    }
    for (k, i) in rows.clone().enumerate() {
        let top = y0 + k as f64 * CELL_H;
        let label = scene.add_box(
            &format!("matrix:row:{i}"),
            Role::Swatch,
            Rect::new(0.0, top, ROW_LABEL_W, CELL_H),
            Some(grid),
            style::plain(if k % 2 == 0 { "#f4f6f6" } else { style::WHITE }, "#d5dbdb", 0.4, false),
        );
        let text = format!("{:>4}  {}", i + 1, m.rows[i].1);
        scene.add_text(Some(label), 4.0, base(top), &text, TEXT, false, INK, Anchor::Start, ROW_LABEL_W - 8.0);
        // Only the row's connections in this tile's columns (most cells are empty).
        for (&(_, j), cell) in m.cells.range((i, cols.start)..(i, cols.end)) {
            let c = j - cols.start;
            let r = Rect::new(x0 + c as f64 * CELL_W, top, CELL_W, CELL_H);
            let (fill, color) = if cell.prod_from_nonprod { ("#fadbd8", EXPOSED) } else { ("#e8f6f3", INK) };
            let b = scene.add_box(
                &format!("matrix:{i}:{j}"),
                Role::Swatch,
                r,
                Some(grid),
                style::plain(fill, "#7f8c8d", 0.5, false),
            );
            scene.boxes[b].tooltip = format!("{} → {}: {}", m.rows[i].0, m.cols[j].0, cell.words());
            scene.add_text(
                Some(b),
                r.cx(),
                base(top),
                &cell.code(),
                TEXT,
                cell.prod_from_nonprod,
                color,
                Anchor::Middle,
                CELL_W,
            );
        }
    }
    // Key to the columns that are not rows (on-premises sites, VPCs outside the snapshot).
    // In as many columns of KEY_W as the grid is wide, so a long key stays short.
    const KEY_W: f64 = 400.0;
    let extra: Vec<usize> = cols.clone().filter(|&j| j >= m.rows.len()).collect();
    let per_col = (w / KEY_W).floor().max(1.0) as usize;
    let key_rows = extra.len().div_ceil(per_col);
    let top = h + 10.0;
    for (k, j) in extra.into_iter().enumerate() {
        let (cx, ry) = ((k / key_rows.max(1)) as f64 * KEY_W, top + (k % key_rows.max(1)) as f64 * CELL_H);
        let r = Rect::new(cx, ry, KEY_W - 10.0, CELL_H);
        let b = scene.add_box(
            &format!("matrix:key:{j}"),
            Role::Swatch,
            r,
            None,
            style::plain(style::WHITE, style::WHITE, 0.0, false),
        );
        let text = format!("column {}: {}", j + 1, m.cols[j].1);
        scene.add_text(Some(b), cx + 4.0, base(ry), &text, TEXT, false, MUTED, Anchor::Start, r.w - 8.0);
    }
    scene.width = w.max(per_col as f64 * KEY_W);
    scene.height = if key_rows > 0 { top + key_rows as f64 * CELL_H } else { h };
    scene
}
