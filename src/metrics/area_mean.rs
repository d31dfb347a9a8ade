//! `op = "area_mean"`: the mean pixel area of the connected objects of `image != 0`.

use super::objects::two;
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::morphology::components::foreground;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.mean(np.bincount(skimage.measure.label(image != 0, connectivity=connectivity).ravel())[1:])`:
/// the mean number of pixels of the connected objects the non-zero pixels make; NaN when there
/// are none (numpy's mean of an empty array). Gray images (or `channel = "each"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaMean {
    /// 1: pixels touching by an edge are one object; 2 (default, scikit-image's): by an edge or
    /// a corner.
    #[serde(default = "two")]
    pub connectivity: u32,
}

impl MetricSpec for AreaMean {
    const NAME: &'static str = "area_mean";
    const EQUALS: &'static str =
        "np.mean(np.bincount(skimage.measure.label(image != 0, connectivity=connectivity).ravel())[1:])";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        crate::ops::morphology::regions::check_connectivity(self.connectivity, cx)
            .then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

impl Measure for AreaMean {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "connectivity": self.connectivity })
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let c = foreground(Self::NAME, image, self.connectivity)?;
        // The areas are integers: numpy's float64 sum of them is exact (< 2^53), so the mean
        // is their total over their count, rounded once — and 0 / 0 = NaN for no objects.
        let total: usize = c.areas().iter().sum();
        Ok(total as f64 / c.count as f64)
    }
}
