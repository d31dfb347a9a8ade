//! Atomic file writes: write a hidden temporary file next to the target, then rename it over the
//! target, so readers see either the old file or the complete new one, never a partial write.
//!
//! There is deliberately **no fsync** (of the file or the directory): flowrun may write tens of
//! thousands of small outputs, and a per-file fsync costs milliseconds each. After a power loss a
//! just-written output may therefore be empty or missing, but never half-written under its final
//! name in normal operation; a re-run rewrites it.
//!
//! Temporary names are `.{file_name}.{pid}@{host}.{counter}.flowrun-tmp`: hidden (the glob
//! source skips dot-files, so a watched output folder never ingests half-written files), unique
//! per process and call, in the target's own directory (so the rename never crosses
//! filesystems), and naming their owner, so that [`remove_stale_temps`] only ever removes the
//! temporary files of processes that are gone (on this host: a folder shared over the network
//! may hold other hosts' files in progress).
//!
//! On Linux, whole-buffer writes go to an unnamed `O_TMPFILE` inode in the target's folder, which
//! `linkat` (by the descriptor, or by its `/proc/self/fd` name where the kernel refuses that) then
//! gives its final name when that name is free — one directory operation instead of
//! two (create + rename), and a killed process leaves nothing behind — or the temporary name, to
//! be renamed over an existing target. Filesystems without `O_TMPFILE` (and any other failure on
//! that path) fall back to creating the temporary name directly.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-process counter that makes temporary names unique across threads.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The most one `write` call passes to the kernel. Linux sizes a file's new page-cache folios
/// by the length of each write: one 4 MB write asks for 2 MB folios, a 32 KB write for 32 KB
/// ones, which the per-CPU free lists usually hold. On a VM that hands free memory back to the
/// host in 2 MB blocks (virtio-balloon free-page reporting), 2 MB folios come from blocks the
/// host has discarded, and every page of them then faults on the host: writing a 4 MB file in
/// one call can cost several times what 32 KB pieces do (bench/runs/ has the measurements).
/// Pieces of this size cost about 130 more system calls per 4 MB file, and nothing for a file
/// smaller than one piece.
const WRITE_CHUNK: usize = 32 << 10;

/// `file.write_all(bytes)`, in calls of at most [`WRITE_CHUNK`] bytes.
fn write_chunked(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    bytes
        .chunks(WRITE_CHUNK)
        .try_for_each(|chunk| file.write_all(chunk))
}

/// This process's id (cached: `getpid` is a system call).
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// This host's name as it appears in temporary names: letters, digits and `-` only, at most 32.
fn host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        #[cfg(unix)]
        let name = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        #[cfg(not(unix))]
        let name = std::env::var("COMPUTERNAME").unwrap_or_default();
        let clean: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(32)
            .collect();
        if clean.is_empty() {
            "host".into()
        } else {
            clean
        }
    })
}

/// The suffix of every temporary name.
const TEMP_SUFFIX: &str = ".flowrun-tmp";

/// The temporary path for `target`: `.{file_name}.{pid}@{host}.{counter}.flowrun-tmp` in its
/// directory.
fn temp_path_for(target: &Path) -> io::Result<PathBuf> {
    let name = target.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", target.display()),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(format!(".{}@{}.{n}{TEMP_SUFFIX}", pid(), host()));
    Ok(target.with_file_name(tmp))
}

/// Who wrote a temporary file, from its name: `(pid, host)` (`host` is `None` in the names of
/// older versions, which did not record it).
fn temp_owner(name: &str) -> Option<(u32, Option<&str>)> {
    let rest = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let (rest, counter) = rest.rsplit_once('.')?;
    counter.parse::<u64>().ok()?;
    let (_, owner) = rest.rsplit_once('.')?;
    match owner.split_once('@') {
        Some((pid, host)) => Some((pid.parse().ok()?, Some(host))),
        None => Some((owner.parse().ok()?, None)),
    }
}

/// Whether process `pid` of this host is running.
fn alive(pid: u32) -> bool {
    if pid == self::pid() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc").join(pid.to_string()).exists()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        match rustix::process::Pid::from_raw(pid as i32) {
            Some(p) => !matches!(
                rustix::process::test_kill_process(p),
                Err(rustix::io::Errno::SRCH)
            ),
            None => false,
        }
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Removes the temporary files in `dir` whose owner is gone (a process of this host that is not
/// running: killed in the middle of a write); files of live processes, and of other hosts, are
/// left alone. Returns how many were removed.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        let Some((pid, owner_host)) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        let ours = owner_host.is_none_or(|h| h == host());
        if ours && !alive(pid) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The folder a file goes to (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Creates the parent directory of `path` (and its ancestors) if it is missing.
fn create_parent(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(parent_dir(path))
}

/// Writes `bytes` to `path` atomically: parent directories are created, the bytes go to a hidden
/// temporary file in the same directory, which is then renamed over `path`. On any error the
/// temporary file is removed and `path` is left as it was. No fsync (see the module docs).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    create_parent(path)?;
    write_atomic_in(&mut Folders::default(), path, bytes)
}

/// What must never be replaced by a write (a run's input files).
pub trait Protected: Send + Sync + std::fmt::Debug {
    /// An error if the existing file at `path` must not be replaced.
    fn check_replace(&self, path: &Path) -> io::Result<()>;
}

impl Protected for crate::plan::inputs::InputSet {
    fn check_replace(&self, path: &Path) -> io::Result<()> {
        crate::plan::inputs::InputSet::check_replace(self, path)
    }
}

/// The folder a writer last put a file in, held open, so that the next files there are created
/// as unnamed inodes relative to it (no walk of the folder's path). Each file is then linked at
/// its full path, so it lands wherever that path leads now: a folder renamed away and replaced
/// does not receive the files meant for its path, and one removed is an error. Keep one per
/// worker and run.
#[derive(Debug, Default)]
pub struct Folders {
    /// The folder's path and its descriptor.
    #[cfg(target_os = "linux")]
    last: Option<(PathBuf, std::os::fd::OwnedFd)>,
    /// Files no write may replace.
    protect: Option<std::sync::Arc<dyn Protected>>,
}

impl Folders {
    /// Writers that refuse to replace any file `protect` names.
    pub fn protecting(protect: std::sync::Arc<dyn Protected>) -> Folders {
        Folders {
            protect: Some(protect),
            ..Folders::default()
        }
    }

    /// An error if `path` exists and must not be replaced.
    fn check_replace(&self, path: &Path) -> io::Result<()> {
        match &self.protect {
            Some(p) => p.check_replace(path),
            None => Ok(()),
        }
    }
}

/// [`write_atomic`] for a target whose folder is known to exist (the runner creates every output
/// folder once, up front: one `mkdir` per folder instead of per file), through `folders`.
pub fn write_atomic_in(folders: &mut Folders, path: &Path, bytes: &[u8]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if unnamed::available() {
        match unnamed::write(folders, path, bytes) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
            // Perhaps the held folder is gone: open it afresh next time.
            Err(_) => folders.last = None,
        }
    }
    folders.check_replace(path)?;
    let tmp = temp_path_for(path)?;
    let result = File::create(&tmp)
        .and_then(|mut f| write_chunked(&mut f, bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes through an unnamed `O_TMPFILE` inode linked into place (Linux; see the module docs).
#[cfg(target_os = "linux")]
mod unnamed {
    use super::Folders;
    use rustix::fs::{linkat, open, openat, renameat, unlinkat, AtFlags, Mode, OFlags, CWD};
    use rustix::io::Errno;
    use std::fs::File;
    use std::io::{self, Write};
    use std::os::fd::{AsFd, BorrowedFd};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set once the system has shown it cannot do this (no `O_TMPFILE` on the filesystem, or
    /// no `/proc`), so later files go straight to the temporary-name route instead of trying
    /// (and writing their bytes) twice.
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

    /// Whether this route is still worth trying.
    pub fn available() -> bool {
        !UNSUPPORTED.load(Ordering::Relaxed)
    }

    impl Folders {
        /// The folder `dir`, opened (`O_PATH`) unless it is the one held. (The held folder may
        /// since have been renamed, replaced or removed: it only hosts the unnamed inode, and
        /// [`write`] links that at the full path.)
        fn open(&mut self, dir: &Path) -> io::Result<BorrowedFd<'_>> {
            if !matches!(&self.last, Some((held, _)) if held == dir) {
                let fd = open(
                    dir,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                self.last = Some((dir.to_path_buf(), fd));
            }
            match &self.last {
                Some((_, fd)) => Ok(fd.as_fd()),
                None => Err(io::Error::other("no folder")),
            }
        }
    }

    /// Writes `bytes` to `path` through an unnamed inode. On an error nothing is left behind
    /// and `path` is as it was; the caller then takes the temporary-name route.
    pub fn write(folders: &mut Folders, path: &Path, bytes: &[u8]) -> io::Result<()> {
        path.file_name().ok_or(Errno::INVAL)?;
        let dir = folders.open(super::parent_dir(path))?;
        // Mode 0666 less the umask, as `File::create` gives.
        let fd = openat(
            dir,
            ".",
            OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        )
        .inspect_err(|e| {
            if matches!(*e, Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) {
                UNSUPPORTED.store(true, Ordering::Relaxed);
            }
        })?;
        let mut file = File::from(fd);
        super::write_chunked(&mut file, bytes)?;
        // By the full path: the folder at `path` now, whatever became of the held one (a
        // different filesystem there fails with EXDEV, and the caller takes the other route).
        match link(&file, path) {
            Err(Errno::EXIST) => {
                folders.check_replace(path)?;
                let tmp = super::temp_path_for(path)?;
                link(&file, &tmp)?;
                renameat(CWD, &tmp, CWD, path).map_err(|e| {
                    let _ = unlinkat(CWD, &tmp, AtFlags::empty());
                    e.into()
                })
            }
            other => Ok(other?),
        }
    }

    /// Cleared once `linkat(fd, "", …, AT_EMPTY_PATH)` was refused where the `/proc` route
    /// worked (the kernel allows the former only with `CAP_DAC_READ_SEARCH`, or — since Linux
    /// 6.10 — to the process that opened the file).
    static EMPTY_PATH: AtomicBool = AtomicBool::new(true);

    /// Gives the unnamed inode `file` the name `target`: by the descriptor itself when the
    /// kernel allows it (no `/proc` path to resolve), else by its `/proc` name.
    fn link(file: &File, target: &Path) -> Result<(), Errno> {
        if EMPTY_PATH.load(Ordering::Relaxed) {
            match link_by_fd(file, target) {
                // Refused (or a missing folder, which the `/proc` route reports again).
                Err(Errno::NOENT | Errno::PERM) => {}
                other => return other,
            }
            link_by_proc(file, target)?;
            EMPTY_PATH.store(false, Ordering::Relaxed);
            return Ok(());
        }
        link_by_proc(file, target)
    }

    /// `linkat(fd, "", AT_FDCWD, target, AT_EMPTY_PATH)`.
    pub(super) fn link_by_fd(file: &File, target: &Path) -> Result<(), Errno> {
        linkat(file, "", CWD, target, AtFlags::EMPTY_PATH)
    }

    /// Links a descriptor by its `/proc/self/fd` name, which needs no privilege.
    pub(super) fn link_by_proc(file: &File, target: &Path) -> Result<(), Errno> {
        let mut proc_path = [0u8; 40];
        let proc_path = proc_fd_path(std::os::fd::AsRawFd::as_raw_fd(file), &mut proc_path);
        linkat(CWD, proc_path, CWD, target, AtFlags::SYMLINK_FOLLOW).inspect_err(|e| {
            // No /proc: descriptors cannot be linked by name.
            if *e == Errno::NOENT && !Path::new("/proc/self/fd").exists() {
                UNSUPPORTED.store(true, Ordering::Relaxed);
            }
        })
    }

    /// `/proc/self/fd/{fd}` written into `buf`, without allocating.
    fn proc_fd_path(fd: i32, buf: &mut [u8; 40]) -> &str {
        let mut w = &mut buf[..];
        let _ = write!(w, "/proc/self/fd/{fd}");
        let len = 40 - w.len();
        std::str::from_utf8(&buf[..len]).unwrap_or_default()
    }
}

/// A file written through a buffered hidden temporary file and renamed into place by
/// [`AtomicFile::commit`]; for streamed outputs such as the results table.
///
/// Dropping it without `commit` removes the temporary file and leaves the target untouched.
#[derive(Debug)]
pub struct AtomicFile {
    /// `None` once committed (or after a failed commit, which cleans up itself).
    file: Option<BufWriter<File>>,
    temp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    /// Creates the parent directories and the temporary file for `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        create_parent(path)?;
        let temp = temp_path_for(path)?;
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            file: Some(BufWriter::new(file)),
            temp,
            target: path.to_path_buf(),
        })
    }

    /// Where the data is being written until [`AtomicFile::commit`].
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes the buffer and renames the temporary file over the target (no fsync). On error
    /// the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        let result = match self.file.take() {
            Some(mut w) => w
                .flush()
                .and_then(|()| std::fs::rename(&self.temp, &self.target)),
            None => Ok(()),
        };
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("atomic file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All entries of `dir`, sorted by name.
    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_creates_parents_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/out.bmp");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        assert_eq!(listing(&dir.path().join("a/b")), ["out.bmp"]);
    }

    /// Files of more than one `write` piece arrive whole, by every route.
    #[test]
    fn files_larger_than_a_write_arrive_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            WRITE_CHUNK - 1,
            WRITE_CHUNK,
            WRITE_CHUNK + 1,
            3 * WRITE_CHUNK + 5,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let p = dir.path().join(format!("out{len}.bmp"));
            // Through a held folder (the unnamed inode on Linux), over an existing file, and
            // through the temporary-name route directly.
            write_atomic_in(&mut Folders::default(), &p, b"old").unwrap();
            write_atomic_in(&mut Folders::default(), &p, &bytes).unwrap();
            assert!(std::fs::read(&p).unwrap() == bytes, "len {len}");
            let mut f = File::create(dir.path().join("direct")).unwrap();
            write_chunked(&mut f, &bytes).unwrap();
            drop(f);
            assert!(std::fs::read(dir.path().join("direct")).unwrap() == bytes);
        }
    }

    /// The unnamed-inode route itself: a new name, an existing one (replaced through a temporary
    /// link), the same permissions as `File::create`, nothing else left in the folder.
    #[cfg(target_os = "linux")]
    #[test]
    fn unnamed_inode_writes_new_and_existing_targets() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.bmp");
        let mut folders = Folders::default();
        unnamed::write(&mut folders, &p, b"first").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        unnamed::write(&mut folders, &p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&p), mode(&plain));
        assert_eq!(listing(dir.path()), ["out.bmp", "plain"]);
    }

    /// Both ways of naming an unnamed inode: by its descriptor (`AT_EMPTY_PATH`, which the
    /// kernel may refuse to an unprivileged process) and by its `/proc` name.
    #[cfg(target_os = "linux")]
    #[test]
    fn unnamed_inode_links_by_fd_and_by_proc() {
        use rustix::fs::{open, Mode, OFlags};
        let dir = tempfile::tempdir().unwrap();
        let tmpfile = |bytes: &[u8]| {
            let fd = open(
                dir.path(),
                OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )
            .unwrap();
            let mut f = File::from(fd);
            f.write_all(bytes).unwrap();
            f
        };
        let by_proc = dir.path().join("by_proc.bmp");
        unnamed::link_by_proc(&tmpfile(b"proc"), &by_proc).unwrap();
        assert_eq!(std::fs::read(&by_proc).unwrap(), b"proc");
        let by_fd = dir.path().join("by_fd.bmp");
        match unnamed::link_by_fd(&tmpfile(b"fd"), &by_fd) {
            Ok(()) => assert_eq!(std::fs::read(&by_fd).unwrap(), b"fd"),
            Err(e) => assert!(matches!(
                e,
                rustix::io::Errno::NOENT | rustix::io::Errno::PERM
            )),
        }
        // An existing name is never replaced by a link.
        assert_eq!(
            unnamed::link_by_proc(&tmpfile(b"x"), &by_proc),
            Err(rustix::io::Errno::EXIST)
        );
        assert_eq!(std::fs::read(&by_proc).unwrap(), b"proc");
        let mut names = listing(dir.path());
        names.retain(|n| n != "by_fd.bmp");
        assert_eq!(names, ["by_proc.bmp"]);
    }

    /// One `Folders` for files in several folders, in any order; a held folder that is removed
    /// and made again gets the next file all the same (through the temporary name, then the
    /// new folder is held).
    #[test]
    fn folders_follow_the_targets() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let mut folders = Folders::default();
        for (k, d) in [&a, &b, &b, &a].into_iter().enumerate() {
            write_atomic_in(&mut folders, &d.join(format!("{k}.bmp")), &[k as u8]).unwrap();
        }
        write_atomic_in(&mut folders, &a.join("0.bmp"), b"again").unwrap();
        assert_eq!(listing(&a), ["0.bmp", "3.bmp"]);
        assert_eq!(listing(&b), ["1.bmp", "2.bmp"]);
        assert_eq!(std::fs::read(a.join("0.bmp")).unwrap(), b"again");
        assert_eq!(std::fs::read(b.join("2.bmp")).unwrap(), [2]);

        std::fs::remove_dir_all(&a).unwrap();
        std::fs::create_dir(&a).unwrap();
        for k in 0..2 {
            write_atomic_in(&mut folders, &a.join(format!("new{k}.bmp")), b"x").unwrap();
        }
        assert_eq!(listing(&a), ["new0.bmp", "new1.bmp"]);
        // A path that names no file is refused.
        assert!(write_atomic_in(&mut folders, Path::new(""), b"x").is_err());
    }

    #[test]
    fn temp_name_is_hidden_and_unique() {
        let a = temp_path_for(Path::new("/x/y/img.png")).unwrap();
        let b = temp_path_for(Path::new("/x/y/img.png")).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("/x/y")));
        let name = a.file_name().unwrap().to_str().unwrap();
        let pid = std::process::id();
        assert!(
            name.starts_with(&format!(".img.png.{pid}@{}.", host())),
            "{name}"
        );
        assert!(name.ends_with(".flowrun-tmp"), "{name}");
        assert_eq!(temp_owner(name), Some((pid, Some(host()))));
        assert_eq!(
            temp_owner(".a.b.png.123.7.flowrun-tmp"),
            Some((123, None)),
            "names of older versions"
        );
        assert_eq!(temp_owner(".a.png.x.7.flowrun-tmp"), None);
        assert_eq!(temp_owner("a.png"), None);
        assert!(temp_path_for(Path::new("/")).is_err());
    }

    /// Only the temporary files of processes of this host that are gone are removed: a live
    /// run's table in progress, another host's files, and anything else are left alone.
    #[test]
    fn stale_temps_are_those_of_dead_owners() {
        let dir = tempfile::tempdir().unwrap();
        let live = temp_path_for(&dir.path().join("results.csv")).unwrap();
        // A pid that is not running: the largest pid Linux hands out is 2^22.
        let dead = 4_194_304 + 17;
        let names = [
            format!(".img.bmp.{dead}@{}.0.flowrun-tmp", host()),
            format!(".img.bmp.{dead}.0.flowrun-tmp"),
            format!(".img.bmp.{dead}@another-host.0.flowrun-tmp"),
            ".notes.txt".to_string(),
        ];
        std::fs::write(&live, b"live").unwrap();
        for n in &names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        assert_eq!(remove_stale_temps(dir.path()), 2);
        let left = listing(dir.path());
        assert!(left.contains(&live.file_name().unwrap().to_string_lossy().into_owned()));
        assert!(left.contains(&names[2]) && left.contains(&names[3]));
        assert_eq!(left.len(), 3, "{left:?}");
    }

    #[test]
    fn failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory where the file should go: the rename fails.
        let target = dir.path().join("out.png");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        assert!(write_atomic(&target, b"data").is_err());
        assert_eq!(listing(dir.path()), ["out.png"]);

        let f = AtomicFile::create(&target).unwrap();
        assert!(f.temp_path().exists());
        assert!(f.commit().is_err());
        assert_eq!(listing(dir.path()), ["out.png"]);
    }

    #[test]
    fn parent_is_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"").unwrap();
        assert!(write_atomic(&dir.path().join("f/out.png"), b"x").is_err());
        assert!(AtomicFile::create(&dir.path().join("f/out.csv")).is_err());
        assert_eq!(listing(dir.path()), ["f"]);
    }

    #[cfg(unix)]
    #[test]
    fn unwritable_dir_fails_cleanly() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let res = write_atomic(&ro.join("out.png"), b"x");
        // Root ignores permissions; then the write succeeds and that is fine too.
        if res.is_err() {
            assert!(listing(&ro).is_empty());
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn atomic_file_streams_and_commits() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("results.csv");
        std::fs::write(&p, b"old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        writeln!(f, "a,b").unwrap();
        writeln!(f, "1,2").unwrap();
        // Not visible before commit.
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a,b\n1,2\n");
        assert_eq!(listing(dir.path()), ["results.csv"]);
    }

    #[test]
    fn drop_without_commit_discards() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("results.csv");
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"partial").unwrap();
            assert!(f.temp_path().exists());
        }
        assert!(listing(dir.path()).is_empty());
    }

    /// The output folder is replaced by a rename (the old one moved aside, a new one made at
    /// its path) while a worker holds it: the next file lands at its path, not in the old one.
    #[test]
    fn file_lands_at_its_path_after_the_folder_is_renamed_away() {
        let dir = tempfile::tempdir().unwrap();
        let (a, old) = (dir.path().join("a"), dir.path().join("a.old"));
        std::fs::create_dir(&a).unwrap();
        let mut folders = Folders::default();
        write_atomic_in(&mut folders, &a.join("0.bmp"), b"0").unwrap();
        std::fs::rename(&a, &old).unwrap();
        std::fs::create_dir(&a).unwrap();
        write_atomic_in(&mut folders, &a.join("1.bmp"), b"1").unwrap();
        assert_eq!(std::fs::read(a.join("1.bmp")).unwrap(), b"1");
        assert!(!old.join("1.bmp").exists());
        // And a removed folder is an error, not a write into the held (deleted) one.
        std::fs::remove_dir_all(&a).unwrap();
        assert!(write_atomic_in(&mut folders, &a.join("2.bmp"), b"2").is_err());
    }
}
