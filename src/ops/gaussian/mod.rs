//! `skimage.filters.gaussian` / `scipy.ndimage.gaussian_filter` on f64 images, reproducing
//! scipy's arithmetic operation for operation (docs/exactness.md, "The Gaussian filter").
//!
//! - Kernel (`_gaussian_kernel1d`): radius `r = int(truncate * sigma + 0.5)`,
//!   `phi[k] = exp((-0.5 / (sigma * sigma)) * k²)` for `k = -r ..= r`, normalised by dividing
//!   by numpy's pairwise sum of `phi`.
//! - Separable passes (`gaussian_filter`): axis 0 (down the columns) first, then axis 1 (along
//!   the rows); an axis with `sigma <= 1e-15` is skipped. Channels are filtered independently
//!   (`channel_axis=-1`).
//! - Each output sample uses the symmetric-kernel order of `NI_Correlate1D`:
//!   `acc = in[i] * w0; for k = r down to 1: acc += (in[i-k] + in[i+k]) * w_k`, no FMA.
//! - Samples beyond the edges come from [`BoundaryMode::map_index`] (or `cval`).
//!
//! Speed: both passes vectorise *across output samples* — each lane performs exactly the scalar
//! sequence above for its own sample, so the SIMD clones that [`multiversion`] selects at
//! runtime (SSE2/AVX2/AVX-512) give bit-identical results. Axis 0 copies column panels of 32
//! samples (with the boundary rows) into a contiguous buffer and correlates them strip by strip;
//! the portable axis 1 builds the boundary-extended line once per row and sweeps contiguous
//! slices of it. On AVX-512 machines a four-row kernel keeps the sliding operands in registers
//! ([`avx512::four_rows`]), axis 1 (radius 16 and up) goes through the same kernel on bands of
//! 32 rows transposed in registers ([`horizontal_bands`]), and one-channel images skip the
//! intermediate image: axis 0 writes straight into those transposed bands ([`gray_bands`]).

use crate::mem::set_len;
use crate::metrics::{pairwise_sum, PairwiseStream};
use crate::numpy::exp::numpy_exp;
use crate::ops::boundary::BoundaryMode;
use crate::diag::ParamCx;
use crate::ops::{Kernel, OpSpec, Scratch, Streaming};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod bands;
mod passes;
#[cfg(test)]
mod tests;

#[cfg(target_arch = "x86_64")]
use bands::*;
use passes::*;

/// The largest kernel radius accepted (a 200 001-tap kernel): compile refuses larger ones
/// ([`GaussianParams`]), and [`kernel_with`] clamps to it so that nothing can panic.
pub const MAX_RADIUS: usize = 100_000;

/// Sigmas at or below this are "no filtering on that axis" (scipy's `sigma > 1e-15` test).
const SIGMA_EPS: f64 = 1e-15;

/// `skimage.filters.gaussian(image, sigma, mode=mode, cval=cval, truncate=truncate)`: a Gaussian
/// blur, each colour channel filtered on its own (`channel_axis=-1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GaussianParams {
    /// Standard deviation in pixels: one number for both axes, or `[rows, columns]`; 0 leaves
    /// that axis unfiltered.
    #[serde(default = "default_sigma")]
    pub sigma: Sigma,
    /// How the image is extended past its edges.
    #[serde(default)]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
    /// The kernel is cut at `truncate` standard deviations (radius `floor(truncate*sigma + 0.5)`).
    #[serde(default = "default_truncate")]
    pub truncate: f64,
}

fn default_sigma() -> Sigma {
    Sigma::Scalar(1.0)
}
fn default_truncate() -> f64 {
    4.0
}

/// A standard deviation: one number for both axes, or `[rows, columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a number, or a list [sigma_rows, sigma_columns]"
)]
pub enum Sigma {
    Scalar(f64),
    PerAxis([f64; 2]),
}

impl OpSpec for GaussianParams {
    const NAME: &'static str = "gaussian";
    const EQUALS: &'static str =
        "skimage.filters.gaussian(image, sigma, mode=mode, cval=cval, truncate=truncate, channel_axis=-1)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        let sigma = match self.sigma {
            Sigma::Scalar(s) => {
                if !(s.is_finite() && s >= 0.0) {
                    cx.err(
                        "sigma",
                        format!("`sigma` must be a finite number >= 0, got {s}"),
                        Some("e.g. sigma = 2.0; 0 leaves the image as it is".into()),
                    );
                    ok = false;
                }
                [s, s]
            }
            Sigma::PerAxis(s) => {
                if !s.iter().all(|v| v.is_finite() && *v >= 0.0) {
                    cx.err(
                        "sigma",
                        format!(
                            "`sigma` must be finite numbers >= 0, got [{}, {}]",
                            s[0], s[1]
                        ),
                        Some("[rows, columns]; 0 leaves that axis unfiltered".into()),
                    );
                    ok = false;
                }
                s
            }
        };
        let truncate_ok = self.truncate.is_finite() && self.truncate >= 0.0;
        if !truncate_ok {
            cx.err(
                "truncate",
                format!(
                    "`truncate` must be a finite number >= 0, got {}",
                    self.truncate
                ),
                Some("the default is 4.0".into()),
            );
            ok = false;
        }
        if !self.cval.is_finite() {
            cx.err(
                "cval",
                format!("`cval` must be finite, got {}", self.cval),
                None,
            );
            ok = false;
        }
        if ok {
            let r = sigma
                .iter()
                .map(|&s| (self.truncate * s + 0.5).min(1e18) as usize)
                .max()
                .unwrap_or(0);
            if r > MAX_RADIUS {
                cx.err(
                    "sigma",
                    format!("the kernel radius would be {r} pixels (over {MAX_RADIUS})"),
                    Some("use a smaller sigma or truncate".into()),
                );
                ok = false;
            }
        }
        ok.then(|| {
            Box::new(Gaussian {
                sigma,
                mode: self.mode,
                cval: self.cval,
                truncate: self.truncate,
            }) as Box<dyn Kernel>
        })
    }
}

impl Kernel for Gaussian {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let sigma = if self.sigma[0] == self.sigma[1] {
            format!("{}", self.sigma[0])
        } else {
            format!("[{}, {}]", self.sigma[0], self.sigma[1])
        };
        let mut text = format!("sigma={sigma} mode={}", self.mode.name());
        if self.mode == BoundaryMode::Constant {
            text.push_str(&format!(" cval={}", self.cval));
        }
        text.push_str(&format!(" truncate={}", self.truncate));
        text
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("gaussian takes one image".into());
        };
        self.apply_into(img, out, scratch.get::<GaussianScratch>());
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, scratch: &mut Scratch) -> Option<Result<(), String>> {
        Gaussian::apply_in_place(self, img, scratch.get::<GaussianScratch>());
        Some(Ok(()))
    }

    fn streaming(&self) -> Option<&dyn Streaming> {
        Some(self)
    }
}

impl Streaming for Gaussian {
    fn apply_in_place_along(
        &self,
        img: &mut Image,
        scratch: &mut Scratch,
        input_read: &mut dyn FnMut(&[f64], usize),
        sum: bool,
    ) -> Option<f64> {
        Gaussian::apply_in_place_along(self, img, scratch.get::<GaussianScratch>(), input_read, sum)
    }
}

/// A Gaussian blur step, equal to
/// `skimage.filters.gaussian(img, sigma, mode=mode, cval=cval, truncate=truncate,
/// channel_axis=-1 if rgb else None)` on a float64 image.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Gaussian {
    /// Standard deviation per axis: `[axis 0 (down the columns), axis 1 (along the rows)]`.
    pub sigma: [f64; 2],
    /// How samples beyond the image edges are filled (scikit-image default: `Nearest`).
    pub mode: BoundaryMode,
    /// The fill value for [`BoundaryMode::Constant`] (scikit-image default `0.0`).
    pub cval: f64,
    /// The kernel extends `truncate` standard deviations each side (default `4.0`).
    pub truncate: f64,
}

/// The kernel radius scipy uses: `int(truncate * sigma + 0.5)` (truncation toward zero; 0 for
/// negative or NaN values; saturating for huge ones).
pub fn radius(sigma: f64, truncate: f64) -> usize {
    (truncate * sigma + 0.5) as usize
}

/// scipy's normalised 1-D Gaussian kernel, all `2r + 1` taps for offsets `-r ..= r`
/// (`_gaussian_kernel1d(sigma, 0, r)`), using the `exp` that `np.exp` uses on this CPU
/// ([`numpy_exp`]: Intel SVML's algorithm on AVX512_SKX CPUs, glibc `exp` otherwise; the
/// environment variable `FLOWRUN_EXP=libm|svml` forces one). The radius is clamped to
/// [`MAX_RADIUS`].
pub fn kernel(sigma: f64, truncate: f64) -> Vec<f64> {
    kernel_with(sigma, truncate, numpy_exp())
}

/// [`kernel`] with an explicit `exp` (e.g. `f64::exp` or [`crate::numpy::exp::exp_svml`]).
pub fn kernel_with(sigma: f64, truncate: f64, exp: fn(f64) -> f64) -> Vec<f64> {
    let r = radius(sigma, truncate).min(MAX_RADIUS) as i64;
    let c = -0.5 / (sigma * sigma);
    let mut phi: Vec<f64> = (-r..=r).map(|k| exp(c * (k * k) as f64)).collect();
    let s = pairwise_sum(&phi);
    for p in &mut phi {
        *p /= s;
    }
    phi
}

/// Reusable buffers for [`Gaussian::apply_into`]; keep one per worker thread.
pub struct GaussianScratch {
    /// The `exp` for the kernels ([`numpy_exp`] by default).
    exp: fn(f64) -> f64,
    /// The second image buffer of [`Gaussian::apply_in_place`].
    tmp: Vec<f64>,
    /// One boundary-extended row for the axis-1 pass.
    line: Vec<f64>,
    /// A row of `cval` for the axis-0 pass in constant mode.
    cval_row: Vec<f64>,
    /// One extended column panel for the axis-0 pass, or one band of lines, transposed, for
    /// the axis-1 pass.
    panel: Vec<f64>,
    /// The axis-1 results of one band of lines, transposed (see [`horizontal_bands`]); in
    /// [`gray_bands`], the ring of groups waiting to be written back.
    out_panel: Vec<f64>,
    /// The transposed bands of [`gray_bands`].
    bands: Vec<f64>,
    /// Whether the AVX-512 kernels run (detected at construction; tests turn it off to cover
    /// the portable code).
    avx512: bool,
    /// Source column of each extended-row position (`usize::MAX` = cval).
    ext_index: Vec<usize>,
    /// Cached half kernels `w[0..=r]` keyed by `(sigma, truncate)` bits.
    half: [Option<(u64, u64, Vec<f64>)>; 2],
    /// The image transposed, and its axis-0 result, for narrow images (see [`NARROW`]).
    transposed: [Vec<f64>; 2],
    /// Per slot (as `half`), the source row of each extended row position of an axis-0 pass
    /// (see [`vertical_pass`]), keyed by `(mode, rows, r)`: images of one shape reuse it.
    row_map: [Option<(RowMapKey, Vec<Option<usize>>)>; 2],
}

/// What a cached row map depends on: the boundary mode, the number of rows and the radius.
type RowMapKey = (BoundaryMode, usize, usize);

impl Default for GaussianScratch {
    fn default() -> Self {
        Self::with_exp(numpy_exp())
    }
}

impl GaussianScratch {
    /// Empty buffers, with kernels built using `exp` instead of [`numpy_exp`].
    pub fn with_exp(exp: fn(f64) -> f64) -> Self {
        GaussianScratch {
            exp,
            tmp: Vec::new(),
            line: Vec::new(),
            cval_row: Vec::new(),
            panel: Vec::new(),
            out_panel: Vec::new(),
            bands: Vec::new(),
            avx512: crate::cpu::has_avx512_fma(),
            ext_index: Vec::new(),
            half: Default::default(),
            transposed: Default::default(),
            row_map: Default::default(),
        }
    }

    /// Makes slot `slot` hold the half kernel `w[k] = kernel[r + k]`, `k = 0 ..= r`.
    fn cache_half_kernel(&mut self, slot: usize, sigma: f64, truncate: f64) {
        let key = (sigma.to_bits(), truncate.to_bits());
        let hit = matches!(&self.half[slot], Some((s, t, _)) if (*s, *t) == key);
        if !hit {
            let full = kernel_with(sigma, truncate, self.exp);
            let r = full.len() / 2;
            self.half[slot] = Some((key.0, key.1, full[r..].to_vec()));
        }
    }

    /// Makes slot `slot` hold the row map of an axis-0 pass over `n` rows with radius `r`:
    /// entry `p` is the source row of extended position `p - r` (`None`: cval).
    fn cache_row_map(&mut self, slot: usize, mode: BoundaryMode, n: usize, r: usize) {
        let key = (mode, n, r);
        if !matches!(&self.row_map[slot], Some((k, _)) if *k == key) {
            let map = (0..n + 2 * r)
                .map(|p| mode.map_index(p as isize - r as isize, n))
                .collect();
            self.row_map[slot] = Some((key, map));
        }
    }
}

/// The cached row map of a slot (empty if not cached, which never happens when used).
fn row_map(slot: &Option<(RowMapKey, Vec<Option<usize>>)>) -> &[Option<usize>] {
    slot.as_ref().map_or(&[], |(_, m)| m)
}

/// The cached half kernel of a slot (empty if not cached, which never happens when used).
fn cached(slot: &Option<(u64, u64, Vec<f64>)>) -> &[f64] {
    slot.as_ref().map_or(&[], |(_, _, w)| w)
}

impl Gaussian {
    /// The blurred image (a new allocation). See [`Gaussian::apply_into`].
    pub fn apply(&self, img: &Image) -> Image {
        let mut out = Image {
            height: 0,
            width: 0,
            channels: 0,
            data: Vec::new(),
        };
        self.apply_into(img, &mut out, &mut GaussianScratch::default());
        out
    }

    /// Blurs a copy of `img` into `out` (its allocation reused) with
    /// [`Gaussian::apply_in_place`].
    pub fn apply_into(&self, img: &Image, out: &mut Image, scratch: &mut GaussianScratch) {
        out.height = img.height;
        out.width = img.width;
        out.channels = img.channels;
        out.data.clear();
        out.data.extend_from_slice(&img.data);
        self.apply_in_place(out, scratch);
    }

    /// Blurs `img` in place, with one image-sized buffer from `scratch` besides `img`'s own:
    /// each pass reads one of the two and writes the other, and the buffers are swapped after
    /// it (so `img.data` may come back in the other allocation).
    ///
    /// Works for every shape, including empty images, 1×1, single rows or columns and radii far
    /// larger than the image. An `Image` whose `data` length disagrees with its shape is left
    /// unchanged.
    pub fn apply_in_place(&self, img: &mut Image, scratch: &mut GaussianScratch) {
        self.apply_in_place_along(img, scratch, &mut |_, _| {}, false);
    }

    /// [`Gaussian::apply_in_place`], with work for the caller done along the way:
    /// - `input_read(input, k)` is called as the first `k` input samples are about to be read,
    ///   in increasing `k` and ending with all of them; a sample is overwritten only once it lies
    ///   more than 128 samples before the largest `k` passed, so a caller can take a pairwise
    ///   sum of the input ([`PairwiseStream`], whose leaves are at most 128 long) while the filter
    ///   brings it into cache;
    /// - with `sum`, it returns `np.sum` of the result ([`pairwise_sum`], bit-identical) when the
    ///   pass could take it while the rows were in cache (`None` otherwise: the caller sums the
    ///   result itself).
    pub fn apply_in_place_along(
        &self,
        img: &mut Image,
        scratch: &mut GaussianScratch,
        input_read: &mut dyn FnMut(&[f64], usize),
        sum: bool,
    ) -> Option<f64> {
        let (h, w, c) = (img.height, img.width, img.channels);
        let consistent = h
            .checked_mul(w)
            .and_then(|n| n.checked_mul(c))
            .is_some_and(|n| n == img.data.len());
        let active = self.sigma.iter().any(|&s| s > SIGMA_EPS);
        if !consistent || img.data.is_empty() || !active {
            input_read(&img.data, img.data.len());
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if c == 1 && self.sigma.iter().all(|&s| s > SIGMA_EPS) && scratch.avx512 {
            let r0 = radius(self.sigma[0], self.truncate);
            let r1 = radius(self.sigma[1], self.truncate);
            // Past these radii the panels would be mostly boundary copies (as in
            // `vertical_pass` and `axis1`).
            if w >= NARROW && r0 <= 4 * h + 64 && (BANDS_MIN_RADIUS..=4 * w + 64).contains(&r1) {
                return self.gray_in_bands(img, scratch, input_read, sum);
            }
        }
        input_read(&img.data, img.data.len());
        let mut other = std::mem::take(&mut scratch.tmp);
        // Each pass overwrites every sample, so the reused buffer is not cleared first.
        set_len(&mut other, img.data.len());
        if self.sigma[0] > SIGMA_EPS {
            scratch.cache_half_kernel(0, self.sigma[0], self.truncate);
            self.axis0_pass(&img.data, &mut other, h, w * c, 0, scratch);
            std::mem::swap(&mut img.data, &mut other);
        }
        if self.sigma[1] > SIGMA_EPS {
            scratch.cache_half_kernel(1, self.sigma[1], self.truncate);
            self.axis1(&img.data, &mut other, (h, w, c), scratch);
            std::mem::swap(&mut img.data, &mut other);
        }
        scratch.tmp = other;
        None
    }

    /// Both passes of a one-channel image through [`gray_bands`] (in place, or through
    /// `scratch.tmp` in `wrap` mode); with `sum`, returns the result's [`pairwise_sum`], taken a
    /// group of rows at a time while they are in cache.
    #[cfg(target_arch = "x86_64")]
    fn gray_in_bands(
        &self,
        img: &mut Image,
        scratch: &mut GaussianScratch,
        input_read: &mut dyn FnMut(&[f64], usize),
        sum: bool,
    ) -> Option<f64> {
        let (h, w) = (img.height, img.width);
        scratch.cache_half_kernel(0, self.sigma[0], self.truncate);
        scratch.cache_half_kernel(1, self.sigma[1], self.truncate);
        self.set_cval_row(w, scratch);
        let r0 = cached(&scratch.half[0]).len() - 1;
        let r1 = cached(&scratch.half[1]).len() - 1;
        self.set_ext_index(w, r1, scratch);
        scratch.cache_row_map(0, self.mode, h, r0);
        let mut stream = sum.then(|| PairwiseStream::new(h * w));
        gray_bands(
            &mut img.data,
            &mut scratch.tmp,
            (h, w),
            [cached(&scratch.half[0]), cached(&scratch.half[1])],
            (row_map(&scratch.row_map[0]), self.cval, &scratch.cval_row),
            &scratch.ext_index,
            [
                &mut scratch.bands,
                &mut scratch.panel,
                &mut scratch.out_panel,
            ],
            &mut *input_read,
            |out, rows| {
                if let Some(s) = stream.as_mut() {
                    s.advance(out, rows * w);
                }
            },
        );
        stream.and_then(|s| s.sum())
    }

    /// `scratch.cval_row`: `row_len` samples of `cval` in constant mode, empty otherwise.
    fn set_cval_row(&self, row_len: usize, scratch: &mut GaussianScratch) {
        scratch.cval_row.clear();
        if self.mode == BoundaryMode::Constant {
            scratch.cval_row.resize(row_len, self.cval);
        }
    }

    /// `scratch.ext_index`: the source column of each of the `w + 2r` extended positions
    /// (`usize::MAX` for `cval`).
    fn set_ext_index(&self, w: usize, r: usize, scratch: &mut GaussianScratch) {
        scratch.ext_index.clear();
        scratch.ext_index.extend((0..w + 2 * r).map(|j| {
            self.mode
                .map_index(j as isize - r as isize, w)
                .unwrap_or(usize::MAX)
        }));
    }

    /// An axis-0 pass of `src` (`height` rows of `row_len` samples) into `dst`, with the half
    /// kernel cached in `slot` (0 for the image's axis 0; 1 when the rows are its columns).
    fn axis0_pass(
        &self,
        src: &[f64],
        dst: &mut [f64],
        height: usize,
        row_len: usize,
        slot: usize,
        scratch: &mut GaussianScratch,
    ) {
        self.set_cval_row(row_len, scratch);
        let r = cached(&scratch.half[slot]).len().saturating_sub(1);
        scratch.cache_row_map(slot, self.mode, height, r);
        vertical_pass(
            src,
            dst,
            height,
            row_len,
            cached(&scratch.half[slot]),
            row_map(&scratch.row_map[slot]),
            &scratch.cval_row,
            &mut scratch.panel,
            scratch.avx512,
        );
    }

    /// The axis-1 pass of the `(h, w, c)` image `src` into `dst`, with the half kernel cached
    /// in slot 1.
    fn axis1(
        &self,
        src: &[f64],
        dst: &mut [f64],
        (h, w, c): (usize, usize, usize),
        scratch: &mut GaussianScratch,
    ) {
        if w * c < NARROW {
            // Axis 1 as an axis-0 pass over the transpose: `t[x][y * c + ch] = src[y][x][ch]`,
            // whose rows are the image's columns. Each sample sees the same operands in the
            // same order (and the same boundary map, over `w` instead of `h`), so the result
            // is bit-identical; narrow rows are too short for the strips of `horizontal_pass`.
            let [mut t, mut t_out] = std::mem::take(&mut scratch.transposed);
            set_len(&mut t, src.len());
            set_len(&mut t_out, src.len());
            transpose(src, &mut t, (h, w, c), scratch.avx512);
            self.axis0_pass(&t, &mut t_out, w, h * c, 1, scratch);
            transpose(&t_out, dst, (w, h, c), scratch.avx512);
            scratch.transposed = [t, t_out];
            return;
        }
        let r = cached(&scratch.half[1]).len() - 1;
        self.set_ext_index(w, r, scratch);
        let half1 = cached(&scratch.half[1]);
        #[cfg(target_arch = "x86_64")]
        if scratch.avx512 && (BANDS_MIN_RADIUS..=4 * w + 64).contains(&r) {
            horizontal_bands(
                src,
                dst,
                (h, w, c),
                half1,
                &scratch.ext_index,
                self.cval,
                [&mut scratch.panel, &mut scratch.out_panel],
            );
            return;
        }
        horizontal_pass(
            src,
            dst,
            c,
            half1,
            &scratch.ext_index,
            self.cval,
            &mut scratch.line,
        );
    }
}
