//! Diagrams: views (scenes) from the snapshot + analysis, and writers over scenes.
//!
//! Pipeline: `facts` indexes the estate once; `views` build one `Scene` per page
//! (our containment layout for nested pages, layout-rs for the layered exposure
//! view, an orthogonal router for lines); `write` turns a scene into SVG,
//! draw.io or DOT, and the SVG into PNG/PDF with the embedded font.
pub mod facts;
pub mod font;
pub mod layout;
pub mod scene;
pub mod style;
pub mod views;
pub mod write;

use std::collections::BTreeSet;

use inventory::analysis::Analysis;
use inventory::Snapshot;

use scene::Scene;
use style::Line;
use views::frame::{self, PageInfo};
use write::dot::DotGraph;

/// One diagram page, ready to write.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    /// File stem inside `diagrams/`: "overview", "exposure", or the VPC id.
    pub file_stem: String,
    pub title: String,
    pub svg: String,
    /// draw.io (mxGraph XML) version (every page; the per-VPC pages are the ones meant for editing).
    pub drawio: Option<String>,
    /// Graphviz DOT of the layered views (overview, exposure), for comparison with `dot`.
    pub dot: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    #[error("rendering {page}: {message}")]
    Render { page: String, message: String },
}

/// A page as a scene, before writing (tests check its geometry).
#[derive(Debug, Clone)]
pub struct PageScene {
    pub file_stem: String,
    pub title: String,
    pub scene: Scene,
    pub dot: Option<DotGraph>,
}

/// Every page for a snapshot: overview, one per VPC, exposure.
pub fn render_pages(snapshot: &Snapshot, analysis: &Analysis) -> Result<Vec<RenderedPage>, DiagramError> {
    let scenes = render_scenes(snapshot, analysis)?;
    let _span = tracing::info_span!("write").entered();
    Ok(scenes
        .into_iter()
        .map(|p| RenderedPage {
            svg: tracing::info_span!("svg").in_scope(|| write::svg::write(&p.scene)),
            drawio: Some(tracing::info_span!("drawio").in_scope(|| write::drawio::write(&p.scene, &p.file_stem))),
            dot: p.dot.as_ref().map(write::dot::write),
            file_stem: p.file_stem,
            title: p.title,
        })
        .collect())
}

/// Every page as a framed scene.
pub fn render_scenes(snapshot: &Snapshot, analysis: &Analysis) -> Result<Vec<PageScene>, DiagramError> {
    let _span = tracing::info_span!("layout").entered();
    let f = tracing::info_span!("facts").in_scope(|| facts::Facts::new(snapshot, analysis));
    let r = &snapshot.resources;
    let accounts: BTreeSet<String> =
        r.vpcs.iter().map(|v| v.account_id.clone()).chain(r.accounts.iter().map(|a| a.id.clone())).collect();
    let regions: BTreeSet<&str> = r.vpcs.iter().map(|v| v.region.as_str()).collect();
    let join = |s: &mut dyn Iterator<Item = String>, n: usize| {
        let v: Vec<String> = s.take(n + 1).collect();
        if v.len() > n {
            format!("{} and more", v[..n].join(", "))
        } else {
            v.join(", ")
        }
    };
    let all_accounts = join(&mut accounts.iter().map(|a| f.account_label(a)), 3);
    let all_regions = join(&mut regions.iter().map(|s| s.to_string()), 4);
    let base =
        |title: String, subtitle: String, account: String, region: String, vpc: String, notes: Vec<String>| PageInfo {
            title,
            subtitle,
            account,
            region,
            vpc,
            collected_at: snapshot.collected_at.to_string(),
            sha_prefix: f.sha_prefix.clone(),
            notes,
        };
    let gaps = snapshot.gaps().count();
    let gap_note = |notes: &mut Vec<String>| {
        if gaps > 0 {
            notes.push(format!("INCOMPLETE: {gaps} API call(s) were denied or failed during discovery; resources may be missing (see coverage report)."));
        }
    };
    let mut pages = Vec::new();

    // Overview.
    let ov = tracing::info_span!("overview").in_scope(|| views::overview::render(&f));
    let mut notes = ov.notes;
    gap_note(&mut notes);
    let mut legend = views::env_legend();
    legend.push(views::fill(style::node(), "transit gateway / on-premises network"));
    legend.push(views::fill(style::gateway(), "gateway on the VPC border (IGW top, VGW bottom)"));
    for l in [Line::Gateway, Line::Peering, Line::Transit, Line::Vpn, Line::CrossAccount] {
        legend.push(views::line_legend(l));
    }
    let info = base(
        "Network overview".into(),
        format!(
            "{} account(s) · {} region(s) · {} VPC(s) · {} resources",
            accounts.len(),
            regions.len(),
            r.vpcs.len(),
            r.total()
        ),
        all_accounts.clone(),
        all_regions.clone(),
        format!("all ({})", r.vpcs.len()),
        notes,
    );
    pages.push(PageScene {
        file_stem: "overview".into(),
        title: info.title.clone(),
        scene: frame::frame(ov.scene, &info, &legend),
        dot: Some(ov.dot),
    });

    // One page per VPC.
    let mut vpcs: Vec<&inventory::model::Vpc> = r.vpcs.iter().collect();
    vpcs.sort_by(|a, b| (&a.account_id, &a.region, &a.id).cmp(&(&b.account_id, &b.region, &b.id)));
    let mut stems = BTreeSet::from(["overview".to_string(), "exposure".to_string()]);
    for v in vpcs {
        let page = tracing::info_span!("vpc").in_scope(|| views::vpc::render(&f, v));
        let mut notes = page.notes;
        gap_note(&mut notes);
        let mut legend = views::tier_legend();
        legend.push(views::fill(style::resource(), "resource (instance or service ENI; \"× N\" = N like resources)"));
        legend.push(views::exposed_legend());
        legend.push(views::fill(style::gateway(), "gateway on the VPC border (dashed: not in snapshot)"));
        legend.push(views::line_legend(Line::Route));
        let title = match inventory::model::Resource::name(v) {
            Some(n) => format!("VPC {} ({})", scene::name(n), v.id),
            None => format!("VPC {}", v.id),
        };
        let info = base(
            title.clone(),
            format!("{} · account {} · {}", f.vpc_env(v).label(), f.account_label(&v.account_id), v.region),
            f.account_label(&v.account_id),
            v.region.clone(),
            v.id.clone(),
            notes,
        );
        let stem = unique_stem(&mut stems, &v.id);
        pages.push(PageScene { file_stem: stem, title, scene: frame::frame(page.scene, &info, &legend), dot: None });
    }

    // Exposure and data flow.
    let ex = tracing::info_span!("exposure").in_scope(|| views::exposure::render(&f));
    let mut notes = ex.notes;
    gap_note(&mut notes);
    if analysis.exposures.is_empty() && analysis.sg_flows.is_empty() {
        notes.push("The analysis reported no internet exposure and no security-group flows.".into());
    }
    let legend = vec![
        views::fill(style::internet(), "the internet"),
        views::exposed_legend(),
        views::fill(style::node(), "tier: ENIs sharing a VPC and security-group set"),
        views::fill(style::data_store(), "data store (RDS, ElastiCache, Redshift, EFS)"),
        views::line_legend(Line::Internet),
        views::line_legend(Line::Flow),
    ];
    let info = base(
        "Internet exposure and data flows (PCI DSS 1.2.4)".into(),
        format!(
            "{} exposure finding(s) · {} security-group flow(s)",
            analysis.exposures.len(),
            analysis.sg_flows.len()
        ),
        all_accounts,
        all_regions,
        format!("all ({})", r.vpcs.len()),
        notes,
    );
    pages.push(PageScene {
        file_stem: "exposure".into(),
        title: info.title.clone(),
        scene: frame::frame(ex.scene, &info, &legend),
        dot: Some(ex.dot),
    });
    Ok(pages)
}

/// A safe, unique file stem from an AWS id (which is hostile input like any string).
fn unique_stem(used: &mut BTreeSet<String>, id: &str) -> String {
    let mut s: String =
        id.chars().take(100).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        s = "vpc".into();
    }
    let mut cand = s.clone();
    let mut n = 2;
    while used.contains(&cand) {
        cand = format!("{s}-{n}");
        n += 1;
    }
    used.insert(cand.clone());
    cand
}

/// Draws a page's scene as PNG at `scale` pixels per unit (deterministic).
pub fn scene_to_png(scene: &Scene, scale: f64) -> Result<Vec<u8>, DiagramError> {
    write::png::png(scene, scale).map_err(|message| DiagramError::Render { page: scene.title.clone(), message })
}

/// Rasterises an SVG produced by `render_pages` (embedded font, deterministic).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, DiagramError> {
    write::raster::png(svg).map_err(|message| DiagramError::Render { page: "png".into(), message })
}

/// Converts an SVG produced by `render_pages` to PDF.
pub fn svg_to_pdf(svg: &str) -> Result<Vec<u8>, DiagramError> {
    write::pdf::deterministic_pdf(svg)
}

/// Draws a page scene straight into a one-page PDF (searchable text, deterministic).
pub fn scene_to_pdf(scene: &Scene) -> Result<Vec<u8>, DiagramError> {
    Ok(write::pdf::scene_pdf(scene))
}
