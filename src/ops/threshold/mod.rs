//! `op = "threshold"`: `image > t` as 0.0 / 1.0, with `t` a fixed value, one of the histogram
//! thresholds of `skimage.filters` (`threshold_otsu`, `_li`, `_yen`, `_isodata`, `_mean`,
//! `_minimum`, `_triangle`), or the per-pixel `threshold_local`.
//!
//! The family's shared machinery lives beside it: [`histogram`] (numpy's `np.histogram` bins,
//! float32 sums, `argmax`), [`methods`] and [`li`] (the thresholds, also used by the `otsu`,
//! `li` and `yen` metrics and by `equalize_hist`), [`unique`] (`np.unique` counts) and [`local`].
//!
//! Colour: the global methods take every sample of the `(H, W, 3)` array, as scikit-image does
//! when given one (one threshold; each sample compared with it). `local` is gray only, since
//! scikit-image would blur across the channel axis too.

pub mod histogram;
pub mod li;
pub mod local;
pub mod methods;
pub mod unique;
#[cfg(test)]
mod tests;

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::ops::boundary::BoundaryMode;
use crate::Image;
use li::LiScratch;
use local::Local;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The largest `nbins` accepted (numpy would allocate whatever is asked).
pub const MAX_BINS: u32 = 1 << 20;

/// `image > t` as 0.0 / 1.0, `t` from `method` (or `value` alone: a fixed threshold).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdParams {
    /// How the threshold is found: `fixed` (`value`), `otsu`, `li`, `yen`, `isodata`, `mean`,
    /// `minimum`, `triangle` (scikit-image's `threshold_<method>`), or `local`
    /// (`threshold_local`, one threshold per pixel). A `value` alone means `fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// The threshold of `fixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Histogram bins of `otsu`, `yen`, `isodata`, `minimum`, `triangle` (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbins: Option<u32>,
    /// `li`: stop when the threshold moves less than this (default, or 0: half the smallest gap
    /// between distinct values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// `li`: where the iteration starts (default: the image's mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_guess: Option<f64>,
    /// `minimum`: the most smoothing passes over the histogram (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_num_iter: Option<u32>,
    /// `local`: the odd size of the neighbourhood, one number or `[rows, columns]` (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size: Option<BlockSize>,
    /// `local`: how the threshold is taken over the neighbourhood: `gaussian` (default), `mean`
    /// (`scipy.ndimage.uniform_filter`) or `median` (`scipy.ndimage.median_filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_method: Option<LocalMethod>,
    /// `local`: subtracted from the local threshold (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<f64>,
    /// `local`: how the image is extended past its edges (default `reflect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<BoundaryMode>,
    /// `local`: the value outside the image for `mode = "constant"` (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cval: Option<f64>,
    /// `local`, `gaussian`: the Gaussian's sigma instead of `(block_size - 1) / 6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<f64>,
}

/// The methods of `op = "threshold"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Fixed,
    Otsu,
    Li,
    Yen,
    Isodata,
    Mean,
    Minimum,
    Triangle,
    Local,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Fixed => "fixed",
            Method::Otsu => "otsu",
            Method::Li => "li",
            Method::Yen => "yen",
            Method::Isodata => "isodata",
            Method::Mean => "mean",
            Method::Minimum => "minimum",
            Method::Triangle => "triangle",
            Method::Local => "local",
        }
    }
}

/// `threshold_local`'s `method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LocalMethod {
    Gaussian,
    Mean,
    Median,
}

/// A block size: one odd number for both axes, or `[rows, columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "an odd integer, or a list [rows, columns] of odd integers")]
pub enum BlockSize {
    Scalar(i64),
    PerAxis([i64; 2]),
}

/// How a compiled threshold finds `t` (its parameters resolved to scikit-image's defaults).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Rule {
    Fixed {
        value: f64,
    },
    Otsu {
        nbins: usize,
    },
    Li {
        tolerance: Option<f64>,
        initial_guess: Option<f64>,
    },
    Yen {
        nbins: usize,
    },
    Isodata {
        nbins: usize,
    },
    Mean,
    Minimum {
        nbins: usize,
        max_num_iter: usize,
    },
    Triangle {
        nbins: usize,
    },
    Local(Local),
}

impl Rule {
    /// The global threshold of `data` (every sample of the image); `Local` has none.
    pub fn value(&self, data: &[f64], scratch: &mut Scratch) -> Result<f64, String> {
        match *self {
            Rule::Fixed { value } => Ok(value),
            Rule::Otsu { nbins } => methods::otsu(data, nbins),
            Rule::Li {
                tolerance,
                initial_guess,
            } => li::li(data, tolerance, initial_guess, scratch.get::<LiScratch>()),
            Rule::Yen { nbins } => methods::yen(data, nbins),
            Rule::Isodata { nbins } => methods::isodata(data, nbins),
            Rule::Mean => Ok(methods::mean(data)),
            Rule::Minimum {
                nbins,
                max_num_iter,
            } => methods::minimum(data, nbins, max_num_iter),
            Rule::Triangle { nbins } => methods::triangle(data, nbins),
            Rule::Local(_) => Err("a local threshold has no single value".into()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Rule::Fixed { value } => format!("value={value}"),
            Rule::Local(l) => format!("method=local {}", l.describe()),
            other => {
                let json = serde_json::to_value(other).unwrap_or_default();
                let mut parts = Vec::new();
                if let Some(map) = json.as_object() {
                    for (k, v) in map {
                        match v {
                            serde_json::Value::Null => {}
                            serde_json::Value::String(s) => parts.push(format!("{k}={s}")),
                            v => parts.push(format!("{k}={v}")),
                        }
                    }
                }
                parts.join(" ")
            }
        }
    }
}

/// The compiled op.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub rule: Rule,
}

/// Checks `nbins` (given for a method that takes it) and resolves its default.
pub fn check_nbins(nbins: Option<u32>, cx: &mut ParamCx) -> Option<usize> {
    let n = nbins.unwrap_or(256);
    if !(1..=MAX_BINS).contains(&n) {
        cx.err(
            "nbins",
            format!("`nbins` must be between 1 and {MAX_BINS}, got {n}"),
            Some("the default is 256".into()),
        );
        return None;
    }
    Some(n as usize)
}

/// Checks Li's `tolerance` and `initial_guess`.
pub fn check_li(
    tolerance: Option<f64>,
    initial_guess: Option<f64>,
    cx: &mut ParamCx,
) -> Option<Rule> {
    let mut ok = true;
    if let Some(t) = tolerance.filter(|t| !(t.is_finite() && *t >= 0.0)) {
        cx.err(
            "tolerance",
            format!("`tolerance` must be a finite number >= 0, got {t}"),
            Some("leave it out (or 0) for half the smallest gap between values".into()),
        );
        ok = false;
    }
    if let Some(g) = initial_guess.filter(|g| !g.is_finite()) {
        cx.err(
            "initial_guess",
            format!("`initial_guess` must be a finite number, got {g}"),
            None,
        );
        ok = false;
    }
    ok.then_some(Rule::Li {
        tolerance,
        initial_guess,
    })
}

impl OpSpec for ThresholdParams {
    const NAME: &'static str = "threshold";
    const EQUALS: &'static str = "image > skimage.filters.threshold_<method>(image, ...) (0.0 / 1.0)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let method = match (self.method, self.value) {
            (Some(m), _) => m,
            (None, Some(_)) => Method::Fixed,
            (None, None) => {
                cx.err_here(
                    "`threshold` needs a `method` or a `value`",
                    Some(
                        "e.g. method = \"otsu\", or value = 0.5 for a fixed threshold".to_string(),
                    ),
                );
                return None;
            }
        };
        let mut ok = true;
        // Every parameter given must belong to the method.
        let given: [(&str, bool, &[Method]); 11] = [
            ("value", self.value.is_some(), &[Method::Fixed]),
            (
                "nbins",
                self.nbins.is_some(),
                &[
                    Method::Otsu,
                    Method::Yen,
                    Method::Isodata,
                    Method::Minimum,
                    Method::Triangle,
                ],
            ),
            ("tolerance", self.tolerance.is_some(), &[Method::Li]),
            ("initial_guess", self.initial_guess.is_some(), &[Method::Li]),
            ("max_num_iter", self.max_num_iter.is_some(), &[Method::Minimum]),
            ("block_size", self.block_size.is_some(), &[Method::Local]),
            ("local_method", self.local_method.is_some(), &[Method::Local]),
            ("offset", self.offset.is_some(), &[Method::Local]),
            ("mode", self.mode.is_some(), &[Method::Local]),
            ("cval", self.cval.is_some(), &[Method::Local]),
            ("param", self.param.is_some(), &[Method::Local]),
        ];
        for (key, present, methods) in given {
            if present && !methods.contains(&method) {
                let names: Vec<_> = methods.iter().map(|m| format!("\"{}\"", m.name())).collect();
                cx.err(
                    key,
                    format!(
                        "`{key}` does not apply to method = \"{}\"",
                        method.name()
                    ),
                    Some(format!("it is a parameter of method = {}", names.join(" or "))),
                );
                ok = false;
            }
        }
        let rule = match method {
            Method::Fixed => match self.value {
                Some(v) if v.is_nan() => {
                    cx.err("value", "`value` is not a number", None);
                    None
                }
                Some(value) => Some(Rule::Fixed { value }),
                None => {
                    cx.err(
                        "method",
                        "method = \"fixed\" needs a `value`",
                        Some("e.g. value = 0.5".to_string()),
                    );
                    None
                }
            },
            Method::Otsu => check_nbins(self.nbins, cx).map(|nbins| Rule::Otsu { nbins }),
            Method::Yen => check_nbins(self.nbins, cx).map(|nbins| Rule::Yen { nbins }),
            Method::Isodata => check_nbins(self.nbins, cx).map(|nbins| Rule::Isodata { nbins }),
            Method::Triangle => check_nbins(self.nbins, cx).map(|nbins| Rule::Triangle { nbins }),
            Method::Mean => Some(Rule::Mean),
            Method::Li => check_li(self.tolerance, self.initial_guess, cx),
            Method::Minimum => {
                let nbins = check_nbins(self.nbins, cx);
                let iters = self.max_num_iter.unwrap_or(10_000);
                if iters == 0 {
                    cx.err(
                        "max_num_iter",
                        "`max_num_iter` must be at least 1",
                        Some("the default is 10000".to_string()),
                    );
                }
                nbins
                    .filter(|_| iters > 0)
                    .map(|nbins| Rule::Minimum {
                        nbins,
                        max_num_iter: iters as usize,
                    })
            }
            Method::Local => Local::compile(self, cx).map(Rule::Local),
        };
        match rule {
            Some(rule) if ok => Some(Box::new(Threshold { rule })),
            _ => None,
        }
    }
}

impl Kernel for Threshold {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.rule).unwrap_or_default()
    }

    fn describe(&self) -> String {
        self.rule.describe()
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let shape = super::same_shapes(inputs)?;
        if matches!(self.rule, Rule::Local(_)) && shape.channels != 1 {
            return Err(local::colour_message(shape.channels));
        }
        Ok(shape)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("threshold takes one image".into());
        };
        if let Rule::Local(local) = &self.rule {
            return local.apply(img, out, scratch);
        }
        shape_like(out, Shape::of(img));
        if img.data.is_empty() {
            return Ok(());
        }
        let t = self.rule.value(&img.data, scratch)?;
        for (o, &x) in out.data.iter_mut().zip(&img.data) {
            *o = f64::from(u8::from(x > t));
        }
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, scratch: &mut Scratch) -> Option<Result<(), String>> {
        if matches!(self.rule, Rule::Local(_)) {
            return None;
        }
        if img.data.is_empty() {
            return Some(Ok(()));
        }
        Some(self.rule.value(&img.data, scratch).map(|t| {
            for x in &mut img.data {
                *x = f64::from(u8::from(*x > t));
            }
        }))
    }
}
