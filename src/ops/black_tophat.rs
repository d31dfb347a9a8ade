//! `op = "black_tophat"`: `skimage.morphology.black_tophat` (see [`super::morphology::grey`]).

use super::morphology::grey::{grey_op, GreyOp};

grey_op! {
    /// `skimage.morphology.black_tophat(image, footprint, mode=mode, cval=cval)`: `closing(image) -
    /// image`: the dark spots smaller than the footprint. Gray images only.
    BlackTophat,
    "black_tophat",
    "skimage.morphology.black_tophat(image, footprint, mode=mode, cval=cval)",
    GreyOp::BlackTophat
}
