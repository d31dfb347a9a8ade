//! `op = "sharpness"`: `np.var(skimage.filters.laplace(image))`, the variance of the Laplacian.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::edges::EdgeScratch;
use crate::ops::laplace::laplace_into;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.var(skimage.filters.laplace(image))`: the usual focus measure — larger is sharper. The
/// Laplacian is scikit-image's (`reflect` edges; a colour image filtered as the 3-D array it
/// is), the variance numpy's, bit for bit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharpness {}

impl MetricSpec for Sharpness {
    const NAME: &'static str = "sharpness";
    const EQUALS: &'static str = "np.var(skimage.filters.laplace(image))";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Sharpness {
    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let mut lap = Image::default();
        laplace_into(image, &mut lap, &mut EdgeScratch::default());
        Ok(super::np_var(&lap.data))
    }
}
