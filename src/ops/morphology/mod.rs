//! The machinery of the morphology ops — grey (`erosion` … `black_tophat`), binary
//! (`binary_erosion` … `binary_closing`) and connected components (`remove_small_objects`,
//! `remove_small_holes`, `label`, and the metrics `objects`, `area_mean`, `area_max`). Each op is
//! its own module under `ops/` (one line in the registry); they share:
//!
//! - [`window`]: footprints padded to odd sides the way scikit-image pads them (grey and binary
//!   ops differ), mirrored, cut into chords;
//! - [`filter`]: the fast min / max filter over a window (f64 for grey, u8 for binary images);
//! - [`exact`]: scipy's own comparison order, for the images where it shows (NaN, ±0);
//! - [`grey`] and [`binary`]: the ops' parameters and their compositions;
//! - [`components`]: connected components by runs and union-find, labelled in raster order.
//!
//! scikit-image's morphology treats an `H × W × 3` array as a 3-D volume (with a 3-D default
//! footprint, and it refuses a 2-D one), so these ops take gray images only: a colour source is
//! refused at compile time, and a colour image that reaches one fails with a message.

pub mod binary;
pub mod components;
pub mod exact;
pub mod filter;
pub mod grey;
pub mod regions;
pub mod window;

use crate::diag::ParamCx;

/// Refuses, at compile time, a source known to be colour (`cx.channels`).
pub fn refuse_colour(op: &str, cx: &mut ParamCx) -> bool {
    match cx.channels {
        Some(c) if c != 1 => {
            cx.err_here(
                format!("`{op}` works on gray images, and this one has {c} channels"),
                Some(
                    "set the source's `color = \"gray\"` (rgb2gray); scikit-image would treat an \
                     RGB array as a 3-D volume"
                        .to_string(),
                ),
            );
            false
        }
        _ => true,
    }
}

/// The per-image check matching [`refuse_colour`].
pub fn gray_only(op: &str, channels: usize) -> Result<(), String> {
    if channels == 1 {
        Ok(())
    } else {
        Err(format!(
            "`{op}` works on gray images, and this one has {channels} channels (set the source's \
             `color = \"gray\"`)"
        ))
    }
}
