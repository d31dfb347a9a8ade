//! The histogram thresholds of `skimage.filters` (`thresholding.py`), on float images: each
//! takes all samples (a colour image's too, as scikit-image does with the whole array) and
//! returns the threshold, or why there is none.
//!
//! The counts are float32 (`_validate_image_histogram`), so cumulative sums round as numpy's
//! float32 sums do; products with the float64 bin centres are float64. Each function follows
//! scikit-image's expression order, operation for operation.

use super::histogram::{
    argmax, argmin, cumsum, cumsum_f32, histogram, suffix_cumsum_f32, sum_f32,
};
use crate::numpy::log_f32::numpy_log_f32;

/// "The image is empty" (scikit-image: an IndexError on `image.reshape(-1)[0]`).
const EMPTY: &str = "the image is empty, so it has no threshold";

/// `threshold_otsu(image, nbins)`.
pub fn otsu(data: &[f64], nbins: usize) -> Result<f64, String> {
    let first = *data.first().ok_or(EMPTY)?;
    if data.iter().all(|&x| x == first) {
        return Ok(first);
    }
    let h = histogram(data, nbins)?;
    let counts = h.counts_f32();
    let centres = h.centres();
    let weight1 = cumsum_f32(&counts);
    let weight2 = suffix_cumsum_f32(&counts);
    let products: Vec<f64> = counts
        .iter()
        .zip(&centres)
        .map(|(&c, &x)| f64::from(c) * x)
        .collect();
    let mean1: Vec<f64> = cumsum(&products)
        .iter()
        .zip(&weight1)
        .map(|(&s, &w)| s / f64::from(w))
        .collect();
    let mut mean2 = vec![0.0; products.len()];
    let mut s = 0.0f64;
    for i in (0..products.len()).rev() {
        s += products[i];
        mean2[i] = s / f64::from(weight2[i]);
    }
    let n = counts.len();
    let variance: Vec<f64> = (0..n - 1)
        .map(|i| {
            let d = mean1[i] - mean2[i + 1];
            f64::from(weight1[i] * weight2[i + 1]) * (d * d)
        })
        .collect();
    let at = argmax(&variance).ok_or(
        "Otsu's method needs at least 2 bins (numpy: argmax of an empty sequence)",
    )?;
    Ok(centres[at])
}

/// `threshold_yen(image, nbins)`: all in float32, numpy's float32 `log` included.
pub fn yen(data: &[f64], nbins: usize) -> Result<f64, String> {
    if data.is_empty() {
        return Err(EMPTY.into());
    }
    let h = histogram(data, nbins)?;
    let centres = h.centres();
    if centres.len() == 1 {
        return Ok(centres[0]);
    }
    let counts = h.counts_f32();
    let total = sum_f32(&counts);
    let pmf: Vec<f32> = counts.iter().map(|&c| c / total).collect();
    let squares: Vec<f32> = pmf.iter().map(|&p| p * p).collect();
    let p1 = cumsum_f32(&pmf);
    let p1_sq = cumsum_f32(&squares);
    let p2_sq = suffix_cumsum_f32(&squares);
    let log = numpy_log_f32();
    let crit: Vec<f32> = (0..pmf.len() - 1)
        .map(|i| {
            let inv = 1.0 / (p1_sq[i] * p2_sq[i + 1]);
            let a = p1[i] * (1.0 - p1[i]);
            log(inv * (a * a))
        })
        .collect();
    let at = argmax(&crit).unwrap_or(0);
    Ok(centres[at])
}

/// `threshold_isodata(image, nbins)`: the lowest bin centre that is within one bin width below
/// the mean of the means of the samples at or below it and above it.
pub fn isodata(data: &[f64], nbins: usize) -> Result<f64, String> {
    if data.is_empty() {
        return Err(EMPTY.into());
    }
    let h = histogram(data, nbins)?;
    let centres = h.centres();
    if centres.len() == 1 {
        return Ok(centres[0]);
    }
    let counts = h.counts_f32();
    let csuml = cumsum_f32(&counts);
    let last = csuml[csuml.len() - 1];
    let csumh: Vec<f32> = csuml.iter().map(|&c| last - c).collect();
    let intensity: Vec<f64> = counts
        .iter()
        .zip(&centres)
        .map(|(&c, &x)| f64::from(c) * x)
        .collect();
    let csum_intensity = cumsum(&intensity);
    let total = csum_intensity[csum_intensity.len() - 1];
    let bin_width = centres[1] - centres[0];
    (0..centres.len() - 1)
        .find(|&i| {
            let lower = csum_intensity[i] / f64::from(csuml[i]);
            let higher = (total - csum_intensity[i]) / f64::from(csumh[i]);
            let distance = (lower + higher) / 2.0 - centres[i];
            distance >= 0.0 && distance < bin_width
        })
        .map(|i| centres[i])
        .ok_or_else(|| {
            "the isodata method found no threshold: no bin centre lies within a bin width below \
             the mean of the two classes' means (scikit-image: IndexError)"
                .into()
        })
}

/// `threshold_minimum(image, nbins, max_num_iter)` (`max_num_iter >= 1`): the histogram
/// smoothed with `scipy.ndimage.uniform_filter1d(h, 3)` (float32, `reflect`) until it has fewer
/// than three maxima; with exactly two, the lowest bin between them.
pub fn minimum(data: &[f64], nbins: usize, max_num_iter: usize) -> Result<f64, String> {
    if data.is_empty() {
        return Err(EMPTY.into());
    }
    let h = histogram(data, nbins)?;
    let centres = h.centres();
    let mut smooth = h.counts_f32();
    let mut line = Vec::with_capacity(smooth.len() + 2);
    let mut maxima = Vec::new();
    let mut counter = 0;
    for k in 0..max_num_iter {
        counter = k;
        uniform3(&mut smooth, &mut line);
        local_maxima(&smooth, &mut maxima);
        if maxima.len() < 3 {
            break;
        }
    }
    if maxima.len() != 2 {
        return Err(format!(
            "the minimum method found {} maxima in the smoothed histogram, not two \
             (scikit-image: unable to find two maxima in histogram)",
            maxima.len()
        ));
    }
    if counter + 1 == max_num_iter {
        return Err(format!(
            "the minimum method reached max_num_iter = {max_num_iter} smoothing the histogram \
             (scikit-image: maximum iteration reached for histogram smoothing)"
        ));
    }
    let (a, b) = (maxima[0], maxima[1]);
    let at = argmin(&smooth[a..=b]).unwrap_or(0);
    Ok(centres[a + at])
}

/// `scipy.ndimage.uniform_filter1d(h, 3)` on float32 `h`, mode `reflect`, in place: a running
/// sum in double (`s = e0 + e1 + e2`, then `s += e[i + 3] - e[i]`), each `s / 3` rounded to
/// float32.
fn uniform3(h: &mut [f32], line: &mut Vec<f64>) {
    let n = h.len();
    if n == 0 {
        return;
    }
    line.clear();
    line.push(f64::from(h[0]));
    line.extend(h.iter().map(|&x| f64::from(x)));
    line.push(f64::from(h[n - 1]));
    let mut s = 0.0;
    for &x in &line[..3] {
        s += x;
    }
    h[0] = (s / 3.0) as f32;
    for i in 1..n {
        s += line[i + 2] - line[i - 1];
        h[i] = (s / 3.0) as f32;
    }
}

/// scikit-image's `find_local_maxima_idx`: the last index of each plateau that starts to fall
/// (a rising tail is not a maximum).
fn local_maxima(h: &[f32], out: &mut Vec<usize>) {
    out.clear();
    let mut rising = true;
    for i in 0..h.len().saturating_sub(1) {
        if rising {
            if h[i + 1] < h[i] {
                rising = false;
                out.push(i);
            }
        } else if h[i + 1] > h[i] {
            rising = true;
        }
    }
}

/// `threshold_triangle(image, nbins)`: the bin farthest from the line between the histogram's
/// peak and the far end of its longer tail.
pub fn triangle(data: &[f64], nbins: usize) -> Result<f64, String> {
    let first = *data.first().ok_or(EMPTY)?;
    let h = histogram(data, nbins)?;
    let centres = h.centres();
    let mut counts = h.counts;
    let n = counts.len();
    let mut peak = argmax(&counts).unwrap_or(0);
    let peak_height = counts[peak] as i64;
    let low = counts.iter().position(|&c| c != 0).unwrap_or(0);
    let high = counts.iter().rposition(|&c| c != 0).unwrap_or(0);
    if low == high {
        return Ok(first);
    }
    let flip = (peak as i64 - low as i64) < (high as i64 - peak as i64);
    let mut low = low;
    if flip {
        counts.reverse();
        low = n - high - 1;
        peak = n - peak - 1;
    }
    let width = (peak - low) as i64;
    let norm = ((peak_height.wrapping_mul(peak_height)).wrapping_add(width * width) as f64).sqrt();
    let ph = peak_height as f64 / norm;
    let w = width as f64 / norm;
    let length: Vec<f64> = (0..width as usize)
        .map(|x| ph * x as f64 - w * counts[x + low] as i64 as f64)
        .collect();
    let mut level = argmax(&length).unwrap_or(0) + low;
    if flip {
        level = n - level - 1;
    }
    Ok(centres[level])
}

/// `threshold_mean(image)`: `np.mean(image)`.
pub fn mean(data: &[f64]) -> f64 {
    crate::metrics::np_mean(data)
}
