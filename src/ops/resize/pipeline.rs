//! The computation `resize` and `rescale` share: `skimage.transform.resize` step by step — the
//! anti-aliasing Gaussian, `ndi.zoom` (prefilter, taps, interpolation) and the clip.

use super::spline::filter_axis;
use super::zoom::{axis_taps, interpolate, interpolate3, AxisTaps, NdMode, Source};
use super::SkMode;
use crate::mem::set_len;
use crate::numpy::clip::np_clip;
use crate::ops::boundary::BoundaryMode;
use crate::ops::elementwise::shape_like;
use crate::ops::gaussian::{kernel, Gaussian, GaussianScratch, Sigma};
use crate::ops::Shape;
use crate::Image;
use serde::Serialize;

/// Sigmas at or below this leave an axis unfiltered (scipy's `sigma > 1e-15`).
const SIGMA_EPS: f64 = 1e-15;

/// The padding `zoom` adds on every axis before prefiltering for `nearest` and `grid-constant`
/// (`_prepad_for_spline_filter`).
const PREPAD: usize = 12;

/// What `resize` and `rescale` compute once their output shape is known.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResizeCore {
    pub order: usize,
    pub mode: SkMode,
    pub cval: f64,
    pub clip: bool,
    pub anti_aliasing: Option<bool>,
    pub anti_aliasing_sigma: Option<Sigma>,
}

/// Per-worker buffers of `resize` and `rescale`.
#[derive(Default)]
pub struct ResizeScratch {
    gaussian: GaussianScratch,
    filtered: Image,
    /// The prefiltered (and maybe padded) coefficients, or the input with a `cval` margin.
    coeffs: Vec<f64>,
    row: Vec<f64>,
    /// Taps per axis, kept for images of one shape: `(key, taps)`.
    taps: Vec<(TapKey, AxisTaps)>,
}

/// What one axis's taps depend on: `(in, out, len, pad, order, mode, cval index)`.
type TapKey = (usize, usize, usize, usize, usize, NdMode, usize);

impl ResizeScratch {
    fn taps(&mut self, key: TapKey) -> AxisTaps {
        if let Some((_, t)) = self.taps.iter().find(|(k, _)| *k == key) {
            return t.clone();
        }
        let (i, o, len, pad, order, mode, cval) = key;
        let t = axis_taps(i, o, len, pad, order, mode, cval);
        if self.taps.len() >= 6 {
            self.taps.remove(0);
        }
        self.taps.push((key, t.clone()));
        t
    }
}

impl SkMode {
    /// `_to_ndimage_mode`: the scipy mode of `zoom` and the prefilter.
    pub fn nd(self) -> NdMode {
        match self {
            SkMode::Constant => NdMode::GridConstant,
            SkMode::Edge => NdMode::Nearest,
            SkMode::Symmetric => NdMode::Reflect,
            SkMode::Reflect => NdMode::Mirror,
            SkMode::Wrap => NdMode::GridWrap,
        }
    }

    /// The same mode for `gaussian_filter` (where the grid variants are the plain ones).
    fn boundary(self) -> BoundaryMode {
        match self {
            SkMode::Constant => BoundaryMode::Constant,
            SkMode::Edge => BoundaryMode::Nearest,
            SkMode::Symmetric => BoundaryMode::Reflect,
            SkMode::Reflect => BoundaryMode::Mirror,
            SkMode::Wrap => BoundaryMode::Wrap,
        }
    }
}

impl ResizeCore {
    /// `resize(img, (out_h, out_w))` into `out`.
    pub fn run(
        &self,
        img: &Image,
        (out_h, out_w): (usize, usize),
        out: &mut Image,
        s: &mut ResizeScratch,
    ) -> Result<(), String> {
        let (h, w, c) = (img.height, img.width, img.channels);
        if h == 0 || w == 0 || c == 0 {
            return Err(format!("cannot resize an empty image ({})", Shape::of(img).text()));
        }
        let shrinks = out_h < h || out_w < w;
        let mut filtered = std::mem::take(&mut s.filtered);
        let blurred = self.anti_aliasing.unwrap_or(shrinks);
        if blurred {
            self.anti_alias(img, (out_h, out_w), &mut filtered, &mut s.gaussian);
        }
        let source = if blurred { &filtered } else { img };
        shape_like(out, Shape { height: out_h, width: out_w, channels: c });
        if out_h == h && out_w == w {
            // Every zoom factor 1: `ndi.zoom` returns its input.
            out.data.copy_from_slice(&source.data);
        } else {
            self.zoom(source, out, s);
        }
        s.filtered = filtered;
        if self.clip {
            self.clip(img, out);
        }
        Ok(())
    }

    /// `ndi.gaussian_filter(image, sigma, mode, cval)` with skimage's sigmas: `(in/out - 1) / 2`
    /// per axis (0 where it does not shrink), or `anti_aliasing_sigma`. A scalar
    /// `anti_aliasing_sigma` also blurs across a colour image's channels, as scikit-image does
    /// (it broadcasts it to every axis of the array).
    fn anti_alias(&self, img: &Image, (oh, ow): (usize, usize), out: &mut Image, gs: &mut GaussianScratch) {
        let auto = |n: usize, o: usize| f64::max(0.0, (n as f64 / o as f64 - 1.0) / 2.0);
        let (sigma, channel_sigma) = match self.anti_aliasing_sigma {
            None => ([auto(img.height, oh), auto(img.width, ow)], 0.0),
            Some(Sigma::Scalar(v)) => ([v, v], v),
            Some(Sigma::PerAxis(v)) => (v, 0.0),
        };
        let g = Gaussian {
            sigma,
            mode: self.mode.boundary(),
            cval: self.cval,
            truncate: 4.0,
        };
        g.apply_into(img, out, gs);
        if img.channels > 1 && channel_sigma > SIGMA_EPS {
            channel_pass(out, channel_sigma, self.mode.boundary(), self.cval);
        }
    }

    /// `ndi.zoom(filtered, out/in, order, mode, cval, grid_mode=True)` into `out` (shaped).
    fn zoom(&self, img: &Image, out: &mut Image, s: &mut ResizeScratch) {
        let (h, w, c) = (img.height, img.width, img.channels);
        let (oh, ow) = (out.height, out.width);
        let order = self.order;
        let mode = self.mode.nd();
        let constant = mode == NdMode::GridConstant;
        // Colour with a spline of order ≥ 2: scipy's 3-D zoom, whose channel axis is prefiltered
        // (and padded) like the others.
        let three = order >= 2 && c > 1;
        let pad = if order >= 2 && matches!(mode, NdMode::Nearest | NdMode::GridConstant) {
            PREPAD
        } else {
            0
        };
        let dims = [h + 2 * pad, w + 2 * pad, if three { c + 2 * pad } else { c }];
        let cpad = if three { pad } else { 0 };
        let mut coeffs = std::mem::take(&mut s.coeffs);
        // The coefficients, with one more index per axis reading cval in grid-constant mode.
        let ext = usize::from(constant);
        let edims = [dims[0] + ext, dims[1] + ext, dims[2] + if three { ext } else { 0 }];
        if order >= 2 {
            let mut padded = std::mem::take(&mut s.row);
            set_len(&mut padded, dims[0] * dims[1] * dims[2]);
            fill_padded(img, &mut padded, dims, pad, cpad, self.mode, self.cval);
            let rank = if three { 3 } else { 2 };
            for axis in 0..rank {
                filter_axis(&mut padded, &dims, axis, order, mode);
            }
            if constant {
                set_len(&mut coeffs, edims[0] * edims[1] * edims[2]);
                extend(&padded, dims, &mut coeffs, edims, self.cval);
                s.row = padded;
            } else {
                s.row = std::mem::replace(&mut coeffs, padded);
            }
        } else if constant {
            set_len(&mut coeffs, edims[0] * edims[1] * edims[2]);
            extend(&img.data, dims, &mut coeffs, edims, self.cval);
        }
        let data: &[f64] = if order >= 2 || constant { &coeffs } else { &img.data };
        let rows = s.taps((h, oh, dims[0], pad, order, mode, dims[0]));
        let cols = s.taps((w, ow, dims[1], pad, order, mode, dims[1]));
        let src = Source {
            data,
            cols: edims[1],
            chans: edims[2],
        };
        if three {
            let chans = s.taps((c, c, dims[2], cpad, order, mode, dims[2]));
            let mut t = std::mem::take(&mut s.row);
            interpolate3(&src, &rows, &cols, &chans, order, &mut out.data, &mut t);
            s.row = t;
        } else {
            interpolate(&src, &rows, &cols, order, &mut out.data);
        }
        s.coeffs = coeffs;
    }

    /// `_clip_warp_output`: clip to the input's range (NaNs ignored), widened to `cval` in
    /// `constant` mode when the output reaches it.
    fn clip(&self, input: &Image, out: &mut Image) {
        let (mut lo, mut hi, finite) = extremes(&input.data);
        let has_nan = !finite && input.data.iter().any(|v| v.is_nan());
        if has_nan {
            (lo, hi) = nan_min_max(&input.data);
        }
        if self.mode == SkMode::Constant && !(lo <= self.cval && self.cval <= hi) {
            let (olo, ohi) = if has_nan {
                nan_min_max(&out.data)
            } else {
                match extremes(&out.data) {
                    (_, _, false) if out.data.iter().any(|v| v.is_nan()) => (f64::NAN, f64::NAN),
                    (lo, hi, _) => (lo, hi),
                }
            };
            if olo <= self.cval && self.cval <= ohi {
                if self.cval < lo {
                    lo = self.cval;
                }
                if self.cval > hi {
                    hi = self.cval;
                }
            }
        }
        clip_all(&mut out.data, lo, hi);
    }
}

/// `np.clip(a, lo, hi, out=a)`.
#[multiversion::multiversion(targets = "simd")]
fn clip_all(a: &mut [f64], lo: f64, hi: f64) {
    for v in a {
        *v = np_clip(*v, lo, hi);
    }
}

/// The minimum and maximum of `a`, and whether every sample is finite (when not, the extremes
/// are those of the non-NaN samples only if there is no NaN). Eight lanes of compare-and-select,
/// which vectorise; for values that are not NaN the order of comparisons cannot change them.
#[multiversion::multiversion(targets = "simd")]
fn extremes(a: &[f64]) -> (f64, f64, bool) {
    let mut lo = [f64::INFINITY; 8];
    let mut hi = [f64::NEG_INFINITY; 8];
    // `x * 0.0` is NaN exactly for infinite and NaN samples.
    let mut z = [0.0f64; 8];
    let chunks = a.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            let x = c[k];
            lo[k] = if x < lo[k] { x } else { lo[k] };
            hi[k] = if x > hi[k] { x } else { hi[k] };
            z[k] += x * 0.0;
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
        z[k] += x * 0.0;
    }
    let l = lo.iter().fold(f64::INFINITY, |m, &x| if x < m { x } else { m });
    let h = hi.iter().fold(f64::NEG_INFINITY, |m, &x| if x > m { x } else { m });
    (l, h, z.iter().all(|v| !v.is_nan()))
}

/// `(np.nanmin, np.nanmax)` of `a` (NaN when every sample is).
fn nan_min_max(a: &[f64]) -> (f64, f64) {
    let mut it = a.iter().copied().filter(|v| !v.is_nan());
    let Some(first) = it.next() else {
        return (f64::NAN, f64::NAN);
    };
    it.fold((first, first), |(lo, hi), v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    })
}

/// `np.pad(img, pad, mode='edge' | 'constant')` on rows, columns and — for a 3-D zoom — channels
/// (`cpad`), into `out` of dimensions `dims`.
fn fill_padded(
    img: &Image,
    out: &mut [f64],
    dims: [usize; 3],
    pad: usize,
    cpad: usize,
    mode: SkMode,
    cval: f64,
) {
    let (h, w, c) = (img.height, img.width, img.channels);
    if pad == 0 && cpad == 0 {
        out.copy_from_slice(&img.data);
        return;
    }
    let constant = mode == SkMode::Constant;
    for (y, orow) in out.chunks_exact_mut(dims[1] * dims[2]).enumerate() {
        let sy = y.wrapping_sub(pad);
        for (x, px) in orow.chunks_exact_mut(dims[2]).enumerate() {
            let sx = x.wrapping_sub(pad);
            for (k, v) in px.iter_mut().enumerate() {
                let sk = k.wrapping_sub(cpad);
                let inside = sy < h && sx < w && sk < c;
                *v = if inside {
                    img.data[(sy * w + sx) * c + sk]
                } else if constant {
                    cval
                } else {
                    let cy = y.saturating_sub(pad).min(h - 1);
                    let cx = x.saturating_sub(pad).min(w - 1);
                    let ck = k.saturating_sub(cpad).min(c - 1);
                    img.data[(cy * w + cx) * c + ck]
                };
            }
        }
    }
}

/// Copies `src` (dimensions `dims`) into `dst` (dimensions `edims`, each as large or one more),
/// filling the extra index of each axis with `cval`.
fn extend(src: &[f64], dims: [usize; 3], dst: &mut [f64], edims: [usize; 3], cval: f64) {
    if dims == edims {
        dst.copy_from_slice(src);
        return;
    }
    dst.fill(cval);
    for y in 0..dims[0] {
        for x in 0..dims[1] {
            let s = (y * dims[1] + x) * dims[2];
            let d = (y * edims[1] + x) * edims[2];
            dst[d..d + dims[2]].copy_from_slice(&src[s..s + dims[2]]);
        }
    }
}

/// `gaussian_filter1d` along the channel axis of every pixel (scipy's symmetric correlation:
/// `acc = x[i] * w0`, then `acc += (x[i-k] + x[i+k]) * w_k` for `k = r … 1`).
fn channel_pass(img: &mut Image, sigma: f64, mode: BoundaryMode, cval: f64) {
    let full = kernel(sigma, 4.0);
    let r = full.len() / 2;
    let half = &full[r..];
    let c = img.channels;
    let map: Vec<Option<usize>> = (0..c + 2 * r)
        .map(|p| mode.map_index(p as isize - r as isize, c))
        .collect();
    let mut line = vec![0.0; c + 2 * r];
    for px in img.data.chunks_exact_mut(c) {
        for (v, m) in line.iter_mut().zip(&map) {
            *v = m.map_or(cval, |i| px[i]);
        }
        for (i, o) in px.iter_mut().enumerate() {
            let mut acc = line[i + r] * half[0];
            for k in (1..=r).rev() {
                acc += (line[i + r - k] + line[i + r + k]) * half[k];
            }
            *o = acc;
        }
    }
}
