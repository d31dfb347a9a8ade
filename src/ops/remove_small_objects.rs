//! `op = "remove_small_objects"`: `skimage.morphology.remove_small_objects` on `image != 0` (see
//! [`super::morphology::regions`]).

use super::morphology::regions::{check_connectivity, size_limit, RegionOp, Regions};
use super::{Kernel, OpSpec};
use crate::diag::ParamCx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.morphology.remove_small_objects(image != 0, max_size=max_size,
/// connectivity=connectivity)`, as 0.0 / 1.0: the set (non-zero) pixels, without the connected
/// objects of `max_size` pixels or fewer. Gray images only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveSmallObjects {
    /// Objects of this many pixels or fewer are removed (default 64; inclusive, as scikit-image
    /// 0.26's `max_size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// scikit-image's deprecated name for `max_size`: the same limit, inclusive too (as
    /// scikit-image 0.26 applies it). Give one or the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    /// 1 (default): pixels touching by an edge are one object; 2: by an edge or a corner.
    #[serde(default = "one")]
    pub connectivity: u32,
}

fn one() -> u32 {
    1
}

impl OpSpec for RemoveSmallObjects {
    const NAME: &'static str = "remove_small_objects";
    const EQUALS: &'static str =
        "skimage.morphology.remove_small_objects(image != 0, max_size=max_size, connectivity=connectivity)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let colour_ok = super::morphology::refuse_colour(Self::NAME, cx);
        let conn_ok = check_connectivity(self.connectivity, cx);
        let max = size_limit(self.max_size, ("min_size", self.min_size), cx)?;
        (colour_ok && conn_ok).then(|| {
            Box::new(Regions {
                name: Self::NAME,
                op: RegionOp::RemoveObjects(max),
                connectivity: self.connectivity,
            }) as Box<dyn Kernel>
        })
    }
}
