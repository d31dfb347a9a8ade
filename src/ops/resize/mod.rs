//! `op = "resize"`: `skimage.transform.resize(image, output_shape, order, mode, cval, clip,
//! anti_aliasing=anti_aliasing, anti_aliasing_sigma=anti_aliasing_sigma)`, bit for bit: the
//! anti-aliasing Gaussian (the `gaussian` op's passes), scipy's spline prefilter ([`spline`]) and
//! `ndi.zoom` ([`zoom`]), then the clip ([`pipeline`]). `rescale` shares it.
//!
//! A colour image keeps its channels (a 2-entry `output_shape`, as scikit-image reads it). With
//! a spline of order ≥ 2 scikit-image's zoom is 3-D: the channel axis is prefiltered too and each
//! output channel mixes the channels' coefficients; that is reproduced ([`zoom::interpolate3`]).

pub mod pipeline;
pub mod spline;
pub mod zoom;
#[cfg(test)]
mod tests;

use self::pipeline::{ResizeCore, ResizeScratch};
use super::pad::check_output_size;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::ops::gaussian::{Sigma, MAX_RADIUS};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// scikit-image's `mode` of `resize` (numpy.pad's names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SkMode {
    /// `cval` outside the image: `kk|abcd|kk` (scipy `grid-constant`).
    Constant,
    /// The edge pixel repeated: `aa|abcd|dd` (scipy `nearest`).
    Edge,
    /// Mirrored, repeating the edge pixel: `ba|abcd|dc` (scipy `reflect`).
    Symmetric,
    /// Mirrored about the edge pixel: `cb|abcd|cb` (scipy `mirror`; the default).
    #[default]
    Reflect,
    /// Periodic: `cd|abcd|ab` (scipy `grid-wrap`).
    Wrap,
}

impl SkMode {
    pub fn name(self) -> &'static str {
        match self {
            SkMode::Constant => "constant",
            SkMode::Edge => "edge",
            SkMode::Symmetric => "symmetric",
            SkMode::Reflect => "reflect",
            SkMode::Wrap => "wrap",
        }
    }
}

/// `skimage.transform.resize(image, output_shape, …)`: the image interpolated to
/// `output_shape = [rows, columns]` (a colour image keeps its channels).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resize {
    /// `[rows, columns]` of the result.
    pub output_shape: [u64; 2],
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

pub(crate) fn default_order() -> u8 {
    1
}

pub(crate) fn yes() -> bool {
    true
}

/// Checks the parameters `resize` and `rescale` share and builds their core.
pub(crate) fn compile_core(
    cx: &mut ParamCx,
    order: u8,
    mode: SkMode,
    cval: f64,
    clip: bool,
    anti_aliasing: Option<bool>,
    anti_aliasing_sigma: Option<Sigma>,
) -> Option<ResizeCore> {
    let mut ok = true;
    if order > 5 {
        cx.err(
            "order",
            format!("`order` must be 0 … 5, got {order}"),
            Some("0 nearest, 1 bilinear, 3 bicubic".to_string()),
        );
        ok = false;
    }
    if !cval.is_finite() {
        cx.err("cval", format!("`cval` must be finite, got {cval}"), None);
        ok = false;
    }
    if let Some(s) = anti_aliasing_sigma {
        let v = match s {
            Sigma::Scalar(v) => vec![v],
            Sigma::PerAxis(v) => v.to_vec(),
        };
        if !v.iter().all(|s| s.is_finite() && *s >= 0.0) {
            cx.err(
                "anti_aliasing_sigma",
                "`anti_aliasing_sigma` must be finite and >= 0",
                Some("leave it out for (in/out - 1) / 2 per shrinking axis".to_string()),
            );
            ok = false;
        } else if v.iter().any(|&s| (4.0 * s + 0.5) as usize > MAX_RADIUS) {
            cx.err(
                "anti_aliasing_sigma",
                format!("the blur's radius would be over {MAX_RADIUS} pixels"),
                None,
            );
            ok = false;
        }
    }
    ok.then_some(ResizeCore {
        order: order.into(),
        mode,
        cval,
        clip,
        anti_aliasing,
        anti_aliasing_sigma,
    })
}

impl OpSpec for Resize {
    const NAME: &'static str = "resize";
    const EQUALS: &'static str = "skimage.transform.resize(image, output_shape, order, mode, cval, clip, anti_aliasing=anti_aliasing, anti_aliasing_sigma=anti_aliasing_sigma)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let [h, w] = self.output_shape;
        let shape_ok = h >= 1 && w >= 1 && check_output_size(h, w).is_ok();
        if !shape_ok {
            cx.err(
                "output_shape",
                format!("`output_shape` must be [rows, columns] of at least 1 pixel each (and at most 2^30 pixels), got [{h}, {w}]"),
                None,
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
        shape_ok.then(|| {
            Box::new(ResizeKernel {
                shape: [h as usize, w as usize],
                core,
                params: self.clone(),
            }) as Box<dyn Kernel>
        })
    }
}

/// A compiled `resize` step.
#[derive(Debug)]
struct ResizeKernel {
    shape: [usize; 2],
    core: ResizeCore,
    params: Resize,
}

impl Kernel for ResizeKernel {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!(
            "output_shape=[{}, {}] {}",
            self.shape[0],
            self.shape[1],
            self.core.describe()
        )
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("resize takes one image".into());
        };
        if s.height == 0 || s.width == 0 {
            return Err(format!("cannot resize an empty image ({})", s.text()));
        }
        Ok(Shape {
            height: self.shape[0],
            width: self.shape[1],
            channels: s.channels,
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("resize takes one image".into());
        };
        self.core.run(
            img,
            (self.shape[0], self.shape[1]),
            out,
            scratch.get::<ResizeScratch>(),
        )
    }
}

impl ResizeCore {
    /// `order=1 mode=reflect …` for `plan`.
    pub fn describe(&self) -> String {
        let mut t = format!("order={} mode={}", self.order, self.mode.name());
        if self.mode == SkMode::Constant {
            t.push_str(&format!(" cval={}", self.cval));
        }
        if !self.clip {
            t.push_str(" clip=false");
        }
        if let Some(a) = self.anti_aliasing {
            t.push_str(&format!(" anti_aliasing={a}"));
        }
        match self.anti_aliasing_sigma {
            Some(Sigma::Scalar(s)) => t.push_str(&format!(" anti_aliasing_sigma={s}")),
            Some(Sigma::PerAxis([a, b])) => {
                t.push_str(&format!(" anti_aliasing_sigma=[{a}, {b}]"))
            }
            None => {}
        }
        t
    }
}
