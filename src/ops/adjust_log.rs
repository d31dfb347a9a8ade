//! `op = "adjust_log"`: `skimage.exposure.adjust_log(image, gain, inv)` on float images:
//! `gain * log2(1 + image)`, or with `inv` `gain * (2 ** image - 1)` (numpy's `log2` and
//! `power`, see [`crate::numpy::svml`]).

use super::adjust_gamma::{check_finite, one, Exposure, Map};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use crate::numpy::svml::{log2_in_place, power_base};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.exposure.adjust_log(image, gain, inv)`: logarithmic correction (images of
/// non-negative values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustLog {
    /// The factor applied last.
    #[serde(default = "one")]
    pub gain: f64,
    /// `true`: the inverse, `gain * (2 ** image - 1)`.
    #[serde(default)]
    pub inv: bool,
}

impl OpSpec for AdjustLog {
    const NAME: &'static str = "adjust_log";
    const EQUALS: &'static str = "skimage.exposure.adjust_log(image, gain, inv)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if !check_finite(cx, &[("gain", self.gain)]) {
            return None;
        }
        let gain = self.gain;
        let map: Map = if self.inv {
            // (2 ** (image / 1.0) - 1) * 1.0 * gain
            Box::new(move |v: &mut [f64]| {
                power_base(2.0, v);
                for x in v {
                    *x = (*x - 1.0) * gain;
                }
            })
        } else {
            // np.log2(1 + image / 1.0) * 1.0 * gain
            Box::new(move |v: &mut [f64]| {
                for x in v.iter_mut() {
                    *x += 1.0;
                }
                log2_in_place(v);
                for x in v {
                    *x *= gain;
                }
            })
        };
        Some(Box::new(Exposure {
            name: "adjust_log",
            key: serde_json::to_value(self).unwrap_or_default(),
            describe: format!("gain={gain} inv={}", self.inv),
            map,
        }))
    }
}
