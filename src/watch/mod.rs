//! `flowrun watch`: run the workflow on each file that arrives in its glob's folder, once, as soon
//! as it is complete — across restarts and edits of the workflow.
//!
//! - **A scan is the truth, events are hints.** The folder is listed at start, whenever events may
//!   have been lost (a queue overflow, a watcher error, the folder removed and made again) and
//!   every `rescan` interval; OS events only make a file known sooner. Where events do not arrive
//!   (network and FUSE filesystems, or `--poll`) the scan runs every poll interval.
//! - **Complete files only** ([`files::Tracker`]): a file is taken when its signature (size,
//!   mtime, ctime, inode, full precision) has held for the settle time, at once when it is closed
//!   after writing or renamed into place, and at once when its own times show it untouched for
//!   that long. Temporary names are ignored.
//! - **Exactly once**: what is done is the resume state the batch run uses (one record per input,
//!   by path and content hash, appended after the image's outputs are in place), so a batch run
//!   after a watch redoes nothing and the other way round, and a kill -9 loses only the images in
//!   flight. An image keeps the index it was recorded with; a new one takes the next free index.
//! - **Never its own outputs**: every output path this workflow renders or has recorded is no
//!   input, nor is any hidden file (flowrun's temp files and state are hidden).
//! - **Hot reload**: an edit of the workflow file is compiled whole; a valid one applies to
//!   images not yet started (rows carry the workflow hash they ran with), a broken one is reported
//!   and the running workflow goes on.
//! - **Rows stream**: each finished image is appended to the results table (CSV, or JSON Lines
//!   for `.json`) and to the state, flushed as it comes.

mod events;
mod files;

pub use events::{eventless_fs, POLL_DEFAULT};
pub use files::DEFAULT_IGNORES;

use crate::diag::Report;
use crate::exec::{prepare_output_dirs, run_job_with, Control, Outcome, RunError, Scratch};
use crate::plan::{clean_path, Job, Plan};
use crate::sinks::results::{ResultsSink, Row, RowStatus};
use crate::source::glob::{GlobError, Matcher};
use crate::state::lock::RunLock;
use crate::state::{Entry, Record, StateIndex, StateLog};
use events::{FsMsg, Hint};
use files::{Sig, Tracker};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A compiled workflow and the glob it watches.
pub struct WatchSpec {
    pub plan: Plan,
    pub pattern: String,
    pub exclude: Vec<String>,
}

/// How to watch.
#[derive(Clone)]
pub struct WatchOptions {
    /// Worker threads (0 = every core).
    pub jobs: usize,
    /// How long a file's signature must hold before it is taken.
    pub settle: Duration,
    /// How often the whole folder is listed even when events arrive.
    pub rescan: Duration,
    /// A file still changing after this long is reported (once).
    pub stuck_after: Duration,
    /// Stop after this long with nothing to do.
    pub idle_timeout: Option<Duration>,
    /// Stop after this many images (computed, ok or failed).
    pub max_images: Option<u64>,
    /// Poll every interval instead of using OS events (`None`: events, unless the folder's
    /// filesystem delivers none).
    pub poll: Option<Duration>,
    /// More names to ignore (globs), beside [`DEFAULT_IGNORES`].
    pub ignore: Vec<String>,
    /// After a valid edit, redo the done images whose results it changes.
    pub reprocess_on_change: bool,
    /// Wait for another run holding the lock.
    pub wait_lock: bool,
    pub control: Arc<Control>,
}

/// Images handled so far and the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub ok: u64,
    pub failed: u64,
    /// Found up to date (done before, by a run or a watch), not recomputed.
    pub up_to_date: u64,
    /// Complete and waiting for a worker.
    pub queued: usize,
    /// Being computed.
    pub running: usize,
    /// Seen, not yet complete.
    pub settling: usize,
}

/// What a watch reports as it goes. Every method has an empty default.
pub trait WatchObserver {
    /// Watching `root`; `how` says with what (events, or polling and why).
    fn watching(&self, _root: &Path, _how: &str) {}
    /// An image is done (its row is in the table).
    fn image(&self, _row: &Row, _counts: &Counts) {}
    /// The counts changed without a row (queued, up to date).
    fn counts(&self, _counts: &Counts) {}
    fn note(&self, _text: &str) {}
    fn warning(&self, _text: &str) {}
    /// A valid edit of the workflow now applies.
    fn reloaded(&self, _plan: &Plan) {}
    /// An edit of the workflow does not compile; the previous one goes on.
    fn reload_failed(&self, _report: &Report) {}
    fn waiting_for_lock(&self, _holder: &str) {}
}

/// Why a watch ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Stopped from outside (a signal).
    Stopped,
    /// `--idle-timeout` passed with nothing to do.
    Idle,
    /// `--max-images` images were done.
    MaxImages,
}

#[derive(Clone, Debug)]
pub struct WatchSummary {
    pub counts: Counts,
    pub elapsed: Duration,
    pub ended: Ended,
}

impl WatchSummary {
    /// 1 when an image failed while watching, else 0.
    pub fn exit(&self) -> crate::Exit {
        if self.counts.failed > 0 {
            crate::Exit::Failed
        } else {
            crate::Exit::Ok
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Glob(#[from] GlobError),
    #[error("invalid --ignore pattern: {0}")]
    Ignore(#[from] globset::Error),
    #[error(
        "`flowrun watch` needs a glob source (`source.pattern`): generated images never arrive"
    )]
    NotGlob,
    #[error("`flowrun watch` takes each file as one image: `source.frames = \"each\"` works with `flowrun run` only (leave `frames` out, or set it to \"first\")")]
    Frames,
}

/// One image for a worker.
struct Work {
    plan: Arc<Plan>,
    job: Job,
    recorded: Option<Entry>,
    path: PathBuf,
    sig: Sig,
}

/// What reaches the loop.
enum Msg {
    Folder(FsMsg),
    Workflow(FsMsg),
    Done(Box<Finished>),
}

/// An image a worker finished.
struct Finished {
    path: PathBuf,
    sig: Sig,
    plan: Arc<Plan>,
    outcome: Outcome,
}

/// A folder that is gone is looked for this often.
const ROOT_RETRY: Duration = Duration::from_millis(250);
/// The longest the loop sleeps (it checks the stop flag when it wakes).
const TICK: Duration = Duration::from_millis(100);
/// An edit of the workflow is read this long after its last event (editors write in steps).
const RELOAD_DELAY: Duration = Duration::from_millis(100);

/// Watches `spec`'s folder until stopped, idle or done; `reload` compiles the workflow file
/// again after an edit, `workflow` is its path.
pub fn watch(
    spec: WatchSpec,
    reload: &mut dyn FnMut() -> Result<WatchSpec, Report>,
    workflow: &Path,
    opts: &WatchOptions,
    obs: &dyn WatchObserver,
) -> Result<WatchSummary, WatchError> {
    match &spec.plan.source {
        crate::plan::SourcePlan::Files { pages: None, .. } => {}
        crate::plan::SourcePlan::Files { .. } => return Err(WatchError::Frames),
        crate::plan::SourcePlan::Noise { .. } => return Err(WatchError::NotGlob),
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let plan = spec.plan;
    let _lock = RunLock::acquire(&plan.state.lock, opts.wait_lock, |h| {
        obs.waiting_for_lock(h)
    })
    .map_err(RunError::from)?;
    prepare_output_dirs(&plan);
    let state_label = plan.state.log.display().to_string();
    let state_err = |e| RunError::State(state_label.clone(), e);
    let index = StateIndex::open(&plan.state.log).map_err(state_err)?;
    let results_label = plan
        .results
        .as_ref()
        .map(|r| r.path.display().to_string())
        .unwrap_or_default();
    let sink = match ResultsSink::append(&plan) {
        Ok(Some((sink, replaced))) => {
            if replaced {
                obs.note(&format!(
                    "the results table `{results_label}` has other columns: moved it to `{results_label}.old` and started a new one (rows are appended as images finish; `flowrun run` writes the whole table again)"
                ));
            }
            Some(sink)
        }
        Ok(None) => None,
        Err(e) => return Err(RunError::Results(results_label, e).into()),
    };
    let relative = Path::new(&spec.pattern).is_relative();
    let mut w = Watch {
        matcher: Matcher::new(&spec.pattern, &spec.exclude, &cwd)?,
        pattern: (spec.pattern, spec.exclude),
        relative,
        tracker: Tracker::new(opts.settle, opts.stuck_after, &opts.ignore)?,
        log: StateLog::new(&plan.state.log, &plan.fingerprint, &index),
        plan: Arc::new(plan),
        index,
        sink,
        recent: HashMap::new(),
        own: HashSet::new(),
        owners: HashMap::new(),
        in_flight: HashSet::new(),
        made_dirs: HashSet::new(),
        next_index: 0,
        counts: Counts::default(),
        dirty: false,
        error: None,
        notes: Vec::new(),
        report: None,
        cwd,
        opts,
        obs,
    };
    w.learn_recorded().map_err(state_err)?;
    if w.plan.report.is_some() {
        w.report = Some((
            crate::report::Refresher::default(),
            Default::default(),
            false,
        ));
    }
    let summary = w.run(reload, workflow);
    let Watch {
        log, sink, error, ..
    } = w;
    if let Some(e) = error {
        return Err(e.into());
    }
    if let Some(sk) = sink {
        sk.finish()
            .map_err(|e| RunError::Results(results_label, e))?;
    }
    log.finish().map_err(state_err)?;
    Ok(summary)
}

/// The watch loop's state.
struct Watch<'a> {
    plan: Arc<Plan>,
    matcher: Matcher,
    /// The glob and its excludes (to see whether an edit changes them).
    pattern: (String, Vec<String>),
    /// The pattern is relative: inputs are named relative to the current folder, as in a run.
    relative: bool,
    cwd: PathBuf,
    tracker: Tracker,
    index: StateIndex,
    log: StateLog,
    sink: Option<ResultsSink>,
    /// The records made while watching (the index holds those from before).
    recent: HashMap<String, Entry>,
    /// Every output path this workflow renders or has recorded (absolute): never an input.
    own: HashSet<PathBuf>,
    /// Which input each output path belongs to (absolute path → input name).
    owners: HashMap<PathBuf, String>,
    in_flight: HashSet<PathBuf>,
    /// Output folders known to exist.
    made_dirs: HashSet<PathBuf>,
    /// The index a new input gets.
    next_index: u64,
    counts: Counts,
    /// Rows or records not yet flushed.
    dirty: bool,
    /// The table or the state could not be written: the watch stops.
    error: Option<RunError>,
    notes: Vec<&'static str>,
    /// The report (`output.report`): rebuilt at most every few seconds while images finish,
    /// with the thumbnails the workers made, and once at the end.
    report: Option<(crate::report::Refresher, crate::report::Shots, bool)>,
    opts: &'a WatchOptions,
    obs: &'a dyn WatchObserver,
}

impl Watch<'_> {
    /// Reads the recorded outputs (never inputs) and the largest recorded index.
    fn learn_recorded(&mut self) -> std::io::Result<()> {
        let mut next = 0;
        let mut own = Vec::new();
        crate::state::each_entry(&self.plan.state.log, |e| {
            next = next.max(e.index + 1);
            for (p, _) in e.outputs.iter().chain(&e.orphans) {
                own.push((p.clone(), e.input.clone()));
            }
        })?;
        self.next_index = next;
        for (p, input) in own {
            let abs = self.absolute(Path::new(&p));
            self.own.insert(abs.clone());
            self.owners.insert(abs, input);
        }
        Ok(())
    }

    /// `path` (relative to the current folder, or absolute) as an absolute, cleaned path.
    fn absolute(&self, path: &Path) -> PathBuf {
        clean_path(&self.cwd.join(path).to_string_lossy())
    }

    /// How a file is named in rows and records: as a run lists it.
    fn shown(&self, path: &Path) -> PathBuf {
        if self.relative {
            path.strip_prefix(&self.cwd)
                .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
        } else {
            path.to_path_buf()
        }
    }

    fn run(
        &mut self,
        reload: &mut dyn FnMut() -> Result<WatchSpec, Report>,
        workflow: &Path,
    ) -> WatchSummary {
        let start = Instant::now();
        let jobs = match self.opts.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let (tx, rx) = mpsc::channel::<Msg>();
        let (work_tx, work_rx) = mpsc::channel::<Work>();
        let work_rx = Arc::new(Mutex::new(work_rx));
        // The workflow file is watched through its folder: editors replace the file.
        let wf_abs = self.absolute(workflow);
        let wf_dir = wf_abs
            .parent()
            .map_or_else(|| self.cwd.clone(), Path::to_path_buf);
        let _wf_watcher = events::start(&wf_dir, false, tx.clone(), Msg::Workflow)
            .map_err(|e| {
                self.obs.warning(&format!(
                    "cannot watch the workflow file for edits: {e}; edits apply after a restart"
                ))
            })
            .ok();
        let mut folder = Folder {
            poll: self.opts.poll,
            ..Folder::default()
        };
        let ended = std::thread::scope(|s| {
            for k in 0..jobs {
                let rx = Arc::clone(&work_rx);
                let tx = tx.clone();
                let control = Arc::clone(&self.opts.control);
                let spawned = std::thread::Builder::new()
                    .name(format!("flowrun-{k}"))
                    .spawn_scoped(s, move || worker(&rx, &tx, &control));
                if let Err(e) = spawned {
                    self.obs
                        .warning(&format!("cannot start a worker thread: {e}"));
                }
            }
            let ended = self.main_loop(&rx, &tx, &work_tx, &mut folder, &wf_abs, jobs, reload);
            drop(work_tx);
            ended
        });
        self.flush();
        self.refresh_report(true);
        self.counts.queued = self.tracker.ready_len();
        self.counts.settling = self.tracker.waiting();
        self.counts.running = 0;
        WatchSummary {
            counts: self.counts,
            elapsed: start.elapsed(),
            ended,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn main_loop(
        &mut self,
        rx: &mpsc::Receiver<Msg>,
        tx: &mpsc::Sender<Msg>,
        work_tx: &mpsc::Sender<Work>,
        folder: &mut Folder,
        wf_abs: &Path,
        jobs: usize,
        reload: &mut dyn FnMut() -> Result<WatchSpec, Report>,
    ) -> Ended {
        let mut next_scan = Instant::now();
        let mut reload_at: Option<Instant> = None;
        let mut last_activity = Instant::now();
        let mut ended: Option<Ended> = None;
        loop {
            let now = Instant::now();
            if self.opts.control.stopped() && ended.is_none() {
                ended = Some(Ended::Stopped);
            }
            if self.error.is_some() && ended.is_none() {
                ended = Some(Ended::Stopped);
            }
            if now >= next_scan {
                next_scan = now + self.scan(folder, tx);
            }
            for p in self.tracker.settle_due(now) {
                self.obs.warning(&format!(
                    "`{}` is still changing after {}: not taken yet (it is once it holds still)",
                    self.shown(&p).display(),
                    crate::timefmt::duration(self.opts.stuck_after)
                ));
            }
            if reload_at.is_some_and(|at| at <= now) {
                reload_at = None;
                if self.reload(reload, folder) {
                    next_scan = now;
                }
            }
            if ended.is_none() {
                if self.dispatch(work_tx, jobs) {
                    last_activity = now;
                }
                if let Some(max) = self.opts.max_images {
                    if self.counts.ok + self.counts.failed >= max {
                        ended = Some(Ended::MaxImages);
                    }
                }
                let idle = self.in_flight.is_empty()
                    && self.tracker.ready_len() == 0
                    && self.tracker.waiting() == 0;
                if let Some(t) = self.opts.idle_timeout {
                    if idle && now.duration_since(last_activity) >= t {
                        ended = Some(Ended::Idle);
                    }
                }
            }
            if ended.is_some() && self.in_flight.is_empty() {
                return ended.unwrap_or(Ended::Stopped);
            }
            let mut wake = now + TICK;
            wake = wake.min(next_scan);
            if let Some(t) = self.tracker.next_due() {
                wake = wake.min(t);
            }
            if let Some(t) = reload_at {
                wake = wake.min(t);
            }
            let mut msg = match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ended::Stopped,
            };
            let mut handled = 0;
            while let Some(m) = msg.take() {
                match m {
                    Msg::Folder(FsMsg::Event(e)) => {
                        for h in events::hints(&e) {
                            if self.hint(h, folder) {
                                next_scan = Instant::now();
                            }
                        }
                    }
                    Msg::Folder(FsMsg::Error(e)) => {
                        self.watcher_error(&e, folder);
                        next_scan = Instant::now();
                    }
                    Msg::Workflow(FsMsg::Event(e)) => {
                        if e.paths.iter().any(|p| p.as_path() == wf_abs) {
                            reload_at = Some(Instant::now() + RELOAD_DELAY);
                        }
                    }
                    Msg::Workflow(FsMsg::Error(_)) => {}
                    Msg::Done(f) => {
                        let Finished {
                            path,
                            sig,
                            plan,
                            outcome,
                        } = *f;
                        self.done(path, sig, &plan, outcome);
                        last_activity = Instant::now();
                    }
                }
                handled += 1;
                if handled < 4096 {
                    msg = rx.try_recv().ok();
                }
            }
            if self.tracker.waiting() > 0 || !self.tracker.ready_len() == 0 {
                last_activity = Instant::now();
            }
            self.flush();
            self.refresh_report(false);
        }
    }

    /// Lists the whole folder (restarting the watcher when the folder is back); returns when to
    /// list it next.
    fn scan(&mut self, folder: &mut Folder, tx: &mpsc::Sender<Msg>) -> Duration {
        let root = self.matcher.root().to_path_buf();
        if !root.is_dir() {
            if !folder.missing {
                folder.missing = true;
                folder.watcher = None;
                self.obs.warning(&format!(
                    "the watched folder `{}` does not exist (yet): waiting for it",
                    self.shown(&root).display()
                ));
            }
            return ROOT_RETRY;
        }
        if folder.missing
            || !folder.announced
            || (folder.watcher.is_none() && folder.polling().is_none())
        {
            let back = folder.missing && folder.announced;
            folder.missing = false;
            self.start_watcher(folder, tx);
            if back {
                self.obs.note(&format!(
                    "the watched folder `{}` is back",
                    self.shown(&root).display()
                ));
            }
        }
        for f in self.matcher.walk().files {
            self.consider(&f, false);
        }
        self.publish_counts();
        folder.polling().unwrap_or(self.opts.rescan)
    }

    fn start_watcher(&mut self, folder: &mut Folder, tx: &mpsc::Sender<Msg>) {
        let root = self.matcher.root().to_path_buf();
        let shown = self.shown(&root).display().to_string();
        if folder.poll.is_none() {
            if let Some(fs) = eventless_fs(&root) {
                folder.auto_poll = Some(fs);
            }
        }
        let how = match (folder.poll, folder.auto_poll) {
            (Some(p), _) => {
                folder.watcher = None;
                format!("polling every {}", crate::timefmt::duration(p))
            }
            (None, Some(fs)) => {
                folder.watcher = None;
                format!(
                    "polling every {} ({fs} delivers no change events; --poll sets the interval)",
                    crate::timefmt::duration(POLL_DEFAULT)
                )
            }
            (None, None) => {
                match events::start(&root, self.matcher.nested(), tx.clone(), Msg::Folder) {
                    Ok(w) => {
                        folder.watcher = Some(w);
                        "file events".to_string()
                    }
                    Err(e) => {
                        self.watcher_error(&e, folder);
                        format!(
                            "polling every {}",
                            crate::timefmt::duration(folder.polling().unwrap_or(POLL_DEFAULT))
                        )
                    }
                }
            }
        };
        if !folder.announced || folder.how != how {
            self.obs.watching(Path::new(&shown), &how);
            folder.how = how;
        }
        folder.announced = true;
    }

    fn watcher_error(&mut self, e: &notify::Error, folder: &mut Folder) {
        match &e.kind {
            notify::ErrorKind::MaxFilesWatch => {
                self.obs.warning(events::WATCH_LIMIT_HINT);
                folder.watcher = None;
                folder.poll.get_or_insert(POLL_DEFAULT);
            }
            notify::ErrorKind::PathNotFound => {
                folder.missing = true;
                folder.watcher = None;
            }
            notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                folder.missing = true;
                folder.watcher = None;
            }
            _ => {
                self.obs.warning(&format!(
                    "file events failed ({e}); listing the folder again, and polling"
                ));
                folder.watcher = None;
                folder.poll.get_or_insert(POLL_DEFAULT);
            }
        }
    }

    /// Acts on one event hint; `true` asks for a full listing.
    fn hint(&mut self, h: Hint, folder: &mut Folder) -> bool {
        match h {
            Hint::Rescan => true,
            Hint::Folder(dir) => {
                self.scan_dir(&dir);
                false
            }
            Hint::Changed(p) | Hint::Complete(p) if p.is_dir() => {
                self.scan_dir(&p);
                false
            }
            Hint::Changed(p) => {
                self.consider(&p, false);
                false
            }
            Hint::Complete(p) => {
                self.consider(&p, true);
                false
            }
            Hint::Gone(p) => {
                let root = self.matcher.root();
                if root.starts_with(&p) && !root.is_dir() {
                    folder.missing = true;
                    folder.watcher = None;
                    return true;
                }
                self.tracker.gone(&p);
                false
            }
        }
    }

    /// Lists a folder that appeared (`mkdir -p a/b/c` reports only `a`).
    fn scan_dir(&mut self, dir: &Path) {
        if !self.matcher.may_enter(dir) && dir != self.matcher.root() {
            return;
        }
        let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .map(walkdir::DirEntry::into_path)
            .collect();
        for f in files {
            self.consider(&f, false);
        }
    }

    /// A path that may be a new or changed input.
    fn consider(&mut self, path: &Path, complete: bool) {
        if !self.matcher.matches(path)
            || self.tracker.ignored(self.matcher.root(), path)
            || self.own.contains(&clean_path(&path.to_string_lossy()))
        {
            return;
        }
        self.tracker.saw(path, complete);
    }

    /// Hands ready files to the workers; `true` if any.
    fn dispatch(&mut self, work_tx: &mpsc::Sender<Work>, jobs: usize) -> bool {
        let mut any = false;
        // A few images per worker wait in its queue, so workers never wait for this loop; few
        // enough that an edit of the workflow applies to the next images.
        while self.in_flight.len() < 4 * jobs + 4 {
            if let Some(max) = self.opts.max_images {
                if self.counts.ok + self.counts.failed + self.in_flight.len() as u64 >= max {
                    break;
                }
            }
            let in_flight = &self.in_flight;
            let Some((path, sig)) = self.tracker.next_ready(|p| in_flight.contains(p)) else {
                break;
            };
            any = true;
            let shown = self.shown(&path);
            let label = shown.display().to_string();
            let recorded = self
                .recent
                .get(&label)
                .cloned()
                .or_else(|| self.index.get(&label));
            let index = match &recorded {
                Some(e) => e.index,
                None => {
                    self.next_index += 1;
                    self.next_index - 1
                }
            };
            let job = self.plan.job_for(shown, index);
            if let Some(err) = self.claim_outputs(&job, &label) {
                let counts = (self.plan.metric_columns.len(), self.plan.writers.len());
                let row = Row::empty(index, label, RowStatus::Failed, Some(err), counts);
                let outcome = Outcome {
                    row,
                    record: Some(Record::default()),
                    skipped: false,
                    notes: Vec::new(),
                    timing: Default::default(),
                    infra: false,
                    shots: None,
                };
                let plan = Arc::clone(&self.plan);
                self.done(path, sig, &plan, outcome);
                continue;
            }
            self.plan.inputs.add(&path);
            self.in_flight.insert(path.clone());
            let work = Work {
                plan: Arc::clone(&self.plan),
                job,
                recorded,
                path,
                sig,
            };
            if work_tx.send(work).is_err() {
                break;
            }
        }
        if any {
            self.publish_counts();
        }
        any
    }

    /// Claims a job's output paths for its input; an error names the other input that renders
    /// one of them.
    fn claim_outputs(&mut self, job: &Job, label: &str) -> Option<String> {
        let abs: Vec<PathBuf> = job.outputs.iter().map(|o| self.absolute(o)).collect();
        for (o, a) in job.outputs.iter().zip(&abs) {
            match self.owners.get(a) {
                Some(other) if other != label && Path::new(other).exists() => {
                    return Some(format!(
                        "its output `{}` is also the output of `{other}`; make the output pattern unique (e.g. with `{{dir}}` or `{{ext}}`)",
                        o.display()
                    ));
                }
                _ => {}
            }
        }
        for a in abs {
            // New inputs bring new output folders (`{dir}`); a folder that cannot be made fails
            // the image when it writes.
            if let Some(dir) = a.parent() {
                if !self.made_dirs.contains(dir) && std::fs::create_dir_all(dir).is_ok() {
                    self.made_dirs.insert(dir.to_path_buf());
                }
            }
            self.own.insert(a.clone());
            self.owners.insert(a, label.to_string());
        }
        None
    }

    /// A worker finished an image: record it, append its row, tell the observer.
    fn done(&mut self, path: PathBuf, sig: Sig, plan: &Plan, outcome: Outcome) {
        self.in_flight.remove(&path);
        for note in &outcome.notes {
            if !self.notes.contains(note) {
                self.notes.push(note);
                self.obs.note(note);
            }
        }
        self.tracker.handled(path, sig);
        if outcome.skipped {
            self.counts.up_to_date += 1;
            self.publish_counts();
            return;
        }
        if let Some((_, shots, stale)) = self.report.as_mut() {
            if let Some(pair) = outcome.shots {
                shots.add(outcome.row.index, pair);
            }
            *stale = true;
        }
        let row = outcome.row;
        if let Some(r) = &outcome.record {
            self.log.set_plan(&plan.fingerprint);
            if let Err(e) = self.log.append(&row, r) {
                self.fail(RunError::State(
                    self.plan.state.log.display().to_string(),
                    e,
                ));
            }
            self.recent
                .insert(row.input.clone(), Entry::of(&row, r, &plan.fingerprint));
        }
        if let Some(sk) = self.sink.as_mut() {
            sk.set_workflow(&plan.workflow_hash);
            if let Err(e) = sk.write_row(&row) {
                self.fail(RunError::Results(self.results_label(), e));
            }
        }
        self.dirty = true;
        match row.status {
            RowStatus::Ok => self.counts.ok += 1,
            _ => self.counts.failed += 1,
        }
        self.fill_counts();
        self.obs.image(&row, &self.counts);
    }

    /// The results table's path, for messages.
    fn results_label(&self) -> String {
        self.plan
            .results
            .as_ref()
            .map(|r| r.path.display().to_string())
            .unwrap_or_default()
    }

    fn fail(&mut self, e: RunError) {
        if self.error.is_none() {
            self.obs.warning(&format!("{e}: stopping"));
            self.error = Some(e);
        }
        self.sink = None;
    }

    /// Pushes appended rows and records to the OS.
    fn flush(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        if let Some(Err(e)) = self.sink.as_mut().map(ResultsSink::flush) {
            self.fail(RunError::Results(self.results_label(), e));
        }
        if let Err(e) = self.log.flush() {
            self.fail(RunError::State(
                self.plan.state.log.display().to_string(),
                e,
            ));
        }
    }

    /// Rebuilds the report when rows came since the last one and the refresher is due (or
    /// `now`, at the end).
    fn refresh_report(&mut self, now: bool) {
        let Some((refresher, shots, stale)) = self.report.as_mut() else {
            return;
        };
        if !*stale || !(now || refresher.due()) {
            return;
        }
        *stale = false;
        let inputs = crate::report::ReportInputs {
            shots: shots.clone(),
        };
        if let Err(e) = crate::report::write(&self.plan, &inputs, None) {
            self.obs.warning(&e.to_string());
        }
    }

    fn fill_counts(&mut self) {
        self.counts.queued = self.tracker.ready_len();
        self.counts.running = self.in_flight.len();
        self.counts.settling = self.tracker.waiting();
    }

    fn publish_counts(&mut self) {
        self.fill_counts();
        self.obs.counts(&self.counts);
    }

    /// Compiles the edited workflow; a valid edit applies to the images not yet started. `true`
    /// asks for a full listing (another pattern, or `--reprocess-on-change`).
    fn reload(
        &mut self,
        reload: &mut dyn FnMut() -> Result<WatchSpec, Report>,
        folder: &mut Folder,
    ) -> bool {
        let spec = match reload() {
            Ok(s) => s,
            Err(report) => {
                self.obs.reload_failed(&report);
                return false;
            }
        };
        let old = &self.plan;
        if spec.plan.workflow_hash == old.workflow_hash {
            return false;
        }
        let refuse = |why: &str| {
            self.obs.warning(&format!(
                "the edited workflow is valid but not applied: {why}; the previous one goes on (restart the watch to apply it)"
            ));
        };
        if !matches!(spec.plan.source, crate::plan::SourcePlan::Files { .. }) {
            refuse("its source is no longer a glob");
            return false;
        }
        if spec.plan.state != old.state {
            refuse("it moves the results table or the outputs, and with them the resume state");
            return false;
        }
        let columns = |p: &Plan| {
            (
                p.results.as_ref().map(|r| (r.path.clone(), r.format)),
                p.metric_columns.clone(),
                p.writers
                    .iter()
                    .map(|w| w.column.clone())
                    .collect::<Vec<_>>(),
            )
        };
        if columns(&spec.plan) != columns(old) {
            refuse("it changes the results table's columns");
            return false;
        }
        let mut rescan = false;
        let pattern = (spec.pattern, spec.exclude);
        if pattern != self.pattern {
            match Matcher::new(&pattern.0, &pattern.1, &self.cwd) {
                Ok(m) => {
                    if m.root() != self.matcher.root() || m.nested() != self.matcher.nested() {
                        folder.watcher = None;
                        folder.missing = true;
                        folder.announced = false;
                    }
                    self.matcher = m;
                    self.relative = Path::new(&pattern.0).is_relative();
                    self.pattern = pattern;
                    rescan = true;
                }
                Err(e) => {
                    refuse(&e.to_string());
                    return false;
                }
            }
        }
        let mut plan = spec.plan;
        plan.inputs = Arc::clone(&old.inputs);
        let plan = Arc::new(plan);
        self.obs.reloaded(&plan);
        self.plan = plan;
        if self.opts.reprocess_on_change {
            self.tracker.forget_handled();
            rescan = true;
        }
        rescan
    }
}

/// The watched folder: how it is watched, and whether it is there.
#[derive(Default)]
struct Folder {
    watcher: Option<notify::RecommendedWatcher>,
    /// `--poll`, or polling after a watcher failure.
    poll: Option<Duration>,
    /// The filesystem delivers no events (its name): polled.
    auto_poll: Option<&'static str>,
    /// The folder is gone (or not there yet).
    missing: bool,
    /// The "watching" line was shown, and what it said.
    announced: bool,
    how: String,
}

impl Folder {
    /// The polling interval, when the folder is polled.
    fn polling(&self) -> Option<Duration> {
        self.poll.or(self.auto_poll.map(|_| POLL_DEFAULT))
    }
}

/// A worker: computes the images it is handed, with its own scratch buffers.
fn worker(rx: &Mutex<mpsc::Receiver<Work>>, tx: &mpsc::Sender<Msg>, control: &Control) {
    let mut scratch: Option<(Arc<Plan>, Scratch)> = None;
    loop {
        let work = match rx.lock() {
            Ok(r) => match r.recv() {
                Ok(w) => w,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let s = match &mut scratch {
            Some((p, s)) if Arc::ptr_eq(p, &work.plan) => s,
            _ => {
                let s = Scratch::for_plan(&work.plan);
                &mut scratch.insert((Arc::clone(&work.plan), s)).1
            }
        };
        control.image_in_flight(true);
        let outcome = run_job_with(&work.plan, &work.job, s, false, work.recorded);
        control.image_in_flight(false);
        let msg = Msg::Done(Box::new(Finished {
            path: work.path,
            sig: work.sig,
            plan: work.plan,
            outcome,
        }));
        if tx.send(msg).is_err() {
            return;
        }
    }
}
