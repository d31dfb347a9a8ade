//! Per-image metrics, each equal to numpy's reduction of the same name.
//!
//! All reductions walk the samples in memory order (numpy's C order for `(H, W)` or `(H, W, C)`
//! arrays) and reproduce numpy's rounding exactly:
//! - `sum` is `np.add.reduce`, i.e. `0.0 + pairwise_sum` ([`pairwise_sum`], spec §2);
//! - `mean` is `sum / n`;
//! - `variance` is `np.var` (ddof = 0): the two-pass `sum((a - mean)²) / n`, the second pass fused
//!   (no temporary array) but in numpy's exact order;
//! - `std` is `sqrt(variance)`, as numpy's `_std` takes the square root of `_var`'s result;
//! - `min` / `max` propagate NaN like `np.min` / `np.max`.
//!
//! Empty input: `sum` is `0.0`; `mean`, `variance` and `std` are NaN (numpy returns nan with a
//! RuntimeWarning); `min` and `max` are NaN (numpy raises `ValueError`; we return NaN instead of
//! failing, and callers that care must check for empty images themselves).

mod extrema;
mod sum;

pub use sum::{pairwise_sum, PairwiseStream};

/// A scalar summary of an image's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// `np.var(a)` (population variance, ddof = 0).
    Variance,
    /// `np.mean(a)`.
    Mean,
    /// `np.std(a)` (ddof = 0).
    Std,
    /// `np.min(a)` (NaN if any sample is NaN).
    Min,
    /// `np.max(a)` (NaN if any sample is NaN).
    Max,
    /// `np.sum(a)`.
    Sum,
}

impl MetricKind {
    /// Every metric, in declaration order.
    pub const ALL: [MetricKind; 6] = [
        MetricKind::Variance,
        MetricKind::Mean,
        MetricKind::Std,
        MetricKind::Min,
        MetricKind::Max,
        MetricKind::Sum,
    ];

    /// The metric's name as written in workflow files and result tables (`"variance"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::Variance => "variance",
            MetricKind::Mean => "mean",
            MetricKind::Std => "std",
            MetricKind::Min => "min",
            MetricKind::Max => "max",
            MetricKind::Sum => "sum",
        }
    }

    /// The metric called `s` (exact, lowercase; the inverse of [`MetricKind::name`]).
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == s)
    }

    /// The metric over `data`, bit-identical to the numpy function of the same name applied to
    /// the C-contiguous float64 array whose memory is `data`.
    pub fn compute(self, data: &[f64]) -> f64 {
        self.compute_given_sum(data, None)
    }

    /// Whether the metric starts from `np.sum` of the data (which a producer may have taken
    /// already: see [`MetricKind::compute_given_sum`]).
    pub fn uses_sum(self) -> bool {
        !matches!(self, MetricKind::Min | MetricKind::Max)
    }

    /// [`MetricKind::compute`], given `sum` = [`pairwise_sum`]`(data)` if known (it must be that
    /// value exactly: it saves the pass that would compute it).
    pub fn compute_given_sum(self, data: &[f64], sum: Option<f64>) -> f64 {
        let sum = || sum.unwrap_or_else(|| pairwise_sum(data));
        match self {
            MetricKind::Variance => variance(data, sum()),
            MetricKind::Mean => sum() / data.len() as f64,
            MetricKind::Std => variance(data, sum()).sqrt(),
            MetricKind::Min => extrema::min(data),
            MetricKind::Max => extrema::max(data),
            MetricKind::Sum => sum(),
        }
    }
}

/// `np.var(a)` with ddof = 0 (numpy `_methods._var`), NaN for empty input, given
/// `sum = pairwise_sum(a)`: `m = sum(a) / n; var = sum(square(a - m)) / n`, both sums
/// `0.0 + pairwise`. (`np.mean(a)` is `sum(a) / n`.)
fn variance(a: &[f64], sum: f64) -> f64 {
    let n = a.len() as f64;
    let m = sum / n;
    let ss = 0.0
        + sum::pairwise_map(a, |x| {
            let d = x - m;
            d * d
        });
    ss / n
}

#[cfg(test)]
mod tests;
