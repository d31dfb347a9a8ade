//! Per-image metrics, each equal to the numpy or scikit-image function of the same name. Each
//! metric is one module — its parameters as written, their checks and the compiled [`Measure`] —
//! and one line in the list below ([`MetricEntry`]).
//!
//! The reductions walk the samples in memory order (numpy's C order for `(H, W)` or `(H, W, C)`
//! arrays) and reproduce numpy's rounding exactly:
//! - `sum` is `np.add.reduce`, i.e. `0.0 + pairwise_sum` ([`pairwise_sum`], docs/exactness.md,
//!   "Sums, means and variances");
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
mod registry;

pub use crate::numpy::pairwise::{pairwise_sum, PairwiseStream};
pub use registry::*;

crate::metrics! {
    variance::Variance,
    mean::Mean,
    std::Std,
    min::Min,
    max::Max,
    total::Sum,
    mse::Mse,
    objects::Objects,
    area_mean::AreaMean,
    area_max::AreaMax,
    median::Median,
    percentile::Percentile,
    entropy::Entropy,
    count_above::CountAbove,
    fraction_above::FractionAbove,
    nonzero::Nonzero,
    otsu::Otsu,
    li::Li,
    yen::Yen,
    nrmse::Nrmse,
    psnr::Psnr,
    ssim::Ssim,
    sharpness::Sharpness,
}

/// The metric called `name`.
pub fn entry(name: &str) -> Option<&'static MetricEntry> {
    METRICS.iter().find(|e| e.name == name)
}

/// Every metric's name, in registry order.
pub fn names() -> Vec<&'static str> {
    METRICS.iter().map(|e| e.name).collect()
}

/// `np.var(a)` (ddof = 0), bit for bit.
pub fn np_var(a: &[f64]) -> f64 {
    variance(a, pairwise_sum(a))
}

/// `np.mean(a)`, bit for bit.
pub fn np_mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

/// `np.std(a)` (ddof = 0), bit for bit.
pub fn np_std(a: &[f64]) -> f64 {
    np_var(a).sqrt()
}

/// `np.min(a)` (NaN if any sample is NaN, or `a` is empty).
pub fn np_min(a: &[f64]) -> f64 {
    extrema::min(a)
}

/// `np.max(a)` (NaN if any sample is NaN, or `a` is empty).
pub fn np_max(a: &[f64]) -> f64 {
    extrema::max(a)
}

/// `np.var` of a buffer, computed by a pass that reads it anyway (an encoder): given the sum, the
/// squared deviations are summed leaf by leaf as the pass goes (see [`PairwiseStream`]),
/// bit-identical to [`np_var`].
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
mod compare_props;
#[cfg(test)]
mod tests;
