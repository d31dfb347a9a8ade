//! `op = "otsu"`: `skimage.filters.threshold_otsu(image, nbins)`, the threshold itself.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::threshold::{check_nbins, methods};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.threshold_otsu(image, nbins)` over every sample (as `op = "threshold"`,
/// `method = "otsu"` finds it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Otsu {
    /// Histogram bins (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbins: Option<u32>,
}

#[derive(Debug)]
struct Compiled {
    nbins: usize,
}

impl MetricSpec for Otsu {
    const NAME: &'static str = "otsu";
    const EQUALS: &'static str = "skimage.filters.threshold_otsu(image, nbins)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        check_nbins(self.nbins, cx).map(|nbins| Box::new(Compiled { nbins }) as Box<dyn Measure>)
    }
}

impl Measure for Compiled {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "nbins": self.nbins })
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        methods::otsu(&image.data, self.nbins)
    }
}
