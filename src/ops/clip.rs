//! `op = "clip"`: `np.clip(image, min, max)`.
//!
//! numpy clips with three loops, and they differ where a sample equals a bound up to the sign
//! of zero: with both bounds, `clip` keeps the sample (`clip(-0.0, 0.0, 1.0)` is `-0.0`); with
//! only `min` it is `np.maximum(image, min)`, with only `max` `np.minimum(image, max)`, which
//! take the bound (`maximum(-0.0, 0.0)` is `0.0`). A NaN sample stays NaN in all three. Each is
//! reproduced here as numpy 2.x computes it.

use super::elementwise::Unary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
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

/// numpy's `clip` loop for float64: the sample unless it is past a bound.
pub fn np_clip(x: f64, lo: f64, hi: f64) -> f64 {
    let t = if lo > x { lo } else { x };
    if hi < t {
        hi
    } else {
        t
    }
}

/// numpy's `maximum` loop for float64: NaN propagates, ties go to the second operand.
pub fn np_maximum(x: f64, b: f64) -> f64 {
    if x.is_nan() || x > b {
        x
    } else {
        b
    }
}

/// numpy's `minimum` loop for float64: NaN propagates, ties go to the second operand.
pub fn np_minimum(x: f64, b: f64) -> f64 {
    if x.is_nan() || x < b {
        x
    } else {
        b
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// As numpy 2.x gives them (`np.clip`, `np.maximum`, `np.minimum` on float64 arrays).
    #[test]
    fn signed_zeros_and_nan_as_numpy() {
        let bits = |v: f64| (v.to_bits(), v.is_nan());
        assert_eq!(bits(np_clip(-0.0, 0.0, 1.0)), bits(-0.0));
        assert_eq!(bits(np_clip(0.0, -0.0, 1.0)), bits(0.0));
        assert_eq!(bits(np_clip(-0.0, -1.0, 0.0)), bits(-0.0));
        assert_eq!(bits(np_clip(0.0, -1.0, -0.0)), bits(0.0));
        assert!(np_clip(f64::NAN, 0.0, 1.0).is_nan());
        assert_eq!(np_clip(5.0, 1.0, 0.0), 0.0, "min > max gives max, as numpy");
        assert_eq!(bits(np_maximum(-0.0, 0.0)), bits(0.0));
        assert_eq!(bits(np_maximum(0.0, -0.0)), bits(-0.0));
        assert_eq!(bits(np_minimum(-0.0, 0.0)), bits(0.0));
        assert_eq!(bits(np_minimum(0.0, -0.0)), bits(-0.0));
        assert!(np_maximum(f64::NAN, 0.0).is_nan() && np_minimum(f64::NAN, 0.0).is_nan());
    }
}
