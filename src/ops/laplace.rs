//! `op = "laplace"`: `skimage.filters.laplace(image, ksize)`.

use super::boundary::BoundaryMode;
use super::edges::{rows_of, EdgeScratch};
use super::ndimage::NdKernel;
use super::{Kernel, OpSpec, Scratch};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.laplace(image, ksize=3)`: the negative discrete Laplacian,
/// `[[0, -1, 0], [-1, 4, -1], [0, -1, 0]]` applied with `scipy.ndimage.convolve` in `reflect`
/// mode. A colour image is filtered as the 3-D array it is (centre 6, the six axis neighbours
/// -1), as scikit-image does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Laplace {
    /// scikit-image's kernel size: at least 3, and otherwise without effect (its Laplacian is
    /// always the 3-tap one).
    #[serde(default = "default_ksize")]
    pub ksize: i64,
}

fn default_ksize() -> i64 {
    3
}

impl Default for Laplace {
    fn default() -> Self {
        Laplace { ksize: 3 }
    }
}

impl OpSpec for Laplace {
    const NAME: &'static str = "laplace";
    const EQUALS: &'static str = "skimage.filters.laplace(image, ksize=ksize)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if self.ksize < 3 {
            cx.err(
                "ksize",
                format!("`ksize` must be at least 3, got {}", self.ksize),
                Some("scikit-image's Laplacian is 3 × 3 whatever ksize is; leave it out".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

/// `skimage.restoration.uft.laplacian(ndim, …)[1]`: `3^ndim` weights (padded to three axes),
/// `-1` at the centre's axis neighbours and `2·ndim` at the centre.
pub fn laplacian(ndim: usize) -> NdKernel {
    let shape = [3, 3, if ndim == 3 { 3 } else { 1 }];
    let centre = [1, 1, usize::from(ndim == 3)];
    let mut weights = vec![0.0; shape.iter().product()];
    let at = |i: [usize; 3]| (i[0] * shape[1] + i[1]) * shape[2] + i[2];
    for a in 0..ndim {
        for d in [0, 2] {
            let mut i = centre;
            i[a] = d;
            weights[at(i)] = -1.0;
        }
    }
    weights[at(centre)] = 2.0 * ndim as f64;
    NdKernel {
        shape,
        weights,
        origin: [0; 3],
    }
}

/// `skimage.filters.laplace(image)` of `img` into `out` (the kernel convolved in `reflect`
/// mode: its taps in C order, summed from `0.0`).
pub fn laplace_into(img: &Image, out: &mut Image, scratch: &mut EdgeScratch) {
    let k = [laplacian(super::ndimage::ndim(img))];
    rows_of(img, out, &k, (BoundaryMode::Reflect, 0.0), scratch, |o, g| {
        o.copy_from_slice(&g[0]);
    });
}

impl Kernel for Laplace {
    fn key(&self) -> serde_json::Value {
        // `ksize` changes nothing (scikit-image ignores it past its check).
        serde_json::json!({})
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("laplace takes one image".into());
        };
        laplace_into(img, out, scratch.get::<EdgeScratch>());
        Ok(())
    }
}
