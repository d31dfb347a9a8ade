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
pub mod paths;
pub mod pattern;
mod places;
pub mod schedule;

pub use compile::{compile, compile_with, Options as CompileOptions};
pub use paths::clean_path;

use crate::metrics::Measure;
use crate::ops::Kernel;
use crate::sinks::encode::{Dtype, ImageFormat};
use crate::source::decode::DecodeOptions;
use crate::source::noise::NoiseSpec;
use crate::state::StatePaths;
use inputs::InputSet;
use pattern::{Pattern, Vars};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A compiled workflow. Its jobs, one per image, are made on demand ([`Plan::job`]): only the
/// source's list of input files grows with the number of images.
#[derive(Clone, Debug)]
pub struct Plan {
    /// When each image of the graph is made, read and dropped.
    pub schedule: schedule::Schedule,
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
    /// The metric columns of the results table, in order (a metric per channel has three).
    pub metric_columns: Vec<String>,
    /// Every image writer: step saves first (in step order), then `output.images`.
    pub writers: Vec<Writer>,
    /// Every folder an output goes to (images and the results table), sorted, each once.
    pub output_dirs: Vec<PathBuf>,
    pub results: Option<ResultsPlan>,
    /// The run report's path (`output.report`); the plan then has a results table.
    pub report: Option<PathBuf>,
    pub expect: ExpectPlan,
    /// Where the resume state and the run lock live.
    pub state: StatePaths,
    /// The plan fingerprint ([`key::fingerprint`]), 32 hex digits.
    pub fingerprint: String,
    /// The input files, which no output may replace.
    pub inputs: Arc<InputSet>,
    /// Things the user should know that do not stop the run (printed by `check` and `run`).
    pub warnings: Vec<String>,
    /// Each input file's size and content hash as a frozen manifest lists them, by position
    /// (`flowrun run --manifest`): a file that differs fails its image. Empty: not checked.
    pub pins: Arc<[Option<Pin>]>,
}

/// An input file as a manifest froze it: its size and content hash ([`crate::state::input_hash`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub size: u64,
    pub hash: u128,
}

impl Pin {
    /// How `bytes` differ from the pinned file (`None`: they do not).
    pub fn differs(&self, bytes: &[u8]) -> Option<String> {
        if bytes.len() as u64 != self.size {
            Some(format!(
                "its size changed ({} bytes, the manifest says {})",
                bytes.len(),
                self.size
            ))
        } else if crate::state::input_hash(bytes) != self.hash {
            Some("its content changed".into())
        } else {
            None
        }
    }
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
            frame: self.source.frame(pos),
            pin: self.pins.get(pos).copied().flatten(),
            outputs: self.writers.iter().map(|w| w.render(&names)).collect(),
        }
    }

    /// The job of the glob source's file `file` as image `index`, whether or not it is among
    /// the files listed at compile time (a watched folder's new files).
    pub fn job_for(&self, file: PathBuf, index: u64) -> Job {
        let names = self.source.names_of(Some(&file), index, 0);
        Job {
            index,
            file: Some(file),
            frame: None,
            pin: None,
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
        /// With `frames = "each"`: every image, in index order, as (file, page) — a file's pages
        /// in order, files in `files` order. `None`: one image per file, its first page.
        pages: Option<Arc<[Page]>>,
    },
}

/// One image of a file source with `frames = "each"`: page `frame` of `files[file]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub file: u32,
    pub frame: u32,
}

impl SourcePlan {
    /// How many images.
    pub fn len(&self) -> usize {
        match self {
            SourcePlan::Noise { count, .. } => *count as usize,
            SourcePlan::Files {
                pages: Some(pages), ..
            } => pages.len(),
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
            SourcePlan::Files {
                files,
                pages: Some(pages),
                ..
            } => files
                .get(pages.get(pos)?.file as usize)
                .map(PathBuf::as_path),
            SourcePlan::Files { files, .. } => files.get(pos).map(PathBuf::as_path),
        }
    }

    /// Image `pos`'s page of its file, with `frames = "each"`.
    pub fn frame(&self, pos: usize) -> Option<u32> {
        match self {
            SourcePlan::Files {
                pages: Some(pages), ..
            } => pages.get(pos).map(|p| p.frame),
            _ => None,
        }
    }

    /// Image `pos`'s values of the per-image placeholders.
    pub fn names(&self, pos: usize) -> ImageNames {
        self.names_of(self.file(pos), pos as u64, self.frame(pos).unwrap_or(0))
    }

    /// The placeholders' values of image `index` read from page `frame` of `file` (glob
    /// sources; `None` for generated images).
    pub fn names_of(&self, file: Option<&Path>, index: u64, frame: u32) -> ImageNames {
        let text = |s: Option<&std::ffi::OsStr>| {
            s.map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match (self, file) {
            (SourcePlan::Files { root, .. }, Some(f)) => ImageNames {
                index,
                frame,
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
                frame: 0,
                stem: format!("noise_{index}"),
                ext: String::new(),
                dir: String::new(),
            },
        }
    }
}

/// One image's values of the per-image placeholders `{index}`, `{frame}`, `{stem}`, `{ext}` and
/// `{dir}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageNames {
    pub index: u64,
    /// The page of its file (0 unless `frames = "each"` gives a multi-page TIFF's later pages).
    pub frame: u32,
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
    /// Its page of the file, with `frames = "each"`.
    pub frame: Option<u32>,
    /// What its input file must be (a manifest's size and hash), when it is pinned.
    pub pin: Option<Pin>,
    /// One rendered output per writer, aligned with [`Plan::writers`].
    pub outputs: Vec<PathBuf>,
}

impl Job {
    /// The `input` column, which also keys the image in the resume state: the file's path
    /// (`path#frame` with `frames = "each"`: each page is an input of its own), or `noise:i`.
    pub fn input_label(&self) -> String {
        match (&self.file, self.frame) {
            (Some(p), Some(frame)) => format!("{}#{frame}", p.display()),
            (Some(p), None) => p.display().to_string(),
            (None, _) => format!("noise:{}", self.index),
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

impl NodeRef {
    /// The node's place in the order images are made: 0 for the input, `i + 1` for step `i`.
    pub fn index(self) -> usize {
        match self {
            NodeRef::Input => 0,
            NodeRef::Step(i) => i + 1,
        }
    }

    /// The node at place `t` of [`NodeRef::index`].
    pub fn at(t: usize) -> NodeRef {
        match t {
            0 => NodeRef::Input,
            t => NodeRef::Step(t - 1),
        }
    }
}

/// A compiled step: its op and the images it reads.
#[derive(Clone, Debug)]
pub struct StepPlan {
    pub name: String,
    /// The op's name.
    pub op: &'static str,
    pub kernel: Arc<dyn Kernel>,
    /// The nodes it reads, in order (earlier nodes only).
    pub inputs: Vec<NodeRef>,
}

/// A compiled metric: what it computes, on which image, and against which.
#[derive(Clone, Debug)]
pub struct MetricPlan {
    /// The results column.
    pub column: String,
    /// The metric's name.
    pub op: &'static str,
    pub measure: Arc<dyn Measure>,
    pub on: NodeRef,
    /// The image it compares with (metrics of two images).
    pub reference: Option<NodeRef>,
    /// One value per channel (`channel = "each"`: three columns) instead of one over all.
    pub each: bool,
    /// Its first column among the table's metric columns ([`Plan::metric_columns`]).
    pub first_column: usize,
}

/// How many channel columns a metric with `channel = "each"` has (RGB; a gray image fills the
/// first).
pub const CHANNEL_COLUMNS: usize = 3;

impl MetricPlan {
    /// Its columns in the results table: `column`, or `column[0]`, `column[1]`, `column[2]`.
    pub fn columns(&self) -> Vec<String> {
        if self.each {
            (0..CHANNEL_COLUMNS)
                .map(|c| format!("{}[{c}]", self.column))
                .collect()
        } else {
            vec![self.column.clone()]
        }
    }

    /// The node whose visit computes it: the later of the images it reads.
    pub fn node(&self) -> NodeRef {
        match self.reference {
            Some(r) if r.index() > self.on.index() => r,
            _ => self.on,
        }
    }
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
            frame: u64::from(names.frame),
            stem: &names.stem,
            ext: &names.ext,
            dir: &names.dir,
            ..Vars::default()
        }))
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
