//! `op = "uniform"`: `scipy.ndimage.uniform_filter(image, size, mode=mode, cval=cval)`, the
//! mean over a `size × size` window, each colour channel on its own.

use super::boundary::BoundaryMode;
use super::edges::reflect;
use super::ndimage::{uniform_filter, LineScratch};
use super::{Kernel, OpSpec, Scratch};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The largest window side accepted.
pub const MAX_SIZE: u64 = 100_001;

/// `scipy.ndimage.uniform_filter(image, size, mode=mode, cval=cval)`: the mean of a window of
/// `size` pixels per axis, one running sum per axis (axis 0, then axis 1) exactly as scipy's
/// `uniform_filter1d`. A colour image is filtered per channel, as
/// `uniform_filter(image, size=(rows, cols, 1))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uniform {
    /// The window: one side for both axes, or `[rows, columns]` (each at least 1; 1 leaves
    /// that axis unfiltered).
    #[serde(default = "default_size")]
    pub size: Size,
    /// How the image is extended past its edges (scipy's default: `reflect`).
    #[serde(default = "reflect")]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
}

fn default_size() -> Size {
    Size::Scalar(3)
}

/// A window size: one side for both axes, or `[rows, columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a whole number, or a list [rows, columns]")]
pub enum Size {
    Scalar(u64),
    PerAxis([u64; 2]),
}

impl Size {
    /// `[rows, columns]`.
    pub fn per_axis(self) -> [u64; 2] {
        match self {
            Size::Scalar(s) => [s, s],
            Size::PerAxis(s) => s,
        }
    }

    /// Checks every side is within `1 ..= max` (reported at `key`).
    pub fn check(self, key: &str, max: u64, cx: &mut ParamCx) -> bool {
        let [r, c] = self.per_axis();
        if [r, c].iter().all(|s| (1..=max).contains(s)) {
            return true;
        }
        cx.err(
            key,
            match self {
                Size::Scalar(s) => format!("`{key}` must be between 1 and {max}, got {s}"),
                Size::PerAxis(_) => {
                    format!("`{key}` sides must be between 1 and {max}, got [{r}, {c}]")
                }
            },
            Some("e.g. size = 3, or [rows, columns]".into()),
        );
        false
    }
}

impl OpSpec for Uniform {
    const NAME: &'static str = "uniform";
    const EQUALS: &'static str =
        "scipy.ndimage.uniform_filter(image, size=(rows, cols[, 1]), mode=mode, cval=cval)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = self.size.check("size", MAX_SIZE, cx);
        if !self.cval.is_finite() {
            cx.err("cval", format!("`cval` must be finite, got {}", self.cval), None);
            ok = false;
        }
        ok.then(|| Box::new(self.clone()) as Box<dyn Kernel>)
    }
}

impl Kernel for Uniform {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({
            "size": self.size.per_axis(),
            "mode": self.mode,
            "cval": self.cval,
        })
    }

    fn describe(&self) -> String {
        let [r, c] = self.size.per_axis();
        let mut text = if r == c {
            format!("size={r}")
        } else {
            format!("size=[{r}, {c}]")
        };
        text.push_str(&format!(" mode={}", self.mode.name()));
        if self.mode == BoundaryMode::Constant {
            text.push_str(&format!(" cval={}", self.cval));
        }
        text
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("uniform takes one image".into());
        };
        let [r, c] = self.size.per_axis();
        let sizes = [r as usize, c as usize, 1];
        uniform_filter(img, out, sizes, self.mode, self.cval, scratch.get::<LineScratch>())
    }
}
