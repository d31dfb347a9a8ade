//! `op = "fraction_above"`: `np.mean(image > threshold)`.

use super::count_above::{check_threshold, count_above};
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.mean(image > threshold)`: the fraction of samples that exceed `threshold` (the count over
/// the number of samples; exact, as numpy's sum of ones is).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FractionAbove {
    /// Samples strictly greater than this are counted.
    pub threshold: f64,
}

impl MetricSpec for FractionAbove {
    const NAME: &'static str = "fraction_above";
    const EQUALS: &'static str = "np.mean(image > threshold)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        check_threshold(self.threshold, cx).then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

impl Measure for FractionAbove {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let n = image.data.len();
        Ok(count_above(&image.data, self.threshold) as f64 / n as f64)
    }
}
