//! `np.histogram(image, bins=nbins)` over the image's own range, as scikit-image's
//! `exposure.histogram(image, nbins, source_range='image')` calls it for float images, and the
//! small numpy pieces the histogram methods build on (float32 cumulative sums, `argmax`).
//!
//! numpy's uniform-bin path (`numpy/lib/_histograms_impl.py`, `histogram`):
//! - range `[min, max]` of the samples (an error if either is not finite); a constant image gets
//!   `[v - 0.5, v + 0.5]`;
//! - edges `np.linspace(first, last, nbins + 1)`: `e_i = i * ((last - first) / nbins) + first`
//!   (`(i / nbins) * (last - first) + first` if that step is 0), the last edge exactly `last`;
//!   edges that do not increase are an error ("too many bins");
//! - bin of `x`: `trunc(((x - first) / (last - first)) * nbins)`, `nbins` taken as the last bin,
//!   then one step down if `x < e[bin]` and one up if `x >= e[bin + 1]` (except from the last
//!   bin, which is closed);
//! - centres `(e_i + e_{i+1}) / 2`.
//!
//! The threshold methods take the counts as float32 (`_validate_image_histogram`), so their
//! cumulative sums round as float32 sums do.

/// A histogram of `counts.len()` equal bins between `edges[0]` and `edges[nbins]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub edges: Vec<f64>,
}

/// The bins of a histogram: its edges and what the bin index of a sample needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Bins {
    pub edges: Vec<f64>,
    first: f64,
    denom: f64,
    nbins: usize,
}

impl Bins {
    /// numpy's bins for samples in `[min, max]` (both finite).
    pub fn new(min: f64, max: f64, nbins: usize) -> Result<Bins, String> {
        if !(min.is_finite() && max.is_finite()) {
            return Err(format!(
                "the image's range [{min}, {max}] is not finite, so it has no histogram \
                 (numpy: autodetected range is not finite)"
            ));
        }
        let (first, last) = if min == max {
            (min - 0.5, max + 0.5)
        } else {
            (min, max)
        };
        let edges = linspace(first, last, nbins + 1);
        if edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "the image's range [{min}, {max}] is too narrow for {nbins} bins of nonzero width \
                 (numpy: too many bins for data range)"
            ));
        }
        Ok(Bins {
            edges,
            first,
            denom: last - first,
            nbins,
        })
    }

    /// The bins numpy makes for `data` (its min and max).
    pub fn of(data: &[f64], nbins: usize) -> Result<Bins, String> {
        let (min, max) = min_max(data);
        Bins::new(min, max, nbins)
    }

    /// The bin of `x` (which lies within the edges).
    #[inline(always)]
    pub fn index(&self, x: f64) -> usize {
        let n = self.nbins;
        let mut i = (((x - self.first) / self.denom) * n as f64) as usize;
        if i >= n {
            i = n - 1;
        }
        if x < self.edges[i] {
            i -= 1;
        } else if i != n - 1 && x >= self.edges[i + 1] {
            i += 1;
        }
        i
    }

    /// The bin centres `(e_i + e_{i+1}) / 2`.
    pub fn centres(&self) -> Vec<f64> {
        centres(&self.edges)
    }

    /// The number of bins.
    pub fn len(&self) -> usize {
        self.nbins
    }

    /// Whether there are no bins (never: numpy needs at least one).
    pub fn is_empty(&self) -> bool {
        self.nbins == 0
    }

    /// Counts `data` into these bins. Four partial histograms, so that runs of samples in
    /// one bin (common in images) do not wait on each other's increments.
    pub fn count(&self, data: &[f64]) -> Vec<u64> {
        let n = self.nbins;
        let mut parts = vec![0u64; 4 * n];
        let (p0, rest) = parts.split_at_mut(n);
        let (p1, rest) = rest.split_at_mut(n);
        let (p2, p3) = rest.split_at_mut(n);
        let mut chunks = data.chunks_exact(4);
        for c in &mut chunks {
            p0[self.index(c[0])] += 1;
            p1[self.index(c[1])] += 1;
            p2[self.index(c[2])] += 1;
            p3[self.index(c[3])] += 1;
        }
        for &x in chunks.remainder() {
            p0[self.index(x)] += 1;
        }
        (0..n).map(|i| p0[i] + p1[i] + p2[i] + p3[i]).collect()
    }
}

/// `np.histogram(data, nbins)` (range: the data's min and max). `nbins >= 1`.
pub fn histogram(data: &[f64], nbins: usize) -> Result<Histogram, String> {
    let bins = Bins::of(data, nbins)?;
    let counts = bins.count(data);
    Ok(Histogram {
        counts,
        edges: bins.edges,
    })
}

impl Histogram {
    /// The bin centres `(e_i + e_{i+1}) / 2`.
    pub fn centres(&self) -> Vec<f64> {
        centres(&self.edges)
    }

    /// The counts as float32, as `_validate_image_histogram` returns them.
    pub fn counts_f32(&self) -> Vec<f32> {
        self.counts.iter().map(|&c| c as f32).collect()
    }
}

fn centres(edges: &[f64]) -> Vec<f64> {
    edges.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect()
}

/// `(np.min(data), np.max(data))`, NaN if any sample is NaN; `(0, 1)` for no samples (numpy's
/// range of an empty array).
pub fn min_max(data: &[f64]) -> (f64, f64) {
    if data.is_empty() {
        return (0.0, 1.0);
    }
    // One 8-lane pass. Which zero is the minimum or maximum (numpy keeps an order-dependent
    // one) does not matter to a histogram: `x - first` and the edges come out the same for
    // `first = -0.0` and `0.0`.
    let mut lo = [data[0]; 8];
    let mut hi = [data[0]; 8];
    let mut nan = [false; 8];
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        for j in 0..8 {
            lo[j] = if c[j] < lo[j] { c[j] } else { lo[j] };
            hi[j] = if c[j] > hi[j] { c[j] } else { hi[j] };
            nan[j] |= c[j].is_nan();
        }
    }
    let (mut min, mut max) = (lo[0], hi[0]);
    let mut any_nan = false;
    for j in 0..8 {
        min = if lo[j] < min { lo[j] } else { min };
        max = if hi[j] > max { hi[j] } else { max };
        any_nan |= nan[j];
    }
    for &x in chunks.remainder() {
        min = if x < min { x } else { min };
        max = if x > max { x } else { max };
        any_nan |= x.is_nan();
    }
    if any_nan {
        (f64::NAN, f64::NAN)
    } else {
        (min, max)
    }
}

/// `np.linspace(start, stop, num)` (endpoint included, `num >= 2`).
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| (i as f64 / div) * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    if let Some(last) = y.last_mut() {
        *last = stop;
    }
    y
}

/// `np.cumsum` of float32 values: a sequential float32 sum.
pub fn cumsum_f32(a: &[f32]) -> Vec<f32> {
    let mut s = 0.0f32;
    a.iter()
        .map(|&x| {
            s += x;
            s
        })
        .collect()
}

/// `np.cumsum(a[::-1])[::-1]`: the float32 sums of every suffix, each summed from the end.
pub fn suffix_cumsum_f32(a: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; a.len()];
    let mut s = 0.0f32;
    for (o, &x) in out.iter_mut().zip(a).rev() {
        s += x;
        *o = s;
    }
    out
}

/// `np.cumsum` of float64 values.
pub fn cumsum(a: &[f64]) -> Vec<f64> {
    let mut s = 0.0f64;
    a.iter()
        .map(|&x| {
            s += x;
            s
        })
        .collect()
}

/// `np.sum` of a float32 array: numpy's pairwise sum in float32, added to `0.0`.
pub fn sum_f32(a: &[f32]) -> f32 {
    0.0 + pairwise_f32(a)
}

fn pairwise_f32(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0f32;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut blocks = a[8..].chunks_exact(8);
        for b in &mut blocks {
            for j in 0..8 {
                r[j] += b[j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in blocks.remainder() {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_f32(&a[..n2]) + pairwise_f32(&a[n2..])
    }
}

/// `np.argmax`: the first maximum, or the first NaN if there is one; `None` for no values.
#[allow(clippy::neg_cmp_op_on_partial_ord)] // numpy's own test: a NaN counts as larger
pub fn argmax<T: Copy + PartialOrd>(a: &[T]) -> Option<usize> {
    let mut best = *a.first()?;
    let mut at = 0;
    #[allow(clippy::eq_op)]
    if best != best {
        return Some(0);
    }
    for (i, &x) in a.iter().enumerate().skip(1) {
        // `!(x <= best)`: a larger value, or NaN (which then stays).
        if !(x <= best) {
            best = x;
            at = i;
            #[allow(clippy::eq_op)]
            if x != x {
                break;
            }
        }
    }
    Some(at)
}

/// `np.argmin`: the first minimum, or the first NaN if there is one; `None` for no values.
#[allow(clippy::neg_cmp_op_on_partial_ord)] // numpy's own test: a NaN counts as smaller
pub fn argmin<T: Copy + PartialOrd>(a: &[T]) -> Option<usize> {
    let mut best = *a.first()?;
    let mut at = 0;
    #[allow(clippy::eq_op)]
    if best != best {
        return Some(0);
    }
    for (i, &x) in a.iter().enumerate().skip(1) {
        if !(x >= best) {
            best = x;
            at = i;
            #[allow(clippy::eq_op)]
            if x != x {
                break;
            }
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.histogram(a, 4)` of `a = [0.0, 0.1, 0.25, 0.5, 0.7, 1.0]`: counts [2, 1, 2, 1], edges
    /// [0, 0.25, 0.5, 0.75, 1].
    #[test]
    fn counts_like_numpy() {
        let h = histogram(&[0.0, 0.1, 0.25, 0.5, 0.7, 1.0], 4).unwrap();
        assert_eq!(h.counts, [2, 1, 2, 1]);
        assert_eq!(h.edges, [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(h.centres(), [0.125, 0.375, 0.625, 0.875]);
    }

    #[test]
    fn a_constant_image_gets_a_unit_range() {
        let h = histogram(&[2.0; 5], 4).unwrap();
        assert_eq!(h.edges, [1.5, 1.75, 2.0, 2.25, 2.5]);
        assert_eq!(h.counts, [0, 0, 5, 0]);
    }

    #[test]
    fn non_finite_and_narrow_ranges_are_errors() {
        assert!(histogram(&[0.0, f64::NAN], 4).is_err());
        assert!(histogram(&[0.0, f64::INFINITY], 4).is_err());
        let x = 1.0f64;
        assert!(histogram(&[x, f64::from_bits(x.to_bits() + 1)], 256).is_err());
    }

    #[test]
    fn argmax_and_argmin_follow_numpy() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax(&[1.0, f64::NAN, 3.0, f64::NAN]), Some(1));
        assert_eq!(argmin(&[2.0, 1.0, 1.0, f64::NAN]), Some(3));
        assert_eq!(argmin::<f64>(&[]), None);
    }

    /// `a = (np.arange(300) * 7919 % 1000).astype(np.float32) / np.float32(7)`: `np.sum(a)` is
    /// 21450.0 (pairwise), `np.cumsum(a)[-1]` 21450.008.
    #[test]
    fn float32_sums_are_pairwise() {
        let a: Vec<f32> = (0..300).map(|i| ((i * 7919) % 1000) as f32 / 7.0).collect();
        assert_eq!(sum_f32(&a), 21450.0);
        assert_eq!(*cumsum_f32(&a).last().unwrap(), 21450.008);
    }
}
