//! `scipy.ndimage.uniform_filter1d` / `uniform_filter` (`NI_UniformFilter1D`, ni_filters.c).

use super::{check, extend_line, lines, shape_as, LineScratch};
use crate::ops::boundary::BoundaryMode;
use crate::Image;

/// `scipy.ndimage.uniform_filter1d(src, size, axis, mode=mode, cval=cval, origin=origin)` into
/// `dst`, bit for bit. On each line, extended by `size/2 + origin` samples before it:
/// `s = e[0] + e[1] + … + e[size-1]` in order from `0.0`, `out[0] = s / size`; then for each
/// later output `s += (e[i + size - 1] - e[i - 1])` (the difference first) and
/// `out[i] = s / size`.
///
/// Refuses `size` 0, an origin outside `-(size/2) ..= (size-1)/2` and an axis the image does
/// not have.
#[allow(clippy::too_many_arguments)]
pub fn uniform_filter1d(
    src: &Image,
    dst: &mut Image,
    axis: usize,
    size: usize,
    mode: BoundaryMode,
    cval: f64,
    origin: isize,
    scratch: &mut LineScratch,
) -> Result<(), String> {
    check(src, axis)?;
    if size == 0 {
        return Err("incorrect filter size".into());
    }
    let s1 = (size / 2) as isize;
    if s1 + origin < 0 || s1 + origin >= size as isize {
        return Err("invalid origin".into());
    }
    shape_as(dst, src);
    if src.data.is_empty() {
        return Ok(());
    }
    let before = (s1 + origin) as usize;
    let after = size - 1 - before;
    let (h, w, c) = (src.height, src.width, src.channels);
    if axis == 0 {
        axis0(
            src,
            dst,
            size,
            (before, mode, cval),
            &mut scratch.row,
            &mut scratch.ext,
        );
        return Ok(());
    }
    let (len, stride, starts) = lines((h, w, c), axis);
    let div = size as f64;
    for start in starts {
        extend_line(
            &mut scratch.ext,
            &src.data,
            (start, stride, len),
            (before, after),
            mode,
            cval,
        );
        let e = &scratch.ext;
        let mut s = 0.0;
        for &v in &e[..size] {
            s += v;
        }
        dst.data[start] = s / div;
        for k in 1..len {
            s += e[k - 1 + size] - e[k - 1];
            dst.data[start + k * stride] = s / div;
        }
    }
    Ok(())
}

/// Axis 0, whole rows at a time: the running sums of every column of a row side by side.
fn axis0(
    src: &Image,
    dst: &mut Image,
    size: usize,
    (before, mode, cval): (usize, BoundaryMode, f64),
    sums: &mut Vec<f64>,
    cval_row: &mut Vec<f64>,
) {
    let (h, row) = (src.height, src.width * src.channels);
    cval_row.clear();
    cval_row.resize(row, cval);
    // The source row at extended position `e` (line position `e - before`).
    let ext_row = |e: usize| -> &[f64] {
        match mode.map_index(e as isize - before as isize, h) {
            Some(r) => &src.data[r * row..][..row],
            None => cval_row,
        }
    };
    sums.clear();
    sums.resize(row, 0.0);
    for e in 0..size {
        add_row(sums, ext_row(e));
    }
    let div = size as f64;
    let mut out_rows = dst.data.chunks_exact_mut(row);
    if let Some(out) = out_rows.next() {
        divide_row(out, sums, div);
    }
    for (k, out) in (1..h).zip(out_rows) {
        slide_row(sums, ext_row(k - 1 + size), ext_row(k - 1));
        divide_row(out, sums, div);
    }
}

/// `s[i] += a[i]`.
#[multiversion::multiversion(targets = "simd")]
fn add_row(s: &mut [f64], a: &[f64]) {
    for (x, &v) in s.iter_mut().zip(a) {
        *x += v;
    }
}

/// `s[i] += new[i] - old[i]`.
#[multiversion::multiversion(targets = "simd")]
fn slide_row(s: &mut [f64], new: &[f64], old: &[f64]) {
    for ((x, &a), &b) in s.iter_mut().zip(new).zip(old) {
        *x += a - b;
    }
}

/// `out[i] = s[i] / div`.
#[multiversion::multiversion(targets = "simd")]
fn divide_row(out: &mut [f64], s: &[f64], div: f64) {
    for (o, &x) in out.iter_mut().zip(s) {
        *o = x / div;
    }
}

/// `scipy.ndimage.uniform_filter(src, size=sizes, mode=mode, cval=cval)` into `dst`: one
/// [`uniform_filter1d`] per axis of size above 1, in axis order, each reading the previous
/// one's float64 result (`sizes[2]`, the channels, is ignored on a one-channel image; a copy
/// when every size is 1). The shape `(s, s, 1)` of a colour image filters each channel alone.
pub fn uniform_filter(
    src: &Image,
    dst: &mut Image,
    sizes: [usize; 3],
    mode: BoundaryMode,
    cval: f64,
    scratch: &mut LineScratch,
) -> Result<(), String> {
    check(src, 0)?;
    let axes: Vec<usize> = (0..super::ndim(src)).filter(|&a| sizes[a] > 1).collect();
    if sizes.iter().take(super::ndim(src)).any(|&s| s == 0) {
        return Err("incorrect filter size".into());
    }
    if axes.is_empty() {
        shape_as(dst, src);
        dst.data.copy_from_slice(&src.data);
        return Ok(());
    }
    // Each pass reads the previous one's image; with a scratch image between them, the last
    // pass writes `dst`.
    let mut tmp = Image {
        data: std::mem::take(&mut scratch.tmp),
        ..Image::default()
    };
    let pass = |a: usize, from: &Image, to: &mut Image, s: &mut LineScratch| {
        uniform_filter1d(from, to, a, sizes[a], mode, cval, 0, s)
    };
    let result = match axes[..] {
        [a] => pass(a, src, dst, scratch),
        [a, b] => pass(a, src, &mut tmp, scratch).and_then(|()| pass(b, &tmp, dst, scratch)),
        [a, b, c, ..] => pass(a, src, dst, scratch)
            .and_then(|()| pass(b, dst, &mut tmp, scratch))
            .and_then(|()| pass(c, &tmp, dst, scratch)),
        [] => Ok(()),
    };
    scratch.tmp = tmp.data;
    result
}
