//! Nested containment: boxes inside boxes (account › region › VPC ...).
//! Bottom-up: each container packs its measured children into shelves under a
//! header band. Top-down: absolute positions. Linear in the number of boxes.
use super::pack;
use crate::diagram::scene::Rect;

#[derive(Debug, Clone)]
pub struct CNode {
    /// Caller's handle for this box.
    pub key: usize,
    /// Leaf size; for containers, computed by `measure`.
    pub w: f64,
    pub h: f64,
    /// Space reserved at the top for the label, and its minimum width.
    pub header_h: f64,
    pub header_w: f64,
    pub pad: f64,
    pub gap: f64,
    pub aspect: f64,
    pub children: Vec<CNode>,
    /// Offset inside the parent after `measure`, absolute after `place`.
    pub x: f64,
    pub y: f64,
}

impl CNode {
    pub fn leaf(key: usize, w: f64, h: f64) -> CNode {
        CNode {
            key,
            w,
            h,
            header_h: 0.0,
            header_w: 0.0,
            pad: 0.0,
            gap: 0.0,
            aspect: 1.0,
            children: Vec::new(),
            x: 0.0,
            y: 0.0,
        }
    }
    pub fn container(
        key: usize,
        header_w: f64,
        header_h: f64,
        pad: f64,
        gap: f64,
        aspect: f64,
        children: Vec<CNode>,
    ) -> CNode {
        CNode { key, w: 0.0, h: 0.0, header_h, header_w, pad, gap, aspect, children, x: 0.0, y: 0.0 }
    }

    pub fn measure(&mut self) {
        if self.children.is_empty() {
            self.w = self.w.max(self.header_w + 2.0 * self.pad);
            self.h = self.h.max(self.header_h + 2.0 * self.pad);
            return;
        }
        for c in &mut self.children {
            c.measure();
        }
        let sizes: Vec<(f64, f64)> = self.children.iter().map(|c| (c.w, c.h)).collect();
        let (offs, cw, ch) = pack::shelves(&sizes, self.gap, self.aspect);
        for (c, (ox, oy)) in self.children.iter_mut().zip(offs) {
            c.x = self.pad + ox;
            c.y = self.pad + self.header_h + oy;
        }
        self.w = cw.max(self.header_w) + 2.0 * self.pad;
        self.h = self.header_h + ch + 2.0 * self.pad;
    }

    /// Turns offsets into absolute positions, with this node's top-left at (x, y).
    pub fn place(&mut self, x: f64, y: f64) {
        self.x = x;
        self.y = y;
        for c in &mut self.children {
            let (cx, cy) = (x + c.x, y + c.y);
            c.place(cx, cy);
        }
    }

    pub fn rect(&self) -> Rect {
        Rect::new(self.x, self.y, self.w, self.h)
    }

    /// Visits every node, parents before children.
    pub fn walk<'s>(&'s self, out: &mut Vec<&'s CNode>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}
