//! `op = "invert"`: `skimage.util.invert(image, signed_float=False)` on a float image.

use super::elementwise::Unary;
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.util.invert(image, signed_float)`: every sample `1 - x` (`np.subtract(1, image)`),
/// or `-x` with `signed_float = true` (for images in `[-1, 1]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invert {
    /// The image's range is `[-1, 1]`: invert by negating.
    #[serde(default)]
    pub signed_float: bool,
}

impl OpSpec for Invert {
    const NAME: &'static str = "invert";
    const EQUALS: &'static str = "skimage.util.invert(image, signed_float=signed_float)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let key = serde_json::to_value(self).unwrap_or_default();
        Some(if self.signed_float {
            Box::new(Unary {
                key,
                describe: "signed_float=true".into(),
                f: |x: f64| -x,
            })
        } else {
            Box::new(Unary {
                key,
                describe: String::new(),
                f: |x: f64| 1.0 - x,
            })
        })
    }
}
