//! Diagram tests: scene geometry (containment, overlaps, labels, exposure outline,
//! gateways on borders, lines around boxes), SVG validity, determinism, escaping of
//! hostile names, non-blank PNGs, and insta snapshots of the demo estate's SVGs.
#[path = "support/svg_reference.rs"]
mod svg_reference;
use inventory::analysis::{analyze, Analysis};
use inventory::model::*;
use inventory::Snapshot;
use render::diagram::layout::route::segment_crosses;
use render::diagram::scene::{Role, Scene};
use render::diagram::{render_pages, render_scenes, scene_to_pdf, scene_to_png, PageScene};

fn demo() -> (Snapshot, Analysis) {
    let s = inventory::demo::demo_snapshot().expect("demo estate loads");
    let a = analyze(&s);
    (s, a)
}

fn check_geometry(page: &PageScene) {
    let sc: &Scene = &page.scene;
    let p = &page.file_stem;
    for (i, b) in sc.boxes.iter().enumerate() {
        assert!(b.rect.w > 0.0 && b.rect.h > 0.0, "{p}: box {} has no area", b.id);
        assert!(
            b.rect.x >= -0.01
                && b.rect.y >= -0.01
                && b.rect.right() <= sc.width + 0.01
                && b.rect.bottom() <= sc.height + 0.01,
            "{p}: box {} off the page",
            b.id
        );
        let Some(parent) = b.parent else { continue };
        let pr = &sc.boxes[parent];
        match b.role {
            // Gateways straddle their VPC's border: centred on it, within its width.
            Role::Gateway => {
                let on_top = (b.rect.cy() - pr.rect.y).abs() < 0.5;
                let on_bottom = (b.rect.cy() - pr.rect.bottom()).abs() < 0.5;
                assert!(pr.role == Role::Vpc && (on_top || on_bottom), "{p}: gateway {} not on its VPC border", b.id);
                assert!(
                    b.rect.x >= pr.rect.x && b.rect.right() <= pr.rect.right(),
                    "{p}: gateway {} beyond its VPC",
                    b.id
                );
            }
            Role::Chip => {}
            _ => assert!(
                pr.rect.contains(&b.rect),
                "{p}: {} ({:?}) not inside its parent {} ({:?})",
                b.id,
                b.role,
                pr.id,
                pr.role
            ),
        }
        if b.role == Role::Subnet {
            assert_eq!(pr.role, Role::AvailabilityZone, "{p}: subnet {} not in an AZ column", b.id);
            let vpc = pr.parent.map(|v| &sc.boxes[v]).expect("AZ has a VPC");
            assert_eq!(vpc.role, Role::Vpc);
            assert!(vpc.rect.contains(&b.rect));
            let _ = i;
        }
    }
    // Siblings never overlap (label chips are checked among themselves below).
    let mut by_parent: std::collections::BTreeMap<Option<usize>, Vec<usize>> = Default::default();
    for (i, b) in sc.boxes.iter().enumerate() {
        if b.role != Role::Chip {
            by_parent.entry(b.parent).or_default().push(i);
        }
    }
    for kids in by_parent.values() {
        for (x, &a) in kids.iter().enumerate() {
            for &b in &kids[x + 1..] {
                let (ba, bb) = (&sc.boxes[a], &sc.boxes[b]);
                if spans_az_columns(sc, ba, bb) || spans_az_columns(sc, bb, ba) {
                    continue;
                }
                assert!(!ba.rect.overlaps(&bb.rect), "{p}: siblings {} and {} overlap", ba.id, bb.id);
            }
        }
    }
    check_load_balancers(page);
    let chips: Vec<_> = sc.boxes.iter().filter(|b| b.role == Role::Chip).collect();
    for (x, a) in chips.iter().enumerate() {
        for b in &chips[x + 1..] {
            assert!(!a.rect.overlaps(&b.rect), "{p}: label chips {} and {} collide", a.id, b.id);
        }
    }
    for t in &sc.texts {
        let owner = &sc.boxes[t.owner.expect("every text belongs to a box")];
        assert!(owner.rect.inflate(0.5).contains(&t.bbox()), "{p}: text {:?} overflows {}", t.text, owner.id);
    }
    for e in &sc.edges {
        if e.from.starts_with("legend:") {
            continue;
        }
        assert!(e.points.len() >= 2);
        for w in e.points.windows(2) {
            assert!(
                (w[0].0 - w[1].0).abs() < 1e-6 || (w[0].1 - w[1].1).abs() < 1e-6,
                "{p}: edge {}→{} not orthogonal",
                e.from,
                e.to
            );
            for b in &sc.boxes {
                let leaf = matches!(b.role, Role::Resource | Role::Node | Role::Gateway)
                    || (b.role == Role::Vpc && p == "overview");
                if leaf && b.id != e.from && b.id != e.to {
                    assert!(!segment_crosses(w[0], w[1], &b.rect), "{p}: edge {}→{} crosses {}", e.from, e.to, b.id);
                }
            }
        }
    }
}

/// A load balancer's box (or its change ring) runs across AZ columns by design.
fn spans_az_columns(
    sc: &Scene,
    lb: &render::diagram::scene::SceneBox,
    other: &render::diagram::scene::SceneBox,
) -> bool {
    let is_lb = |b: &render::diagram::scene::SceneBox| {
        b.role == Role::LoadBalancer
            || b.role == Role::Ring
                && sc.boxes.iter().any(|x| x.role == Role::LoadBalancer && b.id == format!("{}:ring", x.id))
    };
    is_lb(lb) && other.role == Role::AvailabilityZone
}

/// Load balancers on VPC pages: one box each, covering no resource, subnet heading
/// or other load balancer; each "node in" tab inside its box and over a subnet the
/// load balancer has a node in; its lines start on its box and end on a subnet's edge.
fn check_load_balancers(page: &PageScene) {
    let sc = &page.scene;
    let p = &page.file_stem;
    let lbs: Vec<&render::diagram::scene::SceneBox> =
        sc.boxes.iter().filter(|b| b.role == Role::LoadBalancer && !b.id.contains(":in:")).collect();
    let mut ids = std::collections::BTreeSet::new();
    for lb in &lbs {
        assert!(ids.insert(lb.id.as_str()), "{p}: load balancer {} drawn twice", lb.id);
        for b in sc.boxes.iter().filter(|b| matches!(b.role, Role::Resource | Role::Gateway)) {
            assert!(!lb.rect.overlaps(&b.rect), "{p}: load balancer {} covers {}", lb.id, b.id);
        }
        for other in lbs.iter().filter(|o| o.id != lb.id) {
            assert!(!lb.rect.overlaps(&other.rect), "{p}: load balancers {} and {} overlap", lb.id, other.id);
        }
        for t in sc.texts.iter().filter(|t| t.owner.is_some_and(|o| sc.boxes[o].role == Role::Subnet)) {
            assert!(!lb.rect.overlaps(&t.bbox()), "{p}: load balancer {} covers {:?}", lb.id, t.text);
        }
    }
    for tab in sc.boxes.iter().filter(|b| b.role == Role::LoadBalancer && b.id.contains(":in:")) {
        let owner = &sc.boxes[tab.parent.expect("a tab has its box")];
        assert!(owner.rect.contains(&tab.rect), "{p}: tab {} outside its box", tab.id);
        let subnet = tab.id.rsplit(":in:").next().unwrap_or_default();
        let sb = sc.boxes.iter().find(|b| b.role == Role::Subnet && b.id == subnet).expect("tab's subnet drawn");
        assert!(sb.rect.contains(&tab.rect), "{p}: tab {} not over its subnet", tab.id);
    }
    for e in sc.edges.iter().filter(|e| lbs.iter().any(|b| b.id == e.from)) {
        let lb = lbs.iter().find(|b| b.id == e.from).expect("from a load balancer");
        let (first, last) = (e.points[0], e.points[e.points.len() - 1]);
        assert!(lb.rect.inflate(0.5).contains(&render::diagram::scene::Rect::new(first.0, first.1, 0.0, 0.0)));
        let to = sc.boxes.iter().find(|b| b.id == e.to && b.role == Role::Subnet).expect("line ends on a subnet");
        assert!((last.0 - to.rect.right()).abs() < 0.01, "{p}: {}→{} ends off its subnet", e.from, e.to);
        assert!(e.label.is_some(), "{p}: {}→{} has no label", e.from, e.to);
    }
}

#[test]
fn demo_pages_have_sound_geometry() {
    let (s, a) = demo();
    let pages = render_scenes(&s, &a).unwrap();
    assert_eq!(pages.first().map(|p| p.file_stem.as_str()), Some("overview"));
    assert_eq!(pages.last().map(|p| p.file_stem.as_str()), Some("exposure"));
    assert_eq!(pages.len(), s.resources.vpcs.len() + 2);
    for p in &pages {
        check_geometry(p);
    }
}

#[test]
fn every_exposed_eni_is_outlined_on_its_vpc_page_and_the_exposure_page() {
    let (s, a) = demo();
    assert!(!a.exposures.is_empty(), "demo estate has exposure fixtures");
    let pages = render_scenes(&s, &a).unwrap();
    for x in &a.exposures {
        for stem in [x.vpc_id.as_str(), "exposure"] {
            let page = pages.iter().find(|p| p.file_stem == stem).expect("page exists");
            let hit = page
                .scene
                .boxes
                .iter()
                .any(|b| b.exposed && b.style.stroke == "#d00000" && b.members.contains(&x.eni_id));
            assert!(hit, "{}: exposed ENI {} not outlined", stem, x.eni_id);
        }
    }
    // And nothing unexposed is outlined as exposed on VPC pages.
    let exposed: std::collections::BTreeSet<&str> = a.exposures.iter().map(|x| x.eni_id.as_str()).collect();
    for p in pages.iter().filter(|p| p.file_stem.starts_with("vpc-")) {
        for b in p.scene.boxes.iter().filter(|b| b.exposed) {
            assert!(
                b.members.iter().any(|m| exposed.contains(m.as_str())),
                "{}: {} outlined without a finding",
                p.file_stem,
                b.id
            );
        }
    }
}

/// The demo's prod VPC: each load balancer one box whatever its number of nodes,
/// with type, name, scheme, listeners (a redirect said so), its nodes' public
/// addresses and a tab per node; the
/// NLB's target in another account's VPC counted on its box; the web ALB's lines to
/// the web tier with the target port; and the legend explains box and lines.
#[test]
fn demo_load_balancers_are_one_box_with_their_lines() {
    let (s, a) = demo();
    let pages = render_scenes(&s, &a).unwrap();
    let prod = &pages.iter().find(|p| p.file_stem == "vpc-03ff7338c5e6a1e40").expect("prod page").scene;
    let text_of = |id: &str| -> Vec<&str> {
        let i = prod.boxes.iter().position(|b| b.id == id).expect("box");
        prod.texts.iter().filter(|t| t.owner == Some(i)).map(|t| t.text.as_str()).collect()
    };
    let boxes: Vec<_> = prod.boxes.iter().filter(|b| b.role == Role::LoadBalancer && !b.id.contains(":in:")).collect();
    assert_eq!(boxes.len(), 3, "web ALB, partner NLB, app ALB");
    let web = boxes.iter().find(|b| b.id.contains("/prod-web-alb/")).expect("web ALB");
    assert_eq!(
        text_of(&web.id),
        [
            "ALB prod-web-alb",
            "internet-facing · HTTP 80 → redirect, HTTPS 443",
            "public 203.0.113.30, 203.0.113.31",
            "internet → tcp/443, tcp/80"
        ]
    );
    assert!(web.exposed && web.style.stroke == "#d00000");
    let tabs = prod.boxes.iter().filter(|b| b.id.starts_with(&format!("{}:in:", web.id))).count();
    assert_eq!(tabs, 2, "a node in each public subnet");
    let lines: Vec<_> = prod.edges.iter().filter(|e| e.from == web.id).collect();
    assert_eq!(lines.len(), 2, "to the web instances in both private subnets");
    for e in lines {
        let l = e.label.map(|l| text_of(&prod.boxes[l].id)).unwrap_or_default();
        assert_eq!(l, ["tcp/8080"]);
    }
    let nlb = boxes.iter().find(|b| b.id.contains("/prod-partner-nlb/")).expect("NLB");
    assert!(text_of(&nlb.id).contains(&"+1 target outside this VPC, not evaluated"));
    let legend = |t: &str| prod.texts.iter().any(|x| x.text.starts_with(t));
    assert!(legend("load balancer: one box across the subnets it serves"), "legend: box");
    assert!(legend("load balancer forwards to targets in that subnet"), "legend: line");
    assert!(legend("load balancer target refused"), "legend: blocked line");
}

#[test]
fn every_page_carries_title_block_and_legend() {
    let (s, a) = demo();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(inventory::snapshot::to_json_bytes(&s)))
    };
    for p in render_scenes(&s, &a).unwrap() {
        let texts: Vec<&str> = p.scene.texts.iter().map(|t| t.text.as_str()).collect();
        for needed in ["Reviewed by", "Approved by", "Date", "Legend", "Snapshot taken (UTC)"] {
            assert!(texts.contains(&needed), "{}: missing {needed}", p.file_stem);
        }
        assert!(texts.contains(&s.collected_at.to_string().as_str()), "{}: snapshot time", p.file_stem);
        assert!(texts.iter().any(|t| t.starts_with(&sha[..16])), "{}: snapshot hash", p.file_stem);
        assert!(texts.iter().any(|t| t.contains(env!("CARGO_PKG_VERSION"))), "{}: version", p.file_stem);
    }
}

#[test]
fn svg_is_valid_script_free_and_deterministic_and_png_pdf_work() {
    let (s, a) = demo();
    let one = render_pages(&s, &a).unwrap();
    let two = render_pages(&s, &a).unwrap();
    for (p, q) in one.iter().zip(&two) {
        assert_eq!(p.svg, q.svg, "{}: SVG differs between runs", p.file_stem);
        assert_eq!(p.drawio, q.drawio);
        svg_reference::parse(&p.svg).unwrap_or_else(|e| panic!("{}: {e}", p.file_stem));
        let lower = p.svg.to_ascii_lowercase();
        for bad in ["<script", "javascript:", "onload=", "onclick=", "onerror=", "onmouseover=", "<foreignobject"] {
            assert!(!lower.contains(bad), "{}: script-like content {bad}", p.file_stem);
        }
        assert!(!lower.contains("href"), "{}: external reference", p.file_stem);
        let png = scene_to_png(&p.scene, 2.0).unwrap();
        assert_eq!(png, scene_to_png(&q.scene, 2.0).unwrap(), "{}: PNG differs between runs", p.file_stem);
        assert_non_blank(&png, &p.file_stem);
        let pdf = scene_to_pdf(&p.scene).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{}", p.file_stem);
        assert_eq!(pdf, scene_to_pdf(&q.scene).unwrap(), "{}: PDF differs between runs", p.file_stem);
        let d = p.drawio.as_deref().unwrap();
        assert!(d.starts_with("<mxfile") && d.trim_end().ends_with("</mxfile>"));
    }
    assert!(one.iter().find(|p| p.file_stem == "overview").unwrap().dot.as_deref().unwrap().starts_with("digraph"));
}

fn assert_non_blank(png: &[u8], what: &str) {
    let pix = resvg::tiny_skia::Pixmap::decode_png(png).expect("PNG decodes");
    let data = pix.data();
    let ink = data.chunks(4).filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200).count();
    let total = data.len() / 4;
    assert!(ink * 100 > total, "{what}: PNG is (nearly) blank: {ink} of {total} pixels inked");
}

const HOSTILE: [&str; 4] =
    ["<script>alert(1)</script>", "a & b \"quoted\" 'single' ]]> --", "\u{202E}gpj.exe\u{200F}", ""];

fn hostile_estate() -> (Snapshot, Analysis) {
    let (mut s, _) = demo();
    let long = "W".repeat(10_000);
    let names: Vec<String> = HOSTILE.iter().take(3).map(|x| x.to_string()).chain([long]).collect();
    let r = &mut s.resources;
    for (i, v) in r.vpcs.iter_mut().enumerate() {
        v.tags.insert("Name".into(), names[i % names.len()].clone());
    }
    for (i, x) in r.subnets.iter_mut().enumerate() {
        x.tags.insert("Name".into(), names[(i + 1) % names.len()].clone());
    }
    for (i, x) in r.instances.iter_mut().enumerate() {
        x.tags.insert("Name".into(), names[(i + 2) % names.len()].clone());
    }
    for (i, x) in r.security_groups.iter_mut().enumerate() {
        x.group_name = names[(i + 3) % names.len()].clone();
    }
    for (i, x) in r.accounts.iter_mut().enumerate() {
        x.alias = Some(names[i % names.len()].clone());
    }
    // Load balancer boxes: name, DNS name (tooltip) and listener protocol from AWS.
    for (i, x) in r.load_balancers.iter_mut().enumerate() {
        x.name = names[i % names.len()].clone();
        x.dns_name = Some(names[(i + 1) % names.len()].clone());
    }
    for (i, x) in r.listeners.iter_mut().enumerate() {
        x.protocol = Some(names[(i + 2) % names.len()].clone());
    }
    let a = analyze(&s);
    (s, a)
}

#[test]
fn hostile_names_are_escaped_stripped_and_elided() {
    let (s, a) = hostile_estate();
    let pages = render_pages(&s, &a).unwrap();
    for p in &pages {
        for out in [&p.svg, p.drawio.as_ref().unwrap()] {
            assert!(!out.contains("<script"), "{}: raw markup", p.file_stem);
            assert!(!out.contains('\u{202E}') && !out.contains('\u{200F}'), "{}: bidi control kept", p.file_stem);
            assert!(!out.contains(&"W".repeat(300)), "{}: 10 000-char name not elided", p.file_stem);
            assert!(!out.contains("]]>"), "{}: CDATA terminator", p.file_stem);
        }
        svg_reference::parse(&p.svg).unwrap_or_else(|e| panic!("{}: {e}", p.file_stem));
        if let Some(d) = &p.dot {
            assert!(!d.contains("\"quoted\""), "DOT quotes escaped");
        }
    }
    let all: String = pages.iter().map(|p| p.svg.as_str()).collect();
    assert!(all.contains("&lt;script&gt;alert(1)"), "hostile name shown, escaped");
    assert!(all.contains("WWW…"), "long name shown elided");
    for p in render_scenes(&s, &a).unwrap() {
        check_geometry(&p);
    }
}

#[test]
fn many_like_resources_aggregate_into_one_chip() {
    let (mut s, _) = demo();
    let template = s
        .resources
        .instances
        .iter()
        .find(|i| i.subnet_id.is_some())
        .cloned()
        .expect("demo has an instance in a subnet");
    for n in 0..40 {
        let mut i = template.clone();
        i.id = format!("i-0aggregate{n:08}");
        i.network_interface_ids.clear();
        i.tags.insert("Name".into(), format!("web-asg-{n:02}"));
        s.resources.instances.push(i);
    }
    s.normalize();
    let a = analyze(&s);
    let pages = render_scenes(&s, &a).unwrap();
    let page = pages.iter().find(|p| Some(p.file_stem.as_str()) == template.vpc_id.as_deref()).unwrap();
    assert!(page.scene.texts.iter().any(|t| t.text.contains("web-asg × 40")), "aggregate chip");
    check_geometry(page);
}

#[test]
fn empty_snapshot_renders_overview_and_exposure() {
    let s = Snapshot::new(inventory::snapshot::Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
    let pages = render_pages(&s, &Analysis::default()).unwrap();
    assert_eq!(pages.iter().map(|p| p.file_stem.as_str()).collect::<Vec<_>>(), ["overview", "exposure"]);
    for p in &pages {
        svg_reference::parse(&p.svg).unwrap();
    }
}

#[test]
fn demo_svgs_match_snapshots() {
    let (s, a) = demo();
    for p in render_pages(&s, &a).unwrap() {
        insta::assert_snapshot!(format!("diagram_demo_{}", p.file_stem), p.svg);
    }
}

#[allow(dead_code)]
fn _uses(_: &Vpc) {}

#[test]
fn generated_estate_pages_have_sound_geometry_and_stay_legible() {
    let s = generate::generate(3000, 7);
    let a = analyze(&s);
    let pages = render_scenes(&s, &a).unwrap();
    // Past a dozen VPCs the overview comes in levels: organisation + account pages.
    // (and the connectivity matrix).
    let account_pages = pages.iter().filter(|p| p.file_stem.starts_with("account-")).count();
    let matrix_pages = pages.iter().filter(|p| p.file_stem.starts_with("matrix")).count();
    assert!(s.resources.vpcs.len() <= render::diagram::plan::SINGLE_OVERVIEW_MAX_VPCS || account_pages > 0);
    assert_eq!(pages.len(), s.resources.vpcs.len() + 2 + account_pages + matrix_pages);
    for p in &pages {
        check_geometry(p);
        // Aggregation keeps every subnet to a bounded number of chips.
        let subnets: Vec<usize> =
            p.scene.boxes.iter().enumerate().filter(|(_, b)| b.role == Role::Subnet).map(|(i, _)| i).collect();
        for sb in subnets {
            let chips = p.scene.boxes.iter().filter(|b| b.parent == Some(sb)).count();
            assert!(chips <= render::diagram::views::vpc::MAX_CHIPS, "{}: {chips} chips in one subnet", p.file_stem);
        }
    }
    // Every instance is accounted for on its VPC page (drawn alone or inside an aggregate).
    for i in s.resources.instances.iter().filter(|i| i.subnet_id.is_some()) {
        let vpc = i.vpc_id.as_deref().unwrap();
        let page = pages.iter().find(|p| p.file_stem == vpc).unwrap();
        assert!(page.scene.boxes.iter().any(|b| b.members.contains(&i.id)), "{} missing from {vpc}", i.id);
    }
}
