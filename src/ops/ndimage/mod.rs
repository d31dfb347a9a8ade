//! `scipy.ndimage`'s filter primitives on flowrun images, operation for operation as scipy 1.17
//! computes them (`ni_filters.c`), for the ops that are built on them (the edge filters,
//! `uniform`, `median`, `laplace`, the SSIM metric) and for later ones (local thresholds,
//! canny). No op of its own: nothing here is in the registry.
//!
//! An [`Image`] is numpy's C-ordered array: `(H, W)` for one channel, `(H, W, C)` otherwise.
//! Axis 0 runs down the columns, axis 1 along the rows, axis 2 across a pixel's channels.
//!
//! - [`correlate1d`] / [`convolve1d`]: `NI_Correlate1D`, with its three summation orders
//!   (symmetric, antisymmetric and general kernels, the first two tested to `DBL_EPSILON`);
//! - [`correlate`] / [`convolve`]: `NI_Correlate`, the n-dimensional correlation: the taps whose
//!   weight is above `DBL_EPSILON` in magnitude, summed in the kernel's C order from `0.0`;
//! - [`uniform_filter1d`] / [`uniform_filter`]: `NI_UniformFilter1D`'s running sum.
//!
//! Samples beyond the edges come from [`BoundaryMode::map_index`] (`cval` for `constant`), which
//! is `NI_ExtendLine` for any radius. The n-dimensional filters of scipy compute their border
//! offsets differently (`NI_InitFilterOffsets`); the two agree except where scipy's `reflect`
//! offsets break, for a footprint reaching four times the image's side or more past an edge,
//! where scipy reads outside the line (flowrun reflects correctly there).
//!
//! Every output sample is computed by exactly scipy's sequence of operations; the loops run
//! across samples (rows of a padded copy), so the SIMD clones give the same bits.

use super::boundary::BoundaryMode;
use crate::Image;

mod correlate;
mod correlate1d;
mod uniform;

#[cfg(test)]
mod op_props;
#[cfg(test)]
mod tests;

pub use correlate::{convolve, correlate, correlate_row, NdKernel, Padded, RowMap, Tap};
pub use correlate1d::{convolve1d, correlate1d};
pub use uniform::{uniform_filter, uniform_filter1d};

/// C's `DBL_EPSILON`, scipy's threshold for symmetric kernels and for skipped taps.
pub const DBL_EPSILON: f64 = f64::EPSILON;

/// The shape of an image as numpy sees it: `[H, W]` for one channel, `[H, W, C]` otherwise
/// (the number of axes is `ndim`).
pub fn ndim(img: &Image) -> usize {
    if img.channels == 1 {
        2
    } else {
        3
    }
}

/// Reusable buffers of the primitives (one per worker).
#[derive(Default)]
pub struct LineScratch {
    /// One boundary-extended line.
    ext: Vec<f64>,
    /// One output line.
    line: Vec<f64>,
    /// A row of `cval`, or the running sums of an axis-0 pass.
    row: Vec<f64>,
    /// The intermediate image of a multi-axis filter.
    tmp: Vec<f64>,
}

/// The lines of an `(h, w, c)` array along `axis`: their length, the stride between their
/// samples, and where each starts (axes 1 and 2; axis 0 runs across whole rows instead).
fn lines(
    (h, w, c): (usize, usize, usize),
    axis: usize,
) -> (usize, usize, impl Iterator<Item = usize>) {
    let (len, stride, outer, inner, outer_step, inner_step) = match axis {
        1 => (w, c, h, c, w * c, 1),
        _ => (c, 1, h, w, w * c, c),
    };
    let starts =
        (0..outer).flat_map(move |o| (0..inner).map(move |i| o * outer_step + i * inner_step));
    (len, stride, starts)
}

/// Fills `ext` with the line of `len` samples at `data[start + k * stride]`, extended by
/// `before` samples before it and `after` after it as `mode` says.
fn extend_line(
    ext: &mut Vec<f64>,
    data: &[f64],
    (start, stride, len): (usize, usize, usize),
    (before, after): (usize, usize),
    mode: BoundaryMode,
    cval: f64,
) {
    let at = |p: isize| match mode.map_index(p, len) {
        Some(k) => data[start + k * stride],
        None => cval,
    };
    ext.clear();
    ext.extend((0..before).map(|e| at(e as isize - before as isize)));
    if stride == 1 {
        ext.extend_from_slice(&data[start..start + len]);
    } else {
        ext.extend(data[start..].iter().step_by(stride).take(len));
    }
    ext.extend((0..after).map(|e| at((len + e) as isize)));
}

/// Checks that `img` is consistent and `axis` one of its axes.
fn check(img: &Image, axis: usize) -> Result<(), String> {
    let n = img
        .height
        .checked_mul(img.width)
        .and_then(|n| n.checked_mul(img.channels));
    if n != Some(img.data.len()) || img.channels == 0 {
        return Err("the image's samples do not match its shape".into());
    }
    if axis >= ndim(img) {
        return Err(format!(
            "axis {axis} is out of range for a {}-dimensional image",
            ndim(img)
        ));
    }
    Ok(())
}

/// Makes `out` an image of `img`'s shape (contents unspecified).
fn shape_as(out: &mut Image, img: &Image) {
    super::elementwise::shape_like(out, super::Shape::of(img));
}
