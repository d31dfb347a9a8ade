//! The operating system's file events, as hints: notify's raw events (never a debouncer's, which
//! drops the writes after a create), turned into what the watch loop acts on. Where events do
//! not arrive — network and FUSE filesystems — the loop polls instead, with its own full-precision
//! scan.

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// What one event means to the watch loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Hint {
    /// The file may have changed; follow it until it settles.
    Changed(PathBuf),
    /// The file is complete: closed after writing, or renamed into place.
    Complete(PathBuf),
    /// The path is gone (removed, or renamed away).
    Gone(PathBuf),
    /// A folder appeared: list it (files made before its watch existed are in no event).
    Folder(PathBuf),
    /// Events may have been lost: list everything.
    Rescan,
}

/// The hints of one event.
pub fn hints(event: &notify::Event) -> Vec<Hint> {
    if event.need_rescan() {
        return vec![Hint::Rescan];
    }
    let each = |f: fn(PathBuf) -> Hint| event.paths.iter().cloned().map(f).collect();
    match event.kind {
        EventKind::Create(CreateKind::Folder) => each(Hint::Folder),
        EventKind::Create(_) => each(Hint::Changed),
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => each(Hint::Complete),
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => each(Hint::Gone),
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => each(Hint::Complete),
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
            let mut out = Vec::new();
            if let [from, to, ..] = event.paths.as_slice() {
                out.push(Hint::Gone(from.clone()));
                out.push(Hint::Complete(to.clone()));
            }
            out
        }
        EventKind::Modify(_) | EventKind::Any | EventKind::Other => each(Hint::Changed),
        EventKind::Remove(_) => each(Hint::Gone),
        EventKind::Access(_) => Vec::new(),
    }
}

/// What reaches the watch loop from the watcher thread.
pub enum FsMsg {
    Event(notify::Event),
    Error(notify::Error),
}

/// Starts the OS watcher on `root` (recursive or not), sending to `tx` through `wrap`.
pub fn start<M: Send + 'static>(
    root: &Path,
    recursive: bool,
    tx: Sender<M>,
    wrap: fn(FsMsg) -> M,
) -> notify::Result<RecommendedWatcher> {
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let _ = tx.send(wrap(match res {
            Ok(e) => FsMsg::Event(e),
            Err(e) => FsMsg::Error(e),
        }));
    })?;
    let mode = if recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    w.watch(root, mode)?;
    Ok(w)
}

/// The name of the filesystem `path` is on when it delivers no change events (network and FUSE
/// filesystems: writes from other hosts or from user space are never seen), else `None`.
pub fn eventless_fs(path: &Path) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        // The nearest existing folder decides.
        let mut p = path;
        let st = loop {
            match rustix::fs::statfs(p) {
                Ok(st) => break st,
                Err(_) => p = p.parent()?,
            }
        };
        #[allow(clippy::unnecessary_cast)]
        let magic = st.f_type as i64 as u32;
        match magic {
            0x6969 => Some("NFS"),
            0x517B => Some("SMB"),
            0xFF53_4D42 => Some("CIFS"),
            0xFE53_4D42 => Some("SMB2"),
            0x0102_1997 => Some("9p"),
            0x6573_5546 => Some("FUSE"),
            0x00C3_6400 => Some("Ceph"),
            0x0BD0_0BD0 => Some("Lustre"),
            0x4750_4653 => Some("GPFS"),
            0x5346_414F => Some("AFS"),
            _ => None,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// The default polling interval of `--poll`.
pub const POLL_DEFAULT: Duration = Duration::from_secs(1);

/// The advice for an exhausted inotify watch limit.
pub const WATCH_LIMIT_HINT: &str = "the system's limit on watched folders is reached; raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (and in /etc/sysctl.conf to keep it); polling the folder instead";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_hints() {
        let ev = |kind| notify::Event::new(kind).add_path(PathBuf::from("/w/a.png"));
        assert_eq!(
            hints(&ev(EventKind::Access(AccessKind::Close(AccessMode::Write)))),
            [Hint::Complete("/w/a.png".into())]
        );
        assert_eq!(
            hints(&ev(EventKind::Create(CreateKind::Folder))),
            [Hint::Folder("/w/a.png".into())]
        );
        assert_eq!(
            hints(&ev(EventKind::Modify(ModifyKind::Data(
                notify::event::DataChange::Any
            )))),
            [Hint::Changed("/w/a.png".into())]
        );
        let both = notify::Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
            .add_path("/w/.a.tmp".into())
            .add_path("/w/a.png".into());
        assert_eq!(
            hints(&both),
            [
                Hint::Gone("/w/.a.tmp".into()),
                Hint::Complete("/w/a.png".into())
            ]
        );
        let lost = notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(hints(&lost), [Hint::Rescan]);
    }
}
