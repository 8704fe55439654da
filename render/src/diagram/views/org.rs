//! The organisation page of a large estate: accounts as boxes (VPC, region and
//! exposure counts, which pages show them), the internet, on-premises sites,
//! transit gateways as hubs, and the links between them aggregated per pair with
//! their count. Each account's VPCs are on its account page(s).
use std::collections::{BTreeMap, BTreeSet};

use inventory::model::Resource;

use super::super::facts::Facts;
use super::super::scene::{name as nm, Role, Scene};
use super::super::style::{self, Line, EXPOSED, INK, MUTED};
use super::cards::TextLine;
use super::grid::{self, GLink, GNode};
use super::links::{estate_links, End, Via};

/// Above this many customer gateways the on-premises sites share one box.
const MAX_SITE_BOXES: usize = 6;
/// Above this many accounts with internet gateways, no lines to the internet.
const MAX_INTERNET_LINES: usize = 12;

pub struct OrgPage {
    pub scene: Scene,
    pub notes: Vec<String>,
}

#[derive(Default)]
struct Agg {
    count: usize,
    risky: usize,
    /// Links between an in-scope and an out-of-scope end.
    crossing: usize,
    tunnels_up: usize,
    tunnels: usize,
}

/// `pages_of`: account id → the stems of its account pages.
pub fn render(f: &Facts, pages_of: &BTreeMap<String, Vec<String>>) -> OrgPage {
    let r = &f.snap.resources;
    let mut notes = Vec::new();
    let accounts: BTreeSet<&str> =
        r.vpcs.iter().map(|v| v.account_id.as_str()).chain(r.accounts.iter().map(|a| a.id.as_str())).collect();
    let vpc_acct: BTreeMap<&str, &str> = r.vpcs.iter().map(|v| (v.id.as_str(), v.account_id.as_str())).collect();

    let mut nodes: Vec<GNode> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    fn push(nodes: &mut Vec<GNode>, index: &mut BTreeMap<String, usize>, n: GNode) {
        index.insert(n.id.clone(), nodes.len());
        nodes.push(n);
    }
    let igws: BTreeMap<&str, usize> = {
        let mut m = BTreeMap::new();
        for g in &r.internet_gateways {
            for a in g.attachments.iter().filter(|a| a.is_attached()) {
                if let Some(acct) = vpc_acct.get(a.vpc_id.as_str()) {
                    *m.entry(*acct).or_default() += 1;
                }
            }
        }
        m
    };
    // Past a dozen accounts, lines from the internet to every account only add
    // tracks: the count goes on each account's box instead.
    let internet_lines = !igws.is_empty() && igws.len() <= MAX_INTERNET_LINES;
    if !igws.is_empty() && !internet_lines {
        notes.push(format!(
            "{} accounts have internet gateways: each account's box gives how many; lines to the internet are drawn for at most {MAX_INTERNET_LINES} accounts.",
            igws.len()
        ));
    }
    if internet_lines {
        push(
            &mut nodes,
            &mut index,
            GNode {
                id: "internet".into(),
                role: Role::Node,
                style: style::internet(),
                lines: vec![("Internet".into(), 13.0, true, EXPOSED), ("public networks".into(), 9.0, false, MUTED)],
                exposed: false,
                tooltip: String::new(),
            },
        );
    }
    let links = estate_links(f);
    // On-premises: one box per site, or one for all when there are many. Then the
    // VPNs are counted on the boxes they end at (accounts, hubs), not drawn.
    let many_sites = r.customer_gateways.len() > MAX_SITE_BOXES;
    let mut vpns_at: BTreeMap<String, Agg> = BTreeMap::new();
    if many_sites {
        for l in links.iter().filter(|l| l.via == Via::Vpn) {
            let key = match &l.b {
                End::Vpc(v) => vpc_acct.get(v.as_str()).map(|a| format!("account:{a}")),
                End::Tgw(t) => Some(t.clone()),
                _ => None,
            };
            let Some(key) = key else { continue };
            let g = vpns_at.entry(key).or_default();
            g.count += 1;
            if let Some(v) = r.vpn_connections.iter().find(|v| v.id == l.id) {
                g.tunnels += v.tunnels.len();
                g.tunnels_up += v.tunnels.iter().filter(|t| t.status.eq_ignore_ascii_case("up")).count();
            }
        }
    }
    let vpn_line = |key: &str| -> Option<TextLine> {
        vpns_at.get(key).map(|g| {
            (format!("{} VPN(s) to on-premises · tunnels {}/{} up", g.count, g.tunnels_up, g.tunnels), 9.0, false, INK)
        })
    };
    let site_key = |cgw: &str| if many_sites { "on-premises".to_string() } else { cgw.to_string() };
    if many_sites {
        push(
            &mut nodes,
            &mut index,
            GNode {
                id: "on-premises".into(),
                role: Role::Node,
                style: style::node(),
                lines: vec![
                    ("On-premises networks".into(), 11.0, true, INK),
                    (
                        format!(
                            "{} customer gateways (sites) · {} VPN(s)",
                            r.customer_gateways.len(),
                            links.iter().filter(|l| l.via == Via::Vpn).count()
                        ),
                        9.0,
                        false,
                        INK,
                    ),
                    ("VPNs counted on the account and hub boxes".into(), 9.0, false, MUTED),
                    ("and drawn on the account pages".into(), 9.0, false, MUTED),
                ],
                exposed: false,
                tooltip: String::new(),
            },
        );
    } else {
        for c in &r.customer_gateways {
            push(
                &mut nodes,
                &mut index,
                GNode {
                    id: c.id.clone(),
                    role: Role::Node,
                    style: style::node(),
                    lines: vec![
                        (
                            format!("On-premises {}", nm(c.name().or(c.device_name.as_deref()).unwrap_or(""))),
                            10.0,
                            true,
                            INK,
                        ),
                        (c.id.clone(), 9.0, false, INK),
                        (
                            format!(
                                "{} · ASN {}",
                                c.ip_address.as_deref().unwrap_or("?"),
                                c.bgp_asn.as_deref().unwrap_or("?")
                            ),
                            9.0,
                            false,
                            MUTED,
                        ),
                    ],
                    exposed: false,
                    tooltip: String::new(),
                },
            );
        }
    }

    let mut vpcs_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut regions_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for v in &r.vpcs {
        *vpcs_of.entry(v.account_id.as_str()).or_default() += 1;
        regions_of.entry(v.account_id.as_str()).or_default().insert(v.region.as_str());
    }
    let mut exposed_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for x in &f.analysis.exposures {
        if let Some(a) = vpc_acct.get(x.vpc_id.as_str()) {
            exposed_of.entry(a).or_default().insert(x.eni_id.as_str());
        }
    }
    let mut inner_peerings: BTreeMap<&str, usize> = BTreeMap::new();
    for l in links.iter().filter(|l| l.via == Via::Peering && !l.cross_account) {
        if let End::Vpc(v) = &l.a {
            if let Some(a) = vpc_acct.get(v.as_str()) {
                *inner_peerings.entry(a).or_default() += 1;
            }
        }
    }
    let tgw_account: BTreeMap<&str, &str> =
        r.transit_gateways.iter().map(|t| (t.id.as_str(), t.account_id.as_str())).collect();
    for acct in &accounts {
        let env = f.account_env(acct);
        let x = exposed_of.get(acct).map_or(0, |s| s.len());
        let pages = pages_of.get(*acct).cloned().unwrap_or_default();
        // Id and name on lines of their own keep the box narrow.
        let label = f.account_label(acct);
        let mut lines = vec![
            (format!("AWS account {acct}"), 11.0, true, INK),
            (if label == *acct { String::new() } else { label }, 9.0, true, INK),
            (
                format!(
                    "{} · {} VPC(s) in {} region(s)",
                    env.map_or("environment not tagged", |e| e.label()),
                    vpcs_of.get(acct).unwrap_or(&0),
                    regions_of.get(acct).map_or(0, |s| s.len())
                ),
                9.0,
                false,
                env.map_or(MUTED, |e| e.color()),
            ),
            if x > 0 {
                (format!("{x} internet-exposed ENI(s)"), 9.0, true, EXPOSED)
            } else {
                ("no internet exposure found".into(), 9.0, false, MUTED)
            },
        ];
        lines.extend(vpn_line(&format!("account:{acct}")));
        // One line for what needs no line of its own.
        let igw = igws.get(acct).filter(|_| !internet_lines).map(|n| format!("{n} IGW(s)"));
        let inner = inner_peerings.get(acct).map(|n| format!("{n} peering(s) inside the account"));
        let both: Vec<String> = igw.into_iter().chain(inner).collect();
        if !both.is_empty() {
            lines.push((both.join(" · "), 9.0, false, INK));
        }
        if let Some(s) = &f.scope {
            let inside = r.vpcs.iter().filter(|v| v.account_id == *acct && s.inside.contains(v.id.as_str())).count();
            lines.push((
                format!("{inside} of {} VPC(s) in audit scope", vpcs_of.get(acct).unwrap_or(&0)),
                9.0,
                true,
                INK,
            ));
        }
        lines.retain(|l| !l.0.is_empty());
        match pages.len() {
            0 => {}
            1 => lines.push((format!("detail: page {}", pages[0]), 9.0, false, MUTED)),
            n => lines.push((format!("detail: {n} pages {} …", pages[0]), 9.0, false, MUTED)),
        }
        push(
            &mut nodes,
            &mut index,
            GNode {
                id: format!("account:{acct}"),
                role: Role::Account,
                style: env.map_or_else(style::account, style::vpc),
                lines,
                exposed: x > 0,
                tooltip: String::new(),
            },
        );
        for t in r.transit_gateways.iter().filter(|t| t.account_id == *acct) {
            if index.contains_key(&t.id) {
                continue;
            }
            let n = links.iter().filter(|l| l.b == End::Tgw(t.id.clone())).count();
            push(
                &mut nodes,
                &mut index,
                GNode {
                    id: t.id.clone(),
                    role: Role::Node,
                    style: style::node(),
                    lines: vec![
                        (format!("Transit gateway {}", nm(t.name().unwrap_or(""))), 10.0, true, INK),
                        (t.id.clone(), 9.0, false, INK),
                        (format!("account {} · {}", acct, t.region), 9.0, false, MUTED),
                        (format!("{n} attachment(s) (VPC, VPN)"), 9.0, false, MUTED),
                    ]
                    .into_iter()
                    .chain(vpn_line(&t.id))
                    .collect(),
                    exposed: false,
                    tooltip: String::new(),
                },
            );
        }
    }
    let external: BTreeSet<&str> = links
        .iter()
        .flat_map(|l| [&l.a, &l.b])
        .filter_map(|e| if let End::External(v, _) = e { Some(v.as_str()) } else { None })
        .collect();
    if !external.is_empty() {
        push(
            &mut nodes,
            &mut index,
            GNode {
                id: "external".into(),
                role: Role::Node,
                style: style::node(),
                lines: vec![
                    ("VPCs outside this snapshot".into(), 10.0, true, INK),
                    (format!("{} VPC(s) named by peerings / attachments", external.len()), 9.0, false, INK),
                    ("listed on the account pages".into(), 9.0, false, MUTED),
                ],
                exposed: false,
                tooltip: String::new(),
            },
        );
    }

    // Aggregate links per (a, b, line).
    let key_of = |e: &End| -> Option<String> {
        match e {
            End::Vpc(v) => vpc_acct.get(v.as_str()).map(|a| format!("account:{a}")),
            End::External(..) => Some("external".into()),
            End::Tgw(t) => tgw_account.contains_key(t.as_str()).then(|| t.clone()),
            End::Cgw(c) => Some(site_key(c)),
        }
    };
    let mut agg: BTreeMap<(String, String, Line, Via), Agg> = BTreeMap::new();
    let mut missing = 0;
    for l in &links {
        let (Some(a), Some(b)) = (key_of(&l.a), key_of(&l.b)) else {
            missing += 1;
            continue;
        };
        if a == b || (many_sites && l.via == Via::Vpn) {
            continue;
        }
        // Peerings between accounts: one line per pair, either way round. A VPN's
        // label sits at its account or hub, not all at the on-premises box.
        let (a, b) = if (l.via == Via::Peering && b < a) || l.via == Via::Vpn { (b, a) } else { (a, b) };
        let g = agg.entry((a, b, l.line(), l.via)).or_default();
        g.count += 1;
        g.risky += usize::from(l.risky);
        g.crossing += usize::from(l.crosses(f.scope.as_ref()));
        if l.via == Via::Vpn {
            if let Some(v) = r.vpn_connections.iter().find(|v| v.id == l.id) {
                g.tunnels += v.tunnels.len();
                g.tunnels_up += v.tunnels.iter().filter(|t| t.status.eq_ignore_ascii_case("up")).count();
            }
        }
    }
    if missing > 0 {
        notes.push(format!(
            "{missing} link(s) name a transit gateway missing from the snapshot and are not drawn (see inventory)."
        ));
    }
    let mut glinks: Vec<GLink> = Vec::new();
    for (acct, n) in &igws {
        let (Some(&a), Some(&b)) = (index.get(&format!("account:{acct}")), index.get("internet")) else { continue };
        glinks.push(GLink {
            id: format!("igw:{acct}"),
            a,
            b,
            line: Line::Gateway,
            label: format!("{n} internet gateway(s)"),
            cross_scope: false,
        });
    }
    for ((a, b, line, via), g) in &agg {
        let (Some(&ia), Some(&ib)) = (index.get(a), index.get(b)) else { continue };
        let mut label = match via {
            Via::Peering => format!("{} peering(s)", g.count),
            Via::Transit => format!("{} TGW attachment(s)", g.count),
            Via::Vpn => format!("{} VPN(s) · tunnels {}/{} up", g.count, g.tunnels_up, g.tunnels),
        };
        if g.risky > 0 {
            label.push_str(&format!(" · {} non-prod ↔ prod", g.risky));
        }
        if g.crossing > 0 {
            label.push_str(&format!(" · {} cross scope", g.crossing));
        }
        glinks.push(GLink {
            id: format!("{a}:{b}:{}", via.word()),
            a: ia,
            b: ib,
            line: *line,
            label,
            cross_scope: g.crossing > 0,
        });
    }
    notes.push(
        "Each line stands for all links of its kind between two boxes; its label gives how many. The account pages draw every link."
            .into(),
    );
    let scene = grid::draw("organisation", &nodes, &glinks, grid::columns(nodes.len()));
    OrgPage { scene, notes }
}
