//! `scipy.ndimage.zoom(input, zoom, order, mode, cval, grid_mode=True)` as scipy 1.17.1 computes
//! it (`NI_ZoomShift`, `ni_interpolation.c`): per axis and output index, the source coordinate
//! `((k + 0.5) * zoom) - 0.5` (plus the prefilter's padding), mapped into the input by the mode;
//! the `order + 1` taps from `floor` of it (mapped again at the edges, or `cval`), and the spline
//! weights of `get_spline_interpolation_weights`. Each output sample is
//! `t = 0.0; t += ((v * w_axis0) * w_axis1) [* w_axis2]` over the taps in C order.

/// scipy's boundary modes as `zoom` and `spline_filter` see them (skimage's names in brackets):
/// `mirror` (`reflect`), `reflect` (`symmetric`), `nearest` (`edge`), `grid-constant`
/// (`constant`), `grid-wrap` (`wrap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NdMode {
    Mirror,
    Reflect,
    Nearest,
    GridConstant,
    GridWrap,
}

/// `map_coordinate`: a coordinate outside `[0, len - 1]` mapped back by the mode, with scipy's
/// arithmetic (integer multiples of the period subtracted in `npy_intp`, then the double).
pub fn map_coordinate(x: f64, len: usize, mode: NdMode) -> f64 {
    let n = len as i64;
    if x < 0.0 {
        match mode {
            NdMode::Mirror => {
                if len <= 1 {
                    return 0.0;
                }
                let sz2 = 2 * n - 2;
                let x = sz2.wrapping_mul((-x / sz2 as f64) as i64) as f64 + x;
                if x <= (1 - n) as f64 {
                    x + sz2 as f64
                } else {
                    -x
                }
            }
            NdMode::Reflect => {
                if len <= 1 {
                    return 0.0;
                }
                let sz2 = 2 * n;
                let mut x = x;
                if x < -(sz2 as f64) {
                    x = sz2.wrapping_mul((-x / sz2 as f64) as i64) as f64 + x;
                }
                if x < -(n as f64) {
                    x + sz2 as f64
                } else {
                    (if x > -1e-15 { 1e-15 } else { -x }) - 1.0
                }
            }
            NdMode::GridWrap => {
                if len <= 1 {
                    return 0.0;
                }
                x + n.wrapping_mul(((-1.0 - x) / n as f64) as i64 + 1) as f64
            }
            NdMode::Nearest => 0.0,
            NdMode::GridConstant => x,
        }
    } else if x > (n - 1) as f64 {
        match mode {
            NdMode::Mirror => {
                if len <= 1 {
                    return 0.0;
                }
                let sz2 = 2 * n - 2;
                let x = x - sz2.wrapping_mul((x / sz2 as f64) as i64) as f64;
                if x >= n as f64 {
                    sz2 as f64 - x
                } else {
                    x
                }
            }
            NdMode::Reflect => {
                if len <= 1 {
                    return 0.0;
                }
                let sz2 = 2 * n;
                let x = x - sz2.wrapping_mul((x / sz2 as f64) as i64) as f64;
                if x >= n as f64 {
                    sz2 as f64 - x - 1.0
                } else {
                    x
                }
            }
            NdMode::GridWrap => {
                if len <= 1 {
                    return 0.0;
                }
                x - n.wrapping_mul((x / n as f64) as i64) as f64
            }
            NdMode::Nearest => (n - 1) as f64,
            NdMode::GridConstant => x,
        }
    } else {
        x
    }
}

/// `get_spline_interpolation_weights(x, order)` for orders 1 … 5 (`order + 1` weights, the last
/// one `1 - the others` subtracted in order).
pub fn spline_weights(x: f64, order: usize, w: &mut [f64]) {
    let x = x - if order & 1 == 1 { x } else { x + 0.5 }.floor();
    let mut y = x;
    let mut z = 1.0 - x;
    match order {
        1 => w[0] = 1.0 - x,
        2 => {
            w[1] = 0.75 - x * x;
            y = 0.5 - x;
            w[0] = 0.5 * y * y;
        }
        3 => {
            w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
            w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
            w[0] = z * z * z / 6.0;
        }
        4 => {
            let t = x * x;
            w[2] = t * (t * 0.25 - 0.625) + 115.0 / 192.0;
            y = 1.0 + x;
            w[1] = y * (y * (y * (5.0 - y) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
            w[3] = z * (z * (z * (5.0 - z) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
            y = 0.5 - x;
            let t = y * y;
            w[0] = t * t / 24.0;
        }
        5 => {
            let t = y * y;
            w[2] = t * (t * (0.25 - y / 12.0) - 0.5) + 0.55;
            let t = z * z;
            w[3] = t * (t * (0.25 - z / 12.0) - 0.5) + 0.55;
            y += 1.0;
            w[1] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
            z += 1.0;
            w[4] = z * (z * (z * (z * (z / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425;
            y = 1.0 - x;
            let t = y * y;
            w[0] = y * t * t / 120.0;
        }
        _ => return,
    }
    w[order] = 1.0;
    for i in 0..order {
        w[order] -= w[i];
    }
}

/// The taps of one axis: for output index `k`, the source indices `idx[k * (order + 1) ..]`
/// (`cval` stands for a tap outside the input in `grid-constant` mode) and, for order ≥ 1, their
/// weights `w[k * (order + 1) ..]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisTaps {
    pub idx: Vec<usize>,
    pub w: Vec<f64>,
}

/// The taps of one axis of `zoom` from `in_len` to `out_len` samples (`zoom = in_len / out_len`)
/// over an input of `len` samples (`in_len` plus `pad` on each side when the prefilter padded
/// it). A tap outside the input in `grid-constant` mode is `cval`.
pub fn axis_taps(
    in_len: usize,
    out_len: usize,
    len: usize,
    pad: usize,
    order: usize,
    mode: NdMode,
    cval: usize,
) -> AxisTaps {
    let zoom = in_len as f64 / out_len as f64;
    let taps = order + 1;
    let spline_mode = mode;
    let n = len as i64;
    let mut out = AxisTaps {
        idx: Vec::with_capacity(out_len * taps),
        w: vec![0.0; if order > 0 { out_len * taps } else { 0 }],
    };
    for k in 0..out_len {
        let mut cc = k as f64;
        cc += 0.5;
        cc *= zoom;
        cc -= 0.5;
        cc += pad as f64;
        if mode != NdMode::GridConstant && mode != NdMode::Nearest {
            cc = map_coordinate(cc, len, mode);
        }
        let half = (order / 2) as i64;
        let start = if order & 1 == 1 {
            cc.floor() as i64 - half
        } else {
            (cc + 0.5).floor() as i64 - half
        };
        let edge = start < 0 || start + order as i64 >= n;
        for hh in 0..taps as i64 {
            let i = start + hh;
            let src = if !edge {
                i as usize
            } else if mode == NdMode::GridConstant {
                if i < 0 || i >= n {
                    cval
                } else {
                    i as usize
                }
            } else {
                // In range by construction; clamped so that no input can index outside.
                (map_coordinate(i as f64, len, spline_mode) as i64).clamp(0, n - 1) as usize
            };
            out.idx.push(src);
        }
        if order > 0 {
            spline_weights(cc, order, &mut out.w[k * taps..(k + 1) * taps]);
        }
    }
    out
}

/// A source array for [`interpolate`]: `rows × cols × chans` samples in C order, plus — in
/// `grid-constant` mode — a row index `rows` and a column index `cols` that read `cval` (the
/// buffer then has an extra row and column of `cval` at the end of each axis).
pub struct Source<'a> {
    pub data: &'a [f64],
    pub cols: usize,
    pub chans: usize,
}

/// The rows of an output image from the taps of its axes: `t = 0.0; t += (v * wr) * wc` over
/// row taps then column taps (order 0: `t = 0.0 + v`). The channels of a pixel share its taps
/// (for orders 0 and 1 the channel axis of scipy's 3-D zoom has the single weight 1 at each
/// channel and 0 at its neighbour, which adds nothing to a finite sum).
#[multiversion::multiversion(targets = "simd")]
pub fn interpolate(src: &Source, rows: &AxisTaps, cols: &AxisTaps, order: usize, out: &mut [f64]) {
    let c = src.chans;
    let out_cols = cols.idx.len() / (order + 1);
    let row_len = src.cols * c;
    if out_cols == 0 || c == 0 {
        return;
    }
    let row = |r: usize| &src.data[r * row_len..(r + 1) * row_len];
    for (i, orow) in out.chunks_exact_mut(out_cols * c).enumerate() {
        match order {
            0 => {
                let srow = row(rows.idx[i]);
                for (px, &s) in orow.chunks_exact_mut(c).zip(&cols.idx) {
                    for (o, &v) in px.iter_mut().zip(&srow[s * c..s * c + c]) {
                        *o = 0.0 + v;
                    }
                }
            }
            1 => taps_row::<2>(row, rows, cols, i, c, orow),
            2 => taps_row::<3>(row, rows, cols, i, c, orow),
            3 => taps_row::<4>(row, rows, cols, i, c, orow),
            4 => taps_row::<5>(row, rows, cols, i, c, orow),
            _ => taps_row::<6>(row, rows, cols, i, c, orow),
        }
    }
}

/// One output row of [`interpolate`] with `T` taps per axis: each sample's sum in registers.
#[inline(always)]
fn taps_row<'a, const T: usize>(
    row: impl Fn(usize) -> &'a [f64],
    rows: &AxisTaps,
    cols: &AxisTaps,
    i: usize,
    c: usize,
    orow: &mut [f64],
) {
    let srows: [&[f64]; T] = std::array::from_fn(|a| row(rows.idx[i * T + a]));
    let wr: [f64; T] = std::array::from_fn(|a| rows.w[i * T + a]);
    let ci = cols.idx.chunks_exact(T);
    let cw = cols.w.chunks_exact(T);
    if c == 1 {
        for ((o, ci), cw) in orow.iter_mut().zip(ci).zip(cw) {
            let mut t = 0.0;
            for a in 0..T {
                for b in 0..T {
                    t += (srows[a][ci[b]] * wr[a]) * cw[b];
                }
            }
            *o = t;
        }
    } else {
        for ((px, ci), cw) in orow.chunks_exact_mut(c).zip(ci).zip(cw) {
            for (k, o) in px.iter_mut().enumerate() {
                let mut t = 0.0;
                for a in 0..T {
                    for b in 0..T {
                        t += (srows[a][ci[b] * c + k] * wr[a]) * cw[b];
                    }
                }
                *o = t;
            }
        }
    }
}

/// [`interpolate`] with a third axis interpolated too (scipy's 3-D zoom of a colour image with a
/// spline of order ≥ 2, whose channel axis was prefiltered: its taps at integer positions mix
/// the channels' coefficients): `t += ((v * wr) * wc) * wch` over row, column, channel taps.
#[multiversion::multiversion(targets = "simd")]
pub fn interpolate3(
    src: &Source,
    rows: &AxisTaps,
    cols: &AxisTaps,
    chans: &AxisTaps,
    order: usize,
    out: &mut [f64],
    t: &mut Vec<f64>,
) {
    let taps = order + 1;
    let cs = src.chans;
    let out_c = chans.idx.len() / taps;
    let out_cols = cols.idx.len() / taps;
    let row_len = src.cols * cs;
    if out_cols == 0 || out_c == 0 {
        return;
    }
    for (i, orow) in out.chunks_exact_mut(out_cols * out_c).enumerate() {
        let rtaps = &rows.idx[i * taps..(i + 1) * taps];
        let rw = &rows.w[i * taps..(i + 1) * taps];
        t.clear();
        t.resize(out_cols * out_c, 0.0);
        for (a, &r) in rtaps.iter().enumerate() {
            let srow = &src.data[r * row_len..(r + 1) * row_len];
            let wr = rw[a];
            for b in 0..taps {
                for e in 0..taps {
                    for (j, px) in t.chunks_exact_mut(out_c).enumerate() {
                        let s = cols.idx[j * taps + b] * cs;
                        let wc = cols.w[j * taps + b];
                        for (k, acc) in px.iter_mut().enumerate() {
                            let ch = chans.idx[k * taps + e];
                            let wch = chans.w[k * taps + e];
                            *acc += ((srow[s + ch] * wr) * wc) * wch;
                        }
                    }
                }
            }
        }
        orow.copy_from_slice(t);
    }
}
