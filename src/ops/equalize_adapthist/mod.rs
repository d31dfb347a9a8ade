//! `op = "equalize_adapthist"`: `skimage.exposure.equalize_adapthist(image, kernel_size,
//! clip_limit, nbins)` — contrast limited adaptive histogram equalization (CLAHE), bit for bit
//! ([`clahe`] describes the algorithm). A colour image goes, as in scikit-image
//! (`adapt_rgb(hsv_value)`), through `rgb2hsv`; its value channel is equalized and the image
//! converted back with `hsv2rgb` ([`hsv`]).

mod clahe;
mod hsv;
#[cfg(test)]
mod tests;

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use clahe::{Clahe, ClaheScratch};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The largest `nbins` accepted.
const MAX_NBINS: u32 = 1 << 16;

/// `skimage.exposure.equalize_adapthist(image, kernel_size, clip_limit, nbins)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EqualizeAdapthist {
    /// The contextual regions' size in pixels: one number, or `[rows, columns]` (default: an
    /// eighth of the image's height and width, at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_size: Option<KernelSize>,
    /// The clip limit, a fraction of a region's pixels (0 or less: no clipping).
    #[serde(default = "default_clip_limit")]
    pub clip_limit: f64,
    /// Histogram bins.
    #[serde(default = "default_nbins")]
    pub nbins: u32,
}

fn default_clip_limit() -> f64 {
    0.01
}
fn default_nbins() -> u32 {
    256
}

/// A kernel size: one number for both axes, or `[rows, columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a positive integer, or a list [rows, columns] of them")]
pub enum KernelSize {
    Scalar(u32),
    PerAxis([u32; 2]),
}

impl OpSpec for EqualizeAdapthist {
    const NAME: &'static str = "equalize_adapthist";
    const EQUALS: &'static str =
        "skimage.exposure.equalize_adapthist(image, kernel_size, clip_limit, nbins)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        let k = match self.kernel_size {
            None => None,
            Some(KernelSize::Scalar(k)) => Some([k, k]),
            Some(KernelSize::PerAxis(k)) => Some(k),
        };
        if k.is_some_and(|k| k.contains(&0)) {
            cx.err(
                "kernel_size",
                "`kernel_size` must be at least 1",
                Some("leave it out for an eighth of the image's size".into()),
            );
            ok = false;
        }
        if self.clip_limit.is_nan() {
            cx.err("clip_limit", "`clip_limit` is not a number", None);
            ok = false;
        }
        if !(1..=MAX_NBINS).contains(&self.nbins) {
            cx.err(
                "nbins",
                format!("`nbins` must be between 1 and {MAX_NBINS}, got {}", self.nbins),
                Some("the default is 256".into()),
            );
            ok = false;
        }
        if let Some(c) = cx.channels.filter(|&c| c != 1 && c != 3) {
            cx.err_here(
                format!("equalize_adapthist takes gray or RGB images; the source gives {c} channels"),
                None,
            );
            ok = false;
        }
        ok.then(|| {
            Box::new(Adapthist {
                kernel: k.map(|k| k.map(|v| v as usize)),
                clip_limit: self.clip_limit,
                nbins: self.nbins as usize,
            }) as Box<dyn Kernel>
        })
    }
}

/// The compiled op.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adapthist {
    /// `[rows, columns]`; `None`: an eighth of the image, per image.
    pub kernel: Option<[usize; 2]>,
    pub clip_limit: f64,
    pub nbins: usize,
}

/// Working memory: the value channel of a colour image, and CLAHE's.
#[derive(Default)]
struct AdapthistScratch {
    value: Vec<f64>,
    clahe: ClaheScratch,
}

impl Adapthist {
    fn clahe(&self, (h, w): (usize, usize)) -> Clahe {
        Clahe {
            kernel: self.kernel.unwrap_or([(h / 8).max(1), (w / 8).max(1)]),
            clip_limit: self.clip_limit,
            nbins: self.nbins,
        }
    }

    fn run(&self, img: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let (h, w) = (img.height, img.width);
        let clahe = self.clahe((h, w));
        let s = scratch.get::<AdapthistScratch>();
        match img.channels {
            1 => clahe.apply(&mut img.data, (h, w), &mut s.clahe),
            3 => {
                let mut hsv: Vec<[f64; 3]> = img
                    .data
                    .chunks_exact(3)
                    .map(|p| hsv::rgb2hsv([p[0], p[1], p[2]]))
                    .collect();
                s.value.clear();
                s.value.extend(hsv.iter().map(|p| p[2]));
                clahe.apply(&mut s.value, (h, w), &mut s.clahe)?;
                for ((p, &v), out) in hsv.iter_mut().zip(&s.value).zip(img.data.chunks_exact_mut(3)) {
                    p[2] = v;
                    out.copy_from_slice(&hsv::hsv2rgb(*p));
                }
                Ok(())
            }
            c => Err(format!(
                "equalize_adapthist takes gray or RGB images, and this one has {c} channels"
            )),
        }
    }
}

impl Kernel for Adapthist {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let k = match self.kernel {
            None => "auto".to_string(),
            Some([a, b]) if a == b => a.to_string(),
            Some([a, b]) => format!("[{a}, {b}]"),
        };
        format!("kernel_size={k} clip_limit={} nbins={}", self.clip_limit, self.nbins)
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let shape = super::same_shapes(inputs)?;
        if shape.channels != 1 && shape.channels != 3 {
            return Err(format!(
                "equalize_adapthist takes gray or RGB images, and this one has {} channels",
                shape.channels
            ));
        }
        Ok(shape)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("equalize_adapthist takes one image".into());
        };
        shape_like(out, Shape::of(img));
        out.data.copy_from_slice(&img.data);
        self.run(out, scratch)
    }

    fn apply_in_place(&self, img: &mut Image, scratch: &mut Scratch) -> Option<Result<(), String>> {
        Some(self.run(img, scratch))
    }
}
