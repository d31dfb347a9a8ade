//! `op = "binary_dilation"`: `skimage.morphology.binary_dilation` (see [`super::morphology::binary`]).

use super::morphology::binary::{binary_op, BinaryOp};

binary_op! {
    /// `skimage.morphology.binary_dilation(image != 0, footprint, mode=mode)`, as 0.0 / 1.0: set
    /// where any pixel of the mirrored footprint around it is set. Gray images only.
    BinaryDilation,
    "binary_dilation",
    "skimage.morphology.binary_dilation(image != 0, footprint, mode=mode)",
    BinaryOp::Dilation
}
