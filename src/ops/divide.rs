//! `op = "divide"`: `np.true_divide(a, b)` on two images of one shape, in float64
//! (`inputs = [a, b]`): `x / 0` is `±inf` and `0 / 0` is `nan`, exactly as numpy (an 8- or
//! 16-bit output of a non-finite value then fails the image).

use super::elementwise::Binary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.true_divide(a, b)`: every sample `a / b` (IEEE float64, as numpy computes it: division by
/// zero gives `±inf`, `0 / 0` gives `nan`). Takes two images of one shape:
/// `inputs = ["input", "bg"]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Divide {}

impl OpSpec for Divide {
    const NAME: &'static str = "divide";
    const EQUALS: &'static str = "np.true_divide(a, b)";
    const INPUTS: usize = 2;

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(Binary {
            f: |a: f64, b: f64| a / b,
        }))
    }
}
