//! `op = "subtract"`: `np.subtract(a, b)` on two images of one shape, in float64
//! (`inputs = [a, b]`).

use super::elementwise::Binary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.subtract(a, b)`: every sample `a - b` (IEEE float64, as numpy computes it). Takes two images of
/// one shape: `inputs = ["input", "bg"]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subtract {}

impl OpSpec for Subtract {
    const NAME: &'static str = "subtract";
    const EQUALS: &'static str = "np.subtract(a, b)";
    const INPUTS: usize = 2;

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(Binary {
            f: |a: f64, b: f64| a - b,
        }))
    }
}
