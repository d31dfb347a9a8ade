//! numpy's `np.pad` modes, ported from `numpy/lib/_arraypad_impl.py` step for step: the padded
//! array is made with the image in its middle, then axis 0 is padded (within the image's
//! columns), then axis 1 (over every row, so the corners come from the rows axis 0 made).
//!
//! Along one axis the array is a set of *elements*: for axis 0 the row segments over the
//! image's columns (`W × C` samples each, one group), for axis 1 the pixels of each padded row
//! (`C` samples each, one group per row). numpy's whole-array steps act on every sample of an
//! element alike, so each step here is the same arithmetic on each sample, in the same order.

use super::{PadMode, ReflectType};
use crate::numpy::pairwise::pairwise_sum;

/// One axis of the padded buffer: element `i` (`0 .. len`) of group `g` is the `elen` samples
/// starting at `bases[g] + i * stride`.
pub(super) struct Axis {
    pub bases: Vec<usize>,
    pub stride: usize,
    pub elen: usize,
    /// The padded length along the axis.
    pub len: usize,
    /// The pad widths before and after the image along it.
    pub left: usize,
    pub right: usize,
    /// Whether numpy reduces along this axis with its pairwise sum (a reduction whose inner
    /// loop runs along the axis: gray rows, or a single kept sample) rather than row by row.
    pub pairwise: bool,
}

impl Axis {
    /// The image's length along the axis.
    fn n(&self) -> usize {
        self.len - self.left - self.right
    }

    fn at(&self, g: usize, i: usize) -> usize {
        self.bases[g] + i * self.stride
    }

    /// Copies element `src` to `dst` in every group.
    fn copy(&self, buf: &mut [f64], src: usize, dst: usize) {
        for g in 0..self.bases.len() {
            let (s, d) = (self.at(g, src), self.at(g, dst));
            buf.copy_within(s..s + self.elen, d);
        }
    }

    /// Sets elements `range` of every group to `value(g, k)` for sample `k` of the element.
    fn fill(&self, buf: &mut [f64], range: std::ops::Range<usize>, value: impl Fn(usize, usize) -> f64) {
        for g in 0..self.bases.len() {
            for i in range.clone() {
                let d = self.at(g, i);
                for k in 0..self.elen {
                    buf[d + k] = value(g, k);
                }
            }
        }
    }
}

/// Per-side values of a fill mode: `[before, after]`.
pub(super) type Pair = [f64; 2];

/// Pads one axis in place (the image's samples are already in the middle).
pub(super) fn pad_axis(
    buf: &mut [f64],
    ax: &Axis,
    mode: PadMode,
    value_pair: Pair,
    stat_length: [usize; 2],
    reflect: ReflectType,
) {
    let (left, right, len) = (ax.left, ax.right, ax.len);
    if left == 0 && right == 0 {
        return;
    }
    match mode {
        PadMode::Constant => {
            ax.fill(buf, 0..left, |_, _| value_pair[0]);
            ax.fill(buf, len - right..len, |_, _| value_pair[1]);
        }
        PadMode::Edge => edge(buf, ax),
        PadMode::LinearRamp => linear_ramp(buf, ax, value_pair),
        PadMode::Maximum | PadMode::Minimum | PadMode::Mean | PadMode::Median => {
            stats(buf, ax, mode, stat_length)
        }
        PadMode::Reflect | PadMode::Symmetric => {
            if ax.n() == 1 {
                // numpy pads a length-1 axis with its edge in both reflect modes.
                return edge(buf, ax);
            }
            let include_edge = mode == PadMode::Symmetric;
            let (mut l, mut r) = (left, right);
            while l > 0 || r > 0 {
                (l, r) = reflect_both(buf, ax, (l, r), reflect, include_edge);
            }
        }
        PadMode::Wrap => {
            let period = ax.n();
            let (mut l, mut r) = (left, right);
            while l > 0 || r > 0 {
                (l, r) = wrap_both(buf, ax, (l, r), period);
            }
        }
    }
}

/// `_get_edges` + `_set_pad_area`: the first and last image elements repeated.
fn edge(buf: &mut [f64], ax: &Axis) {
    let (left, right, len) = (ax.left, ax.right, ax.len);
    for i in 0..left {
        ax.copy(buf, left, i);
    }
    for i in len - right..len {
        ax.copy(buf, len - right - 1, i);
    }
}

/// `_set_reflect_both`: one round of reflection on each side; returns the widths still to fill.
fn reflect_both(
    buf: &mut [f64],
    ax: &Axis,
    (mut left_pad, mut right_pad): (usize, usize),
    method: ReflectType,
    include_edge: bool,
) -> (usize, usize) {
    let period = ax.n();
    // The part filled so far (image and earlier rounds), as numpy measures it.
    let mut old_length = ax.len - right_pad - left_pad;
    let edge_offset;
    if include_edge {
        old_length = old_length / period * period;
        edge_offset = 1;
    } else {
        old_length = (old_length - 1) / (period - 1) * (period - 1) + 1;
        edge_offset = 0;
        old_length -= 1;
    }
    let odd = method == ReflectType::Odd;
    if left_pad > 0 {
        let chunk = old_length.min(left_pad);
        // Source: `slice(left_pad - edge_offset + chunk, left_pad - edge_offset, -1)`, to
        // `left_pad - chunk ..= left_pad - 1` in order.
        let stop = left_pad - edge_offset;
        let edge_el = left_pad;
        for j in 0..chunk {
            let src = stop + chunk - j;
            let dst = left_pad - chunk + j;
            set_reflected(buf, ax, src, dst, edge_el, odd);
        }
        left_pad -= chunk;
    }
    if right_pad > 0 {
        let chunk = old_length.min(right_pad);
        // numpy: `start = -right_pad + edge_offset - 2`, read backwards `chunk` elements.
        let start = ax.len - right_pad + edge_offset - 2;
        let edge_el = ax.len - right_pad - 1;
        let first = ax.len - right_pad;
        for j in 0..chunk {
            set_reflected(buf, ax, start - j, first + j, edge_el, odd);
        }
        right_pad -= chunk;
    }
    (left_pad, right_pad)
}

/// `padded[dst] = padded[src]`, or with `odd`, `2 * padded[edge] - padded[src]`.
fn set_reflected(buf: &mut [f64], ax: &Axis, src: usize, dst: usize, edge: usize, odd: bool) {
    if !odd {
        return ax.copy(buf, src, dst);
    }
    for g in 0..ax.bases.len() {
        let (s, d, e) = (ax.at(g, src), ax.at(g, dst), ax.at(g, edge));
        for k in 0..ax.elen {
            buf[d + k] = 2.0 * buf[e + k] - buf[s + k];
        }
    }
}

/// `_set_wrap_both`: one round of wrapping on each side; returns the widths still to fill.
fn wrap_both(
    buf: &mut [f64],
    ax: &Axis,
    (left_pad, right_pad): (usize, usize),
    original_period: usize,
) -> (usize, usize) {
    let len = ax.len;
    let period = (len - right_pad - left_pad) / original_period * original_period;
    let (mut new_left, mut new_right) = (0, 0);
    if left_pad > 0 {
        let slice_end = left_pad + period;
        let take = period.min(left_pad);
        let slice_start = slice_end - take;
        let dst_start = if left_pad > period {
            new_left = left_pad - period;
            left_pad - period
        } else {
            0
        };
        for j in 0..take {
            ax.copy(buf, slice_start + j, dst_start + j);
        }
    }
    if right_pad > 0 {
        let slice_start = len - right_pad - period;
        let take = period.min(right_pad);
        if right_pad > period {
            new_right = right_pad - period;
        }
        let dst_start = len - right_pad;
        for j in 0..take {
            ax.copy(buf, slice_start + j, dst_start + j);
        }
    }
    (new_left, new_right)
}

/// `_get_linear_ramps`: `np.linspace(end_value, edge, width, endpoint=False)` on each side (the
/// right one reversed), with numpy's two formulas: `i * step + start`, or — when any step of
/// that side is 0 — `(i / width) * delta + start`.
fn linear_ramp(buf: &mut [f64], ax: &Axis, ends: Pair) {
    let (left, right, len) = (ax.left, ax.right, ax.len);
    for (side, width, edge_el) in [(0, left, left), (1, right, len - right - 1)] {
        if width == 0 {
            continue;
        }
        let start = ends[side];
        let div = width as f64;
        let deltas: Vec<f64> = (0..ax.bases.len())
            .flat_map(|g| {
                let e = ax.at(g, edge_el);
                buf[e..e + ax.elen].iter().map(|&v| v - start).collect::<Vec<_>>()
            })
            .collect();
        let any_zero = deltas.iter().any(|&d| d / div == 0.0);
        for g in 0..ax.bases.len() {
            for i in 0..width {
                let el = if side == 0 { i } else { len - 1 - i };
                let d = ax.at(g, el);
                for k in 0..ax.elen {
                    let delta = deltas[g * ax.elen + k];
                    let y = if any_zero {
                        (i as f64 / div) * delta
                    } else {
                        i as f64 * (delta / div)
                    };
                    buf[d + k] = y + start;
                }
            }
        }
    }
}

/// `_get_stats` + `_set_pad_area` for `maximum`, `minimum`, `mean` and `median`: each side is
/// filled with the statistic of the `stat_length` image elements next to it (all of them when
/// longer than the image), sample by sample.
fn stats(buf: &mut [f64], ax: &Axis, mode: PadMode, stat_length: [usize; 2]) {
    let (left, right, len) = (ax.left, ax.right, ax.len);
    let n = ax.n();
    let ll = stat_length[0].min(n);
    let rl = stat_length[1].min(n);
    let mut vals = Vec::with_capacity(n);
    let mut stat_of = |buf: &[f64], g: usize, k: usize, from: usize, count: usize| {
        vals.clear();
        vals.extend((from..from + count).map(|i| buf[ax.at(g, i) + k]));
        stat(&mut vals, mode, ax.pairwise)
    };
    let mut lefts = Vec::with_capacity(ax.bases.len() * ax.elen);
    let mut rights = Vec::with_capacity(ax.bases.len() * ax.elen);
    for g in 0..ax.bases.len() {
        for k in 0..ax.elen {
            lefts.push(stat_of(buf, g, k, left, ll));
            rights.push(stat_of(buf, g, k, left + n - rl, rl));
        }
    }
    let elen = ax.elen;
    ax.fill(buf, 0..left, |g, k| lefts[g * elen + k]);
    ax.fill(buf, len - right..len, |g, k| rights[g * elen + k]);
}

/// One statistic of `vals` as numpy computes it along an axis: `np.amax` / `np.amin` (NaN
/// propagates), `np.mean` (a sum — pairwise or sequential, see [`Axis::pairwise`] — divided by
/// the count), `np.median` (the middle element, or the mean of the two middle ones; NaN if any).
fn stat(vals: &mut [f64], mode: PadMode, pairwise: bool) -> f64 {
    match mode {
        PadMode::Maximum | PadMode::Minimum => {
            let max = mode == PadMode::Maximum;
            let Some((&first, rest)) = vals.split_first() else {
                return f64::NAN;
            };
            rest.iter().fold(first, |m, &v| {
                if m.is_nan() || v.is_nan() {
                    f64::NAN
                } else if (max && v > m) || (!max && v < m) {
                    v
                } else {
                    m
                }
            })
        }
        PadMode::Mean => sum(vals, pairwise) / vals.len() as f64,
        _ => {
            if vals.is_empty() || vals.iter().any(|v| v.is_nan()) {
                return f64::NAN;
            }
            let n = vals.len();
            vals.sort_unstable_by(f64::total_cmp);
            if n % 2 == 1 {
                vals[n / 2]
            } else {
                sum(&vals[n / 2 - 1..=n / 2], pairwise) / 2.0
            }
        }
    }
}

/// `np.add.reduce` along the axis: pairwise when its inner loop runs along it, else one row
/// after another from 0.
fn sum(vals: &[f64], pairwise: bool) -> f64 {
    if pairwise {
        pairwise_sum(vals)
    } else {
        vals.iter().fold(0.0, |s, &v| s + v)
    }
}
