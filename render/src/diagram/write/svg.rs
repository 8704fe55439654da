//! Scene → SVG. Every string is XML-escaped here; no scripts, no external
//! references, one font family (embedded in the PNG/PDF writers).
use std::collections::BTreeSet;
use std::fmt::Write;

use super::num;
use crate::diagram::font::FAMILY;
use crate::diagram::scene::{clean, Anchor, Scene};
use crate::text::{xml_escape, xml_escape_into};

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
        for (attr, v) in [("<text x=\"", t.x), ("\" y=\"", t.y), ("\" font-size=\"", t.size)] {
            s.push_str(attr);
            num(v).push_to(&mut s);
        }
        for piece in ["\" fill=\"", t.color, "\""] {
            s.push_str(piece);
        }
        if t.bold {
            s.push_str(r#" font-weight="bold""#);
        }
        if t.anchor == Anchor::Middle {
            s.push_str(r#" text-anchor="middle""#);
        }
        s.push('>');
        xml_escape_into(&mut s, &t.text);
        s.push_str("</text>\n");
    }
    s.push_str("</svg>\n");
    s
}

fn rect(s: &mut String, b: &crate::diagram::scene::SceneBox) {
    // Pushed piece by piece: a page has up to ~20 000 boxes (matrix tiles).
    let r = &b.rect;
    let st = &b.style;
    for (attr, v) in [("<rect x=\"", r.x), ("\" y=\"", r.y), ("\" width=\"", r.w), ("\" height=\"", r.h)] {
        s.push_str(attr);
        num(v).push_to(s);
    }
    for piece in ["\" fill=\"", st.fill, "\" stroke=\"", st.stroke, "\" stroke-width=\""] {
        s.push_str(piece);
    }
    num(st.stroke_width).push_to(s);
    s.push('"');
    if st.radius > 0.0 {
        s.push_str(r#" rx=""#);
        num(st.radius).push_to(s);
        s.push('"');
    }
    if st.dashed {
        s.push_str(r#" stroke-dasharray="5 3""#);
    }
    if b.tooltip.is_empty() {
        s.push_str("/>\n");
    } else {
        s.push_str("><title>");
        xml_escape_into(s, &clean(&b.tooltip));
        s.push_str("</title></rect>\n");
    }
}
