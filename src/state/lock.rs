//! The run lock: one run at a time per workflow state. An exclusive OS file lock (`flock` on
//! Unix) on `<state>.lock`, which the OS releases when the process ends in any way, `kill -9`
//! included, so a crash never leaves a stale lock. The holder writes its pid and start time into
//! the file, so a second run can say who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("another flowrun run is using this workflow's outputs ({holder}; lock `{}`)", path.display())]
    Held {
        path: PathBuf,
        /// "pid 1234, started 2026-12-06 08:01:02 UTC", or what is known.
        holder: String,
    },
    #[error("cannot take the run lock `{}`: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl RunLock {
    /// Takes the lock at `path` (creating it and its folder). With `wait`, blocks until the
    /// holder is done (calling `waiting` once with who it is); else fails at once.
    pub fn acquire(
        path: &Path,
        wait: bool,
        waiting: impl FnOnce(&str),
    ) -> Result<RunLock, LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                if !wait {
                    return Err(LockError::Held {
                        path: path.to_path_buf(),
                        holder,
                    });
                }
                waiting(&holder);
                file.lock().map_err(io_err)?;
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let stamp = format!(
            "pid {}, started {}\n",
            std::process::id(),
            crate::timefmt::utc_now_text()
        );
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(stamp.as_bytes()))
            .map_err(io_err)?;
        Ok(RunLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What the lock file says about its holder.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    match text.lines().next().map(str::trim) {
        Some(line) if !line.is_empty() => line.to_string(),
        _ => "holder unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".flowrun/w.lock");
        let first = RunLock::acquire(&path, false, |_| {}).unwrap();
        let err = RunLock::acquire(&path, false, |_| {}).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}, started ", std::process::id())),
            "{text}"
        );
        drop(first);
        RunLock::acquire(&path, false, |_| {}).unwrap();
    }
}
