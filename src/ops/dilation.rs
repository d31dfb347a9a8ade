//! `op = "dilation"`: `skimage.morphology.dilation` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.dilation(image, footprint, mode=mode, cval=cval)`: the maximum over the
    /// footprint around each pixel — the same window as `erosion`, not mirrored (bright regions
    /// grow). Gray images only.
    Dilation,
    "dilation",
    "skimage.morphology.dilation(image, footprint, mode=mode, cval=cval)",
    GreyOp::Dilation
}
