//! Readability of the overview-level pages (`render::diagram::readability`): on the
//! demo (one overview page) and a generated 10k-resource estate (organisation and
//! account pages), no line runs on an unrelated line, no labels overlap, every
//! label sits on its own line near an end, every page fits A0 with text ≥ 7 units.
//! And the account pages draw every link of the estate once, inventing none. VPC
//! pages with load balancers: their lines to targets are held to the same line and
//! label figures, and every target subnet of the analysis has its line.
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
    // Byte-identical on a second run.
    for (p, q) in pages.iter().zip(&overview_level(&s)) {
        assert_eq!(render::diagram::write::svg::write(&p.1), render::diagram::write::svg::write(&q.1), "{}", p.0);
    }

    // Every VPC is drawn on exactly one account page.
    let accounts: Vec<_> = pages.iter().filter(|p| p.0.starts_with("account-")).collect();
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

    // The connectivity matrix has a page, and a cell for every routed connection.
    assert!(pages.iter().any(|p| p.0 == "matrix"), "matrix page");
    let a = analyze(&s);
    let m = render::diagram::views::matrix::matrix(&s, &a);
    assert_eq!(m.rows.len(), r.vpcs.len());
    for c in &a.segmentation {
        let i = m.rows.iter().position(|x| *x.0 == *c.from_vpc_id).expect("row");
        let j = m.cols.iter().position(|x| *x.0 == *c.to_id).expect("column");
        let cell = &m.cells[&(i, j)];
        assert!(cell.vias.contains(&c.via) && (cell.prod_from_nonprod || !c.prod_from_nonprod), "{c:?}");
    }
    let pairs: std::collections::BTreeSet<(&str, &str)> =
        a.segmentation.iter().map(|c| (&*c.from_vpc_id, &*c.to_id)).collect();
    assert_eq!(m.cells.len(), pairs.len(), "no cell without a connection");
    for v in &r.vpcs {
        let page = accounts.iter().find(|p| p.1.boxes.iter().any(|b| b.id == v.id)).expect("drawn");
        let drawn = page.1.edges.iter().filter(|e| e.from == v.id || e.to == v.id).count();
        assert_eq!(drawn, want.get(v.id.as_str()).copied().unwrap_or(0), "{}: lines on {}", v.id, page.0);
    }
}

/// `--scope-tag` on every page: title block rule, in-scope VPCs outlined, out-of-scope
/// boxes dimmed, crossing lines highlighted; readability unchanged. Without a scope,
/// none of it.
#[test]
fn scope_is_drawn_on_every_page_and_only_with_a_scope() {
    use inventory::analysis::analyze_with;
    use inventory::facts::{ScopeTag, Settings};
    let s = inventory::demo::demo_snapshot().expect("demo");
    let tag = ScopeTag { key: "Environment".into(), value: "prod".into() };
    let a = analyze_with(&s, &Settings { scope_tags: vec![tag], ..Settings::default() });
    let inside = inventory::facts::in_scope_ids(&s.resources, &a).expect("scoped");
    let plan = Plan::new(&s, &a);
    let mut boundaries = 0;
    let mut crossings = 0;
    for i in 0..plan.len() {
        let p = plan.scene(i);
        let sc = &p.scene;
        assert!(sc.texts.iter().any(|t| t.text == "Audit scope"), "{}: no scope rule", p.file_stem);
        for b in sc.boxes.iter().filter(|b| b.role == Role::Vpc) {
            let outlined = sc.edges.iter().any(|e| e.from == format!("scope:{}", b.id));
            assert_eq!(outlined, inside.contains(b.id.as_str()), "{}: VPC {}", p.file_stem, b.id);
            assert_eq!(b.style.fill == "#f2f3f4", !inside.contains(b.id.as_str()), "{}: {} dimmed", p.file_stem, b.id);
            boundaries += usize::from(outlined);
        }
        for e in sc.edges.iter().filter(|e| e.style.color == "#c2185b" && !e.from.starts_with("scope:")) {
            if e.from.starts_with("legend:") {
                continue;
            }
            crossings += 1;
            let known = |id: &str| s.resources.iter().any(|r| r.id == id);
            if known(&e.from) && known(&e.to) {
                assert_ne!(
                    inside.contains(e.from.as_str()),
                    inside.contains(e.to.as_str()),
                    "{}: {}→{}",
                    p.file_stem,
                    e.from,
                    e.to
                );
            }
        }
        if plan.is_overview_level(i) {
            let m = measure(sc);
            assert!(m.is_clean(), "{} with scope: {m}", p.file_stem);
        }
    }
    assert!(boundaries > 0 && crossings > 0, "boundaries {boundaries}, crossings {crossings}");

    let plain = analyze(&s);
    let plan = Plan::new(&s, &plain);
    for p in plan.pages() {
        assert!(!p.scene.texts.iter().any(|t| t.text == "Audit scope"));
        assert!(!p.scene.edges.iter().any(|e| e.from.starts_with("scope:") || e.style.color == "#c2185b"));
    }
}

/// VPC pages with load balancers, demo and generated 10k: their lines to targets
/// share no stretch with another line, their labels overlap none and each sits on
/// the first stretch of its own line; text stays ≥ 7 units. Each load balancer with
/// a node in the VPC is one box, and every target subnet of the analysis (blocked
/// ones dashed) has its line, up to the per-box cap.
#[test]
fn vpc_pages_with_load_balancers_are_clean() {
    use inventory::analysis::TargetReach;
    for s in [inventory::demo::demo_snapshot().expect("demo"), generate::generate(10_000, 11)] {
        let a = analyze(&s);
        let plan = Plan::new(&s, &a);
        let r = &s.resources;
        let mut pages_with_lbs = 0;
        for p in plan.pages().filter(|p| p.file_stem.starts_with("vpc-")) {
            let sc = &p.scene;
            let lbs: Vec<_> =
                sc.boxes.iter().filter(|b| b.role == Role::LoadBalancer && !b.id.contains(":in:")).collect();
            if lbs.is_empty() {
                continue;
            }
            pages_with_lbs += 1;
            let m = measure(sc);
            assert!(
                m.shared_length < 0.5 && m.label_overlaps == 0 && m.labels_astray == 0 && m.min_text >= 7.0,
                "{}: {m}",
                p.file_stem
            );
            let vpc = p.file_stem.trim_start_matches("vpc-");
            let vpc = r.vpcs.iter().find(|v| v.id.ends_with(vpc)).map(|v| v.id.as_str()).unwrap_or_default();
            for lb in lbs {
                let n = sc.boxes.iter().filter(|b| b.id == lb.id).count();
                assert_eq!(n, 1, "{}: {} drawn {n} times", p.file_stem, lb.id);
                let subnet_of = |e: &str| r.network_interfaces.iter().find(|n| n.id == e).map(|n| n.subnet_id.as_str());
                let want: std::collections::BTreeSet<(&str, bool)> = a
                    .behind_load_balancers
                    .iter()
                    .chain(&a.other_load_balancer_targets)
                    .filter(|t| t.listener.load_balancer_id == lb.id && t.reach != TargetReach::NotEvaluated)
                    .filter_map(|t| {
                        let sub = subnet_of(t.eni_id.as_deref()?)?;
                        let on_page = r.subnets.iter().any(|x| x.id == sub && x.vpc_id == vpc);
                        on_page.then_some((sub, t.reach == TargetReach::Blocked))
                    })
                    .collect();
                let drawn: std::collections::BTreeSet<(&str, bool)> =
                    sc.edges.iter().filter(|e| e.from == lb.id).map(|e| (e.to.as_str(), e.style.dashed)).collect();
                for e in sc.edges.iter().filter(|e| e.from == lb.id) {
                    let label = e.label.map(|l| sc.texts.iter().find(|t| t.owner == Some(l)).map(|t| t.text.as_str()));
                    let label = label.flatten().unwrap_or_default();
                    assert_eq!(label.starts_with("blocked "), e.style.dashed, "{}: {label}", p.file_stem);
                }
                if want.len() <= 6 {
                    assert_eq!(drawn, want, "{}: lines of {}", p.file_stem, lb.id);
                } else {
                    assert!(drawn.is_subset(&want) && drawn.len() == 5, "{}: lines of {}", p.file_stem, lb.id);
                }
            }
        }
        assert!(pages_with_lbs > 0, "load balancers drawn");
    }
}
