//! `op = "opening"`: `skimage.morphology.opening` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.opening(image, footprint, mode=mode, cval=cval)`:
    /// `dilation(erosion(image, footprint), mirror(footprint))`: removes bright spots smaller than
    /// the footprint. Gray images only.
    Opening,
    "opening",
    "skimage.morphology.opening(image, footprint, mode=mode, cval=cval)",
    GreyOp::Opening
}
