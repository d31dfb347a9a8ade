//! `op = "sobel"`: `skimage.filters.sobel(image, axis=axis, mode=mode, cval=cval)` (see
//! [`super::edges`]).

use super::edges::{EdgeParams, SOBEL};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.sobel(image, axis=axis, mode=mode, cval=cval)`: the Sobel gradient magnitude
/// (or, with `axis`, the signed derivative along that axis). A colour image is filtered as the
/// 3-D array it is, as scikit-image does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Sobel(pub EdgeParams);

impl OpSpec for Sobel {
    const NAME: &'static str = "sobel";
    const EQUALS: &'static str = "skimage.filters.sobel(image, axis=axis, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        self.0.compile(SOBEL, cx)
    }
}
