//! `op = "abs"`: `np.abs(image)`.

use super::elementwise::Unary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.abs(image)`: every sample's absolute value (the sign bit cleared, so `-0.0` becomes `0.0`
/// and a NaN stays NaN, as numpy's does).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Abs {}

impl OpSpec for Abs {
    const NAME: &'static str = "abs";
    const EQUALS: &'static str = "np.abs(image)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(Unary {
            key: serde_json::json!({}),
            describe: String::new(),
            f: f64::abs,
        }))
    }
}
