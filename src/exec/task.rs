//! One image through the plan: load → steps → metrics and encoded outputs → atomic writes. Any
//! failure (decode, out-of-range values, a write) makes the image a failed row, and every file it
//! had written is removed again, so a failed image leaves no output behind.

use crate::metrics::MetricKind;
use crate::plan::{Job, NodeRef, Plan, SourcePlan};
use crate::sinks::atomic::write_atomic;
use crate::sinks::encode::encode;
use crate::sinks::results::Row;
use crate::source::{decode::decode_file, noise::noise_image};
use crate::Image;
use std::path::PathBuf;
use std::time::Instant;

/// Runs one job; never panics outward (a panic becomes a failed row).
pub fn run_image(plan: &Plan, job: &Job) -> Row {
    let start = Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(plan, job)))
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

fn load(plan: &Plan, job: &Job) -> Result<Image, String> {
    match (&plan.source, &job.file) {
        (SourcePlan::Noise(spec), _) => Ok(noise_image(spec, job.index)),
        (SourcePlan::Files { decode, .. }, Some(path)) => {
            decode_file(path, decode).map_err(|e| format!("{}: {e}", path.display()))
        }
        (SourcePlan::Files { .. }, None) => Err("no input file".into()),
    }
}

/// Metric values, in plan order; outputs are written before returning Ok.
fn process(plan: &Plan, job: &Job) -> Result<Vec<f64>, String> {
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
    let mut img = load(plan, job)?;
    visit(NodeRef::Input, &img)?;
    for (i, step) in plan.steps.iter().enumerate() {
        img = step.op.apply(&img);
        visit(NodeRef::Step(i), &img)?;
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
