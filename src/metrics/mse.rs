//! `op = "mse"`: `skimage.metrics.mean_squared_error(image, reference)`.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::ops::Shape;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.metrics.mean_squared_error(image, reference)`: `np.mean((image - reference) ** 2)`,
/// with numpy's pairwise sum, bit for bit. Needs `reference`, an image of the same shape.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mse {}

impl MetricSpec for Mse {
    const NAME: &'static str = "mse";
    const EQUALS: &'static str = "skimage.metrics.mean_squared_error(image, reference)";
    const REFERENCE: bool = true;

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Measure>> {
        Some(Box::new(self.clone()))
    }
}

impl Measure for Mse {
    fn compute(&self, image: &Image, reference: Option<&Image>) -> Result<f64, String> {
        let reference = reference.ok_or("`mse` needs a reference image")?;
        let (a, b) = (Shape::of(image), Shape::of(reference));
        if a != b {
            return Err(format!(
                "`mse` compares images of one shape, got {} and {}",
                a.text(),
                b.text()
            ));
        }
        let n = image.data.len();
        // `(image0 - image1) ** 2` is `np.square` of the difference, each rounded once; `np.mean`
        // is its pairwise sum over `n`.
        let squares: Vec<f64> = image
            .data
            .iter()
            .zip(&reference.data)
            .map(|(x, y)| {
                let d = x - y;
                d * d
            })
            .collect();
        Ok(super::pairwise_sum(&squares) / n as f64)
    }
}
