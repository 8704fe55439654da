//! Scene → draw.io (mxGraph XML). Same geometry as the SVG; boxes nest in their
//! containers (coordinates relative to the parent) so moving a VPC moves its
//! subnets, and lines stay attached to their end boxes.
use std::collections::BTreeMap;
use std::fmt::Write;

use inventory::topology::hash::FastMap;

use super::num;
use crate::diagram::font::FAMILY;
use crate::diagram::scene::{clean, Role, Scene};
use crate::text::{xml_escape, xml_escape_into};

/// What a box's draw.io style string is made of: radius, fill, stroke, stroke width
/// (as bits), dashed, chip, centred.
type StyleKey = (u64, &'static str, &'static str, u64, bool, bool, bool);

pub fn write(scene: &Scene, page_id: &str) -> String {
    let mut s = String::with_capacity(32 * 1024 + scene.boxes.len() * 400);
    let mut labels: Vec<Vec<&str>> = vec![Vec::new(); scene.boxes.len()];
    let mut free_texts = Vec::new();
    for t in &scene.texts {
        match t.owner {
            Some(o) if o < labels.len() => labels[o].push(&t.text),
            _ => free_texts.push(t),
        }
    }
    let by_id: BTreeMap<&str, usize> = scene.boxes.iter().enumerate().map(|(i, b)| (b.id.as_str(), i)).collect();
    let _ = writeln!(s, r#"<mxfile host="auditmap" type="device">"#);
    let _ = writeln!(s, r#"<diagram id="{}" name="{}">"#, xml_escape(page_id), xml_escape(&scene.title));
    let _ = writeln!(
        s,
        r#"<mxGraphModel grid="0" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" fold="1" page="1" pageScale="1" pageWidth="{}" pageHeight="{}" math="0" shadow="0">"#,
        num(scene.width),
        num(scene.height)
    );
    s.push_str("<root>\n<mxCell id=\"0\"/>\n<mxCell id=\"1\" parent=\"0\"/>\n");
    // Boxes share a handful of styles: each written once and copied (building it per box
    // was most of this writer's time on the 100k estate's matrix pages).
    let mut styles: FastMap<StyleKey, String> = FastMap::default();
    for (i, b) in scene.boxes.iter().enumerate() {
        if b.role == Role::Page {
            continue;
        }
        let parent = b.parent.filter(|p| scene.boxes[*p].role != Role::Page);
        let (px, py) = parent.map(|p| (scene.boxes[p].rect.x, scene.boxes[p].rect.y)).unwrap_or((0.0, 0.0));
        s.push_str(r#"<mxCell id="b"#);
        s.push_str(itoa::Buffer::new().format(i));
        s.push_str(r#"" value=""#);
        // The lines of a label, one per text, joined as `xml_escape` writes a line break.
        for (k, line) in labels[i].iter().enumerate() {
            if k > 0 {
                s.push(' ');
            }
            xml_escape_into(&mut s, line);
        }
        s.push_str(r#"" style=""#);
        let centred = matches!(b.role, Role::Chip | Role::Resource | Role::Gateway | Role::Node | Role::Swatch);
        let st = &b.style;
        let key = (
            st.radius.to_bits(),
            st.fill,
            st.stroke,
            st.stroke_width.to_bits(),
            st.dashed,
            b.role == Role::Chip,
            centred,
        );
        s.push_str(styles.entry(key).or_insert_with(|| {
            format!(
                "rounded={};arcSize={};whiteSpace=wrap;html=0;fillColor={};strokeColor={};strokeWidth={};dashed={};fontFamily={FAMILY};fontSize={};align={};verticalAlign={};spacingLeft=4;container={};",
                u8::from(st.radius > 0.0),
                num(st.radius.min(20.0) * 2.0),
                st.fill,
                if st.stroke_width > 0.0 { st.stroke } else { "none" },
                num(st.stroke_width),
                u8::from(st.dashed),
                if b.role == Role::Chip { 9 } else { 10 },
                if centred { "center" } else { "left" },
                if centred { "middle" } else { "top" },
                u8::from(!centred),
            )
        }));
        s.push_str(r#"" vertex="1" parent=""#);
        match parent {
            Some(p) => {
                s.push('b');
                s.push_str(itoa::Buffer::new().format(p));
            }
            None => s.push('1'),
        }
        s.push('"');
        if !b.tooltip.is_empty() {
            s.push_str(r#" tooltip=""#);
            xml_escape_into(&mut s, &clean(&b.tooltip));
            s.push('"');
        }
        s.push_str(r#"><mxGeometry x=""#);
        num(b.rect.x - px).push_to(&mut s);
        s.push_str(r#"" y=""#);
        num(b.rect.y - py).push_to(&mut s);
        s.push_str(r#"" width=""#);
        num(b.rect.w).push_to(&mut s);
        s.push_str(r#"" height=""#);
        num(b.rect.h).push_to(&mut s);
        s.push_str("\" as=\"geometry\"/></mxCell>\n");
    }
    for (i, t) in free_texts.iter().enumerate() {
        let x = match t.anchor {
            crate::diagram::scene::Anchor::Start => t.x,
            crate::diagram::scene::Anchor::Middle => t.x - t.width / 2.0,
        };
        let _ = writeln!(
            s,
            r#"<mxCell id="t{i}" value="{}" style="text;html=0;fontFamily={FAMILY};fontSize={};fontColor={};fontStyle={};align=left;verticalAlign=bottom;" vertex="1" parent="1"><mxGeometry x="{}" y="{}" width="{}" height="{}" as="geometry"/></mxCell>"#,
            xml_escape(&t.text),
            num(t.size),
            t.color,
            u8::from(t.bold),
            num(x),
            num(t.y - t.size * 1.2),
            num(t.width + 4.0),
            num(t.size * 1.4)
        );
    }
    for (i, e) in scene.edges.iter().enumerate() {
        let (Some(first), Some(last)) = (e.points.first(), e.points.last()) else { continue };
        let mut ends = String::new();
        if let Some(b) = by_id.get(e.from.as_str()) {
            let _ = write!(ends, r#" source="b{b}""#);
        }
        if let Some(b) = by_id.get(e.to.as_str()) {
            let _ = write!(ends, r#" target="b{b}""#);
        }
        let style = format!(
            "edgeStyle=orthogonalEdgeStyle;rounded=0;html=0;strokeColor={};strokeWidth={};dashed={};endArrow={};",
            e.style.color,
            num(e.style.width),
            u8::from(e.style.dashed),
            if e.style.arrow { "block" } else { "none" }
        );
        let _ = write!(
            s,
            r#"<mxCell id="e{i}" style="{style}" edge="1" parent="1"{ends}><mxGeometry relative="1" as="geometry"><mxPoint x="{}" y="{}" as="sourcePoint"/><mxPoint x="{}" y="{}" as="targetPoint"/>"#,
            num(first.0),
            num(first.1),
            num(last.0),
            num(last.1)
        );
        if e.points.len() > 2 {
            s.push_str(r#"<Array as="points">"#);
            for p in &e.points[1..e.points.len() - 1] {
                let _ = write!(s, r#"<mxPoint x="{}" y="{}"/>"#, num(p.0), num(p.1));
            }
            s.push_str("</Array>");
        }
        s.push_str("</mxGeometry></mxCell>\n");
    }
    s.push_str("</root>\n</mxGraphModel>\n</diagram>\n</mxfile>\n");
    s
}
