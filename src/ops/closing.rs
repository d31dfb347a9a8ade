//! `op = "closing"`: `skimage.morphology.closing` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.closing(image, footprint, mode=mode, cval=cval)`:
    /// `erosion(dilation(image, footprint), mirror(footprint))`: fills dark spots smaller than the
    /// footprint. Gray images only.
    Closing,
    "closing",
    "skimage.morphology.closing(image, footprint, mode=mode, cval=cval)",
    GreyOp::Closing
}
