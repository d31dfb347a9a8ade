//! `op = "psnr"`: `skimage.metrics.peak_signal_noise_ratio(reference, image, data_range)`.

use super::nrmse::mse_of;
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.metrics.peak_signal_noise_ratio(reference, image, data_range=data_range)`:
/// `10 · log10(data_range² / mse)` in decibels, `reference` being the true image (`inf` when
/// the images are equal). Needs `reference`, an image of the same shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Psnr {
    /// The range of possible values (`max - min`); none: as scikit-image guesses it for float
    /// images — 1 when the reference has no negative sample, else 2 (and a reference outside
    /// `[-1, 1]` fails the image: give `data_range` then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_range: Option<f64>,
}

impl MetricSpec for Psnr {
    const NAME: &'static str = "psnr";
    const EQUALS: &'static str =
        "skimage.metrics.peak_signal_noise_ratio(reference, image, data_range=data_range)";
    const REFERENCE: bool = true;

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        if let Some(r) = self.data_range.filter(|r| !(r.is_finite() && *r > 0.0)) {
            cx.err(
                "data_range",
                format!("`data_range` must be a finite number > 0, got {r}"),
                Some("e.g. data_range = 1.0 for images in [0, 1]".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

/// Python's `x ** 2` on a float: the C library's `pow(x, 2.0)`, which is not always the
/// rounded `x * x` (the exponent is hidden from the compiler, which would make it `x * x`).
pub(crate) fn py_square(x: f64) -> f64 {
    x.powf(std::hint::black_box(2.0))
}

/// `(np.min(a), np.max(a))` up to the sign of a zero (which the range test ignores): NaN if any
/// sample is NaN. `a` is not empty.
fn min_max(a: &[f64]) -> (f64, f64) {
    let mut lo = [a[0]; 8];
    let mut hi = [a[0]; 8];
    let mut nan = false;
    let mut chunks = a.chunks_exact(8);
    for ch in &mut chunks {
        for j in 0..8 {
            lo[j] = if ch[j] < lo[j] { ch[j] } else { lo[j] };
            hi[j] = if ch[j] > hi[j] { ch[j] } else { hi[j] };
            nan |= ch[j].is_nan();
        }
    }
    let (mut l, mut h) = (lo[0], hi[0]);
    for j in 0..8 {
        l = l.min(lo[j]);
        h = h.max(hi[j]);
    }
    for &x in chunks.remainder() {
        l = l.min(x);
        h = h.max(x);
        nan |= x.is_nan();
    }
    if nan || a[0].is_nan() {
        (f64::NAN, f64::NAN)
    } else {
        (l, h)
    }
}

impl Measure for Psnr {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, reference: Option<&Image>) -> Result<f64, String> {
        let truth = reference.ok_or("`psnr` needs a reference image")?;
        let err = mse_of("psnr", truth, image)?;
        let range = match self.data_range {
            Some(r) => r,
            None => {
                if truth.data.is_empty() {
                    return Err("`psnr` of an empty image".into());
                }
                let (lo, hi) = min_max(&truth.data);
                if hi > 1.0 || lo < -1.0 {
                    return Err(format!(
                        "the reference has values outside [-1, 1] (from {lo} to {hi}), so \
                         `psnr` cannot guess its range: give `data_range`"
                    ));
                }
                if lo >= 0.0 {
                    1.0
                } else {
                    2.0
                }
            }
        };
        Ok(10.0 * (py_square(range) / err).log10())
    }
}
