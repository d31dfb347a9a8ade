//! `op = "entropy"`: `skimage.measure.shannon_entropy(image, base)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::threshold::unique::unique_counts;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.measure.shannon_entropy(image, base)`: `-Σ p·log(p)` over the distinct sample
/// values (`np.unique`), `p` their frequencies, in units of `log(base)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entropy {
    /// The logarithm's base (2: bits).
    #[serde(default = "default_base")]
    pub base: f64,
}

fn default_base() -> f64 {
    2.0
}

impl MetricSpec for Entropy {
    const NAME: &'static str = "entropy";
    const EQUALS: &'static str = "skimage.measure.shannon_entropy(image, base)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        if !(self.base.is_finite() && self.base > 0.0) {
            cx.err(
                "base",
                format!("`base` must be a finite number > 0, got {}", self.base),
                Some("2 gives bits, e ≈ 2.718281828459045 nats".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

impl Measure for Entropy {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        Ok(shannon_entropy(&image.data, self.base))
    }
}

/// `scipy.stats.entropy(counts, base=base)` of `np.unique(data, return_counts=True)`:
/// `p = counts / counts.sum()`, `S = np.sum(entr(p))` with `entr(p) = -p * log(p)` (glibc's
/// `log`, as `scipy.special.entr`), then `S / math.log(base)`.
pub fn shannon_entropy(data: &[f64], base: f64) -> f64 {
    let counts = unique_counts(data);
    let total = counts.iter().map(|c| c.1).sum::<u64>() as f64;
    let terms: Vec<f64> = counts
        .iter()
        .map(|&(_, c)| {
            let p = c as f64 / total;
            if p > 0.0 {
                -p * p.ln()
            } else {
                0.0
            }
        })
        .collect();
    super::pairwise_sum(&terms) / base.ln()
}
