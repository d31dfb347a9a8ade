//! `op = "adjust_sigmoid"`: `skimage.exposure.adjust_sigmoid(image, cutoff, gain, inv)` on float
//! images: `1 / (1 + exp(gain * (cutoff - image)))`, or with `inv` one minus that (numpy's
//! `exp`, see [`crate::numpy::exp`]).

use super::adjust_gamma::{check_finite, Exposure, Map};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use crate::numpy::exp::exp_in_place;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.exposure.adjust_sigmoid(image, cutoff, gain, inv)`: sigmoid contrast correction
/// (images of non-negative values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustSigmoid {
    /// The intensity at the sigmoid's midpoint.
    #[serde(default = "half")]
    pub cutoff: f64,
    /// The sigmoid's steepness.
    #[serde(default = "ten")]
    pub gain: f64,
    /// `true`: the negative sigmoid, `1 - 1 / (1 + exp(...))`.
    #[serde(default)]
    pub inv: bool,
}

fn half() -> f64 {
    0.5
}
fn ten() -> f64 {
    10.0
}

impl OpSpec for AdjustSigmoid {
    const NAME: &'static str = "adjust_sigmoid";
    const EQUALS: &'static str = "skimage.exposure.adjust_sigmoid(image, cutoff, gain, inv)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if !check_finite(cx, &[("cutoff", self.cutoff), ("gain", self.gain)]) {
            return None;
        }
        let (cutoff, gain, inv) = (self.cutoff, self.gain, self.inv);
        let map: Map = Box::new(move |v: &mut [f64]| {
            // (1 / (1 + np.exp(gain * (cutoff - image / 1.0)))) * 1.0, or
            // (1 - 1 / (1 + ...)) * 1.0 with inv: per sample, the same operations in passes.
            for x in v.iter_mut() {
                *x = gain * (cutoff - *x);
            }
            exp_in_place(v);
            for x in v.iter_mut() {
                let s = 1.0 / (1.0 + *x);
                *x = if inv { 1.0 - s } else { s };
            }
        });
        Some(Box::new(Exposure {
            name: "adjust_sigmoid",
            key: serde_json::to_value(self).unwrap_or_default(),
            describe: format!("cutoff={cutoff} gain={gain} inv={inv}"),
            map,
        }))
    }
}
