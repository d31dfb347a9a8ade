//! `op = "prewitt"`: `skimage.filters.prewitt(image, axis=axis, mode=mode, cval=cval)` (see
//! [`super::edges`]).

use super::edges::{EdgeParams, PREWITT};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.prewitt(image, axis=axis, mode=mode, cval=cval)`: the Prewitt gradient magnitude
/// (or, with `axis`, the signed derivative along that axis). A colour image is filtered as the
/// 3-D array it is, as scikit-image does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Prewitt(pub EdgeParams);

impl OpSpec for Prewitt {
    const NAME: &'static str = "prewitt";
    const EQUALS: &'static str = "skimage.filters.prewitt(image, axis=axis, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        self.0.compile(PREWITT, cx)
    }
}
