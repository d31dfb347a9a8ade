//! Compiling a workflow into a validated, ready-to-run plan. [`compile`] checks everything at once
//! — values, names, patterns, inputs, output collisions — and reports every problem with its
//! position; a plan that compiles holds only validated values, so running it cannot hit a
//! configuration error. The per-image task graph is implicit in the plan: load → steps in order →
//! saves, with each metric hanging off the node it reads ([`graph`] prints it).
mod compile;
pub mod graph;
pub mod pattern;

pub use compile::compile;

use crate::metrics::MetricKind;
use crate::ops::Op;
use crate::sinks::encode::{Dtype, ImageFormat};
use crate::source::decode::DecodeOptions;
use crate::source::noise::NoiseSpec;
use std::path::PathBuf;

/// A compiled workflow.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The workflow's `name`.
    pub name: String,
    /// The workflow file's stem.
    pub workflow: String,
    /// The workflow file as given, and blake3 of its text and the `--set` overrides.
    pub workflow_file: String,
    pub workflow_hash: String,
    /// Where images come from.
    pub source: SourcePlan,
    /// One job per image, in index order.
    pub jobs: Vec<Job>,
    pub steps: Vec<StepPlan>,
    pub metrics: Vec<MetricPlan>,
    /// Every image writer: step saves first (in step order), then `output.images`.
    pub writers: Vec<Writer>,
    pub results: Option<ResultsPlan>,
    pub expect: ExpectPlan,
}

/// How a job's input image is produced.
#[derive(Clone, Debug)]
pub enum SourcePlan {
    Noise(NoiseSpec),
    Files {
        root: PathBuf,
        decode: DecodeOptions,
    },
}

/// One image's work: its index, its input and the paths its writers render to.
#[derive(Clone, Debug)]
pub struct Job {
    pub index: u64,
    /// The input file (glob sources); `None` for generated images.
    pub file: Option<PathBuf>,
    /// One rendered output per writer, aligned with [`Plan::writers`].
    pub outputs: Vec<(PathBuf, ImageFormat)>,
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
    pub pattern: String,
    pub dtype: Dtype,
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
