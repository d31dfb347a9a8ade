//! Running a plan: a local rayon pool of `--jobs` workers pulls the selected images in index
//! order; each image is load → steps → metrics and encoded outputs, then its files are written
//! atomically. A failed image is a row, not a stop. Rows flow over a channel to the collector on
//! the calling thread, which writes the results table — one row for every image of the workflow,
//! in index order: the images run now, and for the others what the resume state says — appends
//! the new records to the state ([`crate::state`]), checks expectations and reports progress;
//! nothing shared is locked by the workers.
//!
//! One run at a time per workflow: the run holds the state's lock ([`crate::state::lock`]) from
//! start to end. A stop request ([`Control::stop`], e.g. from a signal) stops the run cleanly:
//! no new images start, in-flight ones finish, the table and state are flushed. Final files are
//! never partial: every file is linked or renamed into place whole.

mod error;
mod select;
mod task;

use crate::plan::{Plan, SourcePlan};
use crate::sinks::results::{repr_f64, ResultsSink, Row, RowStatus};
use crate::state::lock::{LockError, RunLock};
use crate::state::{StateIndex, StateLog};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub use error::ImageError;
pub use select::Selection;
pub use task::{run_job, run_job_with, Outcome, Resume, Scratch, Timing};

/// Rows a worker collects before handing them to the collector.
const BATCH_ROWS: usize = 64;
/// The longest a finished row waits in a worker's batch.
const BATCH_TIME: Duration = Duration::from_millis(20);

/// Runtime knobs (the pipeline itself is in the plan).
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Worker threads (0 = every core).
    pub jobs: usize,
    /// The images to run, by position (`None` = all).
    pub only: Option<Selection>,
    /// Recompute every selected image, ignoring the resume state.
    pub force: bool,
    /// Wait for another run holding the lock, instead of failing at once.
    pub wait_lock: bool,
    /// How the run is stopped from outside and what it is doing.
    pub control: Option<Arc<Control>>,
    /// Who hears about progress and notes.
    pub observer: Option<Arc<dyn Observer>>,
    /// The results table holds the selected images only (a shard's table), and the `[expect]`
    /// counts, which are about the whole table, are not checked.
    pub selected_rows_only: bool,
    /// Leave the report (`output.report`) to the caller: the run does not write it and hands its
    /// thumbnails over in [`Summary::shots`] instead (watch mode writes it when its
    /// [`crate::report::Refresher`] says so).
    pub defer_report: bool,
}

/// What a running run reports as it goes. Every method has an empty default.
pub trait Observer: Send + Sync {
    /// The run starts with `images` selected images.
    fn started(&self, _images: usize) {}
    /// `done` of the selected images are done (called after each batch of rows).
    fn progress(&self, _done: usize, _images: usize) {}
    /// The run is over (before the summary is made).
    fn finished(&self) {}
    /// Something worth saying once per run (e.g. how some files are read).
    fn note(&self, _text: &str) {}
    /// The lock is held by another run; this one waits for it (`--wait-lock`).
    fn waiting_for_lock(&self, _holder: &str) {}
}

/// The handle a run is controlled through from outside (signal handlers): stop it, see how many
/// images are in flight, and clean up what an abandoned run leaves.
#[derive(Debug, Default)]
pub struct Control {
    stop: AtomicBool,
    in_flight: AtomicUsize,
    /// Files to remove when the run is abandoned (the results table being written).
    temps: Mutex<Vec<PathBuf>>,
}

impl Control {
    /// Stops taking new images; the images in flight finish.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Images being computed right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Removes the run's temporary files, before the process exits without finishing; returns
    /// how many images were in flight (their work is lost; they run again next time).
    pub fn abandon(&self) -> usize {
        if let Ok(temps) = self.temps.lock() {
            for t in temps.iter() {
                let _ = std::fs::remove_file(t);
            }
        }
        self.in_flight()
    }

    /// An image starts (`true`) or ends (`false`) being computed.
    pub(crate) fn image_in_flight(&self, starts: bool) {
        if starts {
            self.in_flight.fetch_add(1, Ordering::Relaxed);
        } else {
            self.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn track_temp(&self, path: &Path) {
        if let Ok(mut t) = self.temps.lock() {
            t.push(path.to_path_buf());
        }
    }
}

/// What happened: this run's images, and the table as it stands after it.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Images selected for this run.
    pub selected: u64,
    /// Of those, ok (computed or up to date), failed, and up to date (not recomputed).
    pub ok: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Of the failed, those that failed for a reason of the machine (disk full, output folder
    /// not writable), worth a retry elsewhere or later.
    pub infra_failed: u64,
    /// The run was stopped before every selected image was done.
    pub interrupted: bool,
    pub elapsed: Duration,
    /// The rows of the results table (every image of the workflow) by status.
    pub table: TableCounts,
    /// `(index, input, error)` of the first [`Summary::KEPT`] images that failed in this run
    /// (`failed` counts them all).
    pub failures: Vec<(u64, String, String)>,
    /// The first [`Summary::KEPT`] failed expectations, as sentences.
    pub expectations: Vec<String>,
    /// How many expectations failed.
    pub expectations_failed: u64,
    /// Where the time of this run's images went, summed over the workers.
    pub timing: Timing,
    /// The report written at the end of the run (`output.report`): where, and what it took.
    pub report: Option<(PathBuf, crate::report::Built)>,
    /// The report's thumbnails, when [`RunOptions::defer_report`] leaves the report to the caller.
    pub shots: crate::report::Shots,
}

/// Rows of the results table by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub ok: u64,
    pub failed: u64,
    pub not_run: u64,
    pub outdated: u64,
}

impl TableCounts {
    pub fn rows(&self) -> u64 {
        self.ok + self.failed + self.not_run + self.outdated
    }
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

    /// How the run ended: interrupted, else failed when an image of this run or an expectation
    /// failed, else ok.
    pub fn exit(&self) -> crate::Exit {
        if self.interrupted {
            crate::Exit::Interrupted
        } else if self.failed == 0 && self.expectations_failed == 0 {
            crate::Exit::Ok
        } else {
            crate::Exit::Failed
        }
    }
}

/// A run that could not start or finish (not an image failure).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {0} worker threads: {1}")]
    Pool(usize, String),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot write the results table `{0}`: {1}")]
    Results(String, std::io::Error),
    #[error("cannot use the resume state `{0}`: {1}")]
    State(String, std::io::Error),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}

/// The sidecar `<results>.meta.json`: which workflow and flowrun made the table, so any output
/// can be traced to it, and what the table holds.
fn write_meta(plan: &Plan, results: &Path, s: &Summary) -> std::io::Result<()> {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.json");
    let meta = serde_json::json!({
        "flowrun_version": env!("CARGO_PKG_VERSION"),
        "results_version": crate::state::RESULTS_VERSION,
        "exp": crate::plan::key::exp_name(),
        "workflow": plan.name,
        "workflow_file": plan.workflow_file,
        "workflow_blake3": plan.workflow_hash,
        "plan_fingerprint": plan.fingerprint,
        "images": s.table.rows(),
        "rows": {
            "ok": s.table.ok,
            "failed": s.table.failed,
            "not_run": s.table.not_run,
            "outdated": s.table.outdated,
        },
        "this_run": {
            "selected": s.selected,
            "ok": s.ok,
            "failed": s.failed,
            "skipped_up_to_date": s.skipped,
            "interrupted": s.interrupted,
            "elapsed_s": s.elapsed.as_secs_f64(),
        },
        "time": time_json(plan, &s.timing),
        "machine": {
            "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        },
    });
    let mut text = serde_json::to_string_pretty(&meta).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::sinks::atomic::write_atomic(&results.with_file_name(name), text.as_bytes())
}

/// Where the time went, for the sidecar: each phase's seconds summed over the workers, and its
/// share of their total.
fn time_json(plan: &Plan, t: &Timing) -> serde_json::Value {
    let total = t.total();
    let phases: Vec<_> = t
        .phases(plan)
        .into_iter()
        .map(|(phase, ns)| {
            serde_json::json!({
                "phase": phase,
                "s": ns as f64 * 1e-9,
                "share": if total == 0 { 0.0 } else { ns as f64 / total as f64 },
            })
        })
        .collect();
    serde_json::json!({ "workers_s": total as f64 * 1e-9, "phases": phases })
}

/// What a rerun would do with one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Up to date: its record matches and its outputs are intact.
    Skip,
    /// To run, and why.
    Run(String),
}

/// `--dry-run`: what [`run`] would do with each selected image, without computing anything;
/// `each` gets the image's index, input and decision, in index order, and stops the listing by
/// returning `false`.
pub fn dry_run(
    plan: &Plan,
    opts: &RunOptions,
    mut each: impl FnMut(u64, String, Decision) -> bool,
) -> Result<(), RunError> {
    let index = StateIndex::open(&plan.state.log)
        .map_err(|e| RunError::State(plan.state.log.display().to_string(), e))?;
    for p in positions(plan, opts).iter() {
        let job = plan.job(p);
        let label = job.input_label();
        let decision = if opts.force {
            Decision::Run("--force".into())
        } else {
            match task::read_input(&job) {
                Err(e) => Decision::Run(e.to_string()),
                Ok(bytes) => {
                    match task::why_run(plan, &job, bytes.as_deref(), index.get(&label).as_ref()) {
                        Some(why) => Decision::Run(why),
                        None => Decision::Skip,
                    }
                }
            }
        };
        if !each(job.index, label, decision) {
            break;
        }
    }
    Ok(())
}

/// The selected positions (all when none are chosen).
fn positions(plan: &Plan, opts: &RunOptions) -> Selection {
    match &opts.only {
        Some(s) => s.clone(),
        None => Selection::all(plan.job_count()),
    }
}

/// Creates the output folders (once per run, not per file) and removes the temp files that
/// killed runs left in them and in the state folder (only those whose owner is gone). A folder
/// that cannot be created is left to fail the images that write to it, each as a failed row.
pub(crate) fn prepare_output_dirs(plan: &Plan) {
    for dir in plan.output_dirs.iter().chain([&plan.state.dir]) {
        if std::fs::create_dir_all(dir).is_ok() {
            crate::sinks::atomic::remove_stale_temps(dir);
        }
    }
}

/// Runs `plan` and returns the summary. Results do not depend on `opts.jobs`.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<Summary, RunError> {
    let start = Instant::now();
    let observer = opts.observer.clone();
    let _lock = RunLock::acquire(&plan.state.lock, opts.wait_lock, |holder| {
        if let Some(o) = &observer {
            o.waiting_for_lock(holder);
        }
    })?;
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
    let state_label = plan.state.log.display().to_string();
    let index =
        StateIndex::open(&plan.state.log).map_err(|e| RunError::State(state_label.clone(), e))?;
    let resume = Resume {
        index: &index,
        force: opts.force,
    };
    let results_path = plan
        .results
        .as_ref()
        .map(|r| r.path.display().to_string())
        .unwrap_or_default();
    let sink = ResultsSink::create(plan).map_err(|e| RunError::Results(results_path.clone(), e))?;
    let control = opts.control.clone().unwrap_or_default();
    if let Some(t) = sink.as_ref().and_then(ResultsSink::temp_path) {
        control.track_temp(t);
    }
    tracing::info!(images = positions.len(), threads, workflow = %plan.name, "run started");
    if let Some(o) = &observer {
        o.started(positions.len());
    }

    let next = AtomicUsize::new(0);
    let claim = claim_size(plan);
    let local_stop = AtomicBool::new(false);
    let stopped = || local_stop.load(Ordering::Relaxed) || control.stopped();
    // Bounded: when the collector falls behind (tiny images), workers wait instead of piling
    // rows up in memory.
    let (tx, rx) = mpsc::sync_channel::<Vec<(usize, Outcome)>>(4 * threads);
    let mut c = Collector {
        plan,
        index: &index,
        sink,
        sink_error: None,
        log: StateLog::new(&plan.state.log, &plan.fingerprint, &index),
        log_error: None,
        observer: observer.as_deref(),
        summary: Summary {
            selected: positions.len() as u64,
            ..Summary::default()
        },
        done: 0,
        next_row: 0,
        notes: Vec::new(),
        stop: &local_stop,
        selected_only: opts.selected_rows_only,
        shots: crate::report::Shots::default(),
    };
    std::thread::scope(|s| {
        let positions = &positions;
        let next = &next;
        let stopped = &stopped;
        let resume = &resume;
        let control = &control;
        s.spawn(move || {
            pool.scope(|ps| {
                for _ in 0..threads {
                    let tx = tx.clone();
                    ps.spawn(move |_| {
                        let mut scratch = Scratch::for_plan(plan);
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
                            control.in_flight.fetch_add(1, Ordering::Relaxed);
                            let outcome = run_job(plan, &job, &mut scratch, resume);
                            control.in_flight.fetch_sub(1, Ordering::Relaxed);
                            batch.push((k, outcome));
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
                c.emit(positions.get(k).unwrap_or(usize::MAX), outcome);
                want += 1;
                while let Some(outcome) = pending.remove(&want) {
                    c.emit(positions.get(want).unwrap_or(usize::MAX), outcome);
                    want += 1;
                }
            }
            c.end_batch();
        }
        // Stopped early: the rows finished out of order, between the kept rows of the rest.
        for (k, outcome) in std::mem::take(&mut pending) {
            c.emit(positions.get(k).unwrap_or(usize::MAX), outcome);
        }
        if !opts.selected_rows_only {
            c.keep_until(plan.job_count());
        }
        c.end_batch();
    });
    if let Some(o) = &observer {
        o.finished();
    }
    let Collector {
        sink,
        sink_error,
        log,
        log_error,
        mut summary,
        done,
        shots,
        ..
    } = c;
    summary.interrupted = done < positions.len() && sink_error.is_none();
    if let Some(e) = sink_error {
        return Err(RunError::Results(results_path, e));
    }
    if let Some(sk) = sink {
        sk.finish()
            .map_err(|e| RunError::Results(results_path.clone(), e))?;
    }
    if let Some(e) = log_error {
        return Err(RunError::State(state_label, e));
    }
    log.finish().map_err(|e| RunError::State(state_label, e))?;
    if !opts.selected_rows_only {
        check_counts(plan, &mut summary);
    }
    summary.elapsed = start.elapsed();
    if let Some(r) = &plan.results {
        write_meta(plan, &r.path, &summary)
            .map_err(|e| RunError::Results(results_path.clone(), e))?;
    }
    if opts.defer_report {
        summary.shots = shots;
    } else if let Some(path) = &plan.report {
        let inputs = crate::report::ReportInputs { shots };
        let built = crate::report::write(plan, &inputs, None)?;
        summary.report = Some((path.clone(), built));
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

/// The receiving end: writes every row of the table in order, records state, counts, checks
/// expectations.
struct Collector<'a> {
    plan: &'a Plan,
    index: &'a StateIndex,
    sink: Option<ResultsSink>,
    sink_error: Option<std::io::Error>,
    log: StateLog,
    log_error: Option<std::io::Error>,
    observer: Option<&'a dyn Observer>,
    summary: Summary,
    /// Selected images done.
    done: usize,
    /// The next image (position) whose row the table needs.
    next_row: usize,
    /// Notes already passed on.
    notes: Vec<&'static str>,
    /// Raised when the table cannot be written: workers stop taking images.
    stop: &'a AtomicBool,
    /// The table holds the images of this run only ([`RunOptions::selected_rows_only`]).
    selected_only: bool,
    /// The report's thumbnails the workers made (a bounded sample of the images).
    shots: crate::report::Shots,
}

impl Collector<'_> {
    /// The row of the image at `pos`, computed (or found up to date) in this run.
    fn emit(&mut self, pos: usize, outcome: Outcome) {
        if !self.selected_only {
            self.keep_until(pos);
        }
        self.done += 1;
        for note in &outcome.notes {
            if !self.notes.contains(note) {
                self.notes.push(note);
                if let Some(o) = self.observer {
                    o.note(note);
                }
            }
        }
        if let Some(r) = &outcome.record {
            if let Err(err) = self.log.append(&outcome.row, r) {
                self.log_error.get_or_insert(err);
            }
        }
        if outcome.skipped {
            self.summary.skipped += 1;
        }
        if outcome.infra {
            self.summary.infra_failed += 1;
        }
        self.summary.timing.add(&outcome.timing);
        if let Some(pair) = outcome.shots {
            self.shots.add(outcome.row.index, pair);
        }
        let row = outcome.row;
        tracing::debug!(index = row.index, input = %row.input, status = row.status.name(), elapsed_ms = row.elapsed_ms, "image done");
        match row.status {
            RowStatus::Ok => self.summary.ok += 1,
            _ => {
                let error = row.error.as_deref().unwrap_or("");
                self.summary.fail_image(row.index, &row.input, error);
            }
        }
        self.table_row(&row);
        self.next_row = pos.saturating_add(1);
    }

    /// The rows of the images before `end` that this run does not compute: as the resume state
    /// records them (outdated if the workflow changed since), or not run.
    fn keep_until(&mut self, end: usize) {
        let end = end.min(self.plan.job_count());
        while self.next_row < end {
            let job = self.plan.job(self.next_row);
            let label = job.input_label();
            let counts = (self.plan.metric_columns.len(), self.plan.writers.len());
            let row = match self.index.get(&label) {
                None => Row::empty(job.index, label, RowStatus::NotRun, None, counts),
                Some(e) => match e.why_outdated(&self.plan.fingerprint, &job.outputs) {
                    Some(why) => {
                        Row::empty(job.index, label, RowStatus::Outdated, Some(why), counts)
                    }
                    None => e.row(job.index),
                },
            };
            self.table_row(&row);
            self.next_row += 1;
        }
    }

    /// Writes a row of the table, counts it and checks the per-image expectations on it (rows are
    /// not kept: memory must not grow with the number of images).
    fn table_row(&mut self, row: &Row) {
        if let Some(sk) = self.sink.as_mut() {
            if let Err(e) = sk.write_row(row) {
                self.fail_sink(e);
            }
        }
        let t = &mut self.summary.table;
        match row.status {
            RowStatus::Ok => t.ok += 1,
            RowStatus::Failed => t.failed += 1,
            RowStatus::NotRun => t.not_run += 1,
            RowStatus::Outdated => t.outdated += 1,
        }
        if row.ok() {
            check_bounds(self.plan, &mut self.summary, row);
        }
    }

    /// After each batch: push the table's rows to its file and the state.
    fn end_batch(&mut self) {
        if let Some(Err(e)) = self.sink.as_mut().map(ResultsSink::flush) {
            self.fail_sink(e);
        }
        if let Err(err) = self.log.flush() {
            self.log_error.get_or_insert(err);
        }
        if let Some(o) = self.observer {
            o.progress(self.done, self.summary.selected as usize);
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

/// Checks the metric bounds of `[expect]` on an ok row: every column of the metric (a metric per
/// channel is checked on each channel; the columns of channels a gray image lacks are empty).
fn check_bounds(plan: &Plan, summary: &mut Summary, row: &Row) {
    for &(m, lo, hi) in &plan.expect.bounds {
        let metric = &plan.metrics[m];
        let columns = metric.columns().len();
        for c in 0..columns {
            let k = metric.first_column + c;
            let v = row.metrics.get(k).copied().unwrap_or(f64::NAN);
            if metric.each && c > 0 && v.is_nan() {
                continue;
            }
            let what = format!(
                "image {} ({}): `{}` = {}",
                row.index,
                row.input,
                plan.metric_columns[k],
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
}

/// `ok = N` / `failed = N`, checked against the whole table.
fn check_counts(plan: &Plan, summary: &mut Summary) {
    let t = summary.table;
    if let Some(n) = plan.expect.ok.filter(|n| *n != t.ok) {
        summary.fail_expectation(format!(
            "expected {n} ok {}, the table has {}",
            plural(n, "image"),
            t.ok
        ));
    }
    if let Some(n) = plan.expect.failed.filter(|n| *n != t.failed) {
        summary.fail_expectation(format!(
            "expected {n} failed {}, the table has {}",
            plural(n, "image"),
            t.failed
        ));
    }
}

/// `word` or `word`s, as `n` needs.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
