//! `op = "nonzero"`: `np.count_nonzero(image)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.count_nonzero(image)`: how many samples are not zero (NaN counts).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Nonzero {}

impl MetricSpec for Nonzero {
    const NAME: &'static str = "nonzero";
    const EQUALS: &'static str = "np.count_nonzero(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Nonzero {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(image.data.iter().filter(|&&x| x != 0.0).count() as f64)
    }
}
