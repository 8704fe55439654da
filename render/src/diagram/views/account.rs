//! Account pages of a large estate: one per account, or per account × region (in
//! parts) when an account has more VPCs than a page holds. VPC cards with their
//! transit gateways as hubs in the middle, and every link with an end on the
//! page: peerings, TGW attachments and VPNs one line each; links whose far end
//! is on another page go to a box naming that page.
use std::collections::{BTreeMap, BTreeSet};

use inventory::model::*;

use super::super::facts::Facts;
use super::super::scene::{name as nm, Role, Scene};
use super::super::style::{self, Line, EXPOSED, INK, MUTED};
use super::grid::{self, GLink, GNode};
use super::links::{End, EstateLink, Via};

/// Most VPC cards on one account page (measured: 24 cards and their links fit A0).
pub const MAX_VPCS_PER_PAGE: usize = 24;

/// One account page: which VPCs and transit gateways it draws.
#[derive(Debug, Clone)]
pub struct AccountPage<'a> {
    pub stem: String,
    pub account: String,
    /// Set when the account is split by region.
    pub region: Option<String>,
    /// (part, of) when a region is split further.
    pub part: Option<(usize, usize)>,
    pub vpcs: Vec<&'a Vpc>,
    pub tgws: Vec<&'a TransitGateway>,
}

impl AccountPage<'_> {
    pub fn title(&self, f: &Facts) -> String {
        let mut t = format!("Account {}", f.account_label(&self.account));
        if let Some(r) = &self.region {
            t.push_str(&format!(" · {r}"));
        }
        if let Some((k, n)) = self.part {
            t.push_str(&format!(" (part {k} of {n})"));
        }
        t
    }
}

/// Splits the estate into account pages; `stem` makes a unique file stem.
pub fn pages<'a>(f: &Facts<'a>, mut stem: impl FnMut(&str) -> String) -> Vec<AccountPage<'a>> {
    let r = &f.snap.resources;
    type Region<'v> = (Vec<&'v Vpc>, Vec<&'v TransitGateway>);
    let mut by_acct: BTreeMap<&str, BTreeMap<&str, Region>> = BTreeMap::new();
    for a in &r.accounts {
        by_acct.entry(a.id.as_str()).or_default();
    }
    for v in &r.vpcs {
        by_acct.entry(&v.account_id).or_default().entry(&v.region).or_default().0.push(v);
    }
    for t in &r.transit_gateways {
        by_acct.entry(&t.account_id).or_default().entry(&t.region).or_default().1.push(t);
    }
    let mut out = Vec::new();
    for (acct, regions) in by_acct {
        let total: usize = regions.values().map(|(v, _)| v.len()).sum();
        if total <= MAX_VPCS_PER_PAGE {
            let mut vpcs: Vec<&Vpc> = regions.values().flat_map(|(v, _)| v.iter().copied()).collect();
            vpcs.sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
            let mut tgws: Vec<&TransitGateway> = regions.values().flat_map(|(_, t)| t.iter().copied()).collect();
            tgws.sort_by(|a, b| a.id.cmp(&b.id));
            if vpcs.is_empty() && tgws.is_empty() {
                continue;
            }
            out.push(AccountPage {
                stem: stem(&format!("account-{acct}")),
                account: acct.to_string(),
                region: None,
                part: None,
                vpcs,
                tgws,
            });
            continue;
        }
        for (region, (mut vpcs, mut tgws)) in regions {
            vpcs.sort_by(|a, b| a.id.cmp(&b.id));
            tgws.sort_by(|a, b| a.id.cmp(&b.id));
            let chunks: Vec<Vec<&Vpc>> = if vpcs.is_empty() {
                vec![Vec::new()]
            } else {
                vpcs.chunks(MAX_VPCS_PER_PAGE).map(|c| c.to_vec()).collect()
            };
            let n = chunks.len();
            for (k, chunk) in chunks.into_iter().enumerate() {
                let name = if n > 1 {
                    format!("account-{acct}-{region}-{}", k + 1)
                } else {
                    format!("account-{acct}-{region}")
                };
                out.push(AccountPage {
                    stem: stem(&name),
                    account: acct.to_string(),
                    region: Some(region.to_string()),
                    part: (n > 1).then_some((k + 1, n)),
                    vpcs: chunk,
                    // A hub is drawn once: on the region's first part.
                    tgws: if k == 0 { std::mem::take(&mut tgws) } else { Vec::new() },
                });
            }
        }
    }
    out
}

pub struct AccountView {
    pub scene: Scene,
    pub notes: Vec<String>,
}

/// Where each VPC and transit gateway is drawn: page stem.
pub struct PageIndex {
    pub vpc: BTreeMap<String, String>,
    pub tgw: BTreeMap<String, String>,
}

impl PageIndex {
    pub fn new(pages: &[AccountPage]) -> PageIndex {
        let mut vpc = BTreeMap::new();
        let mut tgw = BTreeMap::new();
        for p in pages {
            for v in &p.vpcs {
                vpc.insert(v.id.clone(), p.stem.clone());
            }
            for t in &p.tgws {
                tgw.insert(t.id.clone(), p.stem.clone());
            }
        }
        PageIndex { vpc, tgw }
    }
}

pub fn render(f: &Facts, page: &AccountPage, index: &PageIndex, links: &[EstateLink]) -> AccountView {
    let r = &f.snap.resources;
    let mut notes = Vec::new();
    let mut nodes: Vec<GNode> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    let local_vpcs: BTreeSet<&str> = page.vpcs.iter().map(|v| v.id.as_str()).collect();
    let local_tgws: BTreeSet<&str> = page.tgws.iter().map(|t| t.id.as_str()).collect();
    let is_local = |e: &End| match e {
        End::Vpc(v) => local_vpcs.contains(v.as_str()),
        End::Tgw(t) => local_tgws.contains(t.as_str()),
        _ => false,
    };
    let mine: Vec<&EstateLink> = links.iter().filter(|l| is_local(&l.a) || is_local(&l.b)).collect();

    // Far ends first (top rows): on-premises sites, other pages, VPCs outside the snapshot.
    let mut far: BTreeMap<String, GNode> = BTreeMap::new();
    let mut far_key = |e: &End| -> Option<String> {
        let (key, node) = match e {
            End::Vpc(v) if !local_vpcs.contains(v.as_str()) => {
                let stem = index.vpc.get(v).cloned().unwrap_or_default();
                (format!("page:{stem}"), other_page(&stem))
            }
            End::Tgw(t) if !local_tgws.contains(t.as_str()) => match index.tgw.get(t) {
                Some(stem) => (t.clone(), remote_tgw(r, t, stem)),
                None => (format!("missing:{t}"), missing_tgw(t)),
            },
            End::External(v, acct) => (v.clone(), external_vpc(v, acct)),
            End::Cgw(c) => (c.clone(), site(r, c)),
            _ => return None,
        };
        far.entry(key.clone()).or_insert(node);
        Some(key)
    };
    let mut ends: Vec<(String, String)> = Vec::new();
    for l in &mine {
        let a = far_key(&l.a).unwrap_or_else(|| local_key(&l.a));
        let b = far_key(&l.b).unwrap_or_else(|| local_key(&l.b));
        ends.push((a, b));
    }
    for (k, n) in far {
        at.insert(k, nodes.len());
        nodes.push(n);
    }
    // VPC cards, the hubs in the middle cell of the grid so their spokes stay short.
    let total = nodes.len() + page.vpcs.len() + page.tgws.len();
    let cols = grid::columns(total);
    let centre = (total.div_ceil(cols) / 2) * cols + cols / 2;
    let mid = centre.saturating_sub(nodes.len()).min(page.vpcs.len());
    let mut vpcs: Vec<GNode> = page.vpcs.iter().map(|v| vpc_card(f, v)).collect();
    let hubs: Vec<GNode> = page
        .tgws
        .iter()
        .map(|t| {
            let n = links.iter().filter(|l| l.b == End::Tgw(t.id.clone())).count();
            GNode {
                id: t.id.clone(),
                role: Role::Node,
                style: style::node(),
                lines: vec![
                    (format!("Transit gateway {}", nm(t.name().unwrap_or(""))), 10.0, true, INK),
                    (t.id.clone(), 9.0, false, INK),
                    (t.region.clone(), 9.0, false, MUTED),
                    (format!("{n} attachment(s)"), 9.0, false, MUTED),
                ],
                exposed: false,
                tooltip: String::new(),
            }
        })
        .collect();
    let tail = vpcs.split_off(mid);
    for n in vpcs.into_iter().chain(hubs).chain(tail) {
        at.insert(n.id.clone(), nodes.len());
        nodes.push(n);
    }

    // One line per link; links from another page's VPCs to a hub here are counted
    // on one line per page.
    let mut glinks: Vec<GLink> = Vec::new();
    // (links, non-prod ↔ prod, crossing the scope) per far page and hub.
    let mut per_page: BTreeMap<(usize, usize, Line), (usize, usize, usize)> = BTreeMap::new();
    let scope = f.scope.as_ref();
    for (l, (a, b)) in mine.iter().zip(&ends) {
        let (Some(&ia), Some(&ib)) = (at.get(a), at.get(b)) else { continue };
        if ia == ib {
            continue;
        }
        let a_far = a.starts_with("page:");
        if a_far && l.via == Via::Transit {
            let e = per_page.entry((ia, ib, l.line())).or_default();
            e.0 += 1;
            e.1 += usize::from(l.risky);
            e.2 += usize::from(l.crosses(scope));
            continue;
        }
        // The label sits at the local VPC's end.
        let (ia, ib) = if a_far || matches!(l.a, End::Cgw(_)) { (ib, ia) } else { (ia, ib) };
        let mut label = match l.via {
            Via::Peering => format!("{} {}", l.id, l.detail),
            Via::Transit => String::new(),
            Via::Vpn => format!("{} · {}", l.id, l.detail),
        };
        if l.risky {
            if !label.is_empty() {
                label.push_str(" · ");
            }
            label.push_str("non-prod ↔ prod");
        }
        let cross_scope = l.crosses(scope);
        if cross_scope {
            if !label.is_empty() {
                label.push_str(" · ");
            }
            label.push_str("crosses scope");
        }
        glinks.push(GLink { id: l.id.clone(), a: ia, b: ib, line: l.line(), label, cross_scope });
    }
    for ((ia, ib, line), (n, risky, crossing)) in per_page {
        let mut label = format!("{n} attachment(s)");
        if risky > 0 {
            label.push_str(&format!(" · {risky} non-prod ↔ prod"));
        }
        if crossing > 0 {
            label.push_str(&format!(" · {crossing} cross scope"));
        }
        glinks.push(GLink {
            id: format!("{}:{}", nodes[ia].id, nodes[ib].id),
            a: ib,
            b: ia,
            line,
            label,
            cross_scope: crossing > 0,
        });
    }
    if page.vpcs.iter().any(|v| r.internet_gateways.iter().any(|g| g.attachments.iter().any(|a| a.vpc_id == v.id))) {
        notes.push("Internet gateways are named on their VPC's card; the organisation page draws each account's link to the internet.".into());
    }
    notes.push("Transit gateway attachments without a label are plain attachments; labels name peerings, VPNs and any link that lets non-production reach production.".into());
    let scene = grid::draw(&page.stem, &nodes, &glinks, cols);
    AccountView { scene, notes }
}

fn local_key(e: &End) -> String {
    match e {
        End::Vpc(v) | End::Tgw(v) | End::Cgw(v) | End::External(v, _) => v.clone(),
    }
}

fn vpc_card(f: &Facts, v: &Vpc) -> GNode {
    let env = f.vpc_env(v);
    let cidrs: Vec<String> =
        v.cidr_blocks.iter().map(|c| c.to_string()).chain(v.ipv6_cidr_blocks.iter().map(|c| c.to_string())).collect();
    let in_vpc = f.in_vpc(&v.id);
    let exposed: BTreeSet<&str> = in_vpc.exposures.iter().map(|x| x.eni_id.as_str()).collect();
    let subnets = f.subnets_by_vpc.get(v.id.as_str()).map_or(0, |s| s.len());
    let instances = in_vpc.instances;
    let igws = &in_vpc.internet_gateways;
    GNode {
        id: v.id.clone(),
        role: Role::Vpc,
        style: style::vpc(env),
        lines: vec![
            (v.name().map(nm).unwrap_or_else(|| v.id.clone()), 11.0, true, env.color()),
            (format!("{}{} · {}", v.id, if v.is_default { " (default)" } else { "" }, v.region), 9.0, false, INK),
            (if cidrs.is_empty() { "no CIDR".into() } else { cidrs.join(", ") }, 9.0, false, INK),
            (format!("{subnets} subnets · {instances} instances"), 9.0, false, INK),
            if igws.is_empty() {
                ("no internet gateway".into(), 9.0, false, MUTED)
            } else {
                (format!("IGW {}", igws.join(", ")), 9.0, false, INK)
            },
            if exposed.is_empty() {
                ("no internet exposure found".into(), 9.0, false, MUTED)
            } else {
                (format!("{} internet-exposed ENI(s)", exposed.len()), 9.0, true, EXPOSED)
            },
            (env.label().to_string(), 9.0, false, env.color()),
        ],
        exposed: !exposed.is_empty(),
        tooltip: String::new(),
    }
}

fn other_page(stem: &str) -> GNode {
    GNode {
        id: format!("page:{stem}"),
        role: Role::Node,
        style: style::plain(style::WHITE, "#7f8c8d", 1.2, true),
        lines: vec![
            ("VPCs on another page".into(), 10.0, true, INK),
            (format!("page {stem}"), 9.0, false, INK),
            ("links to them drawn here".into(), 9.0, false, MUTED),
        ],
        exposed: false,
        tooltip: String::new(),
    }
}

fn remote_tgw(r: &Resources, id: &str, stem: &str) -> GNode {
    let t = r.transit_gateways.iter().find(|t| t.id == id);
    GNode {
        id: id.to_string(),
        role: Role::Node,
        style: style::plain(style::WHITE, "#34495e", 1.2, true),
        lines: vec![
            (format!("Transit gateway {}", nm(t.and_then(|t| t.name()).unwrap_or(""))), 10.0, true, INK),
            (id.to_string(), 9.0, false, INK),
            (format!("account {}", t.map_or("?", |t| t.account_id.as_str())), 9.0, false, MUTED),
            (format!("drawn with its links on page {stem}"), 9.0, false, MUTED),
        ],
        exposed: false,
        tooltip: String::new(),
    }
}

fn missing_tgw(id: &str) -> GNode {
    GNode {
        id: format!("missing:{id}"),
        role: Role::Node,
        style: style::plain(style::WHITE, "#7f8c8d", 1.2, true),
        lines: vec![
            (format!("Transit gateway {id}"), 10.0, true, INK),
            ("not in this snapshot".into(), 9.0, false, MUTED),
        ],
        exposed: false,
        tooltip: String::new(),
    }
}

fn external_vpc(id: &str, acct: &str) -> GNode {
    GNode {
        id: id.to_string(),
        role: Role::Node,
        style: style::plain(style::WHITE, "#7f8c8d", 1.2, true),
        lines: vec![
            (format!("VPC {id}"), 10.0, true, INK),
            (format!("account {acct}"), 9.0, false, INK),
            ("not in this snapshot".into(), 9.0, false, MUTED),
        ],
        exposed: false,
        tooltip: String::new(),
    }
}

fn site(r: &Resources, id: &str) -> GNode {
    let c = r.customer_gateways.iter().find(|c| c.id == id);
    GNode {
        id: id.to_string(),
        role: Role::Node,
        style: style::node(),
        lines: vec![
            (
                format!("On-premises {}", nm(c.and_then(|c| c.name().or(c.device_name.as_deref())).unwrap_or(""))),
                10.0,
                true,
                INK,
            ),
            (id.to_string(), 9.0, false, INK),
            (
                format!(
                    "{} · ASN {}",
                    c.and_then(|c| c.ip_address.as_deref()).unwrap_or("?"),
                    c.and_then(|c| c.bgp_asn.as_deref()).unwrap_or("?")
                ),
                9.0,
                false,
                MUTED,
            ),
        ],
        exposed: false,
        tooltip: String::new(),
    }
}
