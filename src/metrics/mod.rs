//! Per-image metrics, each equal to numpy's reduction of the same name.
//!
//! All reductions walk the samples in memory order (numpy's C order for `(H, W)` or `(H, W, C)`
//! arrays) and reproduce numpy's rounding exactly:
//! - `sum` is `np.add.reduce`, i.e. `0.0 + pairwise_sum` ([`pairwise_sum`]; docs/exactness.md);
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

pub use crate::numpy::pairwise::{pairwise_sum, PairwiseStream};

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
        self.compute_given(data, None, None)
    }

    /// Whether the metric starts from `np.sum` of the data (which a producer may have taken
    /// already: see [`MetricKind::compute_given`]).
    pub fn uses_sum(self) -> bool {
        !matches!(self, MetricKind::Min | MetricKind::Max)
    }

    /// The metric of `n` samples from their `sum` ([`pairwise_sum`]) and `var` (`np.var`), for the
    /// metrics that [`MetricKind::uses_sum`] (NaN for the others).
    pub fn from_moments(self, n: usize, sum: f64, var: f64) -> f64 {
        match self {
            MetricKind::Variance => var,
            MetricKind::Mean => sum / n as f64,
            MetricKind::Std => var.sqrt(),
            MetricKind::Sum => sum,
            MetricKind::Min | MetricKind::Max => f64::NAN,
        }
    }

    /// Whether the metric is computed from `np.var` of the data (see
    /// [`MetricKind::compute_given`]).
    pub fn uses_variance(self) -> bool {
        matches!(self, MetricKind::Variance | MetricKind::Std)
    }

    /// [`MetricKind::compute`], given `sum` = [`pairwise_sum`]`(data)` and `var` = `np.var(data)`
    /// where known (they must be those values exactly: each saves the pass that would compute
    /// it).
    pub fn compute_given(self, data: &[f64], sum: Option<f64>, var: Option<f64>) -> f64 {
        let n = data.len();
        let sum = || sum.unwrap_or_else(|| pairwise_sum(data));
        match self {
            MetricKind::Min => extrema::min(data),
            MetricKind::Max => extrema::max(data),
            MetricKind::Variance | MetricKind::Std => {
                let s = sum();
                let var = var.unwrap_or_else(|| variance(data, s));
                self.from_moments(n, s, var)
            }
            MetricKind::Mean | MetricKind::Sum => self.from_moments(n, sum(), f64::NAN),
        }
    }
}

/// `np.var` of a buffer, computed by a pass that reads it anyway (an encoder): given the sum, the
/// squared deviations are summed leaf by leaf as the pass goes (see [`PairwiseStream`]),
/// bit-identical to [`MetricKind::Variance`].
pub struct VarianceStream {
    n: usize,
    mean: f64,
    squares: PairwiseStream,
}

impl VarianceStream {
    /// For a buffer of `n` samples whose [`pairwise_sum`] is `sum`.
    pub fn new(n: usize, sum: f64) -> Self {
        VarianceStream {
            n,
            mean: sum / n as f64,
            squares: PairwiseStream::new(n),
        }
    }

    /// Takes in `data[..ready]` (see [`PairwiseStream::advance`]).
    pub fn advance(&mut self, data: &[f64], ready: usize) {
        let m = self.mean;
        self.squares.advance_map(data, ready, |x| {
            let d = x - m;
            d * d
        });
    }

    /// `np.var` of the buffer once [`VarianceStream::advance`] has seen all of it (`None`
    /// before).
    pub fn total(&self) -> Option<f64> {
        self.squares.sum().map(|ss| ss / self.n as f64)
    }

    /// `np.var(data)`, taking in whatever [`VarianceStream::advance`] has not seen.
    pub fn finish(mut self, data: &[f64]) -> f64 {
        self.advance(data, data.len());
        self.total().unwrap_or(f64::NAN)
    }
}

/// `np.var(a)` with ddof = 0 (numpy `_methods._var`), NaN for empty input, given
/// `sum = pairwise_sum(a)`: `m = sum(a) / n; var = sum(square(a - m)) / n`, both sums
/// `0.0 + pairwise`. (`np.mean(a)` is `sum(a) / n`.)
fn variance(a: &[f64], sum: f64) -> f64 {
    let n = a.len() as f64;
    let m = sum / n;
    let ss = 0.0
        + crate::numpy::pairwise::pairwise_map(a, |x| {
            let d = x - m;
            d * d
        });
    ss / n
}

#[cfg(test)]
mod tests;
