//! `op = "li"`: `skimage.filters.threshold_li(image, tolerance, initial_guess)`, the threshold
//! itself.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::threshold::li::{li, LiScratch};
use crate::ops::threshold::{check_li, Rule};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.threshold_li(image, tolerance, initial_guess)` over every sample (as
/// `op = "threshold"`, `method = "li"` finds it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Li {
    /// Stop when the threshold moves less than this (default, or 0: half the smallest gap
    /// between distinct values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Where the iteration starts (default: the image's mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_guess: Option<f64>,
}

impl MetricSpec for Li {
    const NAME: &'static str = "li";
    const EQUALS: &'static str = "skimage.filters.threshold_li(image, tolerance, initial_guess)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        check_li(self.tolerance, self.initial_guess, cx)?;
        Some(Box::new(self.clone()))
    }
}

impl Measure for Li {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(Rule::Li {
            tolerance: self.tolerance,
            initial_guess: self.initial_guess,
        })
        .unwrap_or_default()
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        li(
            &image.data,
            self.tolerance,
            self.initial_guess,
            &mut LiScratch::default(),
        )
    }
}
