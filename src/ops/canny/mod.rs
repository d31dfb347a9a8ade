//! `op = "canny"`: `skimage.feature.canny(image, sigma, low_threshold, high_threshold,
//! use_quantiles=use_quantiles, mode=mode, cval=cval)` → 0.0 / 1.0, bit for bit:
//!
//! - the smoothing is `skimage.filters.gaussian` (the `gaussian` op's passes); in `constant`
//!   mode it is divided by the blurred all-ones image plus `f64::EPSILON` (the "bleed-over" of
//!   `_preprocess`), which depends only on the shape and is kept from image to image;
//! - the gradients are `ndi.sobel(smoothed, axis=0)` and `(…, axis=1)` with scipy's own
//!   operation order ([`edges::sobel`]), the magnitude `sqrt(i*i + j*j)`;
//! - non-maximum suppression is `_nonmaximum_suppression_bilinear`, with its low threshold
//!   held in a C `float` ([`edges::suppress`]); the thresholds may be quantiles of the
//!   magnitude (`np.percentile`'s linear interpolation, [`edges::percentile`]);
//! - hysteresis keeps the 8-connected components of the suppressed edges that reach the high
//!   threshold ([`edges::hysteresis`]).
//!
//! scikit-image defines it for gray images only: a colour input is refused.

mod edges;
#[cfg(test)]
mod tests;

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::ops::boundary::BoundaryMode;
use crate::ops::gaussian::{radius, Gaussian, GaussianScratch, Sigma, MAX_RADIUS};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.feature.canny(image, sigma, low_threshold, high_threshold, use_quantiles=…,
/// mode=…, cval=…)`: the edge map of a gray image, 1.0 on edges and 0.0 elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Canny {
    /// The smoothing Gaussian's standard deviation: a number, or `[rows, columns]`.
    #[serde(default = "default_sigma")]
    pub sigma: Sigma,
    /// The hysteresis' lower bound on the gradient magnitude (of the image in [0, 1]); default
    /// 0.1 (a quantile with `use_quantiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_threshold: Option<f64>,
    /// The hysteresis' upper bound; default 0.2 (a quantile with `use_quantiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_threshold: Option<f64>,
    /// The thresholds are quantiles (0 … 1) of the gradient magnitude.
    #[serde(default)]
    pub use_quantiles: bool,
    /// How the smoothing extends the image past its edges (scipy's names).
    #[serde(default = "default_mode")]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
}

fn default_sigma() -> Sigma {
    Sigma::Scalar(1.0)
}

fn default_mode() -> BoundaryMode {
    BoundaryMode::Constant
}

impl OpSpec for Canny {
    const NAME: &'static str = "canny";
    const EQUALS: &'static str = "skimage.feature.canny(image, sigma, low_threshold, high_threshold, use_quantiles=use_quantiles, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        if let Some(c) = cx.channels.filter(|&c| c != 1) {
            cx.err_here(
                format!("`canny` needs gray images, and these have {c} channels"),
                Some("put a `rgb2gray` step before it, or read the images with the source's color = \"gray\"".into()),
            );
            ok = false;
        }
        let sigma = match self.sigma {
            Sigma::Scalar(s) => [s, s],
            Sigma::PerAxis(s) => s,
        };
        if !sigma.iter().all(|s| s.is_finite() && *s >= 0.0) {
            cx.err(
                "sigma",
                "`sigma` must be finite and >= 0",
                Some("e.g. sigma = 2.0, or [rows, columns]".to_string()),
            );
            ok = false;
        } else if sigma.iter().any(|&s| radius(s, 4.0) > MAX_RADIUS) {
            cx.err(
                "sigma",
                format!("the smoothing's radius would be over {MAX_RADIUS} pixels"),
                None,
            );
            ok = false;
        }
        if !self.cval.is_finite() {
            cx.err("cval", format!("`cval` must be finite, got {}", self.cval), None);
            ok = false;
        }
        let mut thresholds = [0.1, 0.2];
        for (k, (key, v)) in [
            ("low_threshold", self.low_threshold),
            ("high_threshold", self.high_threshold),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(v) = v else { continue };
            if !v.is_finite() || (self.use_quantiles && !(0.0..=1.0).contains(&v)) {
                let range = if self.use_quantiles {
                    "a quantile between 0 and 1"
                } else {
                    "finite"
                };
                cx.err(key, format!("`{key}` must be {range}, got {v}"), None);
                ok = false;
            }
            thresholds[k] = v;
        }
        if ok && thresholds[1] < thresholds[0] {
            cx.err(
                "high_threshold",
                format!(
                    "`high_threshold` ({}) is below `low_threshold` ({})",
                    thresholds[1], thresholds[0]
                ),
                Some("the defaults are 0.1 and 0.2".to_string()),
            );
            ok = false;
        }
        ok.then(|| {
            Box::new(CannyKernel {
                gaussian: Gaussian {
                    sigma,
                    mode: self.mode,
                    cval: self.cval,
                    truncate: 4.0,
                },
                thresholds,
                params: self.clone(),
            }) as Box<dyn Kernel>
        })
    }
}

/// A compiled `canny` step.
#[derive(Debug)]
struct CannyKernel {
    gaussian: Gaussian,
    /// `[low, high]`: magnitudes, or quantiles with `use_quantiles`.
    thresholds: [f64; 2],
    params: Canny,
}

/// Per-worker buffers of `canny`.
#[derive(Default)]
struct CannyScratch {
    gaussian: GaussianScratch,
    smoothed: Image,
    /// The blurred all-ones image plus `eps`, and the shape it is for.
    bleed: Option<((usize, usize), Image)>,
    edges: edges::EdgeScratch,
}

impl Kernel for CannyKernel {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let [a, b] = self.gaussian.sigma;
        let mut t = if a == b {
            format!("sigma={a}")
        } else {
            format!("sigma=[{a}, {b}]")
        };
        let [lo, hi] = self.thresholds;
        t.push_str(&format!(" low_threshold={lo} high_threshold={hi}"));
        if self.params.use_quantiles {
            t.push_str(" use_quantiles=true");
        }
        t.push_str(&format!(" mode={}", self.gaussian.mode.name()));
        if self.gaussian.mode == BoundaryMode::Constant && self.gaussian.cval != 0.0 {
            t.push_str(&format!(" cval={}", self.gaussian.cval));
        }
        t
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("canny takes one image".into());
        };
        if s.channels != 1 {
            return Err(format!(
                "canny needs a gray image, got {} channels (put a `rgb2gray` step before it)",
                s.channels
            ));
        }
        Ok(*s)
    }

    fn output_channels(&self, _: &[Option<usize>]) -> Option<usize> {
        Some(1)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("canny takes one image".into());
        };
        let shape = self.output_shape(&[Shape::of(img)])?;
        let s = scratch.get::<CannyScratch>();
        shape_like(out, shape);
        let (h, w) = (img.height, img.width);
        if h == 0 || w == 0 {
            return Ok(());
        }
        let mut smoothed = std::mem::take(&mut s.smoothed);
        self.gaussian.apply_into(img, &mut smoothed, &mut s.gaussian);
        if self.gaussian.mode == BoundaryMode::Constant {
            let bleed = self.bleed(h, w, s);
            for (v, b) in smoothed.data.iter_mut().zip(&bleed.data) {
                *v /= b;
            }
        }
        let [lo, hi] = self.thresholds;
        edges::canny_from_smoothed(
            &smoothed.data,
            h,
            w,
            lo,
            hi,
            self.params.use_quantiles,
            &mut out.data,
            &mut s.edges,
        );
        s.smoothed = smoothed;
        Ok(())
    }
}

impl CannyKernel {
    /// `gaussian(np.ones((h, w)), sigma, mode='constant', cval=cval) + eps`, kept for the
    /// last shape seen.
    fn bleed<'a>(&self, h: usize, w: usize, s: &'a mut CannyScratch) -> &'a Image {
        if s.bleed.as_ref().is_none_or(|(k, _)| *k != (h, w)) {
            let ones = Image::from_vec(h, w, 1, vec![1.0; h * w]).expect("h * w samples");
            let mut b = Image::default();
            self.gaussian.apply_into(&ones, &mut b, &mut s.gaussian);
            for v in &mut b.data {
                *v += f64::EPSILON;
            }
            s.bleed = Some(((h, w), b));
        }
        &s.bleed.as_ref().expect("set above").1
    }
}
