//! `op = "pad"`: `np.pad(image, pad_width, mode, …)` on the rows and columns (a colour image's
//! channel axis is never padded: numpy's `((top, bottom), (left, right), (0, 0))`), every mode of
//! numpy reproduced sample for sample ([`lines`]). Also the pixel-count parameter `crop` shares.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use lines::{pad_axis, Axis};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod lines;

/// Pixel counts per side: `n` (every side), `[before, after]` (the same on both axes), or
/// `[[top, bottom], [left, right]]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a number of pixels, [before, after], or [[top, bottom], [left, right]]"
)]
pub enum Widths {
    All(u64),
    Pair([u64; 2]),
    PerAxis([[u64; 2]; 2]),
}

impl Widths {
    /// `[[top, bottom], [left, right]]`.
    pub fn per_axis(self) -> [[u64; 2]; 2] {
        match self {
            Widths::All(n) => [[n, n]; 2],
            Widths::Pair(p) => [p; 2],
            Widths::PerAxis(a) => a,
        }
    }
}

/// Values per side, shaped like [`Widths`]: `v`, `[before, after]` or
/// `[[top, bottom], [left, right]]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a number, [before, after], or [[top, bottom], [left, right]]"
)]
pub enum Values {
    All(f64),
    Pair([f64; 2]),
    PerAxis([[f64; 2]; 2]),
}

impl Values {
    fn per_axis(self) -> [[f64; 2]; 2] {
        match self {
            Values::All(v) => [[v, v]; 2],
            Values::Pair(p) => [p; 2],
            Values::PerAxis(a) => a,
        }
    }
}

/// numpy's pad modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PadMode {
    /// `constant_values` (default 0): `kk|abcd|kk`.
    #[default]
    Constant,
    /// The edge pixel repeated: `aa|abcd|dd`.
    Edge,
    /// A ramp from `end_values` (default 0) to the edge pixel.
    LinearRamp,
    /// The maximum of the `stat_length` pixels at that edge (default: all of the axis).
    Maximum,
    /// Their mean.
    Mean,
    /// Their median.
    Median,
    /// Their minimum.
    Minimum,
    /// Mirrored about the edge pixel, not repeating it: `cb|abcd|cb`.
    Reflect,
    /// Mirrored about the edge, repeating the edge pixel: `ba|abcd|dc`.
    Symmetric,
    /// Periodic: `cd|abcd|ab`.
    Wrap,
}

impl PadMode {
    fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Edge => "edge",
            PadMode::LinearRamp => "linear_ramp",
            PadMode::Maximum => "maximum",
            PadMode::Mean => "mean",
            PadMode::Median => "median",
            PadMode::Minimum => "minimum",
            PadMode::Reflect => "reflect",
            PadMode::Symmetric => "symmetric",
            PadMode::Wrap => "wrap",
        }
    }

    fn is_stat(self) -> bool {
        matches!(
            self,
            PadMode::Maximum | PadMode::Mean | PadMode::Median | PadMode::Minimum
        )
    }
}

/// numpy's `reflect_type` for the `reflect` and `symmetric` modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReflectType {
    /// The mirror image as it is.
    #[default]
    Even,
    /// Mirrored through the edge value: `2 * edge - mirrored`.
    Odd,
}

/// `np.pad(image, pad_width, mode, …)`: the image with pixels added around it. A colour image's
/// channels are not padded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pad {
    /// Pixels added: `n` on every side, `[before, after]` on both axes, or
    /// `[[top, bottom], [left, right]]`.
    pub pad_width: Widths,
    /// How the new pixels are filled (numpy's modes).
    #[serde(default)]
    pub mode: PadMode,
    /// `constant`: the value of the new pixels (default 0), shaped like `pad_width`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constant_values: Option<Values>,
    /// `linear_ramp`: the value the ramp starts from at the outer edge (default 0), shaped
    /// like `pad_width`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_values: Option<Values>,
    /// `maximum`, `mean`, `median`, `minimum`: how many pixels at each edge the statistic
    /// covers (default: the whole row or column), shaped like `pad_width`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_length: Option<Widths>,
    /// `reflect`, `symmetric`: `even` (default) or `odd` (`2 * edge - mirrored`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflect_type: Option<ReflectType>,
}

/// The largest output an op of this family makes, in pixels (2³⁰: 8 GiB of gray samples), so
/// that no parameter can ask for an allocation that cannot succeed.
pub const MAX_OUTPUT_PIXELS: u64 = 1 << 30;

/// The largest pad width accepted per side.
const MAX_WIDTH: u64 = 1 << 20;

/// `height × width` pixels, or why that is too large.
pub fn check_output_size(height: u64, width: u64) -> Result<(usize, usize), String> {
    match height.checked_mul(width) {
        Some(p) if p <= MAX_OUTPUT_PIXELS => Ok((height as usize, width as usize)),
        _ => Err(format!(
            "the output would be {height}×{width} pixels, over the limit of {MAX_OUTPUT_PIXELS}"
        )),
    }
}

impl OpSpec for Pad {
    const NAME: &'static str = "pad";
    const EQUALS: &'static str = "np.pad(image, pad_width, mode, ...) on rows and columns";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        let mut ok = true;
        let widths = self.pad_width.per_axis();
        if widths.iter().flatten().any(|&w| w > MAX_WIDTH) {
            cx.err(
                "pad_width",
                format!("`pad_width` is limited to {MAX_WIDTH} pixels per side"),
                None,
            );
            ok = false;
        }
        let mode = self.mode;
        let unused: [(&str, bool, &str); 4] = [
            ("constant_values", self.constant_values.is_some(), "constant"),
            ("end_values", self.end_values.is_some(), "linear_ramp"),
            ("stat_length", self.stat_length.is_some(), "maximum, mean, median or minimum"),
            ("reflect_type", self.reflect_type.is_some(), "reflect or symmetric"),
        ];
        for (key, given, modes) in unused {
            let used = match key {
                "constant_values" => mode == PadMode::Constant,
                "end_values" => mode == PadMode::LinearRamp,
                "stat_length" => mode.is_stat(),
                _ => matches!(mode, PadMode::Reflect | PadMode::Symmetric),
            };
            if given && !used {
                cx.err(
                    key,
                    format!("`{key}` is not used with mode = \"{}\"", mode.name()),
                    Some(format!("it is for mode = {modes}")),
                );
                ok = false;
            }
        }
        let stat = self
            .stat_length
            .map_or([[u64::MAX; 2]; 2], Widths::per_axis);
        if matches!(mode, PadMode::Maximum | PadMode::Minimum)
            && stat.iter().flatten().any(|&l| l == 0)
        {
            cx.err(
                "stat_length",
                "a `stat_length` of 0 yields no value for padding",
                Some("leave it out to use the whole row or column".to_string()),
            );
            ok = false;
        }
        let values = match mode {
            PadMode::Constant => self.constant_values,
            PadMode::LinearRamp => self.end_values,
            _ => None,
        }
        .map_or([[0.0; 2]; 2], Values::per_axis);
        ok.then(|| {
            Box::new(PadKernel {
                widths: widths.map(|p| p.map(|w| w as usize)),
                mode,
                values,
                stat_length: stat.map(|p| p.map(|l| usize::try_from(l).unwrap_or(usize::MAX))),
                reflect_type: self.reflect_type.unwrap_or_default(),
                params: self.clone(),
            }) as Box<dyn Kernel>
        })
    }
}

/// A compiled `pad` step.
#[derive(Debug)]
struct PadKernel {
    /// `[[top, bottom], [left, right]]`.
    widths: [[usize; 2]; 2],
    mode: PadMode,
    /// The fill (`constant`) or ramp start (`linear_ramp`) values, per axis and side.
    values: [[f64; 2]; 2],
    /// Per axis and side; `usize::MAX` for the whole axis.
    stat_length: [[usize; 2]; 2],
    reflect_type: ReflectType,
    params: Pad,
}

impl Kernel for PadKernel {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn describe(&self) -> String {
        let [[t, b], [l, r]] = self.widths;
        format!("pad_width=[[{t}, {b}], [{l}, {r}]] mode={}", self.mode.name())
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("pad takes one image".into());
        };
        let [[t, b], [l, r]] = self.widths;
        if self.mode != PadMode::Constant {
            for (axis, n, w) in [(0, s.height, t + b), (1, s.width, l + r)] {
                if n == 0 && w > 0 {
                    return Err(format!(
                        "can't extend the empty axis {axis} of a {} image with mode = \"{}\"",
                        s.text(),
                        self.mode.name()
                    ));
                }
            }
        }
        let (height, width) = check_output_size(
            (s.height + t + b) as u64,
            (s.width + l + r) as u64,
        )?;
        Ok(Shape {
            height,
            width,
            channels: s.channels,
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("pad takes one image".into());
        };
        let shape = self.output_shape(&[Shape::of(img)])?;
        shape_like(out, shape);
        let [[t, b], [l, r]] = self.widths;
        let (h, w, c) = (img.height, img.width, img.channels);
        let (hp, wp) = (shape.height, shape.width);
        if img.data.is_empty() && self.mode != PadMode::Constant {
            // numpy leaves such an output unfilled; it has no samples here (checked above).
            out.data.fill(0.0);
            return Ok(());
        }
        for y in 0..h {
            let d = ((t + y) * wp + l) * c;
            out.data[d..d + w * c].copy_from_slice(&img.data[y * w * c..(y + 1) * w * c]);
        }
        if out.data.is_empty() {
            return Ok(());
        }
        let axis0 = Axis {
            bases: vec![l * c],
            stride: wp * c,
            elen: w * c,
            len: hp,
            left: t,
            right: b,
            pairwise: w * c == 1,
        };
        let axis1 = Axis {
            bases: (0..hp).map(|y| y * wp * c).collect(),
            stride: c,
            elen: c,
            len: wp,
            left: l,
            right: r,
            pairwise: c == 1,
        };
        for (k, ax) in [axis0, axis1].iter().enumerate() {
            pad_axis(
                &mut out.data,
                ax,
                self.mode,
                self.values[k],
                self.stat_length[k],
                self.reflect_type,
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
