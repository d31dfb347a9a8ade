//! `op = "adjust_gamma"`: `skimage.exposure.adjust_gamma(image, gamma, gain)` on float images:
//! `image ** gamma * gain` (numpy's `power`, see [`crate::numpy::svml`]). Also the kernel shared
//! by the three exposure corrections (`adjust_gamma`, `adjust_log`, `adjust_sigmoid`), which
//! refuse negative samples as scikit-image does.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::numpy::svml::power_scalar;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.exposure.adjust_gamma(image, gamma, gain)`: `gain * image ** gamma` (images of
/// non-negative values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustGamma {
    /// The exponent, >= 0 (< 1 brightens, > 1 darkens).
    #[serde(default = "one")]
    pub gamma: f64,
    /// The factor applied after the power.
    #[serde(default = "one")]
    pub gain: f64,
}

pub(crate) fn one() -> f64 {
    1.0
}

/// Refuses a parameter that is not finite (`key`, its value).
pub(crate) fn check_finite(cx: &mut ParamCx, params: &[(&str, f64)]) -> bool {
    let mut ok = true;
    for &(key, v) in params {
        if !v.is_finite() {
            cx.err(key, format!("`{key}` must be finite, got {v}"), None);
            ok = false;
        }
    }
    ok
}

impl OpSpec for AdjustGamma {
    const NAME: &'static str = "adjust_gamma";
    const EQUALS: &'static str = "skimage.exposure.adjust_gamma(image, gamma, gain)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = check_finite(cx, &[("gamma", self.gamma), ("gain", self.gain)]);
        if self.gamma < 0.0 {
            cx.err(
                "gamma",
                format!("`gamma` must be >= 0, got {}", self.gamma),
                Some("scikit-image: gamma should be a non-negative real number".into()),
            );
            ok = false;
        }
        let (gamma, gain) = (self.gamma, self.gain);
        ok.then(|| {
            Box::new(Exposure {
                name: "adjust_gamma",
                key: serde_json::to_value(self).unwrap_or_default(),
                describe: format!("gamma={gamma} gain={gain}"),
                map: Box::new(move |v: &mut [f64]| {
                    // ((image / 1.0) ** gamma) * 1.0 * gain: the divisions and products by the
                    // float scale 1.0 are exact.
                    power_scalar(v, gamma);
                    for x in v {
                        *x *= gain;
                    }
                }),
            }) as Box<dyn Kernel>
        })
    }
}

/// How an exposure correction maps the samples, in place.
pub(crate) type Map = Box<dyn Fn(&mut [f64]) + Send + Sync>;

/// An exposure correction: refuses images with negative samples (scikit-image's
/// `_assert_non_negative`), then maps the samples in place.
pub(crate) struct Exposure {
    pub name: &'static str,
    pub key: serde_json::Value,
    pub describe: String,
    pub map: Map,
}

impl std::fmt::Debug for Exposure {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.key)
    }
}

impl Exposure {
    fn run(&self, data: &mut [f64]) -> Result<(), String> {
        memo_map(data, &self.map);
        Ok(())
    }

    fn check(&self, data: &[f64]) -> Result<(), String> {
        if data.iter().any(|&x| x < 0.0) {
            return Err(format!(
                "{} works on images of non-negative values, and this one has negative samples \
                 (use rescale_intensity first)",
                self.name
            ));
        }
        Ok(())
    }
}

impl Kernel for Exposure {
    fn key(&self) -> serde_json::Value {
        self.key.clone()
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err(format!("{} takes one image", self.name));
        };
        self.check(&img.data)?;
        shape_like(out, Shape::of(img));
        out.data.copy_from_slice(&img.data);
        self.run(&mut out.data)
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        Some(self.check(&img.data).and_then(|()| self.run(&mut img.data)))
    }
}

/// Samples per block of [`memo_map`].
const BLOCK: usize = 4096;
/// Slots of [`memo_map`]'s cache (a power of two).
const SLOTS: usize = 4096;

/// `map` over `data`, remembering results: the corrections map each sample on its own, so a
/// value seen before (an image from an 8- or 16-bit file has at most 256 or 65536) takes its
/// remembered result, the same bits, instead of a `pow`, `log2` or `exp`. Per block, the
/// samples not in the direct-mapped cache are mapped together (keeping `map`'s vector paths)
/// and entered. Every slot holds a key and `map` of that key, from the start.
fn memo_map(data: &mut [f64], map: &Map) {
    if data.len() < 2 * BLOCK {
        map(data);
        return;
    }
    let empty = u64::MAX;
    let mut first = [f64::from_bits(empty)];
    map(&mut first);
    let mut keys = vec![empty; SLOTS];
    let mut vals = vec![first[0]; SLOTS];
    let slot = |b: u64| (b.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize & (SLOTS - 1);
    let mut miss_at: Vec<usize> = Vec::with_capacity(BLOCK);
    let mut miss: Vec<f64> = Vec::with_capacity(BLOCK);
    for block in data.chunks_mut(BLOCK) {
        miss_at.clear();
        miss.clear();
        for (i, x) in block.iter_mut().enumerate() {
            let b = x.to_bits();
            let s = slot(b);
            if keys[s] == b {
                *x = vals[s];
            } else {
                miss_at.push(i);
                miss.push(*x);
            }
        }
        map(&mut miss);
        for (&i, &y) in miss_at.iter().zip(&miss) {
            let b = block[i].to_bits();
            let s = slot(b);
            keys[s] = b;
            vals[s] = y;
            block[i] = y;
        }
    }
}
