//! `op = "binary_erosion"`: `skimage.morphology.binary_erosion` (see [`super::morphology::binary`]).

use super::morphology::binary::{binary_op, BinaryOp};

binary_op! {
    /// `skimage.morphology.binary_erosion(image != 0, footprint, mode=mode)`, as 0.0 / 1.0: set
    /// where every pixel of the footprint around it is set. Gray images only.
    BinaryErosion,
    "binary_erosion",
    "skimage.morphology.binary_erosion(image != 0, footprint, mode=mode)",
    BinaryOp::Erosion
}
