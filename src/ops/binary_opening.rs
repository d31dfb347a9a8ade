//! `op = "binary_opening"`: `skimage.morphology.binary_opening` (see [`super::morphology::binary`]).

use super::morphology::binary::{binary_op, BinaryOp};

binary_op! {
    /// `skimage.morphology.binary_opening(image != 0, footprint, mode=mode)`, as 0.0 / 1.0:
    /// `binary_dilation(binary_erosion(image))`: removes set spots smaller than the footprint. Gray
    /// images only.
    BinaryOpening,
    "binary_opening",
    "skimage.morphology.binary_opening(image != 0, footprint, mode=mode)",
    BinaryOp::Opening
}
