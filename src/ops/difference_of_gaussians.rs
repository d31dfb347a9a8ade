//! `op = "difference_of_gaussians"`: `skimage.filters.difference_of_gaussians(image, low_sigma,
//! high_sigma, mode, cval, truncate, channel_axis=-1)`.

use super::boundary::BoundaryMode;
use super::gaussian::{Gaussian, GaussianScratch, Sigma, MAX_RADIUS};
use super::{Kernel, OpSpec, Scratch};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.difference_of_gaussians(image, low_sigma, high_sigma, mode=mode, cval=cval,
/// truncate=truncate, channel_axis=-1)`: `gaussian(image, low_sigma) - gaussian(image,
/// high_sigma)`, a band-pass filter; each colour channel on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DifferenceOfGaussians {
    /// The smaller standard deviation: one number, or `[rows, columns]` (≥ 0). Required.
    pub low_sigma: Sigma,
    /// The larger one (each axis at least `low_sigma`'s); none: `1.6 * low_sigma`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_sigma: Option<Sigma>,
    /// How the image is extended past its edges (scikit-image's default: `nearest`).
    #[serde(default)]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
    /// Each kernel is cut at `truncate` standard deviations.
    #[serde(default = "default_truncate")]
    pub truncate: f64,
}

fn default_truncate() -> f64 {
    4.0
}

fn per_axis(s: Sigma) -> [f64; 2] {
    match s {
        Sigma::Scalar(v) => [v, v],
        Sigma::PerAxis(v) => v,
    }
}

impl OpSpec for DifferenceOfGaussians {
    const NAME: &'static str = "difference_of_gaussians";
    const EQUALS: &'static str = "skimage.filters.difference_of_gaussians(image, low_sigma, high_sigma, mode=mode, cval=cval, truncate=truncate, channel_axis=-1)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        let valid = |s: [f64; 2]| s.iter().all(|v| v.is_finite() && *v >= 0.0);
        let low = per_axis(self.low_sigma);
        if !valid(low) {
            cx.err(
                "low_sigma",
                format!("`low_sigma` must be finite and >= 0, got {}", text(low)),
                Some("e.g. low_sigma = 1.0, or [rows, columns]".into()),
            );
            ok = false;
        }
        // `high_sigma = low_sigma * 1.6` (float64 products) when not given.
        let high = self.high_sigma.map_or([low[0] * 1.6, low[1] * 1.6], per_axis);
        if let Some(h) = self.high_sigma {
            if !valid(per_axis(h)) {
                cx.err(
                    "high_sigma",
                    format!("`high_sigma` must be finite and >= 0, got {}", text(per_axis(h))),
                    None,
                );
                ok = false;
            } else if ok && (high[0] < low[0] || high[1] < low[1]) {
                cx.err(
                    "high_sigma",
                    format!(
                        "`high_sigma` {} is smaller than `low_sigma` {} on an axis",
                        text(high),
                        text(low)
                    ),
                    Some("high_sigma must be at least low_sigma on every axis".into()),
                );
                ok = false;
            }
        }
        if !(self.truncate.is_finite() && self.truncate >= 0.0) {
            cx.err(
                "truncate",
                format!("`truncate` must be a finite number >= 0, got {}", self.truncate),
                Some("the default is 4.0".into()),
            );
            ok = false;
        }
        if !self.cval.is_finite() {
            cx.err("cval", format!("`cval` must be finite, got {}", self.cval), None);
            ok = false;
        }
        if ok {
            let r = high
                .iter()
                .map(|&s| super::gaussian::radius(s, self.truncate))
                .max()
                .unwrap_or(0);
            if r > MAX_RADIUS {
                cx.err(
                    if self.high_sigma.is_some() { "high_sigma" } else { "low_sigma" },
                    format!("the kernel radius would be {r} pixels (over {MAX_RADIUS})"),
                    Some("use smaller sigmas or truncate".into()),
                );
                ok = false;
            }
        }
        let gaussian = |sigma| Gaussian {
            sigma,
            mode: self.mode,
            cval: self.cval,
            truncate: self.truncate,
        };
        ok.then(|| {
            Box::new(Dog {
                params: self.clone(),
                low: gaussian(low),
                high: gaussian(high),
            }) as Box<dyn Kernel>
        })
    }
}

fn text(s: [f64; 2]) -> String {
    if s[0] == s[1] {
        format!("{}", s[0])
    } else {
        format!("[{}, {}]", s[0], s[1])
    }
}

/// The compiled op: the two blurs.
#[derive(Debug)]
struct Dog {
    params: DifferenceOfGaussians,
    low: Gaussian,
    high: Gaussian,
}

/// The second blurred image.
#[derive(Default)]
struct DogScratch {
    high: Image,
}

impl Kernel for Dog {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({
            "low_sigma": self.low.sigma,
            "high_sigma": self.high.sigma,
            "mode": self.params.mode,
            "cval": self.params.cval,
            "truncate": self.params.truncate,
        })
    }

    fn describe(&self) -> String {
        let mut t = format!(
            "low_sigma={} high_sigma={} mode={}",
            text(self.low.sigma),
            text(self.high.sigma),
            self.params.mode.name()
        );
        if self.params.mode == BoundaryMode::Constant {
            t.push_str(&format!(" cval={}", self.params.cval));
        }
        t.push_str(&format!(" truncate={}", self.params.truncate));
        t
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("difference_of_gaussians takes one image".into());
        };
        let mut high = std::mem::take(&mut scratch.get::<DogScratch>().high);
        let gs = scratch.get::<GaussianScratch>();
        self.low.apply_into(img, out, gs);
        self.high.apply_into(img, &mut high, gs);
        for (o, &h) in out.data.iter_mut().zip(&high.data) {
            *o -= h;
        }
        scratch.get::<DogScratch>().high = high;
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, scratch: &mut Scratch) -> Option<Result<(), String>> {
        // The high blur from a copy, the low one in place.
        let mut high = std::mem::take(&mut scratch.get::<DogScratch>().high);
        let gs = scratch.get::<GaussianScratch>();
        self.high.apply_into(img, &mut high, gs);
        self.low.apply_in_place(img, gs);
        for (o, &h) in img.data.iter_mut().zip(&high.data) {
            *o -= h;
        }
        scratch.get::<DogScratch>().high = high;
        Some(Ok(()))
    }
}
