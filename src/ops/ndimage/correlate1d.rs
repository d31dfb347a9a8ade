//! `scipy.ndimage.correlate1d` / `convolve1d` (`NI_Correlate1D`, ni_filters.c).

use super::{check, extend_line, lines, shape_as, LineScratch, DBL_EPSILON};
use crate::ops::boundary::BoundaryMode;
use crate::Image;

/// How `NI_Correlate1D` sums a kernel: odd kernels symmetric or antisymmetric to within
/// `DBL_EPSILON` pair their taps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symmetry {
    Symmetric,
    Antisymmetric,
    General,
}

fn symmetry(w: &[f64]) -> Symmetry {
    let n = w.len();
    if n.is_multiple_of(2) {
        return Symmetry::General;
    }
    let s1 = n / 2;
    if (1..=s1).all(|i| (w[s1 + i] - w[s1 - i]).abs() <= DBL_EPSILON) {
        Symmetry::Symmetric
    } else if (1..=s1).all(|i| (w[s1 + i] + w[s1 - i]).abs() <= DBL_EPSILON) {
        Symmetry::Antisymmetric
    } else {
        Symmetry::General
    }
}

/// `scipy.ndimage.correlate1d(src, weights, axis, mode=mode, cval=cval, origin=origin)` into
/// `dst`, bit for bit: output sample `i` reads the samples at `i + j - origin` for the taps
/// `j = -(n/2) ..= n - n/2 - 1`, and sums them as `NI_Correlate1D` does —
/// - symmetric kernels: `acc = in[i]·w[0]`, then `acc += (in[i+j] + in[i-j])·w[j]` for
///   `j = -(n/2) ..= -1` (the outermost pair first; the weight is the left one);
/// - antisymmetric kernels: the same with `in[i+j] - in[i-j]`;
/// - any other kernel: `acc = in[i+s2]·w[s2]`, then `acc += in[i+j]·w[j]` for
///   `j = -(n/2) .. s2`.
///
/// Refuses an empty kernel, an `origin` outside `-(n/2) ..= (n-1)/2` (as scipy does) and an axis
/// the image does not have (2, the channels, only for colour images).
#[allow(clippy::too_many_arguments)]
pub fn correlate1d(
    src: &Image,
    dst: &mut Image,
    axis: usize,
    weights: &[f64],
    mode: BoundaryMode,
    cval: f64,
    origin: isize,
    scratch: &mut LineScratch,
) -> Result<(), String> {
    check(src, axis)?;
    let n = weights.len();
    if n == 0 {
        return Err("no filter weights given".into());
    }
    let s1 = (n / 2) as isize;
    if s1 + origin < 0 || s1 + origin >= n as isize {
        return Err("invalid origin".into());
    }
    shape_as(dst, src);
    if src.data.is_empty() {
        return Ok(());
    }
    let sym = symmetry(weights);
    let (h, w, c) = (src.height, src.width, src.channels);
    if axis == 0 {
        axis0(src, dst, weights, sym, mode, cval, origin, &mut scratch.row);
        return Ok(());
    }
    let (len, stride, starts) = lines((h, w, c), axis);
    let before = (s1 + origin) as usize;
    let after = n - 1 - before;
    for start in starts {
        extend_line(
            &mut scratch.ext,
            &src.data,
            (start, stride, len),
            (before, after),
            mode,
            cval,
        );
        scratch.line.clear();
        scratch.line.resize(len, 0.0);
        line(&scratch.ext, &mut scratch.line, weights, sym);
        for (k, &v) in scratch.line.iter().enumerate() {
            dst.data[start + k * stride] = v;
        }
    }
    Ok(())
}

/// `scipy.ndimage.convolve1d(src, weights, axis, mode=mode, cval=cval, origin=origin)`: the
/// correlation with the reversed kernel and the origin `-origin` (one less for an even kernel),
/// as scipy makes it.
#[allow(clippy::too_many_arguments)]
pub fn convolve1d(
    src: &Image,
    dst: &mut Image,
    axis: usize,
    weights: &[f64],
    mode: BoundaryMode,
    cval: f64,
    origin: isize,
    scratch: &mut LineScratch,
) -> Result<(), String> {
    let reversed: Vec<f64> = weights.iter().rev().copied().collect();
    let mut origin = -origin;
    if weights.len().is_multiple_of(2) {
        origin -= 1;
    }
    correlate1d(src, dst, axis, &reversed, mode, cval, origin, scratch)
}

/// One line: `ext` holds the line extended by `n/2 + origin` samples before it (and the rest
/// after), `out` receives its `out.len()` samples.
fn line(ext: &[f64], out: &mut [f64], fw: &[f64], sym: Symmetry) {
    let n = fw.len();
    let s1 = n / 2;
    match sym {
        Symmetry::Symmetric | Symmetry::Antisymmetric => {
            let anti = sym == Symmetry::Antisymmetric;
            for (i, o) in out.iter_mut().enumerate() {
                let c = i + s1;
                let mut acc = ext[c] * fw[s1];
                for k in (1..=s1).rev() {
                    let (l, r) = (ext[c - k], ext[c + k]);
                    acc += if anti { l - r } else { l + r } * fw[s1 - k];
                }
                *o = acc;
            }
        }
        Symmetry::General => {
            for (i, o) in out.iter_mut().enumerate() {
                let mut acc = ext[i + n - 1] * fw[n - 1];
                for (j, &wj) in fw[..n - 1].iter().enumerate() {
                    acc += ext[i + j] * wj;
                }
                *o = acc;
            }
        }
    }
}

/// Axis 0: whole rows at a time, each sample of a row with its own operands in
/// `NI_Correlate1D`'s order (so the loops run across the row).
#[allow(clippy::too_many_arguments)]
fn axis0(
    src: &Image,
    dst: &mut Image,
    fw: &[f64],
    sym: Symmetry,
    mode: BoundaryMode,
    cval: f64,
    origin: isize,
    cval_row: &mut Vec<f64>,
) {
    let (h, row) = (src.height, src.width * src.channels);
    cval_row.clear();
    cval_row.resize(row, cval);
    let s1 = (fw.len() / 2) as isize;
    let n = fw.len() as isize;
    let src_row = |y: usize, j: isize| -> &[f64] {
        match mode.map_index(y as isize + j - origin, h) {
            Some(r) => &src.data[r * row..][..row],
            None => cval_row,
        }
    };
    for (y, out) in dst.data.chunks_exact_mut(row).enumerate() {
        match sym {
            Symmetry::Symmetric | Symmetry::Antisymmetric => {
                set_product(out, src_row(y, 0), fw[s1 as usize]);
                for j in -s1..0 {
                    let wj = fw[(s1 + j) as usize];
                    let (l, r) = (src_row(y, j), src_row(y, -j));
                    if sym == Symmetry::Symmetric {
                        add_pair_sum(out, l, r, wj);
                    } else {
                        add_pair_difference(out, l, r, wj);
                    }
                }
            }
            Symmetry::General => {
                let s2 = n - s1 - 1;
                set_product(out, src_row(y, s2), fw[(n - 1) as usize]);
                for j in -s1..s2 {
                    add_product(out, src_row(y, j), fw[(s1 + j) as usize]);
                }
            }
        }
    }
}

/// `out[i] = a[i] * w`.
#[multiversion::multiversion(targets = "simd")]
fn set_product(out: &mut [f64], a: &[f64], w: f64) {
    for (o, &x) in out.iter_mut().zip(a) {
        *o = x * w;
    }
}

/// `out[i] += a[i] * w`.
#[multiversion::multiversion(targets = "simd")]
pub(super) fn add_product(out: &mut [f64], a: &[f64], w: f64) {
    for (o, &x) in out.iter_mut().zip(a) {
        *o += x * w;
    }
}

/// `out[i] += (l[i] + r[i]) * w`.
#[multiversion::multiversion(targets = "simd")]
fn add_pair_sum(out: &mut [f64], l: &[f64], r: &[f64], w: f64) {
    for ((o, &x), &y) in out.iter_mut().zip(l).zip(r) {
        *o += (x + y) * w;
    }
}

/// `out[i] += (l[i] - r[i]) * w`.
#[multiversion::multiversion(targets = "simd")]
fn add_pair_difference(out: &mut [f64], l: &[f64], r: &[f64], w: f64) {
    for ((o, &x), &y) in out.iter_mut().zip(l).zip(r) {
        *o += (x - y) * w;
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn symmetry_is_tested_to_dbl_epsilon() {
        assert_eq!(symmetry(&[1.0, 2.0, 1.0]), Symmetry::Symmetric);
        assert_eq!(symmetry(&[1.0, 0.0, -1.0]), Symmetry::Antisymmetric);
        assert_eq!(symmetry(&[1.0, 2.0, 3.0]), Symmetry::General);
        assert_eq!(symmetry(&[1.0, 1.0]), Symmetry::General);
        assert_eq!(
            symmetry(&[1.0 + f64::EPSILON, 5.0, 1.0]),
            Symmetry::Symmetric
        );
        assert_eq!(symmetry(&[0.0]), Symmetry::Symmetric);
    }
}
