//! Scene → SVG. Every string is XML-escaped here; no scripts, no external
//! references, one font family (embedded in the PNG/PDF writers).
use std::collections::BTreeSet;
use std::fmt::Write;

use super::num;
use crate::diagram::font::FAMILY;
use crate::diagram::scene::{clean, Anchor, Scene};
use crate::text::xml_escape;

fn marker_id(color: &str) -> String {
    format!("arrow-{}", color.trim_start_matches('#'))
}

pub fn write(scene: &Scene) -> String {
    let mut s = String::with_capacity(64 * 1024 + scene.boxes.len() * 200 + scene.texts.len() * 120);
    let (w, h) = (num(scene.width), num(scene.height));
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FAMILY}">"#
    );
    let _ = writeln!(s, "<title>{}</title>", xml_escape(&scene.title));
    let colors: BTreeSet<&str> = scene.edges.iter().filter(|e| e.style.arrow).map(|e| e.style.color).collect();
    if !colors.is_empty() {
        s.push_str("<defs>\n");
        for c in colors {
            let _ = writeln!(
                s,
                r#"<marker id="{}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>"#,
                marker_id(c)
            );
        }
        s.push_str("</defs>\n");
    }
    // Containers and leaves first, then lines, then label chips and text on top.
    for b in scene.boxes.iter().filter(|b| !b.over_lines()) {
        rect(&mut s, b);
    }
    for e in &scene.edges {
        s.push_str(r#"<polyline points=""#);
        for (i, (x, y)) in e.points.iter().enumerate() {
            let gap = if i == 0 { "" } else { " " };
            let _ = write!(s, "{gap}{},{}", num(*x), num(*y));
        }
        let _ = write!(s, r#"" fill="none" stroke="{}" stroke-width="{}""#, e.style.color, num(e.style.width));
        if e.style.dashed {
            s.push_str(r#" stroke-dasharray="6 4""#);
        }
        if e.style.arrow {
            let _ = write!(s, r#" marker-end="url(#{})""#, marker_id(e.style.color));
        }
        let _ =
            writeln!(s, "><title>{} → {}</title></polyline>", xml_escape(&clean(&e.from)), xml_escape(&clean(&e.to)));
    }
    for b in scene.boxes.iter().filter(|b| b.over_lines()) {
        rect(&mut s, b);
    }
    for t in &scene.texts {
        let _ = write!(s, r#"<text x="{}" y="{}" font-size="{}" fill="{}""#, num(t.x), num(t.y), num(t.size), t.color);
        if t.bold {
            s.push_str(r#" font-weight="bold""#);
        }
        if t.anchor == Anchor::Middle {
            s.push_str(r#" text-anchor="middle""#);
        }
        let _ = writeln!(s, ">{}</text>", xml_escape(&t.text));
    }
    s.push_str("</svg>\n");
    s
}

fn rect(s: &mut String, b: &crate::diagram::scene::SceneBox) {
    let r = &b.rect;
    let st = &b.style;
    let _ = write!(
        s,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="{}""#,
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        st.fill,
        st.stroke,
        num(st.stroke_width)
    );
    if st.radius > 0.0 {
        let _ = write!(s, r#" rx="{}""#, num(st.radius));
    }
    if st.dashed {
        s.push_str(r#" stroke-dasharray="5 3""#);
    }
    if b.tooltip.is_empty() {
        s.push_str("/>\n");
    } else {
        let _ = writeln!(s, "><title>{}</title></rect>", xml_escape(&clean(&b.tooltip)));
    }
}
