//! One image through the plan: load → steps → metrics and encoded outputs → atomic writes. Any
//! failure (decode, out-of-range values, a write) makes the image a failed row, and every file it
//! had written is removed again, so a failed image leaves no output behind.

use crate::metrics::MetricKind;
use crate::ops::OpScratch;
use crate::plan::{Job, NodeRef, Plan, SourcePlan};
use crate::sinks::atomic::write_atomic;
use crate::sinks::encode::encode;
use crate::sinks::results::Row;
use crate::source::{decode::decode_file, noise::noise_into};
use crate::Image;
use std::path::PathBuf;
use std::time::Instant;

/// One worker's reusable buffers: the current and next image and the ops' working memory, so a
/// run over same-sized images allocates no pixel memory after the first image.
#[derive(Default)]
pub struct Scratch {
    cur: Image,
    next: Image,
    ops: OpScratch,
}

/// Runs one job; never panics outward (a panic becomes a failed row).
pub fn run_image(plan: &Plan, job: &Job, scratch: &mut Scratch) -> Row {
    let start = Instant::now();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(plan, job, scratch)))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("internal error (please report): {msg}"))
            });
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    let input = job.input_label();
    match outcome {
        Ok(metrics) => Row {
            index: job.index,
            input,
            error: None,
            metrics,
            outputs: job
                .outputs
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect(),
            elapsed_ms,
        },
        Err(error) => Row {
            index: job.index,
            input,
            error: Some(error),
            metrics: vec![f64::NAN; plan.metrics.len()],
            outputs: vec![String::new(); plan.writers.len()],
            elapsed_ms,
        },
    }
}

/// Loads (or generates) the job's input into `img`.
fn load(plan: &Plan, job: &Job, img: &mut Image) -> Result<(), String> {
    match (&plan.source, &job.file) {
        (SourcePlan::Noise(spec), _) => {
            noise_into(spec, job.index, &mut img.data);
            (img.height, img.width, img.channels) = (spec.height, spec.width, 1);
            Ok(())
        }
        (SourcePlan::Files { decode, .. }, Some(path)) => {
            *img = decode_file(path, decode).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(())
        }
        (SourcePlan::Files { .. }, None) => Err("no input file".into()),
    }
}

/// Metric values, in plan order; outputs are written before returning Ok.
fn process(plan: &Plan, job: &Job, scratch: &mut Scratch) -> Result<Vec<f64>, String> {
    let mut metrics = vec![f64::NAN; plan.metrics.len()];
    let mut encoded: Vec<(PathBuf, Vec<u8>)> = Vec::with_capacity(job.outputs.len());
    let mut visit = |node: NodeRef, img: &Image| -> Result<(), String> {
        for (m, mp) in plan
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.on == node)
        {
            metrics[m] = measure(mp.kind, img);
        }
        for (w, writer) in plan
            .writers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.node == node)
        {
            let (path, format) = &job.outputs[w];
            let bytes = encode(img, *format, writer.dtype)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            encoded.push((path.clone(), bytes));
        }
        Ok(())
    };
    let Scratch { cur, next, ops } = scratch;
    load(plan, job, cur)?;
    visit(NodeRef::Input, cur)?;
    for (i, step) in plan.steps.iter().enumerate() {
        step.op.apply_into(cur, next, ops);
        std::mem::swap(cur, next);
        visit(NodeRef::Step(i), cur)?;
    }
    commit(&encoded)?;
    Ok(metrics)
}

fn measure(kind: MetricKind, img: &Image) -> f64 {
    kind.compute(&img.data)
}

/// Writes every file, or none: on a failure the ones already written are removed.
fn commit(files: &[(PathBuf, Vec<u8>)]) -> Result<(), String> {
    for (k, (path, bytes)) in files.iter().enumerate() {
        if let Err(e) = write_atomic(path, bytes) {
            for (done, _) in &files[..k] {
                let _ = std::fs::remove_file(done);
            }
            return Err(format!("cannot write `{}`: {e}", path.display()));
        }
    }
    Ok(())
}
