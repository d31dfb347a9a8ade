//! `op = "scharr"`: `skimage.filters.scharr(image, axis=axis, mode=mode, cval=cval)` (see
//! [`super::edges`]).

use super::edges::{EdgeParams, SCHARR};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.scharr(image, axis=axis, mode=mode, cval=cval)`: the Scharr gradient magnitude
/// (or, with `axis`, the signed derivative along that axis). A colour image is filtered as the
/// 3-D array it is, as scikit-image does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Scharr(pub EdgeParams);

impl OpSpec for Scharr {
    const NAME: &'static str = "scharr";
    const EQUALS: &'static str = "skimage.filters.scharr(image, axis=axis, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        self.0.compile(SCHARR, cx)
    }
}
