//! `op = "variance"`: `np.var(image)`.

use super::{FromMoments, Measure, MetricSpec, Moments};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.var(image)`: population variance (ddof = 0), numpy's two-pass pairwise sums, bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variance {}

impl MetricSpec for Variance {
    const NAME: &'static str = "variance";
    const EQUALS: &'static str = "np.var(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(FromMoments(Moments {
            needs_var: true,
            value: |_, _, var| var,
        })))
    }
}
