//! `op = "unsharp_mask"`: `skimage.filters.unsharp_mask(image, radius, amount, preserve_range,
//! channel_axis=-1)`.

use super::boundary::BoundaryMode;
use super::elementwise::shape_like;
use super::gaussian::{Gaussian, GaussianScratch, MAX_RADIUS};
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::numpy::clip::np_clip;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.filters.unsharp_mask(image, radius, amount, preserve_range, channel_axis=-1)`:
/// `image + (image - blurred) * amount`, with `blurred` the Gaussian of standard deviation
/// `radius` in `reflect` mode (truncate 4), each colour channel on its own; then clipped to
/// `[0, 1]` — or `[-1, 1]` when the image has a negative sample — unless `preserve_range`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsharpMask {
    /// The blur's standard deviation in pixels (≥ 0; 0 leaves the image as it is).
    #[serde(default = "one")]
    pub radius: f64,
    /// How much of the detail (`image - blurred`) is added back; may be negative (a blur).
    #[serde(default = "one")]
    pub amount: f64,
    /// `false`: the result is clipped to `[0, 1]` (`[-1, 1]` if the image has negative
    /// values), as scikit-image does for float images; `true`: not clipped. (flowrun's images
    /// are already floats, so scikit-image's `preserve_range` only decides the clipping.)
    #[serde(default)]
    pub preserve_range: bool,
}

fn one() -> f64 {
    1.0
}

impl Default for UnsharpMask {
    fn default() -> Self {
        UnsharpMask {
            radius: 1.0,
            amount: 1.0,
            preserve_range: false,
        }
    }
}

impl OpSpec for UnsharpMask {
    const NAME: &'static str = "unsharp_mask";
    const EQUALS: &'static str = "skimage.filters.unsharp_mask(image, radius=radius, amount=amount, preserve_range=preserve_range, channel_axis=-1)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        if !(self.radius.is_finite() && self.radius >= 0.0) {
            cx.err(
                "radius",
                format!("`radius` must be a finite number >= 0, got {}", self.radius),
                Some("the Gaussian's sigma, e.g. radius = 2.0".into()),
            );
            ok = false;
        } else if super::gaussian::radius(self.radius, 4.0) > MAX_RADIUS {
            cx.err(
                "radius",
                format!("`radius` {} makes a Gaussian kernel over {MAX_RADIUS} pixels", self.radius),
                None,
            );
            ok = false;
        }
        if !self.amount.is_finite() {
            cx.err("amount", format!("`amount` must be finite, got {}", self.amount), None);
            ok = false;
        }
        ok.then(|| Box::new(self.clone()) as Box<dyn Kernel>)
    }
}

impl UnsharpMask {
    fn blur(&self) -> Gaussian {
        Gaussian {
            sigma: [self.radius; 2],
            mode: BoundaryMode::Reflect,
            cval: 0.0,
            truncate: 4.0,
        }
    }
}

impl Kernel for UnsharpMask {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let mut text = format!("radius={} amount={}", self.radius, self.amount);
        if self.preserve_range {
            text.push_str(" preserve_range=true");
        }
        text
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("unsharp_mask takes one image".into());
        };
        shape_like(out, Shape::of(img));
        // `out` holds the blur, then the result, sample by sample.
        self.blur()
            .apply_into(img, out, scratch.get::<GaussianScratch>());
        let amount = self.amount;
        // `vrange = [-1, 1] if np.any(image < 0) else [0, 1]`, over every channel.
        let lo = if img.data.iter().any(|&x| x < 0.0) { -1.0 } else { 0.0 };
        let clip = !self.preserve_range;
        for (o, &x) in out.data.iter_mut().zip(&img.data) {
            let r = x + (x - *o) * amount;
            *o = if clip { np_clip(r, lo, 1.0) } else { r };
        }
        Ok(())
    }
}
