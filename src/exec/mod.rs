//! Running a plan: a local rayon pool of `--jobs` workers pulls images in index order; each image
//! is load → steps → metrics and encoded outputs, then its files are written atomically. A failed
//! image is a row, not a stop. Rows flow over a channel to the collector on the calling thread,
//! which writes the results table in index order as rows become ready, records resume state
//! ([`state`]), checks expectations and drives the progress bar — nothing shared is locked by the
//! workers. SIGINT/SIGTERM stop the run cleanly: no new images start, in-flight ones finish, the
//! table and state are flushed; a second SIGINT exits at once (final files are never partial:
//! every file is renamed into place whole).

mod select;
mod state;
mod task;

use crate::plan::{Job, Plan, SourcePlan};
use crate::sinks::results::{repr_f64, ResultsSink, Row};
use state::{plan_fingerprint, state_path, State};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

pub use select::Selection;
pub use state::{Entry, NewEntry, RESULTS_VERSION};
pub use task::{run_job, Outcome, Resume, Scratch};

/// Rows a worker collects before handing them to the collector.
const BATCH_ROWS: usize = 64;
/// The longest a finished row waits in a worker's batch.
const BATCH_TIME: Duration = Duration::from_millis(20);

/// Runtime knobs (the pipeline itself is in the plan).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads (0 = every core).
    pub jobs: usize,
    /// The images to run, by position (`None` = all).
    pub only: Option<Selection>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Recompute every image, ignoring the resume state.
    pub force: bool,
    /// Set to stop the run (e.g. by a signal); checked before each image.
    pub stop: Option<Arc<AtomicBool>>,
}

/// What happened.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub ok: u64,
    pub failed: u64,
    /// Of the ok images, how many were up to date and not recomputed.
    pub skipped: u64,
    /// The run was stopped before every image was done.
    pub interrupted: bool,
    pub elapsed: Duration,
    /// `(index, input, error)` of the first [`Summary::KEPT`] failed images (`failed` counts
    /// them all).
    pub failures: Vec<(u64, String, String)>,
    /// The first [`Summary::KEPT`] failed expectations, as sentences.
    pub expectations: Vec<String>,
    /// How many expectations failed.
    pub expectations_failed: u64,
}

impl Summary {
    /// How many failed images and expectations a summary keeps the text of (all are counted), so
    /// its memory does not grow with the number of images.
    pub const KEPT: usize = 100;

    fn fail_image(&mut self, index: u64, input: &str, error: &str) {
        self.failed += 1;
        if self.failures.len() < Self::KEPT {
            self.failures.push((index, input.into(), error.into()));
        }
    }

    fn fail_expectation(&mut self, sentence: String) {
        self.expectations_failed += 1;
        if self.expectations.len() < Self::KEPT {
            self.expectations.push(sentence);
        }
    }

    /// Exit status: 0 when every image and expectation passed, 1 if not, 130 when interrupted.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            130
        } else if self.failed == 0 && self.expectations_failed == 0 {
            0
        } else {
            1
        }
    }
}

/// A run that could not start or finish (not an image failure).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {0} worker threads: {1}")]
    Pool(usize, String),
    #[error("cannot write the results table `{0}`: {1}")]
    Results(String, std::io::Error),
    #[error("cannot write the resume state `{0}`: {1}")]
    State(String, std::io::Error),
}

/// The sidecar `<results>.meta.json`: which workflow and flowrun made the table, so any output
/// can be traced to it.
fn write_meta(plan: &Plan, results: &Path, s: &Summary) -> std::io::Result<()> {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.json");
    let meta = serde_json::json!({
        "flowrun_version": env!("CARGO_PKG_VERSION"),
        "results_version": RESULTS_VERSION,
        "exp": exp_name(),
        "workflow": plan.name,
        "workflow_file": plan.workflow_file,
        "workflow_blake3": plan.workflow_hash,
        "plan_blake3": plan_fingerprint(plan, exp_name()).to_hex().to_string(),
        "images": s.ok + s.failed,
        "ok": s.ok,
        "failed": s.failed,
        "skipped_up_to_date": s.skipped,
        "interrupted": s.interrupted,
        "elapsed_s": s.elapsed.as_secs_f64(),
    });
    let mut text = serde_json::to_string_pretty(&meta).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::sinks::atomic::write_atomic(&results.with_file_name(name), text.as_bytes())
}

/// Name of the `exp` the Gaussian kernels use (part of every resume key).
fn exp_name() -> &'static str {
    use crate::ops::npexp::{exp_svml, numpy_exp};
    if std::ptr::fn_addr_eq(numpy_exp(), exp_svml as fn(f64) -> f64) {
        "svml"
    } else {
        "libm"
    }
}

/// What a rerun would do with one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Up to date: its key matches and its outputs are intact.
    Skip,
    /// To run, and why.
    Run(String),
}

/// `--dry-run`: what [`run`] would do with each selected image, without computing anything;
/// `each` gets the image's index, input and decision, in index order.
pub fn dry_run(plan: &Plan, opts: &RunOptions, mut each: impl FnMut(u64, String, Decision)) {
    let state = State::load(&state_path(plan));
    let resume = Resume {
        fingerprint: plan_fingerprint(plan, exp_name()),
        entries: &state.entries,
    };
    for p in positions(plan, opts).iter() {
        let job = plan.job(p);
        let decision = if opts.force {
            Decision::Run("--force".into())
        } else {
            decide(&resume, &job)
        };
        each(job.index, job.input_label(), decision);
    }
}

/// What a rerun would do with `job`, from its input and the recorded state.
fn decide(resume: &Resume, job: &Job) -> Decision {
    match task::read_input(job) {
        Err(e) => Decision::Run(e),
        Ok(bytes) => match (
            task::check(resume, job, bytes.as_deref()),
            resume.entries.get(&job.index),
        ) {
            ((_, Some(_)), _) => Decision::Skip,
            (_, None) => Decision::Run("not done before".into()),
            ((key, None), Some(e)) if e.key == key.to_hex().as_str() => {
                Decision::Run("an output is missing or changed".into())
            }
            (_, Some(_)) => Decision::Run("the workflow or the input changed".into()),
        },
    }
}

/// The selected positions (all when none are chosen).
fn positions(plan: &Plan, opts: &RunOptions) -> Selection {
    match &opts.only {
        Some(s) => s.clone(),
        None => Selection::all(plan.job_count()),
    }
}

/// Creates the output folders (once per run, not per file) and removes temp files a killed run
/// left in them (`.NAME.PID.N.flowrun-tmp`). A folder that cannot be created is left to fail the
/// images that write to it, each as a failed row.
fn prepare_output_dirs(plan: &Plan) {
    for dir in &plan.output_dirs {
        if std::fs::create_dir_all(dir).is_err() {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".flowrun-tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Runs `plan` and returns the summary. Results do not depend on `opts.jobs`.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<Summary, RunError> {
    let start = Instant::now();
    let positions = positions(plan, opts);
    let threads = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("flowrun-{i}"))
        .build()
        .map_err(|e| RunError::Pool(threads, e.to_string()))?;
    prepare_output_dirs(plan);
    let spath = state_path(plan);
    let spath_label = spath.display().to_string();
    let mut state = if opts.force {
        State::empty(&spath)
    } else {
        State::load(&spath)
    };
    let entries = std::mem::take(&mut state.entries);
    let resume = Resume {
        fingerprint: plan_fingerprint(plan, exp_name()),
        entries: &entries,
    };
    let results_path = plan
        .results
        .as_ref()
        .map(|r| r.path.display().to_string())
        .unwrap_or_default();
    let sink = ResultsSink::create(plan).map_err(|e| RunError::Results(results_path.clone(), e))?;
    tracing::info!(images = positions.len(), threads, workflow = %plan.name, "run started");

    let next = AtomicUsize::new(0);
    let claim = claim_size(plan);
    let local_stop = AtomicBool::new(false);
    let external = opts.stop.clone();
    let stopped = || {
        local_stop.load(Ordering::Relaxed)
            || external.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
    };
    let (tx, rx) = mpsc::channel::<Vec<(usize, Outcome)>>();
    let mut c = Collector {
        plan,
        sink,
        sink_error: None,
        state,
        state_error: None,
        bar: progress_bar(opts.progress, positions.len() as u64),
        summary: Summary::default(),
        done: 0,
        stop: &local_stop,
    };
    std::thread::scope(|s| {
        let positions = &positions;
        let next = &next;
        let stopped = &stopped;
        let resume = &resume;
        s.spawn(move || {
            pool.scope(|ps| {
                for _ in 0..threads {
                    let tx = tx.clone();
                    ps.spawn(move |_| {
                        let mut scratch = Scratch::default();
                        // Rows go to the collector in small batches: one wake-up per batch, not
                        // per image (that matters for tiny images), and never later than
                        // BATCH_TIME after the first row of the batch.
                        let mut batch = Vec::with_capacity(BATCH_ROWS);
                        let mut since = Instant::now();
                        // The positions claimed and not yet run.
                        let mut mine = 0..0;
                        loop {
                            if stopped() {
                                break;
                            }
                            if mine.is_empty() {
                                let k = next.fetch_add(claim, Ordering::Relaxed);
                                mine = k..k.saturating_add(claim).min(positions.len());
                            }
                            let Some((k, pos)) =
                                mine.next().and_then(|k| Some((k, positions.get(k)?)))
                            else {
                                break;
                            };
                            if batch.is_empty() {
                                since = Instant::now();
                            }
                            let job = plan.job(pos);
                            batch.push((k, run_job(plan, &job, &mut scratch, resume)));
                            if batch.len() >= BATCH_ROWS || since.elapsed() >= BATCH_TIME {
                                let full =
                                    std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                                if tx.send(full).is_err() {
                                    return;
                                }
                            }
                        }
                        if !batch.is_empty() {
                            let _ = tx.send(batch);
                        }
                    });
                }
                drop(tx);
            });
        });
        // Rows arrive in any order and leave in index order.
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        for batch in rx {
            for (k, outcome) in batch {
                if k != want {
                    pending.insert(k, outcome);
                    continue;
                }
                // The row next in order (the usual case) is written without a detour.
                c.emit(outcome);
                want += 1;
                while let Some(outcome) = pending.remove(&want) {
                    want += 1;
                    c.emit(outcome);
                }
            }
            c.end_batch();
        }
        // Stopped early: rows finished out of order are still written (with gaps before them).
        for (_, outcome) in std::mem::take(&mut pending) {
            c.emit(outcome);
        }
        c.end_batch();
    });
    let Collector {
        sink,
        sink_error,
        mut state,
        state_error,
        bar,
        mut summary,
        done,
        ..
    } = c;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.interrupted = done < positions.len() && sink_error.is_none();
    if let Some(e) = sink_error {
        return Err(RunError::Results(results_path, e));
    }
    if let Some(sk) = sink {
        sk.finish()
            .map_err(|e| RunError::Results(results_path.clone(), e))?;
    }
    if let Some(e) = state_error {
        return Err(RunError::State(spath_label, e));
    }
    if !summary.interrupted {
        state
            .finish(plan.job_count())
            .map_err(|e| RunError::State(spath_label, e))?;
        check_counts(plan, &mut summary);
    }
    summary.elapsed = start.elapsed();
    if let Some(r) = &plan.results {
        write_meta(plan, &r.path, &summary)
            .map_err(|e| RunError::Results(results_path.clone(), e))?;
    }
    tracing::info!(
        ok = summary.ok,
        failed = summary.failed,
        skipped = summary.skipped,
        elapsed_s = summary.elapsed.as_secs_f64(),
        "run finished"
    );
    Ok(summary)
}

/// The receiving end: writes rows in order, records state, counts, checks expectations.
struct Collector<'a> {
    plan: &'a Plan,
    sink: Option<ResultsSink>,
    sink_error: Option<std::io::Error>,
    state: State,
    state_error: Option<std::io::Error>,
    bar: Option<indicatif::ProgressBar>,
    summary: Summary,
    done: usize,
    /// Raised when the table cannot be written: workers stop taking images.
    stop: &'a AtomicBool,
}

impl Collector<'_> {
    fn emit(&mut self, outcome: Outcome) {
        self.done += 1;
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        if let Some(sk) = self.sink.as_mut() {
            if let Err(e) = sk.write_row(&outcome.row) {
                self.fail_sink(e);
            }
        }
        if let Some(e) = &outcome.entry {
            if let Err(err) = self.state.append_new(&outcome.row, e) {
                self.state_error.get_or_insert(err);
            }
        }
        if outcome.skipped {
            self.summary.skipped += 1;
        }
        record(self.plan, &mut self.summary, outcome.row);
    }

    /// After each batch: push the table's rows to its file and the state.
    fn end_batch(&mut self) {
        if let Some(Err(e)) = self.sink.as_mut().map(ResultsSink::flush) {
            self.fail_sink(e);
        }
        if let Err(err) = self.state.flush() {
            self.state_error.get_or_insert(err);
        }
    }

    fn fail_sink(&mut self, e: std::io::Error) {
        self.sink_error = Some(e);
        self.stop.store(true, Ordering::Relaxed);
        self.sink = None;
    }
}

/// How many consecutive positions a worker claims at a time: 16 for generated images of at
/// most 128 × 128 pixels (a few dozen µs each: consecutive images have consecutive seeds, which
/// the noise initialises together, and the shared counter is touched once per 16 images), else 1
/// (the pool stays balanced to the last image).
fn claim_size(plan: &Plan) -> usize {
    match &plan.source {
        SourcePlan::Noise { spec, .. } if spec.height.saturating_mul(spec.width) <= 128 * 128 => 16,
        _ => 1,
    }
}

fn progress_bar(enabled: bool, len: u64) -> Option<indicatif::ProgressBar> {
    if !enabled {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} images ({per_sec}, ETA {eta})",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// Counts a row and checks the per-image expectations on it (rows are not kept: memory must not
/// grow with the number of images).
fn record(plan: &Plan, summary: &mut Summary, row: Row) {
    tracing::debug!(index = row.index, input = %row.input, ok = row.ok(), elapsed_ms = row.elapsed_ms, "image done");
    match &row.error {
        None => {
            summary.ok += 1;
            for &(m, lo, hi) in &plan.expect.bounds {
                let v = row.metrics[m];
                let col = &plan.metrics[m].column;
                let what = format!(
                    "image {} ({}): `{col}` = {}",
                    row.index,
                    row.input,
                    repr_f64(v)
                );
                if v.is_nan() {
                    summary.fail_expectation(format!("{what} is not a number"));
                }
                if let Some(lo) = lo.filter(|lo| v < *lo) {
                    summary.fail_expectation(format!("{what} is below min {}", repr_f64(lo)));
                }
                if let Some(hi) = hi.filter(|hi| v > *hi) {
                    summary.fail_expectation(format!("{what} is above max {}", repr_f64(hi)));
                }
            }
        }
        Some(e) => {
            tracing::warn!(index = row.index, input = %row.input, error = %e, "image failed");
            summary.fail_image(row.index, &row.input, e);
        }
    }
}

fn check_counts(plan: &Plan, summary: &mut Summary) {
    if let Some(n) = plan.expect.ok.filter(|n| *n != summary.ok) {
        summary.fail_expectation(format!("expected {n} ok images, got {}", summary.ok));
    }
    if let Some(n) = plan.expect.failed.filter(|n| *n != summary.failed) {
        summary.fail_expectation(format!(
            "expected {n} failed images, got {}",
            summary.failed
        ));
    }
}
