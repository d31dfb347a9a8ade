//! `op = "median"`: `np.median(image)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.median(image)`: the middle sample, or the mean of the two middle samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Median {}

impl MetricSpec for Median {
    const NAME: &'static str = "median";
    const EQUALS: &'static str = "np.median(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Median {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(super::percentile::np_median(&image.data, &mut Vec::new()))
    }
}
