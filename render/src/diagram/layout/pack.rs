//! Shelf packing: children in their given (sorted) order, left to right in rows
//! ("shelves") whose width aims at a target aspect ratio. O(n).

/// Top-left offsets of each item, and the packed width and height.
pub fn shelves(sizes: &[(f64, f64)], gap: f64, aspect: f64) -> (Vec<(f64, f64)>, f64, f64) {
    if sizes.is_empty() {
        return (Vec::new(), 0.0, 0.0);
    }
    let area: f64 = sizes.iter().map(|(w, h)| (w + gap) * (h + gap)).sum();
    let widest = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
    let target = (area * aspect).sqrt().max(widest);
    shelves_at_width(sizes, gap, target)
}

/// Packs into rows no wider than `max_w` (an item wider than that gets its own row).
pub fn shelves_at_width(sizes: &[(f64, f64)], gap: f64, max_w: f64) -> (Vec<(f64, f64)>, f64, f64) {
    let mut out = Vec::with_capacity(sizes.len());
    let (mut x, mut y, mut row_h, mut w) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for &(iw, ih) in sizes {
        if x > 0.0 && x + iw > max_w + 1e-6 {
            y += row_h + gap;
            x = 0.0;
            row_h = 0.0;
        }
        out.push((x, y));
        x += iw;
        w = w.max(x);
        x += gap;
        row_h = row_h.max(ih);
    }
    (out, w, y + row_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_items_do_not_overlap_and_fit() {
        let sizes: Vec<(f64, f64)> =
            (0..37).map(|i| (20.0 + (i % 5) as f64 * 13.0, 10.0 + (i % 3) as f64 * 7.0)).collect();
        let (pos, w, h) = shelves(&sizes, 4.0, 1.5);
        for i in 0..sizes.len() {
            assert!(pos[i].0 + sizes[i].0 <= w + 1e-9 && pos[i].1 + sizes[i].1 <= h + 1e-9);
            for j in 0..i {
                let a = (pos[i].0, pos[i].1, sizes[i].0, sizes[i].1);
                let b = (pos[j].0, pos[j].1, sizes[j].0, sizes[j].1);
                let overlap = a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
                assert!(!overlap, "{i} overlaps {j}");
            }
        }
    }
}
