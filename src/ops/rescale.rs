//! `op = "rescale"`: `skimage.transform.rescale(image, scale, order, mode, cval, clip,
//! anti_aliasing=…, anti_aliasing_sigma=…, channel_axis=-1 for colour)`: the output shape is
//! `max(round_half_even(scale * shape), 1)` per axis, then `resize` ([`crate::ops::resize`]).

use super::pad::check_output_size;
use super::resize::pipeline::{ResizeCore, ResizeScratch};
use super::resize::{compile_core, default_order, yes, SkMode};
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::ops::gaussian::Sigma;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.transform.rescale(image, scale, …)`: the image scaled by `scale` (a colour image
/// keeps its channels: scikit-image's `channel_axis=-1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rescale {
    /// The scale factor: one number for both axes, or `[rows, columns]`; > 0.
    pub scale: Sigma,
    /// The spline order: 0 nearest, 1 bilinear (the default), 3 bicubic; 0 … 5.
    #[serde(default = "default_order")]
    pub order: u8,
    /// How the image is extended past its edges (numpy.pad's names).
    #[serde(default)]
    pub mode: SkMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
    /// Clip the result to the input's range (widened to `cval` where `constant` uses it).
    #[serde(default = "yes")]
    pub clip: bool,
    /// Blur before shrinking; by default on when an axis shrinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_aliasing: Option<bool>,
    /// The blur's standard deviation (number or `[rows, columns]`); by default `(in/out - 1)/2`
    /// per shrinking axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_aliasing_sigma: Option<Sigma>,
}

impl OpSpec for Rescale {
    const NAME: &'static str = "rescale";
    const EQUALS: &'static str = "skimage.transform.rescale(image, scale, order, mode, cval, clip, anti_aliasing=anti_aliasing, anti_aliasing_sigma=anti_aliasing_sigma, channel_axis=-1 for colour)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let scale = match self.scale {
            Sigma::Scalar(s) => [s, s],
            Sigma::PerAxis(s) => s,
        };
        let scale_ok = scale.iter().all(|s| s.is_finite() && *s > 0.0);
        if !scale_ok {
            cx.err(
                "scale",
                "`scale` must be finite and > 0",
                Some("e.g. scale = 0.5 halves each side; [rows, columns] scales them apart".into()),
            );
        }
        let core = compile_core(
            cx,
            self.order,
            self.mode,
            self.cval,
            self.clip,
            self.anti_aliasing,
            self.anti_aliasing_sigma,
        )?;
        scale_ok.then(|| {
            Box::new(RescaleKernel {
                scale,
                core,
                params: self.clone(),
            }) as Box<dyn Kernel>
        })
    }
}

/// A compiled `rescale` step.
#[derive(Debug)]
struct RescaleKernel {
    scale: [f64; 2],
    core: ResizeCore,
    params: Rescale,
}

impl RescaleKernel {
    /// `max(np.round(scale * n), 1)` per axis, or why that is too large.
    fn out_size(&self, s: Shape) -> Result<(usize, usize), String> {
        let side = |k: f64, n: usize| (k * n as f64).round_ties_even().max(1.0);
        let (h, w) = (side(self.scale[0], s.height), side(self.scale[1], s.width));
        if h > 1e15 || w > 1e15 {
            return Err(format!("the output would be {h}×{w} pixels, over the size limit"));
        }
        check_output_size(h as u64, w as u64)
    }
}

impl Kernel for RescaleKernel {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let scale = if self.scale[0] == self.scale[1] {
            format!("{}", self.scale[0])
        } else {
            format!("[{}, {}]", self.scale[0], self.scale[1])
        };
        format!("scale={scale} {}", self.core.describe())
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("rescale takes one image".into());
        };
        if s.height == 0 || s.width == 0 {
            return Err(format!("cannot rescale an empty image ({})", s.text()));
        }
        let (height, width) = self.out_size(*s)?;
        Ok(Shape {
            height,
            width,
            channels: s.channels,
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("rescale takes one image".into());
        };
        let shape = self.output_shape(&[Shape::of(img)])?;
        self.core.run(
            img,
            (shape.height, shape.width),
            out,
            scratch.get::<ResizeScratch>(),
        )
    }
}
