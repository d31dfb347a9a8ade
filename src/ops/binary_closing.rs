//! `op = "binary_closing"`: `skimage.morphology.binary_closing` (see [`super::morphology::binary`]).

use super::morphology::binary::{binary_op, BinaryOp};

binary_op! {
    /// `skimage.morphology.binary_closing(image != 0, footprint, mode=mode)`, as 0.0 / 1.0:
    /// `binary_erosion(binary_dilation(image))`: fills unset spots smaller than the footprint. Gray
    /// images only.
    BinaryClosing,
    "binary_closing",
    "skimage.morphology.binary_closing(image != 0, footprint, mode=mode)",
    BinaryOp::Closing
}
