//! `op = "white_tophat"`: `skimage.morphology.white_tophat` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.white_tophat(image, footprint, mode=mode, cval=cval)`: `image -
    /// opening(image)`: the bright spots smaller than the footprint. Gray images only.
    WhiteTophat,
    "white_tophat",
    "skimage.morphology.white_tophat(image, footprint, mode=mode, cval=cval)",
    GreyOp::WhiteTophat
}
