//! `op = "clip"`: `np.clip(image, min, max)` — with both bounds numpy's `clip` loop, with only
//! `min` `np.maximum(image, min)`, with only `max` `np.minimum(image, max)`, as `np.clip` itself
//! dispatches (they differ on signed zeros: see [`crate::numpy::clip`]).

use super::elementwise::Unary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use crate::numpy::clip::{np_clip, np_maximum, np_minimum};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.clip(image, min, max)`: every sample limited to `[min, max]`. Give `min`, `max` or both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clip {
    /// The smallest value kept (numpy's `a_min`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The largest value kept (numpy's `a_max`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl OpSpec for Clip {
    const NAME: &'static str = "clip";
    const EQUALS: &'static str = "np.clip(image, min, max)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        for (key, v) in [("min", self.min), ("max", self.max)] {
            if v.is_some_and(f64::is_nan) {
                cx.err(key, format!("`{key}` is not a number"), None);
                ok = false;
            }
        }
        if self.min.is_none() && self.max.is_none() {
            cx.err_here(
                "`clip` needs `min`, `max` or both",
                Some("e.g. min = 0.0, max = 1.0".into()),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let key = serde_json::to_value(self).unwrap_or_default();
        let describe = [("min", self.min), ("max", self.max)]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(" ");
        Some(match (self.min, self.max) {
            (Some(lo), Some(hi)) => Box::new(Unary {
                key,
                describe,
                f: move |x| np_clip(x, lo, hi),
            }),
            (Some(lo), None) => Box::new(Unary {
                key,
                describe,
                f: move |x| np_maximum(x, lo),
            }),
            (None, Some(hi)) => Box::new(Unary {
                key,
                describe,
                f: move |x| np_minimum(x, hi),
            }),
            (None, None) => return None,
        })
    }
}
