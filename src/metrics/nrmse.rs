//! `op = "nrmse"`: `skimage.metrics.normalized_root_mse(reference, image, normalization)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::Shape;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.metrics.normalized_root_mse(reference, image, normalization=normalization)`:
/// `sqrt(mse) / denominator`, `reference` being the true image. Needs `reference`, an image of
/// the same shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Nrmse {
    /// The denominator: `euclidean` (`sqrt(mean(reference²))`, the default), `min-max`
    /// (`max - min` of the reference) or `mean` (its mean).
    #[serde(default)]
    pub normalization: Normalization,
}

/// How `nrmse` normalises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Normalization {
    /// `sqrt(np.mean(reference * reference))`.
    #[default]
    #[serde(rename = "euclidean")]
    Euclidean,
    /// `reference.max() - reference.min()`.
    #[serde(rename = "min-max")]
    MinMax,
    /// `reference.mean()`.
    #[serde(rename = "mean")]
    Mean,
}

impl MetricSpec for Nrmse {
    const NAME: &'static str = "nrmse";
    const EQUALS: &'static str =
        "skimage.metrics.normalized_root_mse(reference, image, normalization=normalization)";
    const REFERENCE: bool = true;

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

/// `skimage.metrics.mean_squared_error(a, b)`: `np.mean((a - b) ** 2)`, after checking that the
/// shapes agree (`what` names the metric in the message).
pub(crate) fn mse_of(what: &str, a: &Image, b: &Image) -> Result<f64, String> {
    let (sa, sb) = (Shape::of(a), Shape::of(b));
    if sa != sb {
        return Err(format!(
            "`{what}` compares images of one shape, got {} and {}",
            sa.text(),
            sb.text()
        ));
    }
    Ok(mean_of(a.data.iter().zip(&b.data).map(|(x, y)| {
        let d = x - y;
        d * d
    })))
}

thread_local! {
    /// A worker thread's buffer for the values a mean is taken of.
    static VALUES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `np.mean` of the values (numpy's pairwise sum over their count), through a buffer kept from
/// image to image.
pub(crate) fn mean_of(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len();
    VALUES.with(|buf| match buf.try_borrow_mut() {
        Ok(mut v) => {
            v.clear();
            v.extend(values);
            super::pairwise_sum(&v) / n as f64
        }
        Err(_) => super::pairwise_sum(&values.collect::<Vec<f64>>()) / n as f64,
    })
}

impl Measure for Nrmse {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, reference: Option<&Image>) -> Result<f64, String> {
        let truth = reference.ok_or("`nrmse` needs a reference image")?;
        let mse = mse_of("nrmse", truth, image)?;
        let t = &truth.data;
        let denom = match self.normalization {
            Normalization::Euclidean => mean_of(t.iter().map(|x| x * x)).sqrt(),
            Normalization::MinMax => super::np_max(t) - super::np_min(t),
            Normalization::Mean => super::np_mean(t),
        };
        Ok(mse.sqrt() / denom)
    }
}
