//! The workflow file as written: serde types only, strict (`deny_unknown_fields` everywhere), no
//! logic. Doc comments double as the JSON-schema descriptions (`flowrun schema`).

use crate::ops::boundary::BoundaryMode;
use crate::sinks::encode::Dtype;
use crate::source::decode::ColorMode;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A flowrun workflow: one pipeline run over many images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct Workflow {
    /// The workflow's name: `{name}` in output patterns. Default: the file name without extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the images come from.
    pub source: Source,
    /// Filter steps, applied in order to every image.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Per-image metrics; each key is a column of the results table.
    #[serde(default)]
    pub metrics: IndexMap<String, Metric>,
    /// What to write.
    #[serde(default)]
    pub output: Output,
    /// Checks for CI: `ok = N` (count of successful images) and per-metric `{ min, max }` bounds
    /// checked on every image, e.g. `[expect.output_variance] max = 1e-3`.
    #[serde(default)]
    pub expect: IndexMap<String, Expectation>,
}

/// The image source, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// Seeded synthetic noise, exactly the scikit-image batch example's `load_my_data(i, shape)`:
    /// `np.clip(np.random.RandomState(i + seed_offset).normal(loc, scale, shape), *clip)`.
    Noise(NoiseSource),
    /// Image files matching a glob pattern, in natural sort order.
    Glob(GlobSource),
}

/// Parameters of `kind = "noise"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoiseSource {
    /// Number of images; image `i` runs for `0 <= i < count`.
    pub count: u64,
    /// `[height, width]` of every image.
    pub shape: Vec<u64>,
    /// Image `i` is seeded with `i + seed_offset` (numpy seeds must stay below 2^32).
    #[serde(default)]
    pub seed_offset: u64,
    /// The mean of image `i` is `((i + 1) % max_index) / max_index` unless `loc` is given.
    #[serde(default = "default_max_index")]
    pub max_index: u64,
    /// Standard deviation of the noise (default `20/255`).
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// A fixed mean for every image, replacing the index formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc: Option<f64>,
    /// Clip range `[lo, hi]` (default `[0.0, 1.0]`), or `false` for no clipping.
    #[serde(default)]
    pub clip: Clip,
    /// Random generator: `numpy` (bit-identical to `np.random.RandomState`) or `fast` (not
    /// numpy-identical; deterministic per seed).
    #[serde(default)]
    pub rng: RngChoice,
}

fn default_max_index() -> u64 {
    255
}
fn default_scale() -> f64 {
    20.0 / 255.0
}

/// Clip range, or `false` (no clip) / `true` (the default `[0.0, 1.0]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a list [lo, hi] of two numbers, or false")]
pub enum Clip {
    Range([f64; 2]),
    Enabled(bool),
}

impl Default for Clip {
    fn default() -> Self {
        Clip::Range([0.0, 1.0])
    }
}

/// Which random generator the noise source uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RngChoice {
    /// MT19937 `init_genrand` + numpy's legacy polar Gaussian: bit-identical to numpy.
    #[default]
    Numpy,
    /// rand + rand_distr: faster, deterministic, not numpy-identical.
    Fast,
}

/// Parameters of `kind = "glob"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlobSource {
    /// Glob pattern, e.g. `data/**/*.png`; relative patterns resolve against the current
    /// directory. `**` crosses folders, `*` does not; `{png,tif}` alternates.
    pub pattern: String,
    /// Glob patterns of files to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// `keep` (gray stays gray, RGB stays RGB), `gray` (skimage `rgb2gray`), or `rgb`.
    #[serde(default)]
    pub color: ColorMode,
    /// Images with more pixels than this fail (default 2^28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pixels: Option<u64>,
}

/// A filter step, chosen by `op`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// `skimage.filters.gaussian(image, sigma, mode=, cval=, truncate=)`, each colour channel
    /// filtered on its own.
    Gaussian(GaussianStep),
}

impl Step {
    /// The op's name as written in `op = "…"`.
    pub fn op_name(&self) -> &'static str {
        match self {
            Step::Gaussian(_) => "gaussian",
        }
    }
    /// The step's explicit `name`, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Step::Gaussian(s) => s.name.as_deref(),
        }
    }
    /// The step's `save` pattern, if any.
    pub fn save(&self) -> Option<&str> {
        match self {
            Step::Gaussian(s) => s.save.as_deref(),
        }
    }
    /// Every op name, for hints.
    pub const OPS: &'static [&'static str] = &["gaussian"];
}

/// Parameters of `op = "gaussian"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GaussianStep {
    /// The step's name (default: the op name, made unique: `gaussian`, `gaussian_2`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Also write this step's result to this pattern (placeholders as in `output.images`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<String>,
    /// Standard deviation in pixels: one number for both axes, or `[rows, columns]`.
    #[serde(default = "default_sigma")]
    pub sigma: Sigma,
    /// How the image is extended past its edges.
    #[serde(default)]
    pub mode: BoundaryMode,
    /// The value outside the image for `mode = "constant"`.
    #[serde(default)]
    pub cval: f64,
    /// The kernel is cut at `truncate` standard deviations (radius `floor(truncate*sigma + 0.5)`).
    #[serde(default = "default_truncate")]
    pub truncate: f64,
}

fn default_sigma() -> Sigma {
    Sigma::Scalar(1.0)
}
fn default_truncate() -> f64 {
    4.0
}

/// A standard deviation: one number for both axes, or `[rows, columns]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a number, or a list [sigma_rows, sigma_columns]"
)]
pub enum Sigma {
    Scalar(f64),
    PerAxis([f64; 2]),
}

/// A metric, chosen by `op`; its key in `[metrics]` is the results column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Metric {
    /// `np.var(image)` (population variance, numpy's pairwise summation).
    Variance(MetricOn),
    /// `np.mean(image)`.
    Mean(MetricOn),
    /// `np.std(image)`.
    Std(MetricOn),
    /// `np.min(image)`.
    Min(MetricOn),
    /// `np.max(image)`.
    Max(MetricOn),
    /// `np.sum(image)`.
    Sum(MetricOn),
}

impl Metric {
    pub const OPS: &'static [&'static str] = &["variance", "mean", "std", "min", "max", "sum"];

    pub fn op_name(&self) -> &'static str {
        match self {
            Metric::Variance(_) => "variance",
            Metric::Mean(_) => "mean",
            Metric::Std(_) => "std",
            Metric::Min(_) => "min",
            Metric::Max(_) => "max",
            Metric::Sum(_) => "sum",
        }
    }

    pub fn on(&self) -> Option<&str> {
        match self {
            Metric::Variance(m)
            | Metric::Mean(m)
            | Metric::Std(m)
            | Metric::Min(m)
            | Metric::Max(m)
            | Metric::Sum(m) => m.on.as_deref(),
        }
    }

    /// Builds the variant named `op` around `params`.
    pub fn from_op(op: &str, params: MetricOn) -> Option<Metric> {
        Some(match op {
            "variance" => Metric::Variance(params),
            "mean" => Metric::Mean(params),
            "std" => Metric::Std(params),
            "min" => Metric::Min(params),
            "max" => Metric::Max(params),
            "sum" => Metric::Sum(params),
            _ => return None,
        })
    }
}

/// Which image a metric reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricOn {
    /// `"input"`, or a step's name; default: the last step (the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
}

/// What to write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Output image pattern, e.g. `out/image_{index:02}.bmp`; the format follows the extension
    /// (bmp, png, jpg/jpeg, tif/tiff). Placeholders: `{index}`, `{index:02}`, `{index:2}`,
    /// `{stem}`, `{ext}`, `{dir}`, `{name}`, `{workflow}`, `{step}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<String>,
    /// Sample type of written images: `u8` (skimage `img_as_ubyte`), `u16` (`img_as_uint`;
    /// png, tiff) or `f32` (tiff). Default `u8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtype: Option<Dtype>,
    /// Results table, `.csv` or `.json`: one row per image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    /// Allow placeholders to lead outside the pattern's folder (`..` or absolute paths coming
    /// from input names or the workflow name). Off by default.
    #[serde(default)]
    pub allow_outside: bool,
}

/// An expectation: an image count (`ok`, `failed`) or bounds on a metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a whole number (for `ok`/`failed`) or a table { min, max }"
)]
pub enum Expectation {
    Count(u64),
    Bounds(Bounds),
}

/// Bounds checked on every image's value of a metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Smallest allowed value (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest allowed value (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Names every step: an explicit `name` as written, otherwise the op name made unique
/// (`gaussian`, `gaussian_2`, …), skipping names taken explicitly. Input: `(name, op)` per step.
pub fn step_names(steps: &[(Option<&str>, &str)]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = steps
        .iter()
        .filter_map(|(n, _)| n.map(str::to_string))
        .collect();
    steps
        .iter()
        .map(|(name, op)| match name {
            Some(n) => n.to_string(),
            None => {
                let mut candidate = op.to_string();
                let mut k = 2;
                while taken.contains(&candidate) {
                    candidate = format!("{op}_{k}");
                    k += 1;
                }
                taken.insert(candidate.clone());
                candidate
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique() {
        let names = step_names(&[
            (None, "gaussian"),
            (Some("gaussian_2"), "median"),
            (None, "gaussian"),
            (None, "gaussian"),
        ]);
        assert_eq!(
            names,
            ["gaussian", "gaussian_2", "gaussian_3", "gaussian_4"]
        );
    }
}
