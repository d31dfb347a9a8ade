//! The grey morphology ops (`skimage.morphology.erosion`, `dilation`, `opening`, `closing`,
//! `white_tophat`, `black_tophat`) on one gray f64 plane, as scikit-image 0.26 composes them
//! from `scipy.ndimage.grey_erosion` / `grey_dilation`:
//!
//! - the footprint is padded at the start of an even side ([`Window::grey`]);
//! - `erosion` is the min over the window, and `dilation` the max over **the same** window:
//!   scikit-image mirrors the footprint and scipy's `grey_dilation` mirrors it back;
//! - `opening` = `dilation(erosion(image, F), mirror(F))`, i.e. the max over the mirrored window
//!   of the min over `F`; `closing` the other way round;
//! - `white_tophat = image - opening`, `black_tophat = closing - image`;
//! - `mode` is resolved per filter: `max` and `ignore` in an erosion, and `max` in a dilation,
//!   are the constant `+inf`; `min` (and `ignore` in a dilation) `-inf`.

use super::exact;
use super::filter::{self, Edge, FilterScratch, Sample, Seen};
use super::window::Window;
use crate::diag::ParamCx;
use crate::ops::boundary::BoundaryMode;
use crate::ops::elementwise::shape_like;
use crate::ops::footprint::FootprintSpec;
use crate::ops::{Kernel, Scratch, Shape};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the grey ops see the image past its edges (scikit-image's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GreyMode {
    /// `dcba|abcd|dcba` (scipy `reflect`, the default).
    #[default]
    Reflect,
    /// `kkkk|abcd|kkkk`, k = `cval`.
    Constant,
    /// `aaaa|abcd|dddd`.
    Nearest,
    /// `dcb|abcd|cba`.
    Mirror,
    /// `abcd|abcd|abcd`.
    Wrap,
    /// Outside is `+inf`.
    Max,
    /// Outside is `-inf`.
    Min,
    /// Outside never wins: `+inf` for a minimum, `-inf` for a maximum.
    Ignore,
}

impl GreyMode {
    pub fn name(self) -> &'static str {
        match self {
            GreyMode::Reflect => "reflect",
            GreyMode::Constant => "constant",
            GreyMode::Nearest => "nearest",
            GreyMode::Mirror => "mirror",
            GreyMode::Wrap => "wrap",
            GreyMode::Max => "max",
            GreyMode::Min => "min",
            GreyMode::Ignore => "ignore",
        }
    }

    /// The edge of a min (`min = true`) or max filter (`_min_max_to_constant_mode`).
    fn edge(self, cval: f64, min: bool) -> Edge<f64> {
        match self {
            GreyMode::Reflect => Edge::Mode(BoundaryMode::Reflect),
            GreyMode::Nearest => Edge::Mode(BoundaryMode::Nearest),
            GreyMode::Mirror => Edge::Mode(BoundaryMode::Mirror),
            GreyMode::Wrap => Edge::Mode(BoundaryMode::Wrap),
            GreyMode::Constant => Edge::Value(cval),
            GreyMode::Max => Edge::Value(f64::INFINITY),
            GreyMode::Min => Edge::Value(f64::NEG_INFINITY),
            GreyMode::Ignore if min => Edge::Value(f64::INFINITY),
            GreyMode::Ignore => Edge::Value(f64::NEG_INFINITY),
        }
    }
}

/// Which grey op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GreyOp {
    Erosion,
    Dilation,
    Opening,
    Closing,
    WhiteTophat,
    BlackTophat,
}

impl GreyOp {
    pub fn name(self) -> &'static str {
        match self {
            GreyOp::Erosion => "erosion",
            GreyOp::Dilation => "dilation",
            GreyOp::Opening => "opening",
            GreyOp::Closing => "closing",
            GreyOp::WhiteTophat => "white_tophat",
            GreyOp::BlackTophat => "black_tophat",
        }
    }
}

/// A compiled grey op.
#[derive(Clone, Debug, PartialEq)]
pub struct Grey {
    pub op: GreyOp,
    pub footprint: Option<FootprintSpec>,
    /// The padded footprint (the cross when none is given).
    pub window: Window,
    pub mode: GreyMode,
    pub cval: f64,
}

/// The checks every grey op makes, and the compiled op.
pub fn compile(
    op: GreyOp,
    footprint: Option<FootprintSpec>,
    mode: GreyMode,
    cval: f64,
    cx: &mut ParamCx,
) -> Option<Box<dyn Kernel>> {
    let mut ok = super::refuse_colour(op.name(), cx);
    if !cval.is_finite() {
        cx.err("cval", format!("`cval` must be finite, got {cval}"), None);
        ok = false;
    }
    let window = match footprint {
        None => Some(Window::cross()),
        Some(f) => f.compile("footprint", cx).map(|f| Window::grey(&f)),
    };
    let window = window?;
    ok.then(|| {
        Box::new(Grey {
            op,
            footprint,
            window,
            mode,
            cval,
        }) as Box<dyn Kernel>
    })
}

/// A worker's buffers for the grey ops.
#[derive(Default)]
pub struct GreyScratch {
    filter: FilterScratch<f64>,
    tmp: Vec<f64>,
}

impl Grey {
    /// The op over the gray plane `src` (`h × w`) into `out`.
    ///
    /// Each filter runs fast ([`filter::min_max`]) unless it meets a NaN or both zeros, in the
    /// image or as the edge value; then the op is redone in scipy's order ([`exact`]). A
    /// filter's output samples are its input's or the edge value, so what the first filter
    /// meets, with both edges, covers the second.
    pub fn run(&self, src: &[f64], hw: (usize, usize), out: &mut Vec<f64>, s: &mut GreyScratch) {
        let (win, mode, cval) = (&self.window, self.mode, self.cval);
        let (erode, dilate) = (mode.edge(cval, true), mode.edge(cval, false));
        let mut edges = Seen::default();
        for e in [erode, dilate] {
            if let Edge::Value(v) = e {
                f64::note(&[v], &mut edges);
            }
        }
        let matters = |seen: Seen| {
            Seen {
                nan: seen.nan || edges.nan,
                pos_zero: seen.pos_zero || edges.pos_zero,
                neg_zero: seen.neg_zero || edges.neg_zero,
            }
            .order_matters()
        };
        let (tmp, f) = (&mut s.tmp, &mut s.filter);
        let mirrored = &win.mirrored();
        match self.op {
            GreyOp::Erosion => {
                if matters(filter::min_max::<f64, true>(src, hw, win, erode, out, f)) {
                    exact::min_max::<true>(src, hw, win, erode, out);
                }
            }
            GreyOp::Dilation => {
                if matters(filter::min_max::<f64, false>(src, hw, win, dilate, out, f)) {
                    exact::min_max::<false>(src, hw, win, dilate, out);
                }
            }
            GreyOp::Opening | GreyOp::WhiteTophat => {
                if matters(filter::min_max::<f64, true>(src, hw, win, erode, tmp, f)) {
                    exact::min_max::<true>(src, hw, win, erode, tmp);
                    exact::min_max::<false>(tmp, hw, mirrored, dilate, out);
                } else {
                    filter::min_max::<f64, false>(tmp, hw, mirrored, dilate, out, f);
                }
            }
            GreyOp::Closing | GreyOp::BlackTophat => {
                if matters(filter::min_max::<f64, false>(src, hw, win, dilate, tmp, f)) {
                    exact::min_max::<false>(src, hw, win, dilate, tmp);
                    exact::min_max::<true>(tmp, hw, mirrored, erode, out);
                } else {
                    filter::min_max::<f64, true>(tmp, hw, mirrored, erode, out, f);
                }
            }
        }
        match self.op {
            GreyOp::WhiteTophat => out.iter_mut().zip(src).for_each(|(o, &x)| *o = x - *o),
            GreyOp::BlackTophat => out.iter_mut().zip(src).for_each(|(o, &x)| *o -= x),
            _ => {}
        }
    }
}

impl Kernel for Grey {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({
            "footprint": self.footprint,
            "mode": self.mode,
            "cval": self.cval,
        })
    }

    fn describe(&self) -> String {
        let fp = self
            .footprint
            .map_or("cross".to_string(), FootprintSpec::describe);
        let mut text = format!("footprint={fp} mode={}", self.mode.name());
        if self.mode == GreyMode::Constant {
            text.push_str(&format!(" cval={}", self.cval));
        }
        text
    }

    fn apply(
        &self,
        inputs: &[&Image],
        out: &mut Image,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        let [img] = inputs else {
            return Err(format!("`{}` takes one image", self.op.name()));
        };
        super::gray_only(self.op.name(), img.channels)?;
        shape_like(out, Shape::of(img));
        self.run(
            &img.data,
            (img.height, img.width),
            &mut out.data,
            scratch.get::<GreyScratch>(),
        );
        Ok(())
    }
}

/// Declares a grey op's parameters (`footprint`, `mode`, `cval`) and its [`OpSpec`]:
/// `grey_op! { /// docs  Erosion, "erosion", "skimage…", GreyOp::Erosion }`.
///
/// [`OpSpec`]: crate::ops::OpSpec
macro_rules! grey_op {
    ($(#[$doc:meta])* $name:ident, $op_name:literal, $equals:literal, $op:expr) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize,
            schemars::JsonSchema,
        )]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// The neighbourhood: `{ disk = r }`, `{ square = n }`, `{ rectangle = [rows,
            /// columns] }` or `{ diamond = r }`; without it, the 3 × 3 cross (scikit-image's
            /// default, `diamond = 1`). An even side is padded at its start, as scikit-image
            /// does (the window covers offsets `1 - n/2 ..= n/2`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub footprint: Option<$crate::ops::footprint::FootprintSpec>,
            /// How the image is extended past its edges: `reflect` (default), `constant`
            /// (`cval`), `nearest`, `mirror`, `wrap`, `max` (+inf), `min` (-inf), `ignore`
            /// (the edge never wins).
            #[serde(default)]
            pub mode: $crate::ops::morphology::grey::GreyMode,
            /// The value outside the image for `mode = "constant"`.
            #[serde(default)]
            pub cval: f64,
        }

        impl $crate::ops::OpSpec for $name {
            const NAME: &'static str = $op_name;
            const EQUALS: &'static str = $equals;

            fn compile(
                &self,
                cx: &mut $crate::diag::ParamCx,
            ) -> Option<Box<dyn $crate::ops::Kernel>> {
                $crate::ops::morphology::grey::compile($op, self.footprint, self.mode, self.cval, cx)
            }
        }
    };
}
pub(crate) use grey_op;

#[cfg(test)]
#[path = "grey_tests.rs"]
mod tests;
