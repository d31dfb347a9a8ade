//! The steps of `canny` after the smoothing: scipy's Sobel, the magnitude, the thresholds,
//! scikit-image's non-maximum suppression and the hysteresis, each with the source's arithmetic.

use crate::mem::set_len;

/// Per-worker buffers of the edge steps.
#[derive(Default)]
pub struct EdgeScratch {
    isobel: Vec<f64>,
    jsobel: Vec<f64>,
    mag: Vec<f64>,
    tmp: Vec<f64>,
    stack: Vec<usize>,
}

/// From the smoothed image (`h × w`, both ≥ 1) to the edge map in `out` (0.0 / 1.0).
#[allow(clippy::too_many_arguments)]
pub fn canny_from_smoothed(
    smoothed: &[f64],
    h: usize,
    w: usize,
    low: f64,
    high: f64,
    use_quantiles: bool,
    out: &mut [f64],
    s: &mut EdgeScratch,
) {
    let n = h * w;
    for v in [&mut s.isobel, &mut s.jsobel, &mut s.mag, &mut s.tmp] {
        set_len(v, n);
    }
    sobel(smoothed, h, w, 0, &mut s.tmp, &mut s.isobel);
    sobel(smoothed, h, w, 1, &mut s.tmp, &mut s.jsobel);
    magnitude(&s.isobel, &s.jsobel, &mut s.mag);
    let (low, high) = if use_quantiles {
        s.tmp.copy_from_slice(&s.mag);
        percentile(&mut s.tmp, [100.0 * low, 100.0 * high])
    } else {
        // Thresholds divided by the dtype's maximum, 1 for float images.
        (low, high)
    };
    suppress(&s.isobel, &s.jsobel, &s.mag, h, w, low, out);
    hysteresis(out, h, w, high, &mut s.stack);
}

/// `ndi.sobel(a, axis)` (mode `reflect`): `correlate1d(a, [-1, 0, 1], axis)`, then
/// `correlate1d(…, [1, 2, 1])` across, each in `NI_Correlate1D`'s order for an antisymmetric
/// (`x[i] * 0 + (x[i-1] - x[i+1]) * -1`) and a symmetric (`x[i] * 2 + (x[i-1] + x[i+1]) * 1`)
/// kernel. `reflect` repeats the edge sample (`x[-1] = x[0]`, `x[n] = x[n-1]`).
pub fn sobel(a: &[f64], h: usize, w: usize, axis: usize, tmp: &mut [f64], out: &mut [f64]) {
    if axis == 0 {
        columns_diff(a, h, w, tmp);
        rows_smooth(tmp, h, w, out);
    } else {
        rows_diff(a, h, w, tmp);
        columns_smooth(tmp, h, w, out);
    }
}

#[multiversion::multiversion(targets = "simd")]
fn columns_diff(a: &[f64], h: usize, w: usize, out: &mut [f64]) {
    along_columns(a, h, w, out, diff3);
}

#[multiversion::multiversion(targets = "simd")]
fn columns_smooth(a: &[f64], h: usize, w: usize, out: &mut [f64]) {
    along_columns(a, h, w, out, smooth3);
}

#[multiversion::multiversion(targets = "simd")]
fn rows_diff(a: &[f64], h: usize, w: usize, out: &mut [f64]) {
    along_rows(a, h, w, out, diff3);
}

#[multiversion::multiversion(targets = "simd")]
fn rows_smooth(a: &[f64], h: usize, w: usize, out: &mut [f64]) {
    along_rows(a, h, w, out, smooth3);
}

/// (`* -1.0` is scipy's multiplication by the weight, kept as written.)
#[allow(clippy::neg_multiply)]
#[inline(always)]
fn diff3(prev: f64, cur: f64, next: f64) -> f64 {
    cur * 0.0 + (prev - next) * -1.0
}

#[inline(always)]
fn smooth3(prev: f64, cur: f64, next: f64) -> f64 {
    cur * 2.0 + (prev + next) * 1.0
}

/// `out[y][x] = f(a[y-1][x], a[y][x], a[y+1][x])`, rows reflected at the edges (inlined into
/// its callers, so that `f` is too and the loop vectorises across pixels).
#[inline(always)]
fn along_columns(a: &[f64], h: usize, w: usize, out: &mut [f64], f: impl Fn(f64, f64, f64) -> f64) {
    for y in 0..h {
        let p = &a[y.saturating_sub(1) * w..][..w];
        let c = &a[y * w..][..w];
        let nx = &a[(y + 1).min(h - 1) * w..][..w];
        let o = &mut out[y * w..][..w];
        for x in 0..w {
            o[x] = f(p[x], c[x], nx[x]);
        }
    }
}

/// `out[y][x] = f(a[y][x-1], a[y][x], a[y][x+1])`, columns reflected at the edges (inlined as
/// [`along_columns`]).
#[inline(always)]
fn along_rows(a: &[f64], h: usize, w: usize, out: &mut [f64], f: impl Fn(f64, f64, f64) -> f64) {
    for y in 0..h {
        let r = &a[y * w..][..w];
        let o = &mut out[y * w..][..w];
        if w == 1 {
            o[0] = f(r[0], r[0], r[0]);
            continue;
        }
        o[0] = f(r[0], r[0], r[1]);
        for x in 1..w - 1 {
            o[x] = f(r[x - 1], r[x], r[x + 1]);
        }
        o[w - 1] = f(r[w - 2], r[w - 1], r[w - 1]);
    }
}

/// `m = i * i; m += j * j; np.sqrt(m)`.
#[multiversion::multiversion(targets = "simd")]
fn magnitude(i: &[f64], j: &[f64], m: &mut [f64]) {
    for ((m, &i), &j) in m.iter_mut().zip(i).zip(j) {
        *m = (i * i + j * j).sqrt();
    }
}

/// `np.percentile(a, [q0, q1])` (method `linear`) of a non-empty `a` (reordered in place):
/// `q / 100`, the virtual index `(n - 1) * q`, and `_lerp` between its neighbours
/// (`a + d * t`, or `b - d * (1 - t)` from `t >= 0.5`). NaN if `a` holds a NaN.
pub fn percentile(a: &mut [f64], q: [f64; 2]) -> (f64, f64) {
    if a.iter().any(|v| v.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    let n = a.len();
    let one = |a: &mut [f64], q: f64| {
        let q = q / 100.0;
        let virt = (n - 1) as f64 * q;
        let (prev, next, t) = if virt >= (n - 1) as f64 {
            (n - 1, n - 1, virt + 1.0)
        } else if virt < 0.0 {
            (0, 0, virt)
        } else {
            let f = virt.floor();
            (f as usize, f as usize + 1, virt - f)
        };
        let (_, &mut lo, rest) = a.select_nth_unstable_by(prev, f64::total_cmp);
        let hi = if next == prev {
            lo
        } else {
            rest.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let d = hi - lo;
        if t >= 0.5 {
            hi - d * (1.0 - t)
        } else {
            lo + d * t
        }
    };
    (one(a, q[0]), one(a, q[1]))
}

/// `_nonmaximum_suppression_bilinear(isobel, jsobel, magnitude, eroded_mask, low)` into `out`:
/// the magnitude where it is a local maximum along the gradient (bilinear neighbours, ties
/// kept) and at least `low`, else 0. `low` is a C `float` there (and `1e-14` when it is 0);
/// the eroded mask is every pixel but the outermost ones.
pub fn suppress(isobel: &[f64], jsobel: &[f64], mag: &[f64], h: usize, w: usize, low: f64, out: &mut [f64]) {
    let mut low = low as f32;
    if low == 0.0 {
        low = 1e-14;
    }
    let low = f64::from(low);
    out.fill(0.0);
    for x in 1..h.saturating_sub(1) {
        for y in 1..w - 1 {
            let k = x * w + y;
            let m = mag[k];
            // Written as the Cython's `not (m >= low)`: NaN magnitudes are skipped.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            let skip = !(m >= low);
            if skip {
                continue;
            }
            let (i, j) = (isobel[k], jsobel[k]);
            let (is_down, is_up) = (i <= 0.0, i >= 0.0);
            let (is_left, is_right) = (j <= 0.0, j >= 0.0);
            let cond1 = (is_up && is_right) || (is_down && is_left);
            let cond2 = (is_down && is_right) || (is_up && is_left);
            if !cond1 && !cond2 {
                continue;
            }
            let (ai, aj) = (i.abs(), j.abs());
            let at = |dx: isize, dy: isize| mag[(x as isize + dx) as usize * w + (y as isize + dy) as usize];
            let (wt, n11, n12, n21, n22) = if cond1 {
                if ai > aj {
                    (aj / ai, at(1, 0), at(1, 1), at(-1, 0), at(-1, -1))
                } else {
                    (ai / aj, at(0, 1), at(1, 1), at(0, -1), at(-1, -1))
                }
            } else if ai < aj {
                (ai / aj, at(0, 1), at(-1, 1), at(0, -1), at(1, -1))
            } else {
                (aj / ai, at(-1, 0), at(-1, 1), at(1, 0), at(1, -1))
            };
            if n12 * wt + n11 * (1.0 - wt) <= m && n22 * wt + n21 * (1.0 - wt) <= m {
                out[k] = m;
            }
        }
    }
}

/// Hysteresis on the suppressed magnitudes in `a`, in place: the 8-connected components of
/// `a > 0` that hold a sample `>= high` become 1.0, everything else 0.0.
pub fn hysteresis(a: &mut [f64], h: usize, w: usize, high: f64, stack: &mut Vec<usize>) {
    // States: a sample > 0 not yet reached is kept as is; 1.0 … reached; the rest becomes 0.
    // Reached samples are marked with -1.0 first (no magnitude is negative).
    const REACHED: f64 = -1.0;
    stack.clear();
    for k in 0..a.len() {
        if a[k] > 0.0 && a[k] >= high {
            a[k] = REACHED;
            stack.push(k);
            while let Some(p) = stack.pop() {
                let (y, x) = (p / w, p % w);
                for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                        let q = ny * w + nx;
                        if a[q] > 0.0 {
                            a[q] = REACHED;
                            stack.push(q);
                        }
                    }
                }
            }
        }
    }
    for v in a.iter_mut() {
        *v = if *v == REACHED { 1.0 } else { 0.0 };
    }
}
