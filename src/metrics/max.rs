//! `op = "max"`: `np.max(image)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.max(image)`: the largest sample (NaN if any sample is NaN), bit for bit (of two zeros, the one numpy keeps).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Max {}

impl MetricSpec for Max {
    const NAME: &'static str = "max";
    const EQUALS: &'static str = "np.max(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Max {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(super::extrema::max(&image.data))
    }
}
