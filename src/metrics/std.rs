//! `op = "std"`: `np.std(image)`.

use super::{FromMoments, Measure, MetricSpec, Moments};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.std(image)`: the standard deviation, `sqrt(np.var(image))`, bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Std {}

impl MetricSpec for Std {
    const NAME: &'static str = "std";
    const EQUALS: &'static str = "np.std(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(FromMoments(Moments {
            needs_var: true,
            value: |_, _, var| var.sqrt(),
        })))
    }
}
