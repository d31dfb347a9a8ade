//! `scipy.ndimage.correlate` / `convolve` (`NI_Correlate`, ni_filters.c) over a padded copy.
//!
//! scipy keeps the taps whose weight is above `DBL_EPSILON` in magnitude, in the C order of the
//! kernel, and sums them per output sample as `tmp = 0.0; tmp += w·v` (the value `cval` for a
//! constant border). Here the image is first copied into [`Padded`], extended on every side by
//! the kernel's reach, so each tap of one output row reads a contiguous run of the padded row;
//! the taps are then added to the whole row in turn, which is each sample's own sequence.

use super::{shape_as, DBL_EPSILON};
use crate::ops::boundary::BoundaryMode;
use crate::Image;

/// A kernel of up to three axes (`[rows, columns, channels]`; 1 on an axis it lacks), its
/// weights in C order, and scipy's `origin` per axis (the centre is `size / 2 + origin`).
#[derive(Clone, Debug, PartialEq)]
pub struct NdKernel {
    pub shape: [usize; 3],
    pub weights: Vec<f64>,
    pub origin: [isize; 3],
}

/// One kept tap: output `(y, x, c)` reads the padded sample `(y + dy, x + dx, c + dc)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tap {
    pub dy: usize,
    pub dx: usize,
    pub dc: usize,
    pub w: f64,
}

impl NdKernel {
    /// A two-axis kernel (`rows × cols`, row-major weights), centred.
    pub fn planar(rows: usize, cols: usize, weights: Vec<f64>) -> NdKernel {
        NdKernel {
            shape: [rows, cols, 1],
            weights,
            origin: [0; 3],
        }
    }

    /// The centre along each axis (`size / 2 + origin`), or `None` if an origin is out of
    /// scipy's range `-(size / 2) ..= (size - 1) / 2` or the weights do not fill the shape.
    pub fn centre(&self) -> Option<[usize; 3]> {
        if self.shape.iter().product::<usize>() != self.weights.len() {
            return None;
        }
        let mut c = [0; 3];
        for ((c, &size), &origin) in c.iter_mut().zip(&self.shape).zip(&self.origin) {
            let o = (size / 2) as isize + origin;
            if o < 0 || o >= size as isize {
                return None;
            }
            *c = o as usize;
        }
        Some(c)
    }

    /// The kernel scipy's `convolve` correlates with: the weights reversed on every axis, the
    /// origins negated (and one less on an axis of even size).
    pub fn flipped(&self) -> NdKernel {
        let origin =
            [0, 1, 2].map(|a| -self.origin[a] - isize::from(self.shape[a].is_multiple_of(2)));
        NdKernel {
            shape: self.shape,
            weights: self.weights.iter().rev().copied().collect(),
            origin,
        }
    }

    /// The taps scipy keeps (`|w| > DBL_EPSILON`), in C order, at their padded offsets.
    pub fn taps(&self) -> Vec<Tap> {
        let [_, kw, kc] = self.shape;
        self.weights
            .iter()
            .enumerate()
            .filter(|(_, w)| w.abs() > DBL_EPSILON)
            .map(|(k, &w)| Tap {
                dy: k / (kw * kc),
                dx: k / kc % kw,
                dc: k % kc,
                w,
            })
            .collect()
    }
}

/// An image copied with `before[a]` samples before and `after[a]` after it on each axis `a`,
/// filled as `mode` extends lines (`cval` where any axis falls outside, for `constant`).
#[derive(Clone, Debug, Default)]
pub struct Padded {
    pub data: Vec<f64>,
    /// The padded shape `[rows, columns, channels]`.
    pub dims: [usize; 3],
    /// The image's shape `[H, W, C]`.
    pub inner: [usize; 3],
}

/// How a padded row is made from a source row: the source column (and channel) of each padded
/// column (and channel), `None` for `cval`.
#[derive(Clone, Debug, Default)]
pub struct RowMap {
    pub xmap: Vec<Option<usize>>,
    pub cmap: Vec<Option<usize>>,
    /// The source's channels.
    pub c: usize,
    pub cval: f64,
    /// The padded row's first image column (no channel padding) and the image's width, for
    /// the straight copy of the interior.
    pub bx: usize,
    pub w: usize,
}

impl RowMap {
    /// The map of rows of `w` pixels of `c` channels, padded by `before` and `after` columns
    /// and channels (`[_, columns, channels]`).
    pub fn new(
        (w, c): (usize, usize),
        before: [usize; 3],
        after: [usize; 3],
        mode: BoundaryMode,
        cval: f64,
    ) -> RowMap {
        let map = |b: usize, n: usize, p: usize| mode.map_index(p as isize - b as isize, n);
        RowMap {
            xmap: (0..w + before[1] + after[1])
                .map(|p| map(before[1], w, p))
                .collect(),
            cmap: (0..c + before[2] + after[2])
                .map(|p| map(before[2], c, p))
                .collect(),
            c,
            cval,
            bx: before[1],
            w,
        }
    }

    /// The padded row's length in samples.
    pub fn len(&self) -> usize {
        self.xmap.len() * self.cmap.len()
    }

    /// Whether the padded row is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pads `src` (one source row, or `None`: a row of `cval`) into `out` (`len()` samples).
    pub fn pad(&self, src: Option<&[f64]>, out: &mut [f64]) {
        let Some(src) = src else {
            out.fill(self.cval);
            return;
        };
        let (c, pc) = (self.c, self.cmap.len());
        if pc == c {
            // No channel padding: the interior is one copy, the margins pixel by pixel.
            out[self.bx * c..(self.bx + self.w) * c].copy_from_slice(&src[..self.w * c]);
            for px in (0..self.bx).chain(self.bx + self.w..self.xmap.len()) {
                let px_out = &mut out[px * c..][..c];
                match self.xmap[px] {
                    Some(sx) => px_out.copy_from_slice(&src[sx * c..][..c]),
                    None => px_out.fill(self.cval),
                }
            }
            return;
        }
        for (px, sx) in self.xmap.iter().enumerate() {
            for (pc_i, sc) in self.cmap.iter().enumerate() {
                out[px * pc + pc_i] = match (sx, sc) {
                    (Some(sx), Some(sc)) => src[sx * c + sc],
                    _ => self.cval,
                };
            }
        }
    }
}

impl Padded {
    /// Pads `img` (its shape and samples consistent) into this buffer.
    pub fn fill(
        &mut self,
        img: &Image,
        before: [usize; 3],
        after: [usize; 3],
        mode: BoundaryMode,
        cval: f64,
    ) {
        let (h, w, c) = (img.height, img.width, img.channels);
        let rows = RowMap::new((w, c), before, after, mode, cval);
        let dims = [h + before[0] + after[0], rows.xmap.len(), rows.cmap.len()];
        self.dims = dims;
        self.inner = [h, w, c];
        let prow = rows.len();
        crate::mem::set_len(&mut self.data, dims[0] * prow);
        for (py, out) in self.data.chunks_exact_mut(prow.max(1)).enumerate() {
            let src = mode
                .map_index(py as isize - before[0] as isize, h)
                .map(|sy| &img.data[sy * w * c..][..w * c]);
            rows.pad(src, out);
        }
    }

    /// Padded row `py`.
    pub fn row(&self, py: usize) -> &[f64] {
        let n = self.dims[1] * self.dims[2];
        &self.data[py * n..][..n]
    }
}

/// One output row of a correlation into `out` (`w · c` samples): `rows[dy]` is the padded row
/// `dy` below the output row's, with `pc` samples per padded pixel. Each sample is
/// `tmp = 0.0; tmp += w · v` over the taps in order; a strip of samples is summed in registers
/// over all the taps before it is stored.
#[multiversion::multiversion(targets = "simd")]
pub fn correlate_row(
    rows: &[&[f64]],
    taps: &[Tap],
    (w, c, pc): (usize, usize, usize),
    out: &mut [f64],
) {
    const STRIP: usize = 32;
    let n = w * c;
    let out = &mut out[..n];
    if pc != c {
        out.fill(0.0);
        for t in taps {
            let row = rows[t.dy];
            for (x, px) in out.chunks_exact_mut(c).enumerate() {
                let src = &row[(x + t.dx) * pc + t.dc..][..c];
                for (o, &v) in px.iter_mut().zip(src) {
                    *o += t.w * v;
                }
            }
        }
        return;
    }
    let mut x = 0;
    while x + STRIP <= n {
        let mut acc = [0.0f64; STRIP];
        for t in taps {
            let src = &rows[t.dy][t.dx * c + x..][..STRIP];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += t.w * v;
            }
        }
        out[x..x + STRIP].copy_from_slice(&acc);
        x += STRIP;
    }
    for (i, o) in out.iter_mut().enumerate().skip(x) {
        let mut a = 0.0;
        for t in taps {
            a += t.w * rows[t.dy][t.dx * c + i];
        }
        *o = a;
    }
}

/// `scipy.ndimage.correlate(src, kernel, mode=mode, cval=cval, origin=kernel.origin)` into
/// `dst`, bit for bit. The kernel has 2 axes (`shape[2] == 1`; on a colour image it then
/// filters each channel, as a 3-axis kernel of one channel does) or 3 on a colour image.
pub fn correlate(
    src: &Image,
    dst: &mut Image,
    kernel: &NdKernel,
    mode: BoundaryMode,
    cval: f64,
    padded: &mut Padded,
) -> Result<(), String> {
    let centre = kernel
        .centre()
        .ok_or("invalid kernel: its origin or its number of weights")?;
    if kernel.shape[2] != 1 && src.channels == 1 {
        return Err("a kernel across channels needs a colour image".into());
    }
    if src.height * src.width * src.channels != src.data.len() {
        return Err("the image's samples do not match its shape".into());
    }
    shape_as(dst, src);
    if src.data.is_empty() {
        return Ok(());
    }
    let after = [0, 1, 2].map(|a| kernel.shape[a] - 1 - centre[a]);
    padded.fill(src, centre, after, mode, cval);
    let taps = kernel.taps();
    let row = src.width * src.channels;
    let geometry = (src.width, src.channels, padded.dims[2]);
    let mut rows: Vec<&[f64]> = Vec::with_capacity(kernel.shape[0]);
    for (y, out) in dst.data.chunks_exact_mut(row).enumerate() {
        rows.clear();
        rows.extend((0..kernel.shape[0]).map(|dy| padded.row(y + dy)));
        correlate_row(&rows, &taps, geometry, out);
    }
    Ok(())
}

/// `scipy.ndimage.convolve(src, kernel, mode=mode, cval=cval, origin=kernel.origin)`: the
/// correlation with [`NdKernel::flipped`].
pub fn convolve(
    src: &Image,
    dst: &mut Image,
    kernel: &NdKernel,
    mode: BoundaryMode,
    cval: f64,
    padded: &mut Padded,
) -> Result<(), String> {
    correlate(src, dst, &kernel.flipped(), mode, cval, padded)
}
