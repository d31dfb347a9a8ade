//! `op = "rescale_intensity"`: `skimage.exposure.rescale_intensity(image, in_range, out_range)`
//! on float images (`exposure.py`, `rescale_intensity` and `intensity_range`):
//!
//! ```text
//! imin, imax = in_range          ('image': min and max; 'dtype': (-1, 1); a pair; percentiles)
//! omin, omax = out_range         ('dtype': (0, 1) if imin >= 0 else (-1, 1); 'image'; a pair)
//! x = np.clip(image, imin, imax)
//! out = ((x - imin) / (imax - imin)) * (omax - omin) + omin     if imin != imax
//! out = np.clip(x, omin, omax)                                  otherwise
//! ```
//!
//! Percentiles are `np.percentile(image, (lo, hi))`, numpy's `linear` method, as a tuple
//! `in_range` (what a script does for a contrast stretch). Colour images are rescaled as one
//! array (one range for all channels), as scikit-image does.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::metrics::percentile::np_percentile;
use crate::metrics::{np_max, np_min};
use crate::numpy::clip::np_clip;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.exposure.rescale_intensity(image, in_range, out_range)`: stretch or shrink the
/// intensities from `in_range` to `out_range`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RescaleIntensity {
    /// The input range: `"image"` (its min and max), `"dtype"` ((-1, 1) for float images),
    /// `[lo, hi]`, or `{ percentiles = [lo, hi] }` (`np.percentile(image, (lo, hi))`).
    #[serde(default = "image_range")]
    pub in_range: InRange,
    /// The output range: `"dtype"` ((0, 1), or (-1, 1) when the input range reaches below 0),
    /// `"image"` (its min and max), or `[lo, hi]`.
    #[serde(default = "dtype_range")]
    pub out_range: OutRange,
}

fn image_range() -> InRange {
    InRange::Named(InName::Image)
}
fn dtype_range() -> OutRange {
    OutRange::Named(OutName::Dtype)
}

/// `in_range` as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "\"image\", \"dtype\", a pair [lo, hi], or { percentiles = [lo, hi] }"
)]
pub enum InRange {
    Named(InName),
    Pair([f64; 2]),
    Percentiles(Percentiles),
}

/// The named input ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InName {
    Image,
    Dtype,
}

/// `{ percentiles = [lo, hi] }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Percentiles {
    /// The percentiles of the image (0 to 100) taken as the input range.
    pub percentiles: [f64; 2],
}

/// `out_range` as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "\"dtype\", \"image\", or a pair [lo, hi]")]
pub enum OutRange {
    Named(OutName),
    Pair([f64; 2]),
}

/// The named output ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutName {
    Dtype,
    Image,
}

impl OpSpec for RescaleIntensity {
    const NAME: &'static str = "rescale_intensity";
    const EQUALS: &'static str = "skimage.exposure.rescale_intensity(image, in_range, out_range)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        match &self.in_range {
            InRange::Pair(p) if !p.iter().all(|v| v.is_finite()) => {
                cx.err(
                    "in_range",
                    format!("`in_range` must be finite, got [{}, {}]", p[0], p[1]),
                    None,
                );
                ok = false;
            }
            InRange::Percentiles(Percentiles { percentiles: p })
                if !p.iter().all(|v| (0.0..=100.0).contains(v)) =>
            {
                cx.err(
                    "in_range",
                    format!("percentiles must be between 0 and 100, got [{}, {}]", p[0], p[1]),
                    Some("e.g. in_range = { percentiles = [2, 98] }".into()),
                );
                ok = false;
            }
            _ => {}
        }
        if let OutRange::Pair(p) = &self.out_range {
            if !p.iter().all(|v| v.is_finite()) {
                cx.err(
                    "out_range",
                    format!("`out_range` must be finite, got [{}, {}]", p[0], p[1]),
                    None,
                );
                ok = false;
            }
        }
        ok.then(|| Box::new(self.clone()) as Box<dyn Kernel>)
    }
}

impl RescaleIntensity {
    /// `(imin, imax, omin, omax)` for `data`.
    fn ranges(&self, data: &[f64]) -> Result<[f64; 4], String> {
        let image_range = || (np_min(data), np_max(data));
        let (imin, imax) = match &self.in_range {
            InRange::Named(InName::Image) => image_range(),
            InRange::Named(InName::Dtype) => (-1.0, 1.0),
            InRange::Pair([lo, hi]) => (*lo, *hi),
            InRange::Percentiles(Percentiles { percentiles }) => {
                let v = np_percentile(data, percentiles, &mut Vec::new())?;
                (v[0], v[1])
            }
        };
        let (omin, omax) = match &self.out_range {
            OutRange::Named(OutName::Dtype) => (if imin >= 0.0 { 0.0 } else { -1.0 }, 1.0),
            OutRange::Named(OutName::Image) => image_range(),
            OutRange::Pair([lo, hi]) => (*lo, *hi),
        };
        Ok([imin, imax, omin, omax])
    }

    fn rescale(&self, data: &mut [f64], [imin, imax, omin, omax]: [f64; 4]) {
        if imin != imax {
            let (span, out_span) = (imax - imin, omax - omin);
            for x in data {
                *x = ((np_clip(*x, imin, imax) - imin) / span) * out_span + omin;
            }
        } else {
            for x in data {
                *x = np_clip(np_clip(*x, imin, imax), omin, omax);
            }
        }
    }
}

fn range_text(r: &InRange) -> String {
    match r {
        InRange::Named(InName::Image) => "image".into(),
        InRange::Named(InName::Dtype) => "dtype".into(),
        InRange::Pair([a, b]) => format!("[{a}, {b}]"),
        InRange::Percentiles(Percentiles { percentiles: [a, b] }) => {
            format!("percentiles[{a}, {b}]")
        }
    }
}

impl Kernel for RescaleIntensity {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let out = match &self.out_range {
            OutRange::Named(OutName::Dtype) => "dtype".to_string(),
            OutRange::Named(OutName::Image) => "image".to_string(),
            OutRange::Pair([a, b]) => format!("[{a}, {b}]"),
        };
        format!("in_range={} out_range={out}", range_text(&self.in_range))
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("rescale_intensity takes one image".into());
        };
        let ranges = self.ranges(&img.data)?;
        shape_like(out, Shape::of(img));
        out.data.copy_from_slice(&img.data);
        self.rescale(&mut out.data, ranges);
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        Some(self.ranges(&img.data).map(|r| self.rescale(&mut img.data, r)))
    }
}

#[cfg(test)]
#[path = "exposure_tests.rs"]
mod exposure_tests;
