//! The page frame every view sits in: title line, the view, then a legend and
//! the title block (who/what/when, snapshot hash, empty sign-off fields).
use super::super::font::metrics;
use super::super::scene::{Anchor, BoxStyle, EdgeStyle, Rect, Role, Scene, SceneEdge};
use super::super::style::{self, INK, MUTED};

pub const MARGIN: f64 = 24.0;

/// Identifies what a page shows and from which snapshot.
#[derive(Debug, Clone)]
pub struct PageInfo {
    pub title: String,
    pub subtitle: String,
    pub account: String,
    pub region: String,
    pub vpc: String,
    pub collected_at: String,
    pub sha_prefix: String,
    /// Aggregation and completeness notes shown under the legend.
    pub notes: Vec<String>,
    /// The audit scope rule (`--scope-tag`), when one is set.
    pub scope: Option<String>,
    /// Change pages: the snapshots compared (the page is drawn from NEW).
    pub changes: Option<ChangePeriod>,
}

/// The two snapshots a change page compares: collection times and SHA-256 prefixes.
#[derive(Debug, Clone)]
pub struct ChangePeriod {
    pub old_collected_at: String,
    pub old_sha_prefix: String,
    pub new_collected_at: String,
    pub new_sha_prefix: String,
}

impl ChangePeriod {
    /// "Changes from 2026-11-20T09:30:00Z to 2026-11-27T09:30:00Z".
    pub fn text(&self) -> String {
        format!("Changes from {} to {}", self.old_collected_at, self.new_collected_at)
    }
}

pub enum LegendEntry {
    Fill(BoxStyle, String),
    Line(EdgeStyle, String),
}

const TITLE_SIZE: f64 = 18.0;
const SUB_SIZE: f64 = 11.0;
const BODY: f64 = 10.0;

/// Wraps `content` (drawn from (0,0)) into a full page.
pub fn frame(mut content: Scene, info: &PageInfo, legend: &[LegendEntry]) -> Scene {
    normalize(&mut content);
    let mut page = Scene::new(&info.title);
    let header_h = metrics::line_height(TITLE_SIZE) + metrics::line_height(SUB_SIZE) + 16.0;
    let top = MARGIN + header_h;

    // Measure the bottom band first so the page width is known.
    let legend_w = legend_width(legend, &info.notes);
    let tb_rows = title_rows(info);
    let label_w = tb_rows.iter().map(|(l, _)| metrics::width(l, BODY, true)).fold(0.0, f64::max) + 12.0;
    let value_w = tb_rows
        .iter()
        .map(|(_, v)| metrics::width(&super::super::scene::clean(v), BODY, false))
        .fold(120.0, f64::max)
        .min(420.0)
        + 12.0;
    let tb_w = label_w + value_w;
    let row_h = metrics::line_height(BODY) + 10.0;
    let tb_h = row_h * tb_rows.len() as f64;
    let legend_h = legend_height(legend, &info.notes);
    let band_h = tb_h.max(legend_h);

    let width = (content.width.max(legend_w + 24.0 + tb_w) + 2.0 * MARGIN).ceil();
    let height = (top + content.height + 24.0 + band_h + MARGIN).ceil();
    page.width = width;
    page.height = height;
    let root = page.add_box("page", Role::Page, Rect::new(0.0, 0.0, width, height), None, style::page());

    let mut y = MARGIN + metrics::ascent(TITLE_SIZE);
    page.add_text(Some(root), MARGIN, y, &info.title, TITLE_SIZE, true, INK, Anchor::Start, width - 2.0 * MARGIN);
    y += metrics::descent(TITLE_SIZE) + 6.0 + metrics::ascent(SUB_SIZE);
    page.add_text(Some(root), MARGIN, y, &info.subtitle, SUB_SIZE, false, MUTED, Anchor::Start, width - 2.0 * MARGIN);

    let content_h = content.height;
    append(&mut page, content, MARGIN, top, root);

    let band_y = top + content_h + 24.0;
    draw_legend(&mut page, root, Rect::new(MARGIN, band_y, legend_w, legend_h), legend, &info.notes);
    let tb = Rect::new(width - MARGIN - tb_w, band_y, tb_w, tb_h);
    draw_title_block(&mut page, root, tb, &tb_rows, label_w, row_h);
    page
}

/// Shifts content so nothing (a line routed round the outside, a label chip on
/// it) lies left of or above (0,0), and grows its size to cover everything.
fn normalize(c: &mut Scene) {
    let (mut x0, mut y0, mut x1, mut y1) = (0.0f64, 0.0f64, c.width, c.height);
    for b in &c.boxes {
        x0 = x0.min(b.rect.x);
        y0 = y0.min(b.rect.y);
        x1 = x1.max(b.rect.right());
        y1 = y1.max(b.rect.bottom());
    }
    for e in &c.edges {
        for p in &e.points {
            x0 = x0.min(p.0);
            y0 = y0.min(p.1);
            x1 = x1.max(p.0);
            y1 = y1.max(p.1);
        }
    }
    for t in &c.texts {
        let r = t.bbox();
        x0 = x0.min(r.x);
        y0 = y0.min(r.y);
        x1 = x1.max(r.right());
        y1 = y1.max(r.bottom());
    }
    c.translate(-x0, -y0);
    c.width = x1 - x0;
    c.height = y1 - y0;
}

/// Moves `content` to (dx, dy) and appends it under `root`.
fn append(page: &mut Scene, mut content: Scene, dx: f64, dy: f64, root: usize) {
    content.translate(dx, dy);
    let off = page.boxes.len();
    for mut b in content.boxes {
        b.parent = Some(b.parent.map_or(root, |p| p + off));
        page.boxes.push(b);
    }
    for mut t in content.texts {
        t.owner = t.owner.map(|o| o + off);
        page.texts.push(t);
    }
    for mut e in content.edges {
        e.label = e.label.map(|l| l + off);
        page.edges.push(e);
    }
}

fn title_rows(info: &PageInfo) -> Vec<(String, String)> {
    let mut rows = vec![
        ("Document".into(), info.title.clone()),
        ("Account".into(), info.account.clone()),
        ("Region".into(), info.region.clone()),
        ("VPC".into(), info.vpc.clone()),
        ("Snapshot taken (UTC)".into(), info.collected_at.clone()),
        ("Snapshot SHA-256".into(), format!("{}…", info.sha_prefix)),
        ("Generated by".into(), format!("auditmap {}", env!("CARGO_PKG_VERSION"))),
        ("Reviewed by".into(), String::new()),
        ("Approved by".into(), String::new()),
        ("Date".into(), String::new()),
    ];
    if let Some(c) = &info.changes {
        // Both snapshots, so the page names exactly what it compares.
        rows.splice(
            4..6,
            [
                ("Changes".into(), c.text()),
                ("Old snapshot (UTC)".into(), c.old_collected_at.clone()),
                ("Old snapshot SHA-256".into(), format!("{}…", c.old_sha_prefix)),
                ("New snapshot (UTC)".into(), c.new_collected_at.clone()),
                ("New snapshot SHA-256".into(), format!("{}…", c.new_sha_prefix)),
            ],
        );
    }
    if let Some(rule) = &info.scope {
        rows.insert(4, ("Audit scope".into(), format!("tag {rule}: outlined; the rest dimmed")));
    }
    rows
}

fn draw_title_block(page: &mut Scene, root: usize, r: Rect, rows: &[(String, String)], label_w: f64, row_h: f64) {
    let tb = page.add_box("title-block", Role::TitleBlock, r, Some(root), style::frame());
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = r.y + i as f64 * row_h;
        let lc = page.add_box(
            &format!("title-block:{label}:label"),
            Role::Swatch,
            Rect::new(r.x, y, label_w, row_h),
            Some(tb),
            style::plain("#f4f6f6", INK, 0.6, false),
        );
        let base = y + (row_h - metrics::line_height(BODY)) / 2.0 + metrics::ascent(BODY);
        page.add_text(Some(lc), r.x + 6.0, base, label, BODY, true, INK, Anchor::Start, label_w - 12.0);
        let vc = page.add_box(
            &format!("title-block:{label}:value"),
            Role::Swatch,
            Rect::new(r.x + label_w, y, r.w - label_w, row_h),
            Some(tb),
            style::plain(style::WHITE, INK, 0.6, false),
        );
        if !value.is_empty() {
            page.add_text(
                Some(vc),
                r.x + label_w + 6.0,
                base,
                value,
                BODY,
                false,
                INK,
                Anchor::Start,
                r.w - label_w - 12.0,
            );
        }
    }
}

const SWATCH_W: f64 = 28.0;
/// Width notes wrap to.
const NOTES_W: f64 = 440.0;

fn note_lines(notes: &[String]) -> Vec<String> {
    notes.iter().flat_map(|n| metrics::wrap(&crate::text::strip_bidi(n), BODY - 1.0, false, NOTES_W)).collect()
}

fn legend_width(entries: &[LegendEntry], notes: &[String]) -> f64 {
    let mut w = metrics::width("Legend", BODY + 1.0, true);
    for e in entries {
        let l = match e {
            LegendEntry::Fill(_, l) | LegendEntry::Line(_, l) => l,
        };
        w = w.max(SWATCH_W + 8.0 + metrics::width(l, BODY, false));
    }
    if !notes.is_empty() {
        w = w.max(NOTES_W);
    }
    w + 20.0
}

fn legend_height(entries: &[LegendEntry], notes: &[String]) -> f64 {
    let lh = metrics::line_height(BODY) + 6.0;
    10.0 + lh
        + entries.len() as f64 * lh
        + note_lines(notes).len() as f64 * (metrics::line_height(BODY - 1.0) + 4.0)
        + 10.0
}

fn draw_legend(page: &mut Scene, root: usize, r: Rect, entries: &[LegendEntry], notes: &[String]) {
    let lg = page.add_box("legend", Role::Legend, r, Some(root), style::frame());
    let lh = metrics::line_height(BODY) + 6.0;
    let mut y = r.y + 10.0;
    page.add_text(
        Some(lg),
        r.x + 10.0,
        y + metrics::ascent(BODY + 1.0),
        "Legend",
        BODY + 1.0,
        true,
        INK,
        Anchor::Start,
        r.w - 20.0,
    );
    y += lh;
    for (i, e) in entries.iter().enumerate() {
        let base = y + metrics::ascent(BODY);
        let mid = y + metrics::line_height(BODY) / 2.0;
        let label = match e {
            LegendEntry::Fill(st, l) => {
                page.add_box(
                    &format!("legend:{i}"),
                    Role::Swatch,
                    Rect::new(r.x + 10.0, y, SWATCH_W, metrics::line_height(BODY)),
                    Some(lg),
                    st.clone(),
                );
                l
            }
            LegendEntry::Line(st, l) => {
                page.edges.push(SceneEdge {
                    from: format!("legend:{i}"),
                    to: format!("legend:{i}"),
                    points: vec![(r.x + 10.0, mid), (r.x + 10.0 + SWATCH_W, mid)],
                    style: st.clone(),
                    label: None,
                });
                l
            }
        };
        page.add_text(
            Some(lg),
            r.x + 18.0 + SWATCH_W,
            base,
            label,
            BODY,
            false,
            INK,
            Anchor::Start,
            r.w - SWATCH_W - 28.0,
        );
        y += lh;
    }
    for n in &note_lines(notes) {
        let nl = metrics::line_height(BODY - 1.0) + 4.0;
        page.add_text(
            Some(lg),
            r.x + 10.0,
            y + metrics::ascent(BODY - 1.0),
            n,
            BODY - 1.0,
            false,
            MUTED,
            Anchor::Start,
            r.w - 20.0,
        );
        y += nl;
    }
}
