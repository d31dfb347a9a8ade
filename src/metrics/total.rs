//! `op = "sum"`: `np.sum(image)`.

use super::{FromMoments, Measure, MetricSpec, Moments};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.sum(image)`: the sum (numpy's pairwise summation), bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sum {}

impl MetricSpec for Sum {
    const NAME: &'static str = "sum";
    const EQUALS: &'static str = "np.sum(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(FromMoments(Moments {
            needs_var: false,
            value: |_, sum, _| sum,
        })))
    }
}
