//! `op = "median"`: `skimage.filters.median(image, footprint, mode=mode, cval=cval)` with
//! scikit-image's default `behavior='ndimage'`: `scipy.ndimage.median_filter`, which returns the
//! sample of rank `n // 2` of the `n` samples under the footprint (the upper median when `n` is
//! even), the samples beyond the edges as `mode` extends the image.
//!
//! A median only selects, so every output sample is one of the window's samples, bit for bit,
//! whatever the algorithm (scipy leaves the order of NaN undefined, and so does flowrun):
//! - the full 3 × 3 window: columns sorted once and shared ([`network::median3x3`]);
//! - other windows of up to 27 samples: a pruned sorting network, eight pixels at a time
//!   ([`network::Network`]);
//! - larger windows: a sliding histogram of the samples' ranks among the image's distinct
//!   values ([`rank::select`]) — exact selection of floats, not binning.
//!
//! Colour: scikit-image's default footprint is the full `3^ndim` block, so on an `(H, W, 3)`
//! array the window is 3 × 3 × 3 across neighbouring channels (the channel axis extended by
//! `mode` too); the op does the same without a `footprint`. A 2-D footprint on a colour array
//! is an error in scikit-image; here it filters each channel alone, as
//! `median(image, footprint[..., None])` does.

use super::boundary::BoundaryMode;
use super::elementwise::shape_like;
use super::footprint::{Footprint, FootprintSpec};
use super::ndimage::Padded;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod network;
pub mod rank;
#[cfg(test)]
mod tests;

use network::Input;

/// `skimage.filters.median(image, footprint, mode=mode, cval=cval)`: each sample replaced by the
/// median of its neighbourhood (`scipy.ndimage.median_filter`: the sample of rank `n // 2`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Median {
    /// The neighbourhood: `{ disk = 2 }`, `{ square = 3 }`, `{ rectangle = [3, 5] }` or
    /// `{ diamond = 1 }`; none: the full 3 × 3 block (3 × 3 × 3 across the channels of a colour
    /// image, as scikit-image's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<FootprintSpec>,
    /// How the image is extended past its edges (scikit-image's default: `nearest`).
    #[serde(default)]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
}

impl OpSpec for Median {
    const NAME: &'static str = "median";
    const EQUALS: &'static str = "skimage.filters.median(image, footprint, mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        let footprint = match self.footprint {
            Some(spec) => {
                let f = spec.compile("footprint", cx);
                ok &= f.is_some();
                f
            }
            None => None,
        };
        if !self.cval.is_finite() {
            cx.err("cval", format!("`cval` must be finite, got {}", self.cval), None);
            ok = false;
        }
        ok.then(|| {
            Box::new(MedianFilter {
                params: self.clone(),
                footprint,
            }) as Box<dyn Kernel>
        })
    }
}

/// The compiled median.
#[derive(Debug)]
pub struct MedianFilter {
    params: Median,
    /// The footprint given (none: scikit-image's default block).
    footprint: Option<Footprint>,
}

/// Working memory.
#[derive(Default)]
struct MedianScratch {
    padded: Padded,
    plane: Image,
    out_plane: Vec<f64>,
    /// De-interleaved padded planes (the 3 × 3 × 3 window).
    planes: Vec<Vec<f64>>,
    cols: Vec<f64>,
    rank: rank::RankScratch,
}

impl MedianFilter {
    /// `scipy.ndimage.median_filter(image, size=[rows, cols], mode=mode, cval=cval)`: the median
    /// over a full block (what `threshold_local(method="median")` takes).
    pub fn block(rows: u32, cols: u32, mode: BoundaryMode, cval: f64) -> MedianFilter {
        let spec = FootprintSpec::Rectangle([rows, cols]);
        MedianFilter {
            params: Median {
                footprint: Some(spec),
                mode,
                cval,
            },
            footprint: Some(spec.build()),
        }
    }

    /// The median of one plane (`h × w` samples, one channel) into `out`.
    fn plane(&self, src: &Image, out: &mut [f64], s: &mut MedianScratch) {
        let full3 = Footprint {
            rows: 3,
            cols: 3,
            mask: vec![true; 9],
        };
        let fp = self.footprint.as_ref().unwrap_or(&full3);
        let (h, w) = (src.height, src.width);
        let centre = fp.centre();
        let before = [centre.0, centre.1, 0];
        let after = [fp.rows - 1 - centre.0, fp.cols - 1 - centre.1, 0];
        s.padded
            .fill(src, before, after, self.params.mode, self.params.cval);
        let wp = s.padded.dims[1];
        let n = fp.mask.iter().filter(|&&m| m).count();
        let k = n / 2;
        if fp.rows == 3 && fp.cols == 3 && n == 9 {
            network::median3x3(&s.padded.data, (h, w), out, &mut s.cols);
        } else if n <= network::MAX_INPUTS {
            let inputs: Vec<Input> = (0..fp.rows * fp.cols)
                .filter(|&i| fp.mask[i])
                .map(|i| Input {
                    plane: 0,
                    dy: i / fp.cols,
                    dx: i % fp.cols,
                })
                .collect();
            network::median(&inputs, &[&s.padded.data], (h, w, wp), out);
        } else {
            let runs = rank::runs(&fp.mask, fp.rows, fp.cols);
            rank::select(&s.padded.data, (h, w, wp), &runs, k, out, &mut s.rank);
        }
    }

    /// scikit-image's default on a colour image: the 3 × 3 × 3 window across channels.
    fn cube(&self, img: &Image, out: &mut Image, s: &mut MedianScratch) {
        let (h, w, c) = (img.height, img.width, img.channels);
        s.padded
            .fill(img, [1; 3], [1; 3], self.params.mode, self.params.cval);
        let [hp, wp, cp] = s.padded.dims;
        s.planes.resize_with(cp, Vec::new);
        for (pc, plane) in s.planes.iter_mut().enumerate() {
            plane.clear();
            plane.extend(s.padded.data.iter().skip(pc).step_by(cp).take(hp * wp));
        }
        let mut inputs = Vec::with_capacity(27);
        for dy in 0..3 {
            for dx in 0..3 {
                for dc in 0..3 {
                    inputs.push(Input { plane: dc, dy, dx });
                }
            }
        }
        s.out_plane.resize(h * w, 0.0);
        for ch in 0..c {
            let planes: Vec<&[f64]> = s.planes[ch..ch + 3].iter().map(|p| &p[..]).collect();
            network::median(&inputs, &planes, (h, w, wp), &mut s.out_plane);
            for (o, &v) in out.data.iter_mut().skip(ch).step_by(c).zip(&s.out_plane) {
                *o = v;
            }
        }
    }
}

impl Kernel for MedianFilter {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let p = &self.params;
        let mut text = match p.footprint {
            Some(f) => format!("footprint={} ", f.describe()),
            None => String::new(),
        };
        text.push_str(&format!("mode={}", p.mode.name()));
        if p.mode == BoundaryMode::Constant {
            text.push_str(&format!(" cval={}", p.cval));
        }
        text
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("median takes one image".into());
        };
        shape_like(out, Shape::of(img));
        if img.data.is_empty() {
            return Ok(());
        }
        let s = scratch.get::<MedianScratch>();
        if img.channels == 1 {
            self.plane(img, &mut out.data, s);
            return Ok(());
        }
        if self.footprint.is_none() {
            self.cube(img, out, s);
            return Ok(());
        }
        let c = img.channels;
        let mut plane = std::mem::take(&mut s.plane);
        let mut result = std::mem::take(&mut s.out_plane);
        result.resize(img.pixels(), 0.0);
        for ch in 0..c {
            plane.height = img.height;
            plane.width = img.width;
            plane.channels = 1;
            plane.data.clear();
            plane.data.extend(img.data.iter().skip(ch).step_by(c));
            self.plane(&plane, &mut result, s);
            for (o, &v) in out.data.iter_mut().skip(ch).step_by(c).zip(&result) {
                *o = v;
            }
        }
        s.plane = plane;
        s.out_plane = result;
        Ok(())
    }
}
