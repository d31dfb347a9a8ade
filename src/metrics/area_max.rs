//! `op = "area_max"`: the pixel area of the largest connected object of `image != 0`.

use super::objects::two;
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::morphology::components::foreground;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.max(np.bincount(skimage.measure.label(image != 0, connectivity=connectivity).ravel())[1:],
/// initial=0)`: the number of pixels of the largest connected object the non-zero pixels make;
/// 0 when there are none. Gray images (or `channel = "each"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaMax {
    /// 1: pixels touching by an edge are one object; 2 (default, scikit-image's): by an edge or
    /// a corner.
    #[serde(default = "two")]
    pub connectivity: u32,
}

impl MetricSpec for AreaMax {
    const NAME: &'static str = "area_max";
    const EQUALS: &'static str =
        "np.max(np.bincount(skimage.measure.label(image != 0, connectivity=connectivity).ravel())[1:], initial=0)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        crate::ops::morphology::regions::check_connectivity(self.connectivity, cx)
            .then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

impl Measure for AreaMax {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "connectivity": self.connectivity })
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let c = foreground(Self::NAME, image, self.connectivity)?;
        Ok(c.areas().iter().copied().max().unwrap_or(0) as f64)
    }
}
