//! `op = "min"`: `np.min(image)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.min(image)`: the smallest sample (NaN if any sample is NaN), bit for bit (of two zeros, the one numpy keeps).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Min {}

impl MetricSpec for Min {
    const NAME: &'static str = "min";
    const EQUALS: &'static str = "np.min(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Min {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(super::extrema::min(&image.data))
    }
}
