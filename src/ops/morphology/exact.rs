//! scipy's own min / max filters, comparison for comparison, for the images on which the order
//! of the comparisons shows: those with a NaN, or with both `0.0` and `-0.0` (equal, yet two
//! different values). [`super::filter`] is used for every other image, where it gives the same
//! result faster.
//!
//! - A window whose every cell is set is filtered axis by axis, axis 0 then 1 (scipy's
//!   `minimum_filter1d`, `NI_MinOrMaxFilter1D`): Richard Harter's ascending-minima ring, in which
//!   an incoming sample `<=` the current minimum replaces it (of equal samples, the **last**
//!   wins) and a NaN is queued behind the others.
//! - Any other window visits its cells in row-major order (`NI_MinOrMaxFilter`): the first cell's
//!   sample, then each later one if it is strictly `<` (`>`) — of equal samples the **first**
//!   wins, and a NaN survives only in the first cell.

use super::filter::Edge;
use super::window::Window;

/// [`super::filter::min_max`] as scipy computes it: `out` (`h × w`) = the min (`MIN`) or max
/// over `win` of `src`, extended by `edge`.
pub fn min_max<const MIN: bool>(
    src: &[f64],
    (h, w): (usize, usize),
    win: &Window,
    edge: Edge<f64>,
    out: &mut Vec<f64>,
) {
    out.clear();
    out.extend_from_slice(src);
    if h == 0 || w == 0 {
        return;
    }
    if win.is_full() {
        let mut line = Vec::new();
        let mut ring = Vec::new();
        let mut res = Vec::new();
        if win.rows > 1 {
            for x in 0..w {
                extend(|y| out[y * w + x], h, win.rows, edge, &mut line);
                harter::<MIN>(&line, win.rows, &mut ring, &mut res);
                for (y, &v) in res.iter().enumerate() {
                    out[y * w + x] = v;
                }
            }
        }
        if win.cols > 1 {
            for y in 0..h {
                extend(|x| out[y * w + x], w, win.cols, edge, &mut line);
                harter::<MIN>(&line, win.cols, &mut ring, &mut res);
                out[y * w..(y + 1) * w].copy_from_slice(&res);
            }
        }
        return;
    }
    let offsets = win.offsets();
    let (ry, rx) = ((win.rows / 2) as isize, (win.cols / 2) as isize);
    let index = |p: isize, n: usize| match edge {
        Edge::Mode(m) => m.map_index(p, n),
        Edge::Value(_) => (p >= 0 && (p as usize) < n).then_some(p as usize),
    };
    let fill = match edge {
        Edge::Value(v) => v,
        Edge::Mode(_) => 0.0,
    };
    // Source row (column) of each position `p - r` of the extended range.
    let rows: Vec<Option<usize>> = (-ry..h as isize + ry).map(|p| index(p, h)).collect();
    let cols: Vec<Option<usize>> = (-rx..w as isize + rx).map(|p| index(p, w)).collect();
    for y in 0..h {
        for x in 0..w {
            let sample = |&(dy, dx): &(isize, isize)| {
                let r = rows[(y as isize + dy + ry) as usize];
                let c = cols[(x as isize + dx + rx) as usize];
                match (r, c) {
                    (Some(r), Some(c)) => src[r * w + c],
                    _ => fill,
                }
            };
            let mut it = offsets.iter();
            let Some(first) = it.next() else { continue };
            let mut res = sample(first);
            for o in it {
                let v = sample(o);
                if (MIN && v < res) || (!MIN && v > res) {
                    res = v;
                }
            }
            out[y * w + x] = res;
        }
    }
}

/// `line` = the `n` samples `at(0..n)` extended by `size / 2` before and `size - size / 2 - 1`
/// after (`NI_ExtendLine` with origin 0).
fn extend(at: impl Fn(usize) -> f64, n: usize, size: usize, edge: Edge<f64>, line: &mut Vec<f64>) {
    let before = (size / 2) as isize;
    line.clear();
    line.extend((0..n + size - 1).map(|p| {
        let p = p as isize - before;
        let k = match edge {
            Edge::Mode(m) => m.map_index(p, n),
            Edge::Value(_) => (p >= 0 && (p as usize) < n).then_some(p as usize),
        };
        match (k, edge) {
            (Some(k), _) => at(k),
            (None, Edge::Value(v)) => v,
            (None, Edge::Mode(_)) => 0.0,
        }
    }));
}

/// `NI_MinOrMaxFilter1D` over one extended line (`out.len() = line.len() - size + 1`), ported
/// statement by statement: `ring` is the deque of (value, death) pairs.
fn harter<const MIN: bool>(
    line: &[f64],
    size: usize,
    ring: &mut Vec<(f64, usize)>,
    out: &mut Vec<f64>,
) {
    out.clear();
    ring.clear();
    ring.resize(size, (0.0, 0));
    let inc = |p: usize| if p + 1 >= size { 0 } else { p + 1 };
    let dec = |p: usize| if p == 0 { size - 1 } else { p - 1 };
    let mut minpair = 0;
    ring[0] = (line[0], size);
    let mut last = 0;
    for (ll, &val) in line.iter().enumerate().skip(1) {
        if ring[minpair].1 == ll {
            minpair = inc(minpair);
        }
        let m = ring[minpair].0;
        if (MIN && val <= m) || (!MIN && val >= m) {
            ring[minpair] = (val, ll + size);
            last = minpair;
        } else {
            // Stops at `minpair` at the latest: its value is neither >= nor <= `val` here.
            while (MIN && ring[last].0 >= val) || (!MIN && ring[last].0 <= val) {
                last = dec(last);
            }
            last = inc(last);
            ring[last] = (val, ll + size);
        }
        if ll + 1 >= size {
            out.push(ring[minpair].0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::boundary::BoundaryMode;

    /// `ndi.minimum_filter1d` keeps the last of equal samples, `NI_MinOrMaxFilter` the first.
    #[test]
    fn ties_and_nans_follow_scipy() {
        let mut out = Vec::new();
        let mut ring = Vec::new();
        harter::<true>(&[0.0, -0.0, 0.0, 1.0], 3, &mut ring, &mut out);
        assert_eq!(
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            [0.0f64.to_bits(), 0.0f64.to_bits()]
        );
        harter::<true>(&[f64::NAN, 1.0, 2.0, 3.0], 2, &mut ring, &mut out);
        assert!(out[0].is_nan());
        assert_eq!(out[1..], [1.0, 2.0]);
        // 1 × 3 plane, row window [1, 1, 1] (full: Harter) vs a cross (row-major visits).
        let src = [-0.0, 0.0, f64::NAN];
        let edge = Edge::Mode(BoundaryMode::Reflect);
        let mut res = Vec::new();
        let row = Window {
            rows: 1,
            cols: 3,
            mask: vec![true; 3],
        };
        min_max::<true>(&src, (1, 3), &row, edge, &mut res);
        assert_eq!(res[0].to_bits(), 0.0f64.to_bits());
        min_max::<true>(&src, (1, 3), &Window::cross(), edge, &mut res);
        // Offsets (-1,0),(0,-1),(0,0),(0,1),(1,0): at x = 0 the first is -0.0 (row reflected).
        assert_eq!(res[0].to_bits(), (-0.0f64).to_bits());
    }
}
