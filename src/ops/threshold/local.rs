//! `method = "local"`: `image > threshold_local(image, block_size, method, offset, mode, cval,
//! param)` on gray float images. The threshold image is, for `local_method = "gaussian"`,
//! `skimage.filters.gaussian(image, sigma, mode=mode, cval=cval)` with
//! `sigma = (block_size - 1) / 6.0` per axis (or `param`), truncate 4 — the same scipy filter as
//! `op = "gaussian"`, bit for bit — minus `offset`.
//!
//! For `local_method = "mean"` it is `scipy.ndimage.uniform_filter(image, block_size, mode=mode,
//! cval=cval)`, for `"median"` `scipy.ndimage.median_filter(image, block_size, mode=mode,
//! cval=cval)` (a selection: exact), both bit for bit.

use super::{BlockSize, LocalMethod, ThresholdParams};
use crate::diag::ParamCx;
use crate::ops::boundary::BoundaryMode;
use crate::ops::elementwise::shape_like;
use crate::ops::gaussian::{Gaussian, GaussianScratch, MAX_RADIUS};
use crate::ops::median::MedianFilter;
use crate::ops::ndimage::{uniform_filter, LineScratch};
use crate::ops::Kernel;
use crate::ops::{Scratch, Shape};
use crate::Image;
use serde::Serialize;

/// A compiled `threshold_local` with the Gaussian.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Local {
    pub block_size: [i64; 2],
    pub offset: f64,
    pub mode: BoundaryMode,
    pub cval: f64,
    /// The Gaussian's sigma per axis: `(block_size - 1) / 6.0`, or `param`.
    pub sigma: [f64; 2],
    /// `local_method = "mean"`: the block's mean instead of the Gaussian.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mean: bool,
    /// `local_method = "median"`: the block's median instead of the Gaussian.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub median: bool,
}

/// The largest block a local median takes (rows × columns).
const MAX_MEDIAN_BLOCK: i64 = 1 << 20;

/// Why a colour image cannot be thresholded locally.
pub fn colour_message(channels: usize) -> String {
    format!(
        "method = \"local\" thresholds gray images, and this one has {channels} channels \
         (put `rgb2gray` before it, or set color = \"gray\" in the source)"
    )
}

impl Local {
    /// Checks the `local` parameters of `p`.
    pub fn compile(p: &ThresholdParams, cx: &mut ParamCx) -> Option<Local> {
        let mut ok = true;
        if let Some(c) = cx.channels.filter(|&c| c != 1) {
            cx.err_here(
                format!("method = \"local\" thresholds gray images; the source gives {c} channels"),
                Some("put `rgb2gray` before it, or set color = \"gray\" in the source".into()),
            );
            ok = false;
        }
        let method = p.local_method.unwrap_or(LocalMethod::Gaussian);
        let (mean, median) = (method == LocalMethod::Mean, method == LocalMethod::Median);
        if (mean || median) && p.param.is_some() {
            cx.err(
                "param",
                format!(
                    "`param` is the Gaussian's sigma; local_method = \"{}\" takes none",
                    if mean { "mean" } else { "median" }
                ),
                None,
            );
            ok = false;
        }
        let block_size = match p.block_size.unwrap_or(BlockSize::Scalar(3)) {
            BlockSize::Scalar(b) => [b, b],
            BlockSize::PerAxis(b) => b,
        };
        if block_size.iter().any(|&b| b < 1 || b % 2 == 0) {
            cx.err(
                "block_size",
                format!(
                    "`block_size` must be odd and at least 1, got {}",
                    if block_size[0] == block_size[1] {
                        block_size[0].to_string()
                    } else {
                        format!("[{}, {}]", block_size[0], block_size[1])
                    }
                ),
                Some("e.g. block_size = 35".into()),
            );
            ok = false;
        }
        let sigma = match p.param {
            Some(s) if !(s.is_finite() && s >= 0.0) => {
                cx.err(
                    "param",
                    format!("`param` (the Gaussian's sigma) must be a finite number >= 0, got {s}"),
                    None,
                );
                ok = false;
                [0.0; 2]
            }
            Some(s) => [s, s],
            None => block_size.map(|b| (b - 1) as f64 / 6.0),
        };
        if median && block_size[0].saturating_mul(block_size[1]) > MAX_MEDIAN_BLOCK {
            cx.err(
                "block_size",
                format!("a local median takes blocks of at most {MAX_MEDIAN_BLOCK} pixels"),
                None,
            );
            ok = false;
        }
        if ok && !mean && !median {
            let r = sigma.iter().map(|&s| (4.0 * s + 0.5) as usize).max().unwrap_or(0);
            if r > MAX_RADIUS {
                let key = if p.param.is_some() { "param" } else { "block_size" };
                cx.err(
                    key,
                    format!("the Gaussian's radius would be {r} pixels (over {MAX_RADIUS})"),
                    None,
                );
                ok = false;
            }
        }
        for (key, v) in [("offset", p.offset), ("cval", p.cval)] {
            if let Some(v) = v.filter(|v| !v.is_finite()) {
                cx.err(key, format!("`{key}` must be finite, got {v}"), None);
                ok = false;
            }
        }
        ok.then(|| Local {
            block_size,
            offset: p.offset.unwrap_or(0.0),
            mode: p.mode.unwrap_or(BoundaryMode::Reflect),
            cval: p.cval.unwrap_or(0.0),
            sigma,
            mean,
            median,
        })
    }

    pub fn describe(&self) -> String {
        let b = if self.block_size[0] == self.block_size[1] {
            self.block_size[0].to_string()
        } else {
            format!("[{}, {}]", self.block_size[0], self.block_size[1])
        };
        let mut text = format!("block_size={b} mode={}", self.mode.name());
        if self.mean {
            text.push_str(" local_method=mean");
        }
        if self.median {
            text.push_str(" local_method=median");
        }
        if self.mode == BoundaryMode::Constant {
            text.push_str(&format!(" cval={}", self.cval));
        }
        if self.offset != 0.0 {
            text.push_str(&format!(" offset={}", self.offset));
        }
        text
    }

    /// `out = image > (gaussian(image) - offset)` (or the block's mean).
    pub fn apply(&self, img: &Image, out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        if img.channels != 1 {
            return Err(colour_message(img.channels));
        }
        // The threshold image goes into `out`, then each sample is compared with it.
        if self.median {
            let [rows, cols] = self.block_size.map(|b| b as u32);
            MedianFilter::block(rows, cols, self.mode, self.cval).apply(&[img], out, scratch)?;
        } else if self.mean {
            let sizes = [self.block_size[0] as usize, self.block_size[1] as usize, 1];
            uniform_filter(
                img,
                out,
                sizes,
                self.mode,
                self.cval,
                scratch.get::<LineScratch>(),
            )?;
        } else {
            let gaussian = Gaussian {
                sigma: self.sigma,
                mode: self.mode,
                cval: self.cval,
                truncate: 4.0,
            };
            gaussian.apply_into(img, out, scratch.get::<GaussianScratch>());
        }
        shape_like(out, Shape::of(img));
        let offset = self.offset;
        for (t, &x) in out.data.iter_mut().zip(&img.data) {
            *t = f64::from(u8::from(x > *t - offset));
        }
        Ok(())
    }
}
