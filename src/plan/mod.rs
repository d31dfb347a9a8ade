//! Compiling a workflow into a validated, ready-to-run plan. [`compile`] checks everything at once
//! — values, names, patterns, inputs, output collisions — and reports every problem with its
//! position; a plan that compiles holds only validated values, so running it cannot hit a
//! configuration error. The per-image task graph is implicit in the plan: load → steps in order →
//! saves, with each metric hanging off the node it reads ([`graph`] prints it).
mod claims;
mod compile;
pub mod graph;
pub mod inputs;
pub mod key;
pub mod pattern;
mod places;

pub use compile::compile;

use crate::metrics::MetricKind;
use crate::ops::Op;
use crate::sinks::encode::{Dtype, ImageFormat};
use crate::source::decode::DecodeOptions;
use crate::source::noise::NoiseSpec;
use crate::state::StatePaths;
use inputs::InputSet;
use pattern::{Pattern, Vars};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// A compiled workflow. Its jobs, one per image, are made on demand ([`Plan::job`]): only the
/// source's list of input files grows with the number of images.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The workflow's `name`.
    pub name: String,
    /// The workflow file's stem.
    pub workflow: String,
    /// The workflow file as given, and blake3 of its text and the `--set` overrides.
    pub workflow_file: String,
    pub workflow_hash: String,
    /// Where images come from, and how many there are.
    pub source: SourcePlan,
    pub steps: Vec<StepPlan>,
    pub metrics: Vec<MetricPlan>,
    /// Every image writer: step saves first (in step order), then `output.images`.
    pub writers: Vec<Writer>,
    /// Every folder an output goes to (images and the results table), sorted, each once.
    pub output_dirs: Vec<PathBuf>,
    pub results: Option<ResultsPlan>,
    pub expect: ExpectPlan,
    /// Where the resume state and the run lock live.
    pub state: StatePaths,
    /// The plan fingerprint ([`key::fingerprint`]), 32 hex digits.
    pub fingerprint: String,
    /// The input files, which no output may replace.
    pub inputs: Arc<InputSet>,
    /// Things the user should know that do not stop the run (printed by `check` and `run`).
    pub warnings: Vec<String>,
}

impl Plan {
    /// How many images (and jobs) there are.
    pub fn job_count(&self) -> usize {
        self.source.len()
    }

    /// The job of image `pos` (below [`Plan::job_count`]; its index is `pos`), its outputs
    /// rendered.
    pub fn job(&self, pos: usize) -> Job {
        let names = self.source.names(pos);
        Job {
            index: names.index,
            file: self.source.file(pos).map(Path::to_path_buf),
            outputs: self.writers.iter().map(|w| w.render(&names)).collect(),
        }
    }
}

/// How a job's input image is produced.
#[derive(Clone, Debug)]
pub enum SourcePlan {
    /// `count` generated images.
    Noise { spec: NoiseSpec, count: u64 },
    /// The matched files, in index order; `root` is the glob's fixed folder (`{dir}` is
    /// relative to it).
    Files {
        root: PathBuf,
        files: Arc<[PathBuf]>,
        decode: DecodeOptions,
    },
}

impl SourcePlan {
    /// How many images.
    pub fn len(&self) -> usize {
        match self {
            SourcePlan::Noise { count, .. } => *count as usize,
            SourcePlan::Files { files, .. } => files.len(),
        }
    }

    /// Whether there are no images (never, once compiled).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `pos`'s input file (glob sources).
    pub fn file(&self, pos: usize) -> Option<&Path> {
        match self {
            SourcePlan::Noise { .. } => None,
            SourcePlan::Files { files, .. } => files.get(pos).map(PathBuf::as_path),
        }
    }

    /// Image `pos`'s values of the per-image placeholders.
    pub fn names(&self, pos: usize) -> ImageNames {
        let index = pos as u64;
        let text = |s: Option<&std::ffi::OsStr>| {
            s.map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match (self, self.file(pos)) {
            (SourcePlan::Files { root, .. }, Some(f)) => ImageNames {
                index,
                stem: text(f.file_stem()),
                ext: text(f.extension()),
                dir: text(
                    f.parent()
                        .and_then(|p| p.strip_prefix(root).ok())
                        .map(Path::as_os_str),
                ),
            },
            _ => ImageNames {
                index,
                stem: format!("noise_{index}"),
                ext: String::new(),
                dir: String::new(),
            },
        }
    }
}

/// One image's values of the per-image placeholders `{index}`, `{stem}`, `{ext}` and `{dir}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageNames {
    pub index: u64,
    /// The input file's name without extension; `noise_<index>` for generated images.
    pub stem: String,
    /// The input file's extension without the dot (empty for generated images).
    pub ext: String,
    /// The input file's folder relative to the glob's fixed folder (empty at the top).
    pub dir: String,
}

/// One image's work: its index, its input and the paths its writers render to.
#[derive(Clone, Debug)]
pub struct Job {
    pub index: u64,
    /// The input file (glob sources); `None` for generated images.
    pub file: Option<PathBuf>,
    /// One rendered output per writer, aligned with [`Plan::writers`].
    pub outputs: Vec<PathBuf>,
}

impl Job {
    /// The `input` column: the file's path, or `noise:i`.
    pub fn input_label(&self) -> String {
        match &self.file {
            Some(p) => p.display().to_string(),
            None => format!("noise:{}", self.index),
        }
    }
}

/// The image format an output path names, by its extension (compile checks every output has
/// one).
pub fn output_format(path: &Path) -> Option<ImageFormat> {
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(ImageFormat::from_extension)
}

/// A node of the per-image graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeRef {
    /// The loaded (or generated) image.
    Input,
    /// The result of step `i`.
    Step(usize),
}

#[derive(Clone, Debug)]
pub struct StepPlan {
    pub name: String,
    pub op: Op,
}

#[derive(Clone, Debug)]
pub struct MetricPlan {
    /// The results column.
    pub column: String,
    pub kind: MetricKind,
    pub on: NodeRef,
}

/// Writes one node's image for every job.
#[derive(Clone, Debug)]
pub struct Writer {
    pub node: NodeRef,
    /// The results column holding the path: `output`, or `save_<step>`.
    pub column: String,
    /// The output path pattern, with the placeholders that are the same for every image
    /// (`{name}`, `{workflow}`, `{step}`) filled in.
    pub pattern: Pattern,
    pub dtype: Dtype,
}

impl Writer {
    /// The path this writer's output of an image goes to ([`clean_path`]ed).
    pub fn render(&self, names: &ImageNames) -> PathBuf {
        clean_path(&self.pattern.render(&Vars {
            index: names.index,
            stem: &names.stem,
            ext: &names.ext,
            dir: &names.dir,
            ..Vars::default()
        }))
    }
}

/// `text` as a path without empty or `.` components (`out//x.png` and `./out/./x.png` are
/// `out/x.png`); `..` is kept (only the filesystem knows where it leads through a symlink).
pub fn clean_path(text: &str) -> PathBuf {
    let path = Path::new(text);
    if !text.contains("//") && !text.contains("./") && !text.ends_with("/.") {
        return path.to_path_buf();
    }
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsFormat {
    Csv,
    Json,
}

#[derive(Clone, Debug)]
pub struct ResultsPlan {
    pub path: PathBuf,
    pub format: ResultsFormat,
}

/// `[expect]`, compiled.
#[derive(Clone, Debug, Default)]
pub struct ExpectPlan {
    pub ok: Option<u64>,
    pub failed: Option<u64>,
    /// (metric index into [`Plan::metrics`], min, max)
    pub bounds: Vec<(usize, Option<f64>, Option<f64>)>,
}
