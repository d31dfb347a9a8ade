//! Running a plan: a local rayon pool of `--jobs` workers pulls images in index order; each image
//! is load → steps → metrics and encoded outputs, then its files are written atomically. A failed
//! image is a row, not a stop. Rows flow over a channel to the collector on the calling thread,
//! which writes the results table in index order as rows become ready, checks expectations and
//! drives the progress bar — nothing shared is locked by the workers.

mod task;

use crate::plan::Plan;
use crate::sinks::results::{repr_f64, ResultsSink, Row};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use task::{run_image, Scratch};

/// Rows a worker collects before handing them to the collector.
const BATCH_ROWS: usize = 64;
/// The longest a finished row waits in a worker's batch.
const BATCH_TIME: Duration = Duration::from_millis(20);

/// Runtime knobs (the pipeline itself is in the plan).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Worker threads (0 = every core).
    pub jobs: usize,
    /// Positions into `plan.jobs` to run (`None` = all).
    pub only: Option<Vec<usize>>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// What happened.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub ok: u64,
    pub failed: u64,
    pub elapsed: Duration,
    /// `(index, input, error)` of every failed image.
    pub failures: Vec<(u64, String, String)>,
    /// Every failed expectation, as a sentence.
    pub expectations: Vec<String>,
}

impl Summary {
    /// Exit status: 0 when every image and expectation passed, else 1.
    pub fn exit_code(&self) -> i32 {
        if self.failed == 0 && self.expectations.is_empty() {
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
}

/// Runs `plan` and returns the summary. Results do not depend on `opts.jobs`.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<Summary, RunError> {
    let start = Instant::now();
    let positions: Vec<usize> = match &opts.only {
        Some(p) => p.clone(),
        None => (0..plan.jobs.len()).collect(),
    };
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
    let results_path = plan
        .results
        .as_ref()
        .map(|r| r.path.display().to_string())
        .unwrap_or_default();
    let mut sink =
        ResultsSink::create(plan).map_err(|e| RunError::Results(results_path.clone(), e))?;
    let bar = progress_bar(opts.progress, positions.len() as u64);
    tracing::info!(images = positions.len(), threads, workflow = %plan.name, "run started");

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Vec<(usize, Row)>>();
    let mut summary = Summary::default();
    let mut sink_error = None;
    std::thread::scope(|s| {
        let positions = &positions;
        let next = &next;
        let stop = &stop;
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
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            if k >= positions.len() || stop.load(Ordering::Relaxed) {
                                break;
                            }
                            if batch.is_empty() {
                                since = Instant::now();
                            }
                            batch
                                .push((k, run_image(plan, &plan.jobs[positions[k]], &mut scratch)));
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
        // Collector: rows arrive in any order and leave in index order.
        let mut pending = BTreeMap::new();
        let mut want = 0usize;
        for batch in rx {
            for (k, row) in batch {
                pending.insert(k, row);
            }
            while let Some(row) = pending.remove(&want) {
                want += 1;
                if let Some(b) = &bar {
                    b.inc(1);
                }
                if let Some(sk) = sink.as_mut() {
                    if let Err(e) = sk.write_row(&row) {
                        sink_error = Some(e);
                        stop.store(true, Ordering::Relaxed);
                        sink = None;
                    }
                }
                record(plan, &mut summary, row);
            }
            if let Some(Err(e)) = sink.as_mut().map(ResultsSink::flush) {
                sink_error = Some(e);
                stop.store(true, Ordering::Relaxed);
                sink = None;
            }
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = sink_error {
        return Err(RunError::Results(results_path, e));
    }
    if let Some(sk) = sink {
        sk.finish()
            .map_err(|e| RunError::Results(results_path, e))?;
    }
    check_counts(plan, &mut summary);
    summary.elapsed = start.elapsed();
    tracing::info!(
        ok = summary.ok,
        failed = summary.failed,
        elapsed_s = summary.elapsed.as_secs_f64(),
        "run finished"
    );
    Ok(summary)
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
                    summary.expectations.push(format!("{what} is not a number"));
                }
                if let Some(lo) = lo.filter(|lo| v < *lo) {
                    summary
                        .expectations
                        .push(format!("{what} is below min {}", repr_f64(lo)));
                }
                if let Some(hi) = hi.filter(|hi| v > *hi) {
                    summary
                        .expectations
                        .push(format!("{what} is above max {}", repr_f64(hi)));
                }
            }
        }
        Some(e) => {
            summary.failed += 1;
            tracing::warn!(index = row.index, input = %row.input, error = %e, "image failed");
            summary
                .failures
                .push((row.index, row.input.clone(), e.clone()));
        }
    }
}

fn check_counts(plan: &Plan, summary: &mut Summary) {
    if let Some(n) = plan.expect.ok.filter(|n| *n != summary.ok) {
        summary
            .expectations
            .push(format!("expected {n} ok images, got {}", summary.ok));
    }
    if let Some(n) = plan.expect.failed.filter(|n| *n != summary.failed) {
        summary.expectations.push(format!(
            "expected {n} failed images, got {}",
            summary.failed
        ));
    }
}
