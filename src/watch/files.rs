//! Which files of a watched folder are complete and not yet done: each candidate's signature
//! (size, mtime, ctime, inode) is followed until it has been stable for the settle time; the
//! signature of every file handled is kept, so the same version is never taken twice.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Temporary names that downloaders, sync tools and editors write before renaming into place
/// (hidden names, `.*`, are left out by the glob itself unless the pattern names them).
pub const DEFAULT_IGNORES: &[&str] = &[
    "*.part",
    "*.partial",
    "*.filepart",
    "*.tmp",
    "*~",
    "*.crdownload",
];

/// What identifies one version of a file without reading it. Any write changes the size, the
/// mtime or the ctime (at full precision); a replacement changes the inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sig {
    pub len: u64,
    pub mtime: Option<SystemTime>,
    /// The inode change time in nanoseconds (0 where there is none).
    pub ctime_ns: i128,
    pub ino: u64,
}

impl Sig {
    /// The signature of the file `path` leads to (following a final symlink), if it is a file.
    pub fn of(path: &Path) -> Option<Sig> {
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        #[cfg(unix)]
        let (ctime_ns, ino) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (ctime_ns, ino) = (0, 0);
        Some(Sig {
            len: meta.len(),
            mtime: meta.modified().ok(),
            ctime_ns,
            ino,
        })
    }

    /// Whether nothing has touched the file (data or metadata) for at least `settle`, by its
    /// own clock: its mtime and its ctime are both that old.
    fn quiet_for(&self, settle: Duration) -> bool {
        let Ok(now) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let now_ns = now.as_nanos() as i128;
        let settle_ns = settle.as_nanos() as i128;
        let mtime_old = self
            .mtime
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= settle);
        mtime_old && self.ctime_ns != 0 && now_ns - self.ctime_ns >= settle_ns
    }
}

/// A candidate not yet taken.
struct Pending {
    sig: Sig,
    /// When this signature was first seen.
    since: Instant,
    /// When the file was first seen changing (for `--stuck-after`).
    first: Instant,
    stuck_reported: bool,
}

/// The settle bookkeeping of a watched folder.
pub struct Tracker {
    settle: Duration,
    stuck_after: Duration,
    pending: HashMap<PathBuf, Pending>,
    /// When each pending file is looked at again (stale entries are skipped).
    due: BinaryHeap<Reverse<(Instant, PathBuf)>>,
    /// The version of every file handled (taken, or found up to date).
    done: HashMap<PathBuf, Sig>,
    /// Files complete and waiting for a worker, in the order they became ready (an entry no
    /// longer in `queued` was dropped, and is skipped).
    order: std::collections::VecDeque<PathBuf>,
    /// The version of each file waiting for a worker.
    queued: HashMap<PathBuf, Sig>,
    ignore_names: GlobSet,
    ignore_paths: GlobSet,
    /// Files found still changing after the stuck limit, not yet reported.
    stuck: Vec<PathBuf>,
}

impl Tracker {
    /// `ignore` adds to [`DEFAULT_IGNORES`]: a glob without `/` matches file names, one with `/`
    /// the path below the watched folder.
    pub fn new(
        settle: Duration,
        stuck_after: Duration,
        ignore: &[String],
    ) -> Result<Tracker, globset::Error> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in DEFAULT_IGNORES
            .iter()
            .map(|s| s.to_string())
            .chain(ignore.iter().cloned())
        {
            if g.contains('/') {
                paths.add(Glob::new(&g)?);
            } else {
                names.add(Glob::new(&g)?);
            }
        }
        Ok(Tracker {
            settle,
            stuck_after,
            pending: HashMap::new(),
            due: BinaryHeap::new(),
            done: HashMap::new(),
            order: Default::default(),
            queued: HashMap::new(),
            ignore_names: names.build()?,
            ignore_paths: paths.build()?,
            stuck: Vec::new(),
        })
    }

    /// Whether `path` (below `root`) is a temporary or ignored name.
    pub fn ignored(&self, root: &Path, path: &Path) -> bool {
        path.file_name()
            .is_some_and(|n| self.ignore_names.is_match(n))
            || path
                .strip_prefix(root)
                .is_ok_and(|rel| self.ignore_paths.is_match(rel))
    }

    /// A matching file was seen (listed, or named by an event). `now`: the event says it is
    /// complete (closed after writing, or renamed into place).
    pub fn saw(&mut self, path: &Path, complete: bool) {
        let Some(sig) = Sig::of(path) else {
            self.pending.remove(path);
            return;
        };
        if self.done.get(path) == Some(&sig) {
            self.pending.remove(path);
            return;
        }
        let now = Instant::now();
        if complete || (!self.pending.contains_key(path) && sig.quiet_for(self.settle)) {
            self.pending.remove(path);
            self.take(path.to_path_buf(), sig);
            return;
        }
        match self.pending.get_mut(path) {
            Some(p) if p.sig == sig => {}
            Some(p) => {
                p.sig = sig;
                p.since = now;
                if !p.stuck_reported && now.duration_since(p.first) >= self.stuck_after {
                    p.stuck_reported = true;
                    self.stuck.push(path.to_path_buf());
                }
                self.due
                    .push(Reverse((now + self.settle, path.to_path_buf())));
            }
            None => {
                self.pending.insert(
                    path.to_path_buf(),
                    Pending {
                        sig,
                        since: now,
                        first: now,
                        stuck_reported: false,
                    },
                );
                self.due
                    .push(Reverse((now + self.settle, path.to_path_buf())));
            }
        }
    }

    fn take(&mut self, path: PathBuf, sig: Sig) {
        if self.queued.insert(path.clone(), sig).is_none() {
            self.order.push_back(path);
        }
    }

    /// How many complete files wait for a worker.
    pub fn ready_len(&self) -> usize {
        self.queued.len()
    }

    /// Takes the file that has waited longest, passing over those `busy` holds back (a file
    /// being computed waits for its computation to end).
    pub fn next_ready(&mut self, busy: impl Fn(&Path) -> bool) -> Option<(PathBuf, Sig)> {
        while self
            .order
            .front()
            .is_some_and(|p| !self.queued.contains_key(p))
        {
            self.order.pop_front();
        }
        let k = self
            .order
            .iter()
            .position(|p| self.queued.contains_key(p) && !busy(p))?;
        let path = self.order.remove(k)?;
        let sig = self.queued.remove(&path)?;
        Some((path, sig))
    }

    /// A file is gone (removed or renamed away).
    pub fn gone(&mut self, path: &Path) {
        self.pending.remove(path);
        self.queued.remove(path);
    }

    /// The version `sig` of `path` has been handled.
    pub fn handled(&mut self, path: PathBuf, sig: Sig) {
        self.done.insert(path, sig);
    }

    /// Forgets every handled version, so that a scan takes every file again (and the resume
    /// state decides what is up to date).
    pub fn forget_handled(&mut self) {
        self.done.clear();
    }

    /// Looks again at the files whose settle time is over: a file whose signature held is
    /// ready, one that changed waits again. Returns the files that have been changing for longer
    /// than the stuck limit (each reported once).
    pub fn settle_due(&mut self, now: Instant) -> Vec<PathBuf> {
        let mut stuck = std::mem::take(&mut self.stuck);
        while let Some(Reverse((at, _))) = self.due.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, path))) = self.due.pop() else {
                break;
            };
            let Some(p) = self.pending.get_mut(&path) else {
                continue;
            };
            if p.since + self.settle != at {
                continue;
            }
            match Sig::of(&path) {
                None => {
                    self.pending.remove(&path);
                }
                Some(sig) if sig == p.sig => {
                    self.pending.remove(&path);
                    self.take(path, sig);
                }
                Some(sig) => {
                    p.sig = sig;
                    p.since = now;
                    if !p.stuck_reported && now.duration_since(p.first) >= self.stuck_after {
                        p.stuck_reported = true;
                        stuck.push(path.clone());
                    }
                    self.due.push(Reverse((now + self.settle, path)));
                }
            }
        }
        stuck
    }

    /// When [`Tracker::settle_due`] has work next.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.peek().map(|Reverse((at, _))| *at)
    }

    /// Files seen but not yet complete.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_taken_once_it_holds_still_and_once_per_version() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.png");
        std::fs::write(&f, b"12").unwrap();
        let settle = Duration::from_millis(150);
        let mut t = Tracker::new(settle, Duration::from_secs(60), &[]).unwrap();
        t.saw(&f, false);
        assert!(t.ready_len() == 0, "fresh files wait for the settle time");
        std::thread::sleep(Duration::from_millis(60));
        std::fs::write(&f, b"1234").unwrap();
        t.saw(&f, false);
        assert!(t.settle_due(Instant::now()).is_empty());
        assert!(t.ready_len() == 0);
        std::thread::sleep(settle + Duration::from_millis(20));
        t.settle_due(Instant::now());
        let (p, sig) = t.next_ready(|_| false).unwrap();
        assert_eq!((p.as_path(), sig.len), (f.as_path(), 4));
        t.handled(p, sig);
        t.saw(&f, true);
        assert!(t.ready_len() == 0, "the same version is not taken twice");
        std::fs::write(&f, b"12345").unwrap();
        t.saw(&f, true);
        assert_eq!(t.ready_len(), 1, "a new version is");
    }

    #[test]
    fn a_file_that_never_holds_still_is_reported_once() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.png");
        let mut t =
            Tracker::new(Duration::from_millis(200), Duration::from_millis(150), &[]).unwrap();
        let mut reported = Vec::new();
        // Written every 20 ms: seen by events (`saw`) half of the time, by the settle check
        // (which finds it changed) the other half.
        for k in 0..40u8 {
            std::fs::write(&f, vec![k; usize::from(k) + 1]).unwrap();
            if k % 2 == 0 {
                t.saw(&f, false);
            }
            std::thread::sleep(Duration::from_millis(20));
            reported.extend(t.settle_due(Instant::now()));
        }
        assert_eq!(reported, [f]);
        assert!(
            t.ready_len() == 0,
            "a file that keeps changing is not taken"
        );
    }

    #[test]
    fn temporary_names_are_ignored() {
        let t = Tracker::new(
            Duration::ZERO,
            Duration::ZERO,
            &["raw/**".into(), "*.bak".into()],
        )
        .unwrap();
        let root = Path::new("/w");
        assert!(t.ignored(root, Path::new("/w/a.png.part")));
        assert!(t.ignored(root, Path::new("/w/x/a.crdownload")));
        assert!(t.ignored(root, Path::new("/w/a.png~")));
        assert!(t.ignored(root, Path::new("/w/a.bak")));
        assert!(t.ignored(root, Path::new("/w/raw/b.png")));
        assert!(!t.ignored(root, Path::new("/w/a.png")));
    }
}
