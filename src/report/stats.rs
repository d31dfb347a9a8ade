//! The numbers behind the plots: a metric column's median, its scaled MAD (1.4826 · the median
//! absolute deviation, which estimates the standard deviation of normal data), the outliers beyond
//! 3 scaled MADs, and histogram bins. Non-finite values (failed images, NaN, ±inf) are left out
//! and counted.

/// How many scaled MADs from the median make an outlier.
pub const OUTLIER_MADS: f64 = 3.0;
/// The MAD of normal data times this estimates its standard deviation.
pub const MAD_SCALE: f64 = 1.4826;
/// At most this many histogram bins.
pub const MAX_BINS: usize = 40;

/// One metric column, summarised.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnStats {
    /// Finite values.
    pub n: usize,
    /// Values that are NaN or infinite (among the rows that have a value).
    pub non_finite: usize,
    pub min: f64,
    pub max: f64,
    pub median: f64,
    /// 1.4826 · median(|x − median|).
    pub scaled_mad: f64,
    /// Row positions (into the values given) of the outliers, most extreme first.
    pub outliers: Vec<usize>,
}

/// The median of `v` (sorted in place); NaN when empty.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Summarises `values` (one per row; `None` where the row has no value). Outliers: finite values
/// farther than [`OUTLIER_MADS`] scaled MADs from the median; when the scaled MAD is 0 (more than
/// half the values equal), no value is called an outlier.
pub fn column(values: &[Option<f64>]) -> ColumnStats {
    let mut finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let non_finite = values.iter().flatten().filter(|v| !v.is_finite()).count();
    let n = finite.len();
    if n == 0 {
        return ColumnStats {
            non_finite,
            min: f64::NAN,
            max: f64::NAN,
            median: f64::NAN,
            scaled_mad: f64::NAN,
            ..ColumnStats::default()
        };
    }
    let med = median(&mut finite);
    let (min, max) = (finite[0], finite[n - 1]);
    for v in finite.iter_mut() {
        *v = (*v - med).abs();
    }
    let scaled_mad = MAD_SCALE * median(&mut finite);
    let mut outliers: Vec<(f64, usize)> = Vec::new();
    if scaled_mad > 0.0 && scaled_mad.is_finite() {
        for (k, v) in values.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                let z = (v - med).abs() / scaled_mad;
                if z > OUTLIER_MADS {
                    outliers.push((z, k));
                }
            }
        }
    }
    outliers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ColumnStats {
        n,
        non_finite,
        min,
        max,
        median: med,
        scaled_mad,
        outliers: outliers.into_iter().map(|(_, k)| k).collect(),
    }
}

/// A histogram: `counts[i]` values in `[lo + i·width, lo + (i+1)·width)` (the last bin closed).
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub width: f64,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// The upper edge of the last bin.
    pub fn hi(&self) -> f64 {
        self.lo + self.width * self.counts.len() as f64
    }
}

/// Bins the finite values of `values` between `min` and `max` (from [`column`]): √n bins, at most
/// [`MAX_BINS`]; one bin when every value is equal; `None` when there is no finite value.
pub fn histogram(values: &[Option<f64>], min: f64, max: f64) -> Option<Histogram> {
    let n = values.iter().flatten().filter(|v| v.is_finite()).count();
    if n == 0 || !min.is_finite() || !max.is_finite() {
        return None;
    }
    let span = max - min;
    let bins = if span > 0.0 && span.is_finite() {
        ((n as f64).sqrt().ceil() as usize).clamp(1, MAX_BINS)
    } else {
        1
    };
    let width = if span > 0.0 && span.is_finite() {
        span / bins as f64
    } else {
        // All equal: one bin of unit width (or a width in the scale of the value) around it.
        let w = if min == 0.0 { 1.0 } else { min.abs() * 1e-3 };
        return Some(Histogram {
            lo: min - w / 2.0,
            width: w,
            counts: vec![n as u64],
        });
    };
    let mut counts = vec![0u64; bins];
    for v in values.iter().flatten().filter(|v| v.is_finite()) {
        let b = (((v - min) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    Some(Histogram {
        lo: min,
        width,
        counts,
    })
}

/// `k` positions spread evenly over `0..n` (all of them when `n <= k`), ascending.
pub fn sample(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..n).filter(move |&p| in_sample(p, n, k))
}

/// Whether position `pos` of `n` is in [`sample`]`(n, k)`.
pub fn in_sample(pos: usize, n: usize, k: usize) -> bool {
    k > 0 && pos < n && pos.is_multiple_of(n.div_ceil(k).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn median_and_mad() {
        let s = column(&some(&[1.0, 2.0, 3.0, 4.0, 100.0]));
        assert_eq!(s.median, 3.0);
        // |x - 3| = 2, 1, 0, 1, 97 → median 1.
        assert_eq!(s.scaled_mad, 1.4826);
        assert_eq!(s.outliers, vec![4]);
        assert_eq!((s.min, s.max, s.n), (1.0, 100.0, 5));
    }

    #[test]
    fn outliers_on_both_sides_most_extreme_first() {
        let mut v = vec![10.0; 4];
        v.extend([11.0, 9.0, 11.0, 9.0, -50.0, 30.0]);
        let s = column(&some(&v));
        assert_eq!(s.median, 10.0);
        assert_eq!(s.outliers, vec![8, 9]);
    }

    #[test]
    fn all_equal_has_no_outliers_and_one_bin() {
        let v = some(&[0.25; 7]);
        let s = column(&v);
        assert_eq!((s.median, s.scaled_mad), (0.25, 0.0));
        assert!(s.outliers.is_empty());
        let h = histogram(&v, s.min, s.max).unwrap();
        assert_eq!(h.counts, vec![7]);
        assert!(h.lo < 0.25 && h.hi() > 0.25);
        let z = some(&[0.0; 3]);
        assert_eq!(histogram(&z, 0.0, 0.0).unwrap().counts, vec![3]);
    }

    #[test]
    fn empty_nan_and_one_value() {
        let s = column(&[]);
        assert_eq!(s.n, 0);
        assert!(s.median.is_nan());
        assert_eq!(histogram(&[], s.min, s.max), None);
        let v = vec![None, Some(f64::NAN), Some(f64::INFINITY)];
        let s = column(&v);
        assert_eq!((s.n, s.non_finite), (0, 2));
        assert_eq!(histogram(&v, s.min, s.max), None);
        let one = some(&[3.5]);
        let s = column(&one);
        assert_eq!((s.n, s.median, s.scaled_mad), (1, 3.5, 0.0));
        assert!(s.outliers.is_empty());
        assert_eq!(histogram(&one, s.min, s.max).unwrap().counts, vec![1]);
    }

    #[test]
    fn nan_rows_are_skipped_not_binned() {
        let v = vec![
            Some(0.0),
            None,
            Some(f64::NAN),
            Some(1.0),
            Some(0.5),
            Some(1.0),
        ];
        let s = column(&v);
        assert_eq!((s.n, s.non_finite), (4, 1));
        let h = histogram(&v, s.min, s.max).unwrap();
        assert_eq!(h.counts.iter().sum::<u64>(), 4);
        assert_eq!(h.counts.len(), 2);
        // The maximum lands in the last (closed) bin.
        assert_eq!(h.counts, vec![1, 3]);
        assert_eq!((h.lo, h.hi()), (0.0, 1.0));
    }

    #[test]
    fn bins_are_capped() {
        let v: Vec<Option<f64>> = (0..50_000).map(|i| Some(i as f64)).collect();
        let h = histogram(&v, 0.0, 49_999.0).unwrap();
        assert_eq!(h.counts.len(), MAX_BINS);
        assert_eq!(h.counts.iter().sum::<u64>(), 50_000);
    }

    #[test]
    fn samples_are_spread_evenly() {
        assert_eq!(sample(5, 100).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        let s: Vec<usize> = sample(50_000, 100).collect();
        assert_eq!(s.len(), 100);
        assert_eq!((s[0], s[1], s[99]), (0, 500, 49_500));
        assert!(s.iter().all(|&p| in_sample(p, 50_000, 100)));
        assert_eq!(
            (0..50_000).filter(|&p| in_sample(p, 50_000, 100)).count(),
            100
        );
        assert_eq!(sample(150, 100).count(), 75);
        assert_eq!(sample(0, 100).count(), 0);
        assert_eq!(sample(10, 0).count(), 0);
    }
}
