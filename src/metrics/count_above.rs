//! `op = "count_above"`: `np.count_nonzero(image > threshold)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.count_nonzero(image > threshold)`: how many samples exceed `threshold`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountAbove {
    /// Samples strictly greater than this are counted.
    pub threshold: f64,
}

/// Refuses a NaN threshold (nothing would ever be above it).
pub fn check_threshold(threshold: f64, cx: &mut ParamCx) -> bool {
    if threshold.is_nan() {
        cx.err("threshold", "`threshold` is not a number", None);
        return false;
    }
    true
}

/// `np.count_nonzero(data > threshold)`.
pub fn count_above(data: &[f64], threshold: f64) -> usize {
    data.iter().filter(|&&x| x > threshold).count()
}

impl MetricSpec for CountAbove {
    const NAME: &'static str = "count_above";
    const EQUALS: &'static str = "np.count_nonzero(image > threshold)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        check_threshold(self.threshold, cx).then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

impl Measure for CountAbove {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(count_above(&image.data, self.threshold) as f64)
    }
}
