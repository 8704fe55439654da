//! Readability of the overview-level pages (`render::diagram::readability`): on the
//! demo (one overview page) and a generated 10k-resource estate (organisation and
//! account pages), no line runs on an unrelated line, no labels overlap, every
//! label sits on its own line near an end, every page fits A0 with text ≥ 7 units.
//! And the account pages draw every link of the estate once, inventing none.
//! (100k: `cargo bench -p auditmap-render --bench readability -- 100000`.)
use std::collections::BTreeMap;

use inventory::analysis::analyze;
use inventory::model::TgwAttachmentResourceType;
use render::diagram::readability::{measure, Readability};
use render::diagram::scene::Role;
use render::diagram::Plan;

fn overview_level(s: &inventory::Snapshot) -> Vec<(String, render::diagram::scene::Scene, Readability)> {
    let a = analyze(s);
    let plan = Plan::new(s, &a);
    (0..plan.len())
        .filter(|&i| plan.is_overview_level(i))
        .map(|i| {
            let p = plan.scene(i);
            let m = measure(&p.scene);
            (p.file_stem, p.scene, m)
        })
        .collect()
}

#[test]
fn demo_overview_is_one_clean_page() {
    let s = inventory::demo::demo_snapshot().expect("demo");
    let pages = overview_level(&s);
    assert_eq!(pages.len(), 1, "small estates keep the single overview");
    let (stem, _, m) = &pages[0];
    assert_eq!(stem, "overview");
    assert!(m.is_clean(), "demo overview: {m}");
    assert!(m.labels > 0);
}

#[test]
fn generated_10k_overview_levels_are_clean_and_complete() {
    let s = generate::generate(10_000, 11);
    let r = &s.resources;
    let pages = overview_level(&s);
    assert_eq!(pages[0].0, "overview", "the organisation page keeps the overview's name");
    assert!(pages.len() > 2, "organisation page and account pages");
    for (stem, _, m) in &pages {
        assert!(m.is_clean(), "{stem}: {m}");
    }
    assert!(pages.iter().map(|p| p.2.labels).sum::<usize>() > 50, "labels are measured");

    // Every VPC is drawn on exactly one account page.
    let accounts = &pages[1..];
    for v in &r.vpcs {
        let n = accounts.iter().filter(|p| p.1.boxes.iter().any(|b| b.role == Role::Vpc && b.id == v.id)).count();
        assert_eq!(n, 1, "{} on {n} account pages", v.id);
    }
    // Each VPC's lines on its page are exactly its links: peerings, TGW VPC
    // attachments, VPNs through its VGW (each link counted once, as both accounts may list it).
    let mut want: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in &r.vpc_peering_connections {
        if seen.insert(&p.id) {
            *want.entry(&p.requester.vpc_id).or_default() += 1;
            *want.entry(&p.accepter.vpc_id).or_default() += 1;
        }
    }
    for a in &r.transit_gateway_attachments {
        if a.resource_type == TgwAttachmentResourceType::Vpc && seen.insert(&a.id) {
            if let Some(v) = a.resource_id.as_deref() {
                *want.entry(v).or_default() += 1;
            }
        }
    }
    for v in &r.vpn_connections {
        let Some(g) = &v.vpn_gateway_id else { continue };
        let Some(vpc) =
            r.vpn_gateways.iter().find(|x| &x.id == g).and_then(|x| x.attachments.iter().find(|a| a.is_attached()))
        else {
            continue;
        };
        if seen.insert(&v.id) {
            *want.entry(&vpc.vpc_id).or_default() += 1;
        }
    }
    assert!(want.values().sum::<usize>() > 50);
    for v in &r.vpcs {
        let page = accounts.iter().find(|p| p.1.boxes.iter().any(|b| b.id == v.id)).expect("drawn");
        let drawn = page.1.edges.iter().filter(|e| e.from == v.id || e.to == v.id).count();
        assert_eq!(drawn, want.get(v.id.as_str()).copied().unwrap_or(0), "{}: lines on {}", v.id, page.0);
    }
}
