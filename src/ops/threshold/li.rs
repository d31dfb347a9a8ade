//! `skimage.filters.threshold_li(image, tolerance=None, initial_guess=None)` on float images:
//! Li's iterative minimum cross-entropy threshold, operation for operation.
//!
//! - NaN samples are dropped; no samples left: NaN; one value throughout: that value; then the
//!   infinite samples are dropped (none left: 0).
//! - The samples are shifted by their minimum; the tolerance is half the smallest gap between
//!   distinct values (`tolerance` when given and nonzero).
//! - From `t = mean` (or `initial_guess`, shifted), while `|t_next - t| > tolerance`: the means
//!   `mf`, `mb` of the samples above and not above `t` (numpy's pairwise means of the selected
//!   samples, in memory order); stop if `mb == 0`; `t = (mb - mf) / (log(mb) - log(mf))` with
//!   numpy's `log`.
//! - The threshold is `t + min`.

use super::unique::min_gap;
use crate::metrics::{np_max, np_mean, np_min};
use crate::numpy::svml::numpy_log;

/// Iterations after which the method gives up (scikit-image has no limit; it converges in tens).
const MAX_ITER: usize = 100_000;

/// Buffers for the samples above and not above the current threshold.
#[derive(Default)]
pub struct LiScratch {
    samples: Vec<f64>,
    fg: Vec<f64>,
    bg: Vec<f64>,
}

/// `threshold_li(data, tolerance=tolerance, initial_guess=initial_guess)`.
pub fn li(
    data: &[f64],
    tolerance: Option<f64>,
    initial_guess: Option<f64>,
    scratch: &mut LiScratch,
) -> Result<f64, String> {
    let img = &mut scratch.samples;
    img.clear();
    img.extend(data.iter().copied().filter(|x| !x.is_nan()));
    let Some(&first) = img.first() else {
        return Ok(f64::NAN);
    };
    if img.iter().all(|&x| x == first) {
        return Ok(first);
    }
    img.retain(|x| x.is_finite());
    if img.is_empty() {
        return Ok(0.0);
    }
    let min = np_min(img);
    for x in img.iter_mut() {
        *x -= min;
    }
    let tolerance = match tolerance {
        Some(t) if t != 0.0 => t,
        _ => {
            min_gap(img).ok_or(
                "Li's method needs two distinct finite values to set its tolerance \
                 (numpy: minimum of an empty array)",
            )? / 2.0
        }
    };
    let mut t_next = match initial_guess {
        None => np_mean(img),
        Some(guess) => {
            let t = guess - min;
            let max = np_max(img);
            if !(0.0 < t && t < max) {
                return Err(format!(
                    "initial_guess = {guess} is not within the image's range ({min}, {})",
                    max + min
                ));
            }
            t
        }
    };
    let log = numpy_log();
    let mut t_curr = -2.0 * tolerance;
    let mut iterations = 0;
    while (t_next - t_curr).abs() > tolerance {
        iterations += 1;
        if iterations > MAX_ITER {
            return Err(format!(
                "Li's method did not converge in {MAX_ITER} iterations (tolerance {tolerance})"
            ));
        }
        t_curr = t_next;
        let (nf, nb) = partition(img, t_curr, &mut scratch.fg, &mut scratch.bg);
        let mean_fore = np_mean(&scratch.fg[..nf]);
        let mean_back = np_mean(&scratch.bg[..nb]);
        if mean_back == 0.0 {
            break;
        }
        t_next = (mean_back - mean_fore) / (log(mean_back) - log(mean_fore));
    }
    Ok(t_next + min)
}

/// The samples above `t` into `fg`, the others into `bg`, each in memory order (as numpy's
/// boolean indexing): how many of each. Without branches: every sample is written to both and
/// only the matching count advances, so unpredictable comparisons cost nothing.
fn partition(img: &[f64], t: f64, fg: &mut Vec<f64>, bg: &mut Vec<f64>) -> (usize, usize) {
    fg.resize(img.len(), 0.0);
    bg.resize(img.len(), 0.0);
    let (mut nf, mut nb) = (0usize, 0usize);
    let (f, b) = (fg.as_mut_ptr(), bg.as_mut_ptr());
    for &x in img {
        let above = x > t;
        // SAFETY: before sample i, nf + nb == i, so both are below img.len() == the lengths.
        unsafe {
            *f.add(nf) = x;
            *b.add(nb) = x;
        }
        nf += usize::from(above);
        nb += usize::from(!above);
    }
    (nf, nb)
}
