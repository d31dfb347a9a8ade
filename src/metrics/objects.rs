//! `op = "objects"`: the number of connected objects of `image != 0`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::morphology::components::foreground;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.measure.label(image != 0, connectivity=connectivity).max()`: how many connected
/// objects the non-zero pixels make (0 for none). Gray images (or `channel = "each"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objects {
    /// 1: pixels touching by an edge are one object; 2 (default, scikit-image's): by an edge or
    /// a corner.
    #[serde(default = "two")]
    pub connectivity: u32,
}

pub(super) fn two() -> u32 {
    2
}

impl MetricSpec for Objects {
    const NAME: &'static str = "objects";
    const EQUALS: &'static str =
        "skimage.measure.label(image != 0, connectivity=connectivity).max()";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        crate::ops::morphology::regions::check_connectivity(self.connectivity, cx)
            .then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

impl Measure for Objects {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "connectivity": self.connectivity })
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(foreground(Self::NAME, image, self.connectivity)?.count as f64)
    }
}
