//! `op = "farid"`: `skimage.filters.farid(image, axis=axis, mode=mode, cval=cval)` (see
//! [`super::edges`]).

use super::edges::{EdgeParams, FARID};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.farid(image, axis=axis, mode=mode, cval=cval)`: the Farid gradient magnitude
/// (or, with `axis`, the signed derivative along that axis). A colour image is filtered as the
/// 3-D array it is, as scikit-image does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Farid(pub EdgeParams);

impl OpSpec for Farid {
    const NAME: &'static str = "farid";
    const EQUALS: &'static str = "skimage.filters.farid(image, axis=axis, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        self.0.compile(FARID, cx)
    }
}
