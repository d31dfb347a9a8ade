//! The workflow file as written: serde types only, strict (`deny_unknown_fields` everywhere), no
//! logic. Doc comments double as the JSON-schema descriptions (`flowrun schema`).

use crate::metrics::DynMetric;
use crate::ops::DynOp;
use crate::sinks::encode::Dtype;
use crate::source::decode::{ColorMode, Frames};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A flowrun workflow: one pipeline run over many images. (This type describes the file for the
/// JSON schema; loading reads the file section by section into [`crate::config::Draft`].)
#[derive(JsonSchema)]
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
    /// Filter steps: each reads the previous step's image (or `from` / `inputs`).
    #[serde(default)]
    pub steps: Vec<StepSchema>,
    /// Per-image metrics; each key is a column of the results table.
    #[serde(default)]
    pub metrics: IndexMap<String, MetricSchema>,
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
    /// `first` (one image per file: a multi-page TIFF's first page), or `each` (every page of a
    /// multi-page TIFF is an image, `skimage.io.imread(path, key=frame)`, numbered by
    /// `{frame}` in output patterns).
    #[serde(default, skip_serializing_if = "is_first")]
    pub frames: Frames,
}

fn is_first(f: &Frames) -> bool {
    *f == Frames::First
}

/// A step as written: the keys every step has, and its op's own parameters.
#[derive(Clone, Debug)]
pub struct StepDecl {
    /// `op`, as the registry names it.
    pub op: &'static str,
    /// `name` (default: the op name made unique).
    pub name: Option<String>,
    /// `save`: also write this step's result to this pattern.
    pub save: Option<String>,
    /// `from`: the node it reads (default: the previous step, or the input).
    pub from: Option<String>,
    /// `inputs`: the nodes an op with several inputs reads, in order.
    pub inputs: Option<Vec<String>>,
    /// The op's own parameters.
    pub params: Box<dyn DynOp>,
}

impl PartialEq for StepDecl {
    fn eq(&self, o: &Self) -> bool {
        (&self.op, &self.name, &self.save, &self.from, &self.inputs)
            == (&o.op, &o.name, &o.save, &o.from, &o.inputs)
            && *self.params == *o.params
    }
}

/// The keys every step has (besides `op`); the rest of a step's table are its op's parameters.
pub const STEP_KEYS: &[&str] = &["name", "save", "from", "inputs"];

/// A metric as written: the keys every metric has, and its own parameters.
#[derive(Clone, Debug)]
pub struct MetricDecl {
    /// `op`, as the registry names it.
    pub op: &'static str,
    /// `on`: the node it reads (default: the last step).
    pub on: Option<String>,
    /// `reference`: the node it compares with (metrics of two images).
    pub reference: Option<String>,
    /// `channel`: over all samples of a colour image (`all`, numpy's default), or per channel
    /// (`each`: columns `name[0]`, `name[1]`, `name[2]`).
    pub channel: Option<String>,
    /// The metric's own parameters.
    pub params: Box<dyn DynMetric>,
}

impl PartialEq for MetricDecl {
    fn eq(&self, o: &Self) -> bool {
        (&self.op, &self.on, &self.reference, &self.channel)
            == (&o.op, &o.on, &o.reference, &o.channel)
            && *self.params == *o.params
    }
}

/// The keys every metric has (besides `op`).
pub const METRIC_KEYS: &[&str] = &["on", "reference", "channel"];

/// The schema of a step: one alternative per op of the registry, each its parameters plus the
/// keys every step has.
pub struct StepSchema;

impl JsonSchema for StepSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one_of: Vec<serde_json::Value> = crate::ops::OPS
            .iter()
            .map(|e| {
                let mut s = (e.schema)(generator);
                let mut common = vec![
                    ("op", serde_json::json!({ "const": e.name, "description": e.equals })),
                    ("name", serde_json::json!({
                        "description": "The step's name (default: the op name, made unique: `gaussian`, `gaussian_2`, …); `{step}` in patterns.",
                        "type": "string" })),
                    ("save", serde_json::json!({
                        "description": "Also write this step's result to this pattern (placeholders as in `output.images`).",
                        "type": "string" })),
                ];
                if e.inputs == 1 {
                    common.push(("from", serde_json::json!({
                        "description": "The image this step reads: `input`, or an earlier step's name (default: the previous step).",
                        "type": "string" })));
                } else {
                    common.push(("inputs", serde_json::json!({
                        "description": format!("The {} images this step reads, in order: `input` or earlier steps' names.", e.inputs),
                        "type": "array", "items": { "type": "string" },
                        "minItems": e.inputs, "maxItems": e.inputs })));
                }
                with_common(&mut s, e.name, &common, e.inputs > 1, "inputs");
                s.to_value()
            })
            .collect();
        schemars::json_schema!({
            "description": "A filter step, chosen by `op`.",
            "oneOf": one_of,
        })
    }
}

/// The schema of a metric: one alternative per metric of the registry.
pub struct MetricSchema;

impl JsonSchema for MetricSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Metric".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one_of: Vec<serde_json::Value> = crate::metrics::METRICS
            .iter()
            .map(|e| {
                let mut s = (e.schema)(generator);
                let mut common = vec![
                    ("op", serde_json::json!({ "const": e.name, "description": e.equals })),
                    ("on", serde_json::json!({
                        "description": "The image it reads: `input` or a step's name (default: the last step).",
                        "type": "string" })),
                ];
                if e.reference {
                    common.push(("reference", serde_json::json!({
                        "description": "The image it compares with: `input` or a step's name.",
                        "type": "string" })));
                }
                common.push(("channel", serde_json::json!({
                    "description": "`all`: over every sample of a colour image, as numpy (the default); `each`: one column per channel, `name[0]`, `name[1]`, `name[2]`.",
                    "enum": ["all", "each"] })));
                with_common(&mut s, e.name, &common, e.reference, "reference");
                s.to_value()
            })
            .collect();
        schemars::json_schema!({
            "description": "A metric, chosen by `op`; its key in `[metrics]` is the results column.",
            "oneOf": one_of,
        })
    }
}

/// Adds the keys every step (or metric) has to the schema of its parameters, and makes `op`
/// (and `also`, when `also_required`) required.
fn with_common(
    s: &mut schemars::Schema,
    title: &str,
    common: &[(&str, serde_json::Value)],
    also_required: bool,
    also: &str,
) {
    let Some(obj) = s.as_object_mut() else {
        return;
    };
    obj.insert("title".into(), title.into());
    obj.insert("type".into(), "object".into());
    obj.insert("additionalProperties".into(), false.into());
    let props = obj
        .entry("properties")
        .or_insert_with(|| serde_json::json!({}));
    if let Some(props) = props.as_object_mut() {
        let own = std::mem::take(props);
        for (k, v) in common {
            props.insert((*k).into(), v.clone());
        }
        props.extend(own);
    }
    let mut required = vec![serde_json::Value::from("op")];
    if also_required {
        required.push(also.into());
    }
    if let Some(r) = obj.get("required").and_then(|r| r.as_array()) {
        required.extend(r.iter().cloned());
    }
    obj.insert("required".into(), required.into());
}

/// What to write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Output image pattern, e.g. `out/image_{index:02}.bmp`; the format follows the extension
    /// (bmp, png, jpg/jpeg, tif/tiff, npy). Placeholders: `{index}`, `{index:02}`, `{index:2}`,
    /// `{stem}`, `{ext}`, `{dir}`, `{name}`, `{workflow}`, `{step}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<String>,
    /// Sample type of written images: `u8` (skimage `img_as_ubyte`), `u16` (`img_as_uint`;
    /// png, tiff, npy), `f32` or `f64` (tiff, npy: the values as they are). Default `u8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtype: Option<Dtype>,
    /// Results table, `.csv` or `.json`: one row per image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    /// Run report, a self-contained HTML page written at the end of each run (needs `results`):
    /// failures, each metric's histogram and outliers, where the time went, every image with
    /// thumbnails. Placeholders: `{name}`, `{workflow}`. `flowrun report` rebuilds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
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
