//! `op = "erosion"`: `skimage.morphology.erosion` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.erosion(image, footprint, mode=mode, cval=cval)`: the minimum over the
    /// footprint around each pixel (bright regions shrink). Gray images only.
    Erosion,
    "erosion",
    "skimage.morphology.erosion(image, footprint, mode=mode, cval=cval)",
    GreyOp::Erosion
}
