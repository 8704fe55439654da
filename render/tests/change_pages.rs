//! Change pages (`auditmap diff --out`, `package --previous`) on the committed demo pair
//! (examples/estates/demo.json → demo-next.json, see tests/diff_cli.rs for its diff):
//! exactly the changed VPCs get a page, each mark sits on the right box, removed and
//! not-collected resources are drawn from OLD where they were, the geometry holds,
//! and the output is deterministic.
use std::collections::BTreeSet;
use std::path::PathBuf;

use inventory::analysis::Analysis;
use inventory::diff::{diff, Side};
use inventory::Snapshot;
use render::diagram::scene::{Role, Scene};
use render::diagram::views::marks::{ADDED, CHANGED};
use render::diagram::{ChangePages, Format, PageScene};
use render::pipeline::Input;

const PROD: &str = "vpc-03ff7338c5e6a1e40";
const SHARED: &str = "vpc-084e8b2940c925acb";
const STAGING: &str = "vpc-0b25874defdab4e8c";

fn side(name: &str) -> (Snapshot, Analysis, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/estates").join(name);
    let input = Input::file(&path).expect("estate loads");
    let sha = render::package::sha256_hex(&input.bytes);
    let prepared = input.prepare(None).expect("prepares");
    let snapshot = prepared.snapshot.into_owned();
    let analysis = inventory::diff::analyze(&snapshot, &prepared.settings);
    (snapshot, analysis, sha)
}

struct Pair {
    old: (Snapshot, Analysis, String),
    new: (Snapshot, Analysis, String),
}

impl Pair {
    fn demo() -> Pair {
        Pair { old: side("demo.json"), new: side("demo-next.json") }
    }
    fn diff(&self) -> inventory::diff::Diff {
        let (o, n) = (&self.old, &self.new);
        diff(
            &Side { snapshot: &o.0, analysis: &o.1, sha256: o.2.clone() },
            &Side { snapshot: &n.0, analysis: &n.1, sha256: n.2.clone() },
        )
    }
    fn pages(&self) -> Vec<PageScene> {
        let d = self.diff();
        let pages = ChangePages::new(&d, &self.old.0, &self.new.0, &self.new.1);
        let all: Vec<PageScene> = pages.pages().collect();
        assert_eq!(all.len(), pages.len());
        all
    }
}

fn page<'p>(pages: &'p [PageScene], stem: &str) -> &'p Scene {
    &pages.iter().find(|p| p.file_stem == stem).unwrap_or_else(|| panic!("no page {stem}")).scene
}

/// The texts drawn inside box `id` (its own, not its children's).
fn texts_of(sc: &Scene, id: &str) -> Vec<String> {
    let i = sc.boxes.iter().position(|b| b.id == id).unwrap_or_else(|| panic!("no box {id}"));
    sc.texts.iter().filter(|t| t.owner == Some(i)).map(|t| t.text.clone()).collect()
}

fn ring_of<'s>(sc: &'s Scene, id: &str) -> Option<&'s str> {
    sc.boxes.iter().find(|b| b.id == format!("{id}:ring")).map(|b| b.style.fill)
}

fn all_text(sc: &Scene) -> String {
    sc.texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join("\n")
}

#[test]
fn exactly_the_changed_vpcs_get_a_page() {
    let pages = Pair::demo().pages();
    let stems: Vec<&str> = pages.iter().map(|p| p.file_stem.as_str()).collect();
    // prod: added host, SG and NACL changes, exposures; shared: instances not
    // collected; staging: the terminated instance. Nothing changed in the other VPCs.
    assert_eq!(stems, [PROD, SHARED, STAGING]);
    for p in &pages {
        assert!(p.title.starts_with("Changes: VPC "), "{}", p.title);
        let text = all_text(&p.scene);
        assert!(text.contains("Changes from 2026-11-20T09:30:00Z to 2026-11-27T09:30:00Z"), "{}", p.file_stem);
        let pair_sha = |name: &str| {
            render::package::sha256_hex(
                &std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/estates").join(name))
                    .unwrap(),
            )
        };
        for sha in [pair_sha("demo.json"), pair_sha("demo-next.json")] {
            assert!(
                text.contains(&format!("{}…", &sha[..16])),
                "{}: both snapshot hashes in the title block",
                p.file_stem
            );
        }
        for legend in [
            "+ ADDED since",
            "~ CHANGED (amber",
            "− REMOVED: not in the new",
            "? NOT COLLECTED: the new",
            "NEW / WIDENED internet exposure",
        ] {
            assert!(text.contains(legend), "{}: legend {legend}", p.file_stem);
        }
    }
}

#[test]
fn marks_sit_on_the_right_boxes() {
    let pages = Pair::demo().pages();
    let prod = page(&pages, PROD);
    // The new host: green ring, badge, and its new exposure in its label.
    assert_eq!(ring_of(prod, "i-0a11c0ffee0000001"), Some(ADDED));
    let web = texts_of(prod, "i-0a11c0ffee0000001");
    assert_eq!(web[0], "+ ADDED", "{web:?}");
    assert!(web.iter().any(|t| t.starts_with("NEW internet exposure: tcp/443 from")), "{web:?}");
    // The bastion did not change itself: no ring; its widened exposure and its
    // changed security group are on its label.
    assert_eq!(ring_of(prod, "i-0c1425424139e128e"), None);
    let bastion = texts_of(prod, "i-0c1425424139e128e").join(" ");
    assert!(bastion.contains("WIDENED internet exposure: tcp/22 from 0.0.0.0/0 except 198.51.100.10/32"), "{bastion}");
    assert!(bastion.contains("sg-0fc783549fafee1df (prod-bastion-sg) changed: ingress"), "{bastion}");
    // The legacy report host's subnet names its changed NACL; the host its new exposure.
    let report_subnet = prod.boxes.iter().find(|b| b.id == "i-09025814dc3004ef8").and_then(|b| b.parent).unwrap();
    let subnet_texts = texts_of(prod, &prod.boxes[report_subnet].id).join(" ");
    assert!(subnet_texts.contains("its network ACL acl-0e9ed372fe4bc235f changed: entries"), "{subnet_texts}");
    assert!(texts_of(prod, "i-09025814dc3004ef8").join(" ").contains("NEW internet exposure: tcp/8080 from 0.0.0.0/0"));
    // Security groups and NACLs are no boxes: listed under the drawing with their fields.
    let panel = texts_of(prod, "changes-panel").join("\n");
    assert!(panel.contains("~ CHANGED: security_group sg-0fc783549fafee1df (prod-bastion-sg)"), "{panel}");
    assert!(panel.contains("ingress + tcp/22 from 0.0.0.0/0 (sgr-0c0ffee0000000022)"), "{panel}");
    assert!(panel.contains("~ CHANGED: network_acl acl-0e9ed372fe4bc235f"), "{panel}");
    assert!(panel.contains("+ ADDED: security_group sg-0a11c0ffee0000001"), "{panel}");
    assert!(!all_text(prod).contains("REMOVED\n"), "nothing removed in prod");

    // staging: the terminated instance, once, dashed grey where it was, with why.
    let staging = page(&pages, STAGING);
    let orphans: Vec<_> = staging.boxes.iter().filter(|b| b.id == "i-024bd1894ca47933e").collect();
    assert_eq!(orphans.len(), 1, "drawn once");
    assert!(orphans[0].style.dashed);
    assert_eq!(ring_of(staging, "i-024bd1894ca47933e"), None);
    let orphan = texts_of(staging, "i-024bd1894ca47933e");
    assert_eq!(orphan[0], "− REMOVED");
    assert!(orphan.contains(&"state terminated".to_string()), "{orphan:?}");
    let parent = orphans[0].parent.map(|p| staging.boxes[p].id.clone());
    assert_eq!(parent.as_deref(), Some("subnet-0c42341f5ed0c2f4a"), "in its old subnet");

    // shared: the instances NEW could not list are "not collected", never removed.
    let shared = page(&pages, SHARED);
    for id in ["i-0efbe320ab71c66b4", "i-0e251ba53c9c85ca8"] {
        let t = texts_of(shared, id);
        assert_eq!(t[0], "? NOT COLLECTED (may still exist)", "{t:?}");
        assert!(t.join(" ").contains("ec2:DescribeInstances denied"), "{t:?}");
        let b = shared.boxes.iter().find(|b| b.id == id).unwrap();
        assert!(!b.style.dashed, "not drawn as removed");
    }
    assert!(!all_text(shared).contains("− REMOVED\n") && !all_text(shared).lines().any(|l| l == "− REMOVED"));
}

/// Boxes stay inside their parents (gateways on their VPC border), text inside its
/// box, and a ring overlaps nothing but the box it surrounds and that box's parents.
#[test]
fn change_pages_hold_the_geometry_rules() {
    let pages = Pair::demo().pages();
    for p in &pages {
        let sc = &p.scene;
        for b in &sc.boxes {
            let Some(parent) = b.parent else { continue };
            let pr = &sc.boxes[parent];
            if b.role == Role::Gateway || (b.role == Role::Ring && b.id.ends_with(":ring") && pr.role == Role::Vpc) {
                continue;
            }
            assert!(pr.rect.contains(&b.rect), "{}: {} not inside {}", p.file_stem, b.id, pr.id);
        }
        for t in &sc.texts {
            let owner = &sc.boxes[t.owner.expect("owned")];
            assert!(
                owner.rect.inflate(0.5).contains(&t.bbox()),
                "{}: text {:?} overflows {}",
                p.file_stem,
                t.text,
                owner.id
            );
        }
        for r in sc.boxes.iter().filter(|b| b.role == Role::Ring && b.id.ends_with(":ring")) {
            let target = r.id.trim_end_matches(":ring");
            let mut allowed: BTreeSet<usize> = BTreeSet::new();
            let mut at = sc.boxes.iter().position(|b| b.id == target);
            while let Some(i) = at {
                allowed.insert(i);
                at = sc.boxes[i].parent;
            }
            for (i, b) in sc.boxes.iter().enumerate() {
                if allowed.contains(&i)
                    || b.role == Role::Ring
                    || sc.boxes[i].parent.is_some_and(|p| allowed.contains(&p) && sc.boxes[p].id == target)
                {
                    continue;
                }
                if b.rect.overlaps(&r.rect) && !b.rect.contains(&r.rect) {
                    panic!("{}: ring of {target} overlaps {}", p.file_stem, b.id);
                }
            }
        }
        assert!(sc.boxes.iter().any(|b| b.style.fill == ADDED || b.style.fill == CHANGED || b.style.dashed));
    }
}

#[test]
fn a_snapshot_against_itself_has_no_change_pages() {
    let pair = Pair { old: side("demo.json"), new: side("demo.json") };
    let d = pair.diff();
    assert!(d.is_empty());
    let pages = ChangePages::new(&d, &pair.old.0, &pair.new.0, &pair.new.1);
    assert!(pages.is_empty());
    assert_eq!(pages.pages().count(), 0);
}

#[test]
fn change_pages_are_deterministic() {
    let draw = || -> Vec<Vec<u8>> {
        Pair::demo()
            .pages()
            .iter()
            .flat_map(|p| [Format::Svg, Format::Png].map(|f| f.write(p, 1.0).unwrap().unwrap()))
            .collect()
    };
    assert!(draw() == draw(), "byte-identical across runs");
}

#[test]
fn hostile_names_are_escaped_on_change_pages() {
    let mut pair = Pair::demo();
    for i in &mut pair.new.0.resources.instances {
        if i.id == "i-0a11c0ffee0000001" {
            i.tags.insert("Name".into(), "<script>alert(1)</script>\u{202e}".into());
        }
    }
    let pages = pair.pages();
    let svg = String::from_utf8(Format::Svg.write(&pages[0], 1.0).unwrap().unwrap()).unwrap();
    assert!(!svg.contains("<script>"), "escaped");
    assert!(svg.contains("&lt;script&gt;"));
    assert!(!svg.contains('\u{202e}'), "bidi control stripped");
}

/// Gateways: a changed one (tags of the prod IGW) gets a ring and badge on the VPC
/// border and makes its VPC a change page although it states no VPC of its own; a
/// removed one that a route still names is greyed where it stood.
#[test]
fn gateways_are_marked_on_the_border() {
    let mut pair = Pair { old: side("demo.json"), new: side("demo.json") };
    let r = &mut pair.new.0.resources;
    r.vpc_endpoints.retain(|e| e.id != "vpce-00d6ccde968426cb0");
    for g in &mut r.internet_gateways {
        if g.id == "igw-08b039c3dd55064c2" {
            g.tags.insert("Owner".into(), "net".into());
        }
    }
    pair.new.1 = inventory::diff::analyze(&pair.new.0, &Default::default());
    let pages = pair.pages();
    let stems: Vec<&str> = pages.iter().map(|p| p.file_stem.as_str()).collect();
    assert_eq!(stems, [PROD]);
    let prod = page(&pages, PROD);
    assert_eq!(ring_of(prod, "igw-08b039c3dd55064c2"), Some(CHANGED));
    assert_eq!(texts_of(prod, "igw-08b039c3dd55064c2")[0], "~ CHANGED: tags");
    let vpce = prod.boxes.iter().find(|b| b.id == "vpce-00d6ccde968426cb0").expect("still drawn: a route names it");
    assert!(vpce.style.dashed);
    assert_eq!(texts_of(prod, "vpce-00d6ccde968426cb0")[0], "− REMOVED");
    assert!(prod.boxes.iter().all(|b| b.id != "changes-panel"), "everything changed is drawn as a box");
}

/// Load balancers: a changed one (tags of the prod web ALB) is ringed and badged on
/// its one box across both AZs, and a change of one of its nodes' ENIs marks that
/// box too; neither is listed again in the "also changed" panel.
#[test]
fn load_balancers_are_marked_on_their_box() {
    const ALB: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/prod-web-alb/50dc6c495c0c9188";
    const APP_ALB_ENI: &str = "eni-0c2acf65af65e4081";
    let mut pair = Pair { old: side("demo.json"), new: side("demo.json") };
    let r = &mut pair.new.0.resources;
    for lb in &mut r.load_balancers {
        if lb.id == ALB {
            lb.tags.insert("Owner".into(), "web".into());
        }
    }
    let app_alb = r.network_interfaces.iter_mut().find(|n| n.id == APP_ALB_ENI).expect("app ALB node");
    app_alb.tags.insert("Owner".into(), "app".into());
    pair.new.1 = inventory::diff::analyze(&pair.new.0, &Default::default());
    let pages = pair.pages();
    let prod = page(&pages, PROD);
    let boxes: Vec<_> = prod.boxes.iter().filter(|b| b.id == ALB).collect();
    assert_eq!(boxes.len(), 1, "one box");
    assert_eq!(boxes[0].role, Role::LoadBalancer);
    assert_eq!(ring_of(prod, ALB), Some(CHANGED));
    assert_eq!(texts_of(prod, ALB)[0], "~ CHANGED: tags");
    let app = prod
        .boxes
        .iter()
        .find(|b| b.role == Role::LoadBalancer && b.members.iter().any(|m| m == APP_ALB_ENI))
        .expect("app ALB box");
    assert_eq!(ring_of(prod, &app.id), Some(CHANGED));
    assert!(texts_of(prod, &app.id)[0].starts_with(&format!("~ CHANGED: {APP_ALB_ENI} tags")));
    assert!(prod.boxes.iter().all(|b| b.id != "changes-panel"), "everything changed is drawn as a box");
}
