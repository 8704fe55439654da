//! The scene: every box, line and text of one page with absolute coordinates.
//! Plain data; the SVG, PNG, PDF and draw.io writers all draw from it, and the
//! geometry tests check it directly.
use super::font::metrics;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    /// `other` lies within `self` (borders may touch), with a small tolerance.
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f64 = 0.01;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.bottom() <= self.bottom() + EPS
    }
    /// Interiors intersect (touching borders do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        const EPS: f64 = 0.01;
        self.x < other.right() - EPS
            && other.x < self.right() - EPS
            && self.y < other.bottom() - EPS
            && other.y < self.bottom() - EPS
    }
    pub fn inflate(&self, m: f64) -> Rect {
        Rect::new(self.x - m, self.y - m, self.w + 2.0 * m, self.h + 2.0 * m)
    }
    pub fn translate(&self, dx: f64, dy: f64) -> Rect {
        Rect::new(self.x + dx, self.y + dy, self.w, self.h)
    }
}

/// What a box stands for; tests and the draw.io writer use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Page,
    Account,
    Region,
    Vpc,
    AvailabilityZone,
    Subnet,
    /// Instance, ENI-derived service, NAT gateway (possibly an aggregate).
    Resource,
    /// IGW, EIGW, VGW, TGW attachment, peering, gateway endpoint: on a VPC border.
    Gateway,
    /// VPC pages: a load balancer, one box across the AZ columns of the subnets it
    /// serves (in a lane those subnets' row keeps free), and its per-subnet marks.
    LoadBalancer,
    /// Internet, on-premises network, transit gateway, VPC summary in the overview.
    Node,
    /// Edge label chip.
    Chip,
    Legend,
    TitleBlock,
    /// Colour sample or field inside the legend / title block.
    Swatch,
    /// Change pages: the coloured ring round an added or changed box, drawn just
    /// before (under) it.
    Ring,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoxStyle {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub stroke_width: f64,
    pub dashed: bool,
    pub radius: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SceneBox {
    /// AWS id or a synthetic key ("internet", "legend", ...); unique per page.
    pub id: String,
    pub role: Role,
    pub rect: Rect,
    /// Index of the enclosing box, if any.
    pub parent: Option<usize>,
    pub style: BoxStyle,
    /// Outlined red: reachable from the internet.
    pub exposed: bool,
    /// Tooltip / draw.io metadata (plain, unescaped).
    pub tooltip: String,
    /// Resource and ENI ids this box stands for (aggregates hold many).
    pub members: Vec<String>,
}

impl SceneBox {
    /// Drawn after the lines: label chips, and load balancers, whose lane crosses the
    /// AZ gutters the route lines run in (those lines pass under it).
    pub fn over_lines(&self) -> bool {
        matches!(self.role, Role::Chip | Role::LoadBalancer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SceneText {
    /// Left (Start) or centre (Middle) of the text, and its baseline.
    pub x: f64,
    pub y: f64,
    /// Plain text, already bidi-stripped and elided to fit; writers escape it.
    pub text: String,
    pub size: f64,
    pub bold: bool,
    pub color: &'static str,
    pub anchor: Anchor,
    /// Measured advance width.
    pub width: f64,
    /// Box the text belongs to (and must stay inside).
    pub owner: Option<usize>,
}

impl SceneText {
    pub fn bbox(&self) -> Rect {
        let x = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - self.width / 2.0,
        };
        let a = metrics::ascent(self.size);
        Rect::new(x, self.y - a, self.width, a + metrics::descent(self.size))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeStyle {
    pub color: &'static str,
    pub width: f64,
    pub dashed: bool,
    pub arrow: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SceneEdge {
    pub from: String,
    pub to: String,
    /// Orthogonal polyline.
    pub points: Vec<(f64, f64)>,
    pub style: EdgeStyle,
    /// Index of the label chip box, if any.
    pub label: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Scene {
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub boxes: Vec<SceneBox>,
    pub texts: Vec<SceneText>,
    pub edges: Vec<SceneEdge>,
}

/// Longest line of text (ours plus embedded AWS strings) before width fitting.
pub const MAX_LINE_CHARS: usize = 240;

/// Makes a line displayable: invisible/bidi controls out, absurd lengths cut
/// before measuring (a 10 000-char name must not cost a 10 000-char measurement).
pub fn clean(s: &str) -> String {
    // Nearly every label is short printable ASCII, which every step leaves as it is.
    if s.len() <= MAX_LINE_CHARS && s.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return s.to_string();
    }
    // Most others are short text with a "·" or "→" (subtitles, tooltips): nothing to
    // change either, found in one pass without building a copy char by char.
    let plain = |c: char| c >= ' ' && !matches!(c as u32, 0x7F..=0x9F) && !crate::text::is_invisible_format(c);
    let mut chars = 0;
    if s.chars().all(|c| {
        chars += 1;
        plain(c)
    }) && chars <= MAX_LINE_CHARS
    {
        return s.to_string();
    }
    // The steps of `clean_every_step` in one pass and one allocation: tooltips (multi-line,
    // or with "→") took the four-pass way in every writer, ~2 % of the 100k package.
    let mut out = Line { text: String::with_capacity(s.len().min(4 * MAX_LINE_CHARS)), chars: 0, cut: 0 };
    for c in s.chars().filter(|&c| !crate::text::is_invisible_format(c)) {
        let done = match c as u32 {
            0x09 | 0x0A | 0x0D => out.push(' '),
            n @ 0..=0x1F => out.push(char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}')),
            0x7F => out.push('\u{2421}'),
            n @ 0x80..=0x9F => format!("\\u{n:04x}").chars().any(|e| out.push(e)),
            _ => out.push(c),
        };
        if done {
            break;
        }
    }
    out.text
}

/// `clean`'s output so far: `cut` is its length at `MAX_LINE_CHARS - 1` characters.
struct Line {
    text: String,
    chars: usize,
    cut: usize,
}

impl Line {
    /// Appends `c`; true once the line is over `MAX_LINE_CHARS` and has been cut with "…".
    fn push(&mut self, c: char) -> bool {
        self.text.push(c);
        self.chars += 1;
        if self.chars == MAX_LINE_CHARS - 1 {
            self.cut = self.text.len();
        }
        if self.chars > MAX_LINE_CHARS {
            self.text.truncate(self.cut);
            self.text.push('…');
            return true;
        }
        false
    }
}

/// `clean` as its four steps: the reference the one-pass version is tested against.
#[cfg(test)]
fn clean_every_step(s: &str) -> String {
    let stripped = crate::text::strip_bidi(s);
    // Line breaks and tabs (ours, in multi-line labels) read as spaces; any other
    // control is shown as its control picture.
    let spaced: String = stripped.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let no_ctl = crate::text::visible_controls(&spaced);
    crate::text::elide(&no_ctl, MAX_LINE_CHARS)
}

/// One AWS-supplied name/tag/description for display: cleaned and capped at
/// `text::MAX_LABEL_CHARS` with a visible "…".
pub fn name(s: &str) -> String {
    crate::text::elide(&clean(s), crate::text::MAX_LABEL_CHARS)
}

impl Scene {
    pub fn new(title: &str) -> Scene {
        Scene { title: clean(title), ..Scene::default() }
    }

    pub fn add_box(&mut self, id: &str, role: Role, rect: Rect, parent: Option<usize>, style: BoxStyle) -> usize {
        self.boxes.push(SceneBox {
            id: id.to_string(),
            role,
            rect,
            parent,
            style,
            exposed: false,
            tooltip: String::new(),
            members: Vec::new(),
        });
        self.boxes.len() - 1
    }

    /// Adds text fitted to `max_w` (elided with "…" when longer).
    #[allow(clippy::too_many_arguments)]
    pub fn add_text(
        &mut self,
        owner: Option<usize>,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        bold: bool,
        color: &'static str,
        anchor: Anchor,
        max_w: f64,
    ) {
        let text = metrics::fit(&clean(s), size, bold, max_w.max(0.0));
        if text.is_empty() || text == "…" && max_w < metrics::width("…", size, bold) {
            return;
        }
        let width = metrics::width(&text, size, bold);
        self.texts.push(SceneText { x, y, text, size, bold, color, anchor, width, owner });
    }

    /// Scales the whole page by `f` (coordinates, sizes, text, line and border widths).
    pub fn scale(&mut self, f: f64) {
        self.width *= f;
        self.height *= f;
        for b in &mut self.boxes {
            b.rect = Rect::new(b.rect.x * f, b.rect.y * f, b.rect.w * f, b.rect.h * f);
            b.style.stroke_width *= f;
            b.style.radius *= f;
        }
        for t in &mut self.texts {
            t.x *= f;
            t.y *= f;
            t.size *= f;
            t.width *= f;
        }
        for e in &mut self.edges {
            e.style.width *= f;
            for p in &mut e.points {
                p.0 *= f;
                p.1 *= f;
            }
        }
    }

    /// Shifts everything (used when a view is placed into a page frame).
    pub fn translate(&mut self, dx: f64, dy: f64) {
        for b in &mut self.boxes {
            b.rect = b.rect.translate(dx, dy);
        }
        for t in &mut self.texts {
            t.x += dx;
            t.y += dy;
        }
        for e in &mut self.edges {
            for p in &mut e.points {
                p.0 += dx;
                p.1 += dy;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The printable-ASCII shortcut gives what every cleaning step gives.
        #[test]
        fn clean_shortcut_matches_every_step(s in "[ -~\t\n\u{7f}\u{1b}\u{202e}é]{0,250}") {
            prop_assert_eq!(clean(&s), clean_every_step(&s));
        }

        /// The one pass gives what the four steps give, also around the length cap
        /// (C1 controls become six characters, bidi controls none).
        #[test]
        fn clean_one_pass_matches_every_step(s in "[a-z \t\r\n\u{0}-\u{1f}\u{7f}-\u{9f}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{61c}\u{feff}é→😀]{200,300}") {
            prop_assert_eq!(clean(&s), clean_every_step(&s));
        }
    }

    #[test]
    fn clean_caps_length_and_shows_controls_either_way() {
        for s in ["a".repeat(MAX_LINE_CHARS), "a".repeat(MAX_LINE_CHARS + 1), "x\u{7f}y".into(), "tab\there".into()] {
            assert_eq!(clean(&s), clean_every_step(&s), "{s:?}");
        }
        assert_eq!(clean(&"a".repeat(MAX_LINE_CHARS + 1)).chars().count(), MAX_LINE_CHARS);
    }
}
