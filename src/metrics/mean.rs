//! `op = "mean"`: `np.mean(image)`.

use super::{FromMoments, Measure, MetricSpec, Moments};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.mean(image)`: the mean, `np.sum(image) / n`, bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mean {}

impl MetricSpec for Mean {
    const NAME: &'static str = "mean";
    const EQUALS: &'static str = "np.mean(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(FromMoments(Moments {
            needs_var: false,
            value: |n, sum, _| sum / n as f64,
        })))
    }
}
