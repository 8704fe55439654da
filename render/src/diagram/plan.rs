//! The pages of a snapshot, each buildable on its own: the package lays out and
//! writes pages on several threads and never holds all of them at once.
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use inventory::accept::{Acceptances, Review};
use inventory::analysis::Analysis;
use inventory::model::Vpc;
use inventory::Snapshot;

use super::facts::Facts;
use super::style::{self, Env, Line};
use super::views::account::{AccountPage, PageIndex};
use super::views::frame::{self, ChangePeriod, LegendEntry, PageInfo};
use super::views::links::EstateLink;
use super::views::marks::ChangeMarks;
use super::views::matrix::Matrix;
use super::views::{self};
use super::{scene, PageScene};

/// Above this many VPCs the overview is drawn in levels (an organisation page and
/// account pages) instead of one page: measured, the single page stops fitting A0
/// and its routed lines start to share segments past about a dozen VPCs.
pub const SINGLE_OVERVIEW_MAX_VPCS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    /// The whole estate on one page (small estates).
    Overview,
    /// Accounts, hubs, internet and on-premises, links aggregated (large estates).
    Organisation,
    Account(usize),
    /// A tile of the connectivity matrix (large estates).
    Matrix(usize),
    Vpc(usize),
    Exposure,
}

/// Page order: overview (or the organisation page and one page per account or
/// account × region), one page per VPC (by account, region, id), exposure.
pub struct Plan<'a> {
    facts: Facts<'a>,
    kinds: Vec<PageKind>,
    account_pages: Vec<AccountPage<'a>>,
    page_index: PageIndex,
    links: Vec<EstateLink>,
    matrix: Matrix,
    tiles: Vec<(Range<usize>, Range<usize>)>,
    vpcs: Vec<&'a Vpc>,
    /// File stems in page order.
    stems: Vec<String>,
    accounts: BTreeSet<String>,
    regions: BTreeSet<&'a str>,
    all_accounts: String,
    all_regions: String,
    gaps: usize,
}

impl<'a> Plan<'a> {
    /// Pages whose title blocks show the SHA-256 of the canonical snapshot bytes.
    pub fn new(snapshot: &'a Snapshot, analysis: &'a Analysis) -> Plan<'a> {
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(inventory::snapshot::to_json_bytes(snapshot)));
        Plan::with_sha(snapshot, analysis, &sha)
    }

    /// Pages whose title blocks show `sha256_hex`, the hash of the snapshot file they
    /// come from (the package's snapshot.json).
    pub fn with_sha(snapshot: &'a Snapshot, analysis: &'a Analysis, sha256_hex: &str) -> Plan<'a> {
        let facts = tracing::info_span!("facts").in_scope(|| Facts::with_sha(snapshot, analysis, sha256_hex));
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
        let all_accounts = join(&mut accounts.iter().map(|a| facts.account_label(a)), 3);
        let all_regions = join(&mut regions.iter().map(|s| s.to_string()), 4);
        let mut vpcs: Vec<&Vpc> = r.vpcs.iter().collect();
        vpcs.sort_by(|a, b| (&a.account_id, &a.region, &a.id).cmp(&(&b.account_id, &b.region, &b.id)));
        let mut used = BTreeSet::from(["overview".to_string(), "exposure".to_string()]);
        let mut stems = vec!["overview".to_string()];
        let levels = r.vpcs.len() > SINGLE_OVERVIEW_MAX_VPCS;
        let mut kinds = vec![if levels { PageKind::Organisation } else { PageKind::Overview }];
        let account_pages =
            if levels { views::account::pages(&facts, |s| super::unique_stem(&mut used, s)) } else { Vec::new() };
        for (i, p) in account_pages.iter().enumerate() {
            stems.push(p.stem.clone());
            kinds.push(PageKind::Account(i));
        }
        let (matrix, tiles) = if levels {
            let m = views::matrix::matrix(snapshot, analysis);
            let t = views::matrix::tiles(&m);
            (m, t)
        } else {
            (Matrix::default(), Vec::new())
        };
        for k in 0..tiles.len() {
            let name = if tiles.len() > 1 { format!("matrix-{}", k + 1) } else { "matrix".into() };
            stems.push(super::unique_stem(&mut used, &name));
            kinds.push(PageKind::Matrix(k));
        }
        for (i, v) in vpcs.iter().enumerate() {
            // "account-" and "matrix" name overview pages (the package's file roles go by them).
            let id = if v.id.starts_with("account-") || v.id.starts_with("matrix") {
                format!("vpc_{}", v.id)
            } else {
                v.id.clone()
            };
            stems.push(super::unique_stem(&mut used, &id));
            kinds.push(PageKind::Vpc(i));
        }
        stems.push("exposure".to_string());
        kinds.push(PageKind::Exposure);
        let page_index = PageIndex::new(&account_pages);
        let links = if levels { views::links::estate_links(&facts) } else { Vec::new() };
        Plan {
            gaps: snapshot.gaps().count(),
            facts,
            kinds,
            account_pages,
            page_index,
            links,
            matrix,
            tiles,
            vpcs,
            stems,
            accounts,
            regions,
            all_accounts,
            all_regions,
        }
    }

    /// Marks accepted findings on the exposure page (`package --accepted`): the
    /// file and the pipeline's review of this analysis's findings.
    pub fn with_acceptance(mut self, acceptance: Option<(&'a Acceptances, &'a Review)>) -> Plan<'a> {
        self.facts.acceptance = acceptance;
        self
    }

    /// The data flows, when the analysis was made without them
    /// (`inventory::analysis::analyze_topology_with`).
    pub fn with_data_flows(mut self, flows: &'a [inventory::analysis::DataFlow]) -> Plan<'a> {
        self.facts.data_flows = flows;
        self
    }

    /// Number of pages.
    pub fn len(&self) -> usize {
        self.stems.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stems.is_empty()
    }

    /// File stems in page order.
    pub fn stems(&self) -> &[String] {
        &self.stems
    }

    /// Every page in order, each built when the iterator reaches it.
    pub fn pages(&self) -> impl Iterator<Item = PageScene> + '_ {
        (0..self.len()).map(|i| self.scene(i))
    }

    /// Page `i` as a framed scene.
    pub fn scene(&self, i: usize) -> PageScene {
        match self.kinds.get(i).copied().unwrap_or(PageKind::Exposure) {
            PageKind::Overview => tracing::info_span!("overview").in_scope(|| self.overview()),
            PageKind::Organisation => tracing::info_span!("overview").in_scope(|| self.organisation()),
            PageKind::Account(k) => tracing::info_span!("account").in_scope(|| self.account(i, k)),
            PageKind::Matrix(k) => tracing::info_span!("matrix").in_scope(|| self.matrix_page(i, k)),
            PageKind::Vpc(k) => tracing::info_span!("vpc").in_scope(|| self.vpc(i, k)),
            PageKind::Exposure => tracing::info_span!("exposure").in_scope(|| self.exposure()),
        }
    }

    /// Page `i` is the overview, the organisation page, an account page or a matrix tile.
    pub fn is_overview_level(&self, i: usize) -> bool {
        matches!(
            self.kinds.get(i),
            Some(PageKind::Overview | PageKind::Organisation | PageKind::Account(_) | PageKind::Matrix(_))
        )
    }

    /// Whether the overview is drawn in levels (organisation + account pages).
    pub fn in_levels(&self) -> bool {
        self.kinds.first() == Some(&PageKind::Organisation)
    }

    fn organisation(&self) -> PageScene {
        let r = &self.facts.snap.resources;
        let mut pages_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in &self.account_pages {
            pages_of.entry(p.account.clone()).or_default().push(p.stem.clone());
        }
        let org = views::org::render(&self.facts, &pages_of);
        let mut legend: Vec<LegendEntry> = [Env::Prod, Env::NonProd]
            .into_iter()
            .map(|e| views::fill(style::vpc(e), &format!("AWS account, {}", e.label())))
            .collect();
        legend.push(views::fill(style::account(), "AWS account, environment not tagged"));
        legend.push(views::fill(style::node(), "transit gateway / on-premises network"));
        for l in [Line::Gateway, Line::Peering, Line::Transit, Line::Vpn, Line::CrossAccount] {
            legend.push(views::line_legend(l));
        }
        legend.push(views::fill(style::chip(), "label: how many links of that kind the line stands for"));
        let info = self.info(
            "Network overview: organisation".into(),
            format!("{} · each account's VPCs on its account page(s)", self.estate_counts()),
            self.all_accounts.clone(),
            self.all_regions.clone(),
            format!("all ({})", r.vpcs.len()),
            org.notes,
        );
        PageScene {
            file_stem: self.stems[0].clone(),
            title: info.title.clone(),
            scene: self.framed_a0(org.scene, &info, legend),
            graph: None,
        }
    }

    fn matrix_page(&self, i: usize, k: usize) -> PageScene {
        let r = &self.facts.snap.resources;
        let (rows, cols) = self.tiles[k].clone();
        let scene = views::matrix::render(&self.matrix, rows.clone(), cols.clone());
        let legend = vec![
            views::fill(
                style::plain("#e8f6f3", "#7f8c8d", 0.5, false),
                "the row's VPC routes to the column's network: P peering, T transit gateway, V VPN",
            ),
            views::fill(style::plain("#fadbd8", "#7f8c8d", 0.5, false), "! non-production reaches production"),
        ];
        let mut title = "Connectivity matrix".to_string();
        if self.tiles.len() > 1 {
            title.push_str(&format!(
                " (rows {}–{}, columns {}–{})",
                rows.start + 1,
                rows.end,
                cols.start + 1,
                cols.end
            ));
        }
        let notes = vec![
            "Columns are numbered as the rows (the same VPCs), then on-premises sites and VPCs outside the snapshot (key under the grid). From the segmentation analysis: routes from the row's VPC to the column's network over a peering, transit gateway or VPN.".into(),
            "Blocks with no connection are not drawn; inventory.xlsx has the whole matrix (sheet Connectivity).".into(),
        ];
        let info = self.info(
            title.clone(),
            format!(
                "{} VPC(s) × {} network(s) · {} connected pair(s)",
                self.matrix.rows.len(),
                self.matrix.cols.len(),
                self.matrix.cells.len()
            ),
            self.all_accounts.clone(),
            self.all_regions.clone(),
            format!("all ({})", r.vpcs.len()),
            notes,
        );
        PageScene { file_stem: self.stems[i].clone(), title, scene: self.framed(scene, &info, legend), graph: None }
    }

    fn account(&self, i: usize, k: usize) -> PageScene {
        let f = &self.facts;
        let page = &self.account_pages[k];
        let view = views::account::render(f, page, &self.page_index, &self.links);
        let mut legend = views::env_legend();
        legend.push(views::fill(style::node(), "transit gateway (hub) / on-premises network"));
        legend.push(views::fill(
            style::plain(style::WHITE, "#7f8c8d", 1.2, true),
            "on another page, or outside this snapshot",
        ));
        for l in [Line::Peering, Line::Transit, Line::Vpn, Line::CrossAccount] {
            legend.push(views::line_legend(l));
        }
        let title = page.title(f);
        let regions: BTreeSet<&str> = page.vpcs.iter().map(|v| v.region.as_str()).collect();
        let info = self.info(
            title.clone(),
            format!(
                "{} VPC(s) · {} transit gateway(s) · every peering, attachment and VPN with an end on this page",
                page.vpcs.len(),
                page.tgws.len()
            ),
            f.account_label(&page.account),
            page.region.clone().unwrap_or_else(|| regions.into_iter().collect::<Vec<_>>().join(", ")),
            format!("{} on this page", page.vpcs.len()),
            view.notes,
        );
        PageScene {
            file_stem: self.stems[i].clone(),
            title,
            scene: self.framed_a0(view.scene, &info, legend),
            graph: None,
        }
    }

    /// Frames an overview-level page and, when it comes out larger than A0, shrinks
    /// it to fit as far as text stays at least `readability::MIN_TEXT` high (what
    /// printing it on A0 would do).
    fn framed_a0(&self, content: scene::Scene, info: &PageInfo, legend: Vec<LegendEntry>) -> scene::Scene {
        use super::readability::{A0_LONG, A0_SHORT, MIN_TEXT};
        let mut page = self.framed(content, info, legend);
        let (long, short) = (page.width.max(page.height), page.width.min(page.height));
        let need = (A0_LONG / long).min(A0_SHORT / short);
        let smallest = page.texts.iter().map(|t| t.size).fold(f64::MAX, f64::min);
        if need < 1.0 {
            let floor = if smallest < f64::MAX { MIN_TEXT / smallest * (1.0 + 1e-9) } else { 0.0 };
            page.scale(need.max(floor).min(1.0));
        }
        page
    }

    /// Frames a view's scene, with the audit scope drawn when one is set.
    fn framed(&self, mut content: scene::Scene, info: &PageInfo, mut legend: Vec<LegendEntry>) -> scene::Scene {
        if let Some(s) = &self.facts.scope {
            views::scope::mark(&mut content, s);
            legend.extend(views::scope::legend());
        }
        frame::frame(content, info, &legend)
    }

    /// "2 account(s) · 2 region(s) · 3 VPC(s) · 175 resources": the overview subtitles.
    fn estate_counts(&self) -> String {
        let r = &self.facts.snap.resources;
        format!(
            "{} account(s) · {} region(s) · {} VPC(s) · {} resources",
            self.accounts.len(),
            self.regions.len(),
            r.vpcs.len(),
            r.total()
        )
    }

    fn info(
        &self,
        title: String,
        subtitle: String,
        account: String,
        region: String,
        vpc: String,
        notes: Vec<String>,
    ) -> PageInfo {
        let mut notes = notes;
        if self.gaps > 0 {
            notes.push(format!(
                "INCOMPLETE: {} API call(s) were denied or failed during discovery; resources may be missing (see coverage report).",
                self.gaps
            ));
        }
        PageInfo {
            title,
            subtitle,
            account,
            region,
            vpc,
            collected_at: self.facts.snap.collected_at.to_string(),
            sha_prefix: self.facts.sha_prefix.clone(),
            notes,
            scope: self.facts.scope.as_ref().map(|s| s.rule.clone()),
            changes: None,
        }
    }

    fn overview(&self) -> PageScene {
        let r = &self.facts.snap.resources;
        let ov = views::overview::render(&self.facts);
        let mut legend = views::env_legend();
        legend.push(views::fill(style::node(), "transit gateway / on-premises network"));
        legend.push(views::fill(style::gateway(), "gateway on the VPC border (IGW top, VGW bottom)"));
        for l in [Line::Gateway, Line::Peering, Line::Transit, Line::Vpn, Line::CrossAccount] {
            legend.push(views::line_legend(l));
        }
        let info = self.info(
            "Network overview".into(),
            self.estate_counts(),
            self.all_accounts.clone(),
            self.all_regions.clone(),
            format!("all ({})", r.vpcs.len()),
            ov.notes,
        );
        PageScene {
            file_stem: self.stems[0].clone(),
            title: info.title.clone(),
            scene: self.framed(ov.scene, &info, legend),
            graph: Some(ov.graph),
        }
    }

    fn vpc(&self, i: usize, k: usize) -> PageScene {
        self.vpc_page(self.stems[i].clone(), self.vpcs[k], None)
    }

    /// A VPC page; with `changes`, its change page (marks drawn, legend and title
    /// block saying what was compared).
    fn vpc_page(&self, stem: String, v: &Vpc, changes: Option<(&ChangeMarks, &ChangePeriod)>) -> PageScene {
        let f = &self.facts;
        let page = views::vpc::render_marked(f, v, changes.map(|c| c.0));
        let mut legend = views::tier_legend();
        legend.push(views::fill(style::resource(), "resource (instance or service ENI; \"× N\" = N like resources)"));
        legend.push(views::exposed_legend());
        legend.push(views::fill(style::gateway(), "gateway on the VPC border (dashed: not in snapshot)"));
        legend.push(views::line_legend(Line::Route));
        if page.scene.boxes.iter().any(|b| b.role == scene::Role::LoadBalancer) {
            legend.extend(views::lb_legend());
        }
        let mut title = match inventory::model::Resource::name(v) {
            Some(n) => format!("VPC {} ({})", scene::name(n), v.id),
            None => format!("VPC {}", v.id),
        };
        let mut subtitle =
            format!("{} · account {} · {}", f.vpc_env(v).label(), f.account_label(&v.account_id), v.region);
        let mut notes = page.notes;
        if let Some((marks, period)) = changes {
            legend.extend(views::marks::legend());
            title = format!("Changes: {title}");
            subtitle = format!("{} · drawn from the new snapshot · {subtitle}", period.text());
            notes.insert(0, "Removed and not-collected resources come from the old snapshot and are drawn where they were; \"not collected\" means the new snapshot could not list them (a denied or failed API call), not that they are gone.".into());
            if marks.entries(&v.id).is_empty() {
                notes.insert(0, "Only internet exposure changed on this page.".into());
            }
        }
        let mut info =
            self.info(title.clone(), subtitle, f.account_label(&v.account_id), v.region.clone(), v.id.clone(), notes);
        info.changes = changes.map(|c| c.1.clone());
        PageScene { file_stem: stem, title, scene: self.framed(page.scene, &info, legend), graph: None }
    }

    /// The change pages of a diff whose NEW side this plan draws: one per VPC of NEW
    /// in which a resource or an exposure changed, in page order, with its stem.
    pub fn change_pages<'p>(
        &'p self,
        marks: &'p ChangeMarks,
        period: &'p ChangePeriod,
    ) -> impl Iterator<Item = PageScene> + 'p {
        self.kinds.iter().enumerate().filter_map(move |(i, kind)| match kind {
            PageKind::Vpc(k) if marks.vpcs.contains(&self.vpcs[*k].id) => Some(
                tracing::info_span!("vpc")
                    .in_scope(|| self.vpc_page(self.stems[i].clone(), self.vpcs[*k], Some((marks, period)))),
            ),
            _ => None,
        })
    }

    /// How many change pages `change_pages` gives.
    pub fn change_page_count(&self, marks: &ChangeMarks) -> usize {
        self.vpcs.iter().filter(|v| marks.vpcs.contains(&v.id)).count()
    }

    fn exposure(&self) -> PageScene {
        let f = &self.facts;
        let r = &f.snap.resources;
        let ex = views::exposure::render(f);
        let mut notes = ex.notes;
        if f.analysis.exposures.is_empty() {
            notes.push("The analysis reported no internet exposure.".into());
        }
        notes.push(format!(
            "Lines between boxes: hops on the way from the internet to a data store within {} hops (routes both ways, NACLs both directions, security groups) that lead onward: to a tier first reached that way, or one hop closer to a data store. auditmap paths lists every path with its evidence.",
            inventory::analysis::DATA_FLOW_HOPS
        ));
        let mut legend = vec![
            views::fill(style::internet(), "the internet"),
            views::exposed_legend(),
            views::fill(style::node(), "tier: ENIs sharing a VPC and security-group set"),
            views::fill(
                style::data_store(),
                "data store (RDS, ElastiCache, Redshift, EFS, S3/DynamoDB endpoint, data-classification tag)",
            ),
            views::line_legend(Line::Internet),
            views::line_legend(Line::Flow),
        ];
        // Only with --accepted: without it the page is as it always was.
        if f.acceptance.is_some() {
            legend.insert(5, views::line_legend(Line::InternetAccepted));
        }
        let info = self.info(
            "Internet exposure and data flows (PCI DSS 1.2.4)".into(),
            format!(
                "{} exposure finding(s){} · {} hop(s) towards data stores",
                f.analysis.exposures.len(),
                f.acceptance
                    .map(|(_, review)| {
                        use inventory::accept::Status;
                        format!(
                            " ({} accepted, {} expired, {} unaccepted)",
                            review.count(Status::Accepted),
                            review.count(Status::Expired),
                            review.count(Status::Unaccepted)
                        )
                    })
                    .unwrap_or_default(),
                f.data_flows.iter().filter(|x| x.from != "internet").count()
            ),
            self.all_accounts.clone(),
            self.all_regions.clone(),
            format!("all ({})", r.vpcs.len()),
            notes,
        );
        PageScene {
            file_stem: self.stems[self.stems.len() - 1].clone(),
            title: info.title.clone(),
            scene: self.framed(ex.scene, &info, legend),
            graph: Some(ex.graph),
        }
    }
}
