//! One image through the plan: load → steps → metrics and encoded outputs → atomic writes. Any
//! failure (decode, out-of-range values, a write) makes the image a failed row, and every file it
//! had written is removed again — and so are the outputs an earlier run recorded for it — so a
//! failed image leaves no output behind.

use super::error::ImageError;
use crate::metrics::{pairwise_sum, VarianceStream};
use crate::ops::{Scratch as OpScratch, Shape};
use crate::plan::schedule::Use;
use crate::plan::{output_format, Job, NodeRef, Plan, SourcePlan, CHANNEL_COLUMNS};
use crate::sinks::atomic::{write_atomic_in, Folders};
use crate::sinks::encode::encode_into_rows;
use crate::sinks::results::{Row, RowStatus};
use crate::source::decode::{decode_frame_with_notes, Notes};
use crate::source::noise::{noise_into, noise_into_summed};
use crate::state::{hex, input_hash, output_hash, Current, Entry, Record, StateIndex, Status};
use crate::Image;
use std::path::Path;
use std::time::Instant;

/// One worker's reusable buffers: the image the steps work on in place and the ops' working
/// memory, so a run over same-sized images allocates no pixel memory after the first image.
#[derive(Default)]
pub struct Scratch {
    /// Free image buffers, reused from node to node and image to image.
    pool: Vec<Image>,
    /// The graph's images while an image runs (by node), and the sums taken making them.
    images: Vec<Option<Image>>,
    sums: Vec<Option<f64>>,
    ops: OpScratch,
    /// One encoded-file buffer per writer.
    files: Vec<Vec<u8>>,
    /// The output folder last written to, held open.
    folders: Folders,
    /// What decoding the current image had to say.
    notes: Notes,
    /// Where the current image's time goes.
    timing: Timing,
    /// The current image failed for a reason of the machine, not of the image
    /// ([`ImageError::infrastructure`]).
    infra: bool,
    /// The current image's thumbnails for the report (input, result), when it is in the sample.
    shots: crate::report::thumbs::Pair,
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

/// Where one image's time went, in nanoseconds: reading and checking its input, making each node
/// of its graph, its metrics, encoding and writing its outputs. The clock is read once at the end
/// of each phase (never per pixel), each phase taking the time since the previous one ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// Reading the input file.
    pub read: u64,
    /// Deciding whether the image is up to date (hashing its input and recorded outputs).
    pub check: u64,
    /// Decoding the input, or generating it.
    pub load: u64,
    /// Each step (by the plan's step order); a step that carries its input's metrics along
    /// includes them.
    pub steps: Vec<u64>,
    /// The metrics computed on their own.
    pub metrics: u64,
    /// Encoding the outputs (with a variance taken along the way, when one is).
    pub encode: u64,
    /// Writing the output files.
    pub write: u64,
    /// Making the report's thumbnails (for a sample of the images).
    pub thumbs: u64,
    /// When the last phase ended.
    clock: Option<Instant>,
}

impl Timing {
    /// Adds another image's times.
    pub fn add(&mut self, other: &Timing) {
        self.read += other.read;
        self.check += other.check;
        self.load += other.load;
        if self.steps.len() < other.steps.len() {
            self.steps.resize(other.steps.len(), 0);
        }
        for (a, b) in self.steps.iter_mut().zip(&other.steps) {
            *a += b;
        }
        self.metrics += other.metrics;
        self.encode += other.encode;
        self.write += other.write;
        self.thumbs += other.thumbs;
    }
}

impl Timing {
    /// The phases by name, in the order an image goes through them: `read` (files only),
    /// `check`, `decode` (or `generate`), `step <name>` for each step, `metrics`, `encode`, `write`,
    /// and `thumbnails` when the plan has a report; each with its total nanoseconds.
    pub fn phases(&self, plan: &Plan) -> Vec<(String, u64)> {
        let mut out = Vec::with_capacity(plan.steps.len() + 6);
        if let SourcePlan::Noise { .. } = plan.source {
            // Nothing is read: the moment before the check belongs to it.
            out.push(("check".to_string(), self.read + self.check));
            out.push(("generate".to_string(), self.load));
        } else {
            out.push(("read".to_string(), self.read));
            out.push(("check".to_string(), self.check));
            out.push(("decode".to_string(), self.load));
        }
        for (step, &ns) in plan.steps.iter().zip(&self.steps) {
            out.push((format!("step {}", step.name), ns));
        }
        out.push(("metrics".to_string(), self.metrics));
        out.push(("encode".to_string(), self.encode));
        out.push(("write".to_string(), self.write));
        if plan.report.is_some() {
            out.push(("thumbnails".to_string(), self.thumbs));
        }
        out
    }

    /// The sum of all phases.
    pub fn total(&self) -> u64 {
        self.read
            + self.check
            + self.load
            + self.steps.iter().sum::<u64>()
            + self.metrics
            + self.encode
            + self.write
            + self.thumbs
    }
}

impl Timing {
    /// Starts the clock at `t`.
    fn starting(t: Instant) -> Timing {
        Timing {
            clock: Some(t),
            ..Timing::default()
        }
    }

    /// Nanoseconds since the last phase ended, which is now.
    fn lap(&mut self) -> u64 {
        let now = Instant::now();
        let ns = self.clock.map_or(0, |t| (now - t).as_nanos() as u64);
        self.clock = Some(now);
        ns
    }
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
    /// Where its time went.
    pub timing: Timing,
    /// It failed for a reason of the machine (disk full, folder unwritable), worth a retry.
    pub infra: bool,
    /// Its thumbnails for the report, when it is in the report's sample.
    pub shots: Option<crate::report::thumbs::Pair>,
}

/// Reads a job's input file (`None` for generated images).
pub(super) fn read_input(job: &Job) -> Result<Option<Vec<u8>>, ImageError> {
    let Some(path) = &job.file else {
        return Ok(None);
    };
    let fail = |source| ImageError::Read {
        path: path.clone(),
        source,
    };
    let len = std::fs::metadata(path).map_err(fail)?.len();
    if len > MAX_FILE_BYTES {
        return Err(ImageError::TooLarge {
            path: path.clone(),
            len,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(fail)?;
    if let Some(pin) = &job.pin {
        if let Some(why) = pin.differs(&bytes) {
            return Err(ImageError::Changed {
                path: path.clone(),
                why,
            });
        }
    }
    Ok(Some(bytes))
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
    // The record: to skip an image that is up to date, and to know the files an earlier run
    // wrote for it (removed if it now fails, remembered if its paths changed). A forced run of a
    // workflow that writes no files needs neither, and saves a read per image.
    let recorded = if resume.force && plan.writers.is_empty() {
        None
    } else {
        resume.index.get(&job.input_label())
    };
    run_job_with(plan, job, scratch, resume.force, recorded)
}

/// [`run_job`] with the image's record already looked up (`recorded`).
pub fn run_job_with(
    plan: &Plan,
    job: &Job,
    scratch: &mut Scratch,
    force: bool,
    recorded: Option<Entry>,
) -> Outcome {
    let start = Instant::now();
    let label = job.input_label();
    let mut timing = Timing::starting(start);
    let input = match read_input(job) {
        Ok(bytes) => bytes,
        Err(e) => {
            let row = failed_row(plan, job, label, e.to_string(), recorded.as_ref(), start);
            timing.read = timing.lap();
            return Outcome {
                row,
                record: Some(Record::default()),
                skipped: false,
                notes: Vec::new(),
                timing,
                infra: false,
                shots: None,
            };
        }
    };
    timing.read = timing.lap();
    if !force {
        if let Some(e) = &recorded {
            if why_run(plan, job, input.as_deref(), Some(e)).is_none() {
                timing.check = timing.lap();
                return Outcome {
                    row: e.row(job.index),
                    record: None,
                    skipped: true,
                    notes: Vec::new(),
                    timing,
                    infra: false,
                    shots: None,
                };
            }
        }
    }
    let input_hash = input.as_deref().map(input_hash);
    timing.check = timing.lap();
    scratch.notes = Notes::default();
    scratch.timing = timing;
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
        timing: std::mem::take(&mut scratch.timing),
        infra: std::mem::take(&mut scratch.infra),
        shots: {
            let shots = std::mem::take(&mut scratch.shots);
            shots.iter().any(Option::is_some).then_some(shots)
        },
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
        Err(ImageError::Internal(msg))
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
            scratch.infra = error.infrastructure();
            let mut row = Row::empty(
                job.index,
                job.input_label(),
                RowStatus::Failed,
                Some(error.to_string()),
                (plan.metrics.len(), plan.writers.len()),
            );
            row.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
            (row, Vec::new())
        }
    }
}

/// Loads (or generates) the job's input into `img`; with `sum`, returns `np.sum` of it if it
/// was taken while generating.
fn load(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    img: &mut Image,
    notes: &mut Notes,
    sum: bool,
) -> Result<Option<f64>, ImageError> {
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
            let frame = job.frame.map_or(0, |f| f as usize);
            let (decoded, n) = decode_frame_with_notes(bytes, decode, frame).map_err(|source| {
                ImageError::Decode {
                    path: path.clone(),
                    source,
                }
            })?;
            *img = decoded;
            *notes = n;
            Ok(None)
        }
        (SourcePlan::Files { .. }, _, _) => Err(ImageError::Internal("no input file".into())),
    }
}

/// One image's graph as it runs: each node's image while it is alive, and the `np.sum` taken
/// while it was made (where one was).
struct Nodes<'a> {
    images: &'a mut Vec<Option<Image>>,
    sums: &'a mut Vec<Option<f64>>,
    /// Free buffers, reused for the next nodes.
    pool: &'a mut Vec<Image>,
}

impl Nodes<'_> {
    fn get(&self, n: NodeRef) -> Result<&Image, ImageError> {
        self.images[n.index()]
            .as_ref()
            .ok_or_else(|| ImageError::Internal("an image was dropped too early".into()))
    }

    /// Returns the buffers of the nodes no longer needed after `u` to the pool.
    fn release(&mut self, plan: &Plan, upto: usize, u: Use) {
        for m in 0..=upto {
            if !plan.schedule.needed_after(m, u) {
                if let Some(img) = self.images[m].take() {
                    self.pool.push(img);
                }
            }
        }
    }

    /// Every buffer back to the pool (between images).
    fn clear(&mut self) {
        for img in self.images.iter_mut().filter_map(Option::take) {
            self.pool.push(img);
        }
    }
}

/// Metric values, in plan order, and the [`output_hash`] of each output; outputs are written before
/// returning Ok.
fn process(
    plan: &Plan,
    job: &Job,
    input: Option<&[u8]>,
    scratch: &mut Scratch,
) -> Result<(Vec<f64>, Vec<u128>), ImageError> {
    let count = plan.steps.len() + 1;
    let mut metrics = vec![f64::NAN; plan.metric_columns.len()];
    let Scratch {
        pool,
        images,
        sums,
        ops,
        files,
        folders,
        notes,
        timing,
        infra: _,
        shots,
    } = scratch;
    *shots = Default::default();
    let thumb_nodes = if plan.report.is_some()
        && crate::report::stats::in_sample(
            job.index as usize,
            plan.job_count(),
            crate::report::thumbs::SAMPLE,
        ) {
        crate::report::thumbs::nodes(plan)
    } else {
        [None, None]
    };
    timing.steps.clear();
    images.resize_with(count, || None);
    sums.clear();
    sums.resize(count, None);
    files.resize_with(plan.writers.len(), Vec::new);
    let mut nodes = Nodes { images, sums, pool };
    let result = (|| {
        let mut encoded = Encoded {
            files,
            writers: Vec::with_capacity(plan.writers.len()),
        };
        let mut img = nodes.pool.pop().unwrap_or_default();
        nodes.sums[0] = load(plan, job, input, &mut img, notes, wants_sum(plan, 0))?;
        timing.load = timing.lap();
        nodes.images[0] = Some(img);
        visit(plan, job, 0, &nodes, &mut encoded, &mut metrics, timing)?;
        thumbnail(0, &thumb_nodes, &nodes, shots, timing);
        nodes.release(
            plan,
            0,
            Use {
                time: 0,
                visit: true,
            },
        );
        for (s, step) in plan.steps.iter().enumerate() {
            let t = s + 1;
            let made = run_step(plan, s, step, &mut nodes, ops, &mut metrics);
            let ns = timing.lap();
            timing.steps.push(ns);
            made.map_err(|e| match e {
                StepFailure::Op(message) => ImageError::Step {
                    step: step.name.clone(),
                    op: step.op,
                    message,
                },
                StepFailure::Image(e) => e,
            })?;
            nodes.release(
                plan,
                t - 1,
                Use {
                    time: t,
                    visit: false,
                },
            );
            visit(plan, job, t, &nodes, &mut encoded, &mut metrics, timing)?;
            thumbnail(t, &thumb_nodes, &nodes, shots, timing);
            nodes.release(
                plan,
                t,
                Use {
                    time: t,
                    visit: true,
                },
            );
        }
        // Writer order, which is the order of the outputs in the row and the resume state.
        encoded.writers.sort_unstable();
        let files: Vec<(&Path, &[u8])> = encoded
            .writers
            .iter()
            .map(|&w| (job.outputs[w].as_path(), encoded.files[w].as_slice()))
            .collect();
        commit(&files, folders)?;
        let hashes = files.iter().map(|(_, b)| output_hash(b)).collect();
        timing.write = timing.lap();
        Ok(hashes)
    })();
    nodes.clear();
    result.map(|hashes| (metrics, hashes))
}

/// The report's thumbnail of node `t`, if it is one of `wanted` (input, result): made from the
/// image in memory, right after its visit.
fn thumbnail(
    t: usize,
    wanted: &[Option<usize>; 2],
    nodes: &Nodes,
    shots: &mut crate::report::thumbs::Pair,
    timing: &mut Timing,
) {
    for (slot, w) in shots.iter_mut().zip(wanted) {
        if *w == Some(t) {
            if let Ok(img) = nodes.get(NodeRef::at(t)) {
                *slot = crate::report::thumbs::make(img);
            }
        }
    }
    if wanted.contains(&Some(t)) {
        timing.thumbs += timing.lap();
    }
}

/// Whether a metric of node `t` starts from the sum of its samples: the source or op making it
/// then takes the sum on the way, while the samples are in cache.
fn wants_sum(plan: &Plan, t: usize) -> bool {
    let node = NodeRef::at(t);
    let at_visit = plan.schedule.metrics_at[t].iter();
    at_visit
        .map(|&k| &plan.metrics[k])
        .any(|m| m.on == node && m.reference.is_none() && m.measure.moments().is_some())
}

/// Makes node `s + 1` by step `s`: in place on its input when it is that input's last reader
/// (taking its input's metrics along when they ride on it), else into a fresh buffer.
fn run_step(
    plan: &Plan,
    s: usize,
    step: &crate::plan::StepPlan,
    nodes: &mut Nodes,
    ops: &mut OpScratch,
    metrics: &mut [f64],
) -> Result<(), StepFailure> {
    let t = s + 1;
    let shapes: Vec<Shape> = step
        .inputs
        .iter()
        .map(|&n| nodes.get(n).map(Shape::of))
        .collect::<Result<_, _>>()?;
    step.kernel.output_shape(&shapes)?;
    let kernel = &step.kernel;
    if !plan.schedule.in_place[s] {
        let mut out = nodes.pool.pop().unwrap_or_default();
        let inputs: Vec<&Image> = step
            .inputs
            .iter()
            .map(|&n| nodes.get(n))
            .collect::<Result<_, _>>()?;
        kernel.apply(&inputs, &mut out, ops)?;
        nodes.images[t] = Some(out);
        return Ok(());
    }
    let m = step.inputs[0].index();
    let mut buf = nodes.images[m]
        .take()
        .ok_or_else(|| ImageError::Internal("an image was dropped too early".into()))?;
    let want_sum = wants_sum(plan, t);
    match kernel.streaming() {
        Some(st) if plan.schedule.rides[m] => {
            // The input's moment metrics: its variance's second pass rides along the step's
            // reading of it.
            let n = buf.data.len();
            let sum = nodes.sums[m].unwrap_or_else(|| pairwise_sum(&buf.data));
            let mut var = VarianceStream::new(n, sum);
            nodes.sums[t] =
                st.apply_in_place_along(&mut buf, ops, &mut |src, k| var.advance(src, k), want_sum);
            let var = var
                .total()
                .ok_or_else(|| ImageError::Internal("the step left its input unread".into()))?;
            for &k in &plan.schedule.metrics_at[m] {
                let mp = &plan.metrics[k];
                if let Some(mo) = mp.measure.moments() {
                    metrics[mp.first_column] = (mo.value)(n, sum, var);
                }
            }
        }
        Some(st) if want_sum => {
            nodes.sums[t] = st.apply_in_place_along(&mut buf, ops, &mut |_, _| {}, true);
        }
        _ => match kernel.apply_in_place(&mut buf, ops) {
            Some(done) => done?,
            None => {
                let mut out = nodes.pool.pop().unwrap_or_default();
                kernel.apply(&[&buf], &mut out, ops)?;
                nodes.pool.push(std::mem::replace(&mut buf, out));
            }
        },
    }
    nodes.images[t] = Some(buf);
    Ok(())
}

/// An image's encoded files: one buffer per writer, and the writers whose buffer holds this
/// image's file.
struct Encoded<'a> {
    files: &'a mut [Vec<u8>],
    writers: Vec<usize>,
}

/// Node `t`'s visit, right after it is made: its outputs are encoded and the metrics it completes
/// computed (the variance's second pass riding along the first encoder that reads the image row
/// by row; whatever it does not read is summed after the writers).
fn visit(
    plan: &Plan,
    job: &Job,
    t: usize,
    nodes: &Nodes,
    encoded: &mut Encoded,
    metrics: &mut [f64],
    timing: &mut Timing,
) -> Result<(), ImageError> {
    let node = NodeRef::at(t);
    let sched = &plan.schedule;
    let at_visit: &[usize] = if sched.rides[t] {
        &[]
    } else {
        &sched.metrics_at[t]
    };
    let writes = plan.writers.iter().any(|w| w.node == node);
    if at_visit.is_empty() && !writes {
        return Ok(());
    }
    let img = nodes.get(node)?;
    // Metrics of this node alone, over all its samples, that follow from its moments.
    let own = |k: &usize| {
        let m = &plan.metrics[*k];
        (m.on == node && m.reference.is_none() && !m.each)
            .then(|| m.measure.moments())
            .flatten()
    };
    let needs_sum = at_visit.iter().any(|k| own(k).is_some());
    let needs_var = at_visit
        .iter()
        .any(|k| own(k).is_some_and(|mo| mo.needs_var));
    let sum = needs_sum.then(|| nodes.sums[t].unwrap_or_else(|| pairwise_sum(&img.data)));
    let mut var = needs_var.then(|| VarianceStream::new(img.data.len(), sum.unwrap_or(f64::NAN)));
    let row_len = img.width * img.channels;
    for (w, writer) in plan
        .writers
        .iter()
        .enumerate()
        .filter(|(_, w)| w.node == node)
    {
        let path = &job.outputs[w];
        let cannot = |message: String| ImageError::Encode {
            input: job.input_label(),
            path: path.clone(),
            message,
        };
        // Compile checked every output's format; this is never `None`.
        let format = output_format(path).ok_or_else(|| cannot("unknown image format".into()))?;
        let mut rows_read = |rows: usize| {
            if let Some(v) = var.as_mut() {
                v.advance(&img.data, rows * row_len);
            }
        };
        encode_into_rows(
            img,
            format,
            writer.dtype,
            &mut encoded.files[w],
            &mut rows_read,
        )
        .map_err(|e| cannot(e.to_string()))?;
        encoded.writers.push(w);
    }
    timing.encode += timing.lap();
    let var = var.map(|v| v.finish(&img.data)).unwrap_or(f64::NAN);
    for &k in at_visit {
        let m = &plan.metrics[k];
        let failed = |message| ImageError::Metric {
            column: m.column.clone(),
            op: m.op,
            message,
        };
        if let Some(mo) = own(&k) {
            metrics[m.first_column] = (mo.value)(img.data.len(), sum.unwrap_or(f64::NAN), var);
            continue;
        }
        let on = nodes.get(m.on)?;
        let reference = m.reference.map(|r| nodes.get(r)).transpose()?;
        if !m.each {
            metrics[m.first_column] = m.measure.compute(on, reference).map_err(failed)?;
            continue;
        }
        // One value per channel, each over `image[..., c]`.
        for c in 0..on.channels.min(CHANNEL_COLUMNS) {
            let plane = on.channel(c);
            let reference = reference.map(|r| r.channel(c.min(r.channels - 1)));
            metrics[m.first_column + c] = m
                .measure
                .compute(&plane, reference.as_ref())
                .map_err(failed)?;
        }
    }
    timing.metrics += timing.lap();
    Ok(())
}

/// Writes every file, or none: on a failure the ones already written are removed.
fn commit(files: &[(&Path, &[u8])], folders: &mut Folders) -> Result<(), ImageError> {
    for (k, (path, bytes)) in files.iter().enumerate() {
        if let Err(source) = write_atomic_in(folders, path, bytes) {
            for (done, _) in &files[..k] {
                let _ = std::fs::remove_file(done);
            }
            return Err(ImageError::Write {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    Ok(())
}

/// Why a step failed: its op said so, or the image failed otherwise.
enum StepFailure {
    Op(String),
    Image(ImageError),
}

impl From<String> for StepFailure {
    fn from(message: String) -> StepFailure {
        StepFailure::Op(message)
    }
}

impl From<ImageError> for StepFailure {
    fn from(e: ImageError) -> StepFailure {
        StepFailure::Image(e)
    }
}
