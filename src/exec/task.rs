//! One image through the plan: load → steps → metrics and encoded outputs → atomic writes. Any
//! failure (decode, out-of-range values, a write) makes the image a failed row, and every file it
//! had written is removed again — and so are the outputs an earlier run recorded for it — so a
//! failed image leaves no output behind.

use crate::metrics::{pairwise_sum, VarianceStream};
use crate::ops::OpScratch;
use crate::plan::{output_format, Job, NodeRef, Plan, SourcePlan};
use crate::sinks::atomic::{write_atomic_in, Folders};
use crate::sinks::encode::encode_into_rows;
use crate::sinks::results::{Row, RowStatus};
use crate::source::decode::{decode_bytes_with_notes, Notes};
use crate::source::noise::{noise_into, noise_into_summed};
use crate::state::{hex, input_hash, output_hash, Current, Entry, Record, StateIndex, Status};
use crate::Image;
use std::path::Path;
use std::time::Instant;

/// One worker's reusable buffers: the image the steps work on in place and the ops' working
/// memory, so a run over same-sized images allocates no pixel memory after the first image.
#[derive(Default)]
pub struct Scratch {
    img: Image,
    ops: OpScratch,
    /// One encoded-file buffer per writer.
    files: Vec<Vec<u8>>,
    /// The output folder last written to, held open.
    folders: Folders,
    /// What decoding the current image had to say.
    notes: Notes,
}

impl Scratch {
    /// Buffers for a worker of `plan`'s run (its writes never replace an input file).
    pub fn for_plan(plan: &Plan) -> Scratch {
        Scratch {
            folders: Folders::protecting(plan.inputs.clone()),
            ..Scratch::default()
        }
    }
}

/// Input files larger than this are refused before reading (a guard against reading, say, a
/// disk image by mistake; real images are far smaller).
const MAX_FILE_BYTES: u64 = 4 << 30;

/// What the run knows about earlier runs: the recorded state, and whether to ignore it.
pub struct Resume<'a> {
    pub index: &'a StateIndex,
    /// Recompute every image, up to date or not.
    pub force: bool,
}

/// What became of one image.
pub struct Outcome {
    pub row: Row,
    /// What the image's new record needs (computed images, ok or failed).
    pub record: Option<Record>,
    /// The image was up to date and not recomputed.
    pub skipped: bool,
    /// Things worth saying once per run that happened to this image.
    pub notes: Vec<&'static str>,
}

/// Reads a job's input file (`None` for generated images).
pub(super) fn read_input(job: &Job) -> Result<Option<Vec<u8>>, String> {
    let Some(path) = &job.file else {
        return Ok(None);
    };
    let fail = |e: std::io::Error| format!("{}: cannot read: {e}", path.display());
    let len = std::fs::metadata(path).map_err(fail)?.len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "{}: file is {len} bytes, over the {MAX_FILE_BYTES}-byte limit",
            path.display()
        ));
    }
    std::fs::read(path).map(Some).map_err(fail)
}

/// Why `job` must be computed, given its input and its record (`None`: it is up to date).
pub(super) fn why_run(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    recorded: Option<&Entry>,
) -> Option<String> {
    let Some(entry) = recorded else {
        return Some("not run before".into());
    };
    let hash = input.map(|b| hex(input_hash(b)));
    entry.why_stale(&Current {
        plan: &plan.fingerprint,
        input_hash: hash.as_deref(),
        outputs: &job.outputs,
    })
}

/// Runs one job — or skips it when `resume` shows it up to date. Never panics outward (a panic
/// becomes a failed row).
pub fn run_job(plan: &Plan, job: &Job, scratch: &mut Scratch, resume: &Resume) -> Outcome {
    let start = Instant::now();
    let label = job.input_label();
    let recorded = resume.index.get(&label);
    let input = match read_input(job) {
        Ok(bytes) => bytes,
        Err(e) => {
            let row = failed_row(plan, job, label, e, recorded.as_ref(), start);
            return Outcome {
                row,
                record: Some(Record::default()),
                skipped: false,
                notes: Vec::new(),
            };
        }
    };
    if !resume.force {
        if let Some(e) = &recorded {
            if why_run(plan, job, input.as_deref(), Some(e)).is_none() {
                return Outcome {
                    row: e.row(job.index),
                    record: None,
                    skipped: true,
                    notes: Vec::new(),
                };
            }
        }
    }
    let input_hash = input.as_deref().map(input_hash);
    scratch.notes = Notes::default();
    let (mut row, outputs) = run_image(plan, job, input.as_deref(), scratch, start);
    if !row.ok() {
        let note = remove_recorded_outputs(plan, recorded.as_ref());
        if let (Some(e), Some(note)) = (row.error.as_mut(), note) {
            e.push_str("; ");
            e.push_str(&note);
        }
    }
    let orphans = if row.ok() {
        Record::orphans_of(recorded.as_ref(), &row.outputs)
    } else {
        Vec::new()
    };
    Outcome {
        row,
        record: Some(Record {
            input_hash,
            outputs,
            orphans,
        }),
        skipped: false,
        notes: scratch.notes.warnings().collect(),
    }
}

/// A failed row for `job`, with the recorded outputs of an earlier success removed.
fn failed_row(
    plan: &Plan,
    job: &Job,
    label: String,
    error: String,
    recorded: Option<&Entry>,
    start: Instant,
) -> Row {
    let mut error = error;
    if let Some(note) = remove_recorded_outputs(plan, recorded) {
        error.push_str("; ");
        error.push_str(&note);
    }
    let mut row = Row::empty(
        job.index,
        label,
        RowStatus::Failed,
        Some(error),
        (plan.metrics.len(), plan.writers.len()),
    );
    row.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    row
}

/// Removes the outputs an earlier successful run recorded for an image that now fails (those
/// that still hold what flowrun wrote, and are no input file), so that no output exists for a
/// failed image; says what it did, for the row.
fn remove_recorded_outputs(plan: &Plan, recorded: Option<&Entry>) -> Option<String> {
    let entry = recorded.filter(|e| e.status == Status::Ok)?;
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (path, hash) in &entry.outputs {
        let p = Path::new(path);
        let ours = std::fs::read(p).is_ok_and(|b| hex(output_hash(&b)) == *hash);
        if !ours {
            if p.exists() {
                kept.push(format!("`{path}` (changed since flowrun wrote it)"));
            }
            continue;
        }
        if plan.inputs.holds(p) {
            kept.push(format!("`{path}` (it is an input file)"));
        } else if std::fs::remove_file(p).is_ok() {
            removed.push(format!("`{path}`"));
        }
    }
    let mut parts = Vec::new();
    if !removed.is_empty() {
        parts.push(format!(
            "removed its earlier output{} {}",
            if removed.len() == 1 { "" } else { "s" },
            removed.join(", ")
        ));
    }
    if !kept.is_empty() {
        parts.push(format!("kept {}", kept.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Computes one image from its input bytes; returns its row and the [`output_hash`] of every
/// output. Never panics outward (a panic becomes a failed row).
pub fn run_image(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    scratch: &mut Scratch,
    start: Instant,
) -> (Row, Vec<u128>) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process(plan, job, input, scratch)
    }))
    .unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(format!("internal error (please report): {msg}"))
    });
    match outcome {
        Ok((metrics, hashes)) => (
            Row {
                index: job.index,
                input: job.input_label(),
                status: RowStatus::Ok,
                error: None,
                metrics,
                outputs: job
                    .outputs
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect(),
                elapsed_ms: start.elapsed().as_secs_f64() * 1e3,
            },
            hashes,
        ),
        Err(error) => {
            let mut row = Row::empty(
                job.index,
                job.input_label(),
                RowStatus::Failed,
                Some(error),
                (plan.metrics.len(), plan.writers.len()),
            );
            row.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
            (row, Vec::new())
        }
    }
}

/// Loads (or generates) the job's input into `img`; with `sum`, returns `np.sum` of it if it
/// was taken while generating (see [`Op::apply_in_place_along`](crate::ops::Op)).
fn load(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    img: &mut Image,
    notes: &mut Notes,
    sum: bool,
) -> Result<Option<f64>, String> {
    match (&plan.source, &job.file, input) {
        (SourcePlan::Noise { spec, .. }, _, _) => {
            let sum = if sum {
                Some(noise_into_summed(spec, job.index, &mut img.data))
            } else {
                noise_into(spec, job.index, &mut img.data);
                None
            };
            (img.height, img.width, img.channels) = (spec.height, spec.width, 1);
            Ok(sum)
        }
        (SourcePlan::Files { decode, .. }, Some(path), Some(bytes)) => {
            let (decoded, n) = decode_bytes_with_notes(bytes, decode)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            *img = decoded;
            *notes = n;
            Ok(None)
        }
        (SourcePlan::Files { .. }, _, _) => Err("no input file".into()),
    }
}

/// Metric values, in plan order, and the [`output_hash`] of each output; outputs are written before
/// returning Ok.
fn process(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    scratch: &mut Scratch,
) -> Result<(Vec<f64>, Vec<u128>), String> {
    let mut metrics = vec![f64::NAN; plan.metrics.len()];
    let Scratch {
        img,
        ops,
        files,
        folders,
        notes,
    } = scratch;
    files.resize_with(plan.writers.len(), Vec::new);
    // The writers whose files were encoded.
    let mut encoded: Vec<usize> = Vec::with_capacity(plan.writers.len());
    // The metrics on `node`, with their places in the row.
    let on = |node: NodeRef| {
        plan.metrics
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.on == node)
    };
    // Whether a metric on `node` starts from the sum of its samples: the source or op producing
    // it then takes the sum on the way, while the samples are in cache.
    let wants_sum = |node: NodeRef| on(node).any(|(_, m)| m.kind.uses_sum());
    // A node whose only uses are moment metrics (mean, sum, variance, std), at least one a
    // variance, and which the next step reads: the variance's second pass rides along that
    // step's reading of it (see `Op::apply_in_place_along`) instead of being a pass of its own.
    let rides = |node: NodeRef| {
        !plan.writers.iter().any(|w| w.node == node)
            && on(node).all(|(_, m)| m.kind.uses_sum())
            && on(node).any(|(_, m)| m.kind.uses_variance())
    };
    let mut visit =
        |node: NodeRef, img: &Image, sum: Option<f64>, metrics: &mut [f64]| -> Result<(), String> {
            // The variance's second pass (squared deviations) rides along the first encoder that
            // reads the image row by row; whatever it does not read is summed after the writers.
            let mut var = on(node).any(|(_, m)| m.kind.uses_variance()).then(|| {
                let sum = sum.unwrap_or_else(|| pairwise_sum(&img.data));
                (sum, VarianceStream::new(img.data.len(), sum))
            });
            let sum = sum.or(var.as_ref().map(|(s, _)| *s));
            let row_len = img.width * img.channels;
            for (w, writer) in plan
                .writers
                .iter()
                .enumerate()
                .filter(|(_, w)| w.node == node)
            {
                let path = &job.outputs[w];
                let cannot = |e: String| {
                    format!(
                        "{}: cannot write `{}`: {e}",
                        job.input_label(),
                        path.display()
                    )
                };
                // Compile checked every output's format; this is never `None`.
                let format =
                    output_format(path).ok_or_else(|| cannot("unknown image format".into()))?;
                let mut rows_read = |rows: usize| {
                    if let Some((_, v)) = var.as_mut() {
                        v.advance(&img.data, rows * row_len);
                    }
                };
                encode_into_rows(img, format, writer.dtype, &mut files[w], &mut rows_read)
                    .map_err(|e| cannot(e.to_string()))?;
                encoded.push(w);
            }
            let var = var.map(|(_, v)| v.finish(&img.data));
            for (m, mp) in on(node) {
                metrics[m] = mp.kind.compute_given(&img.data, sum, var);
            }
            Ok(())
        };
    // Each node is visited (metrics, saves) as soon as it exists, or while the next step reads
    // it, so every step can overwrite its input.
    let mut node = NodeRef::Input;
    let mut sum = load(plan, job, input, img, notes, wants_sum(node))?;
    for (i, step) in plan.steps.iter().enumerate() {
        let next = NodeRef::Step(i);
        if rides(node) {
            let n = img.data.len();
            let s = sum.unwrap_or_else(|| pairwise_sum(&img.data));
            let mut var = VarianceStream::new(n, s);
            sum = step.op.apply_in_place_along(
                img,
                ops,
                &mut |src, k| var.advance(src, k),
                wants_sum(next),
            );
            let var = var
                .total()
                .ok_or("internal error (please report): the step left its input unread")?;
            for (m, mp) in on(node) {
                metrics[m] = mp.kind.from_moments(n, s, var);
            }
        } else {
            visit(node, img, sum, &mut metrics)?;
            sum = step
                .op
                .apply_in_place_along(img, ops, &mut |_, _| {}, wants_sum(next));
        }
        node = next;
    }
    visit(node, img, sum, &mut metrics)?;
    // Writer order, which is the order of the outputs in the row and the resume state.
    encoded.sort_unstable();
    let files: Vec<(&Path, &[u8])> = encoded
        .iter()
        .map(|&w| (job.outputs[w].as_path(), files[w].as_slice()))
        .collect();
    commit(&files, folders)?;
    let hashes = files.iter().map(|(_, b)| output_hash(b)).collect();
    Ok((metrics, hashes))
}

/// Writes every file, or none: on a failure the ones already written are removed.
fn commit(files: &[(&Path, &[u8])], folders: &mut Folders) -> Result<(), String> {
    for (k, (path, bytes)) in files.iter().enumerate() {
        if let Err(e) = write_atomic_in(folders, path, bytes) {
            for (done, _) in &files[..k] {
                let _ = std::fs::remove_file(done);
            }
            return Err(format!("cannot write `{}`: {e}", path.display()));
        }
    }
    Ok(())
}
