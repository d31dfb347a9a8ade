//! `op = "label"`: `skimage.measure.label` (see [`super::morphology::regions`]).

use super::morphology::regions::{check_connectivity, RegionOp, Regions};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.measure.label(image, background=background, connectivity=connectivity)`: each
/// connected region of equal value numbered 1, 2, … in raster order of its first pixel, the
/// background 0. Like scikit-image on a float array, the values are first cast to integers
/// (truncated toward zero): on a thresholded 0.0 / 1.0 image this labels the non-zero pixels, and
/// a label image keeps touching labels apart. Gray images only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The (integer) value of the background pixels, labelled 0.
    #[serde(default)]
    pub background: i64,
    /// 1: pixels touching by an edge are connected; 2 (default, scikit-image's `ndim`): by an
    /// edge or a corner.
    #[serde(default = "two")]
    pub connectivity: u32,
}

fn two() -> u32 {
    2
}

impl OpSpec for Label {
    const NAME: &'static str = "label";
    const EQUALS: &'static str =
        "skimage.measure.label(image, background=background, connectivity=connectivity)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let colour_ok = super::morphology::refuse_colour(Self::NAME, cx);
        let conn_ok = check_connectivity(self.connectivity, cx);
        (colour_ok && conn_ok).then(|| {
            Box::new(Regions {
                name: Self::NAME,
                op: RegionOp::Label {
                    background: self.background,
                },
                connectivity: self.connectivity,
            }) as Box<dyn Kernel>
        })
    }
}
