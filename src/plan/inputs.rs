//! The run's input files as file identities, so that no worker ever replaces or removes one of
//! them — whatever path leads to it (a symlinked output folder, a hard link, `..`). Compile
//! refuses such workflows by path ([`super::compile`]); this is the last line, at write time.
//!
//! The identities (device and inode on Unix) are read on first use, which only happens when a
//! worker is about to replace or remove an existing file: a first run, which creates new files,
//! never pays for it.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// The input files of a run.
#[derive(Debug, Default)]
pub struct InputSet {
    files: Arc<[PathBuf]>,
    ids: OnceLock<HashSet<FileId>>,
    /// Inputs added while the run goes on (a watched folder's new files).
    added: RwLock<HashSet<FileId>>,
}

/// A file's identity: what two paths leading to the same file share.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn id_of(meta: &std::fs::Metadata, _path: &Path) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn id_of(_meta: &std::fs::Metadata, path: &Path) -> FileId {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl InputSet {
    pub fn new(files: Arc<[PathBuf]>) -> InputSet {
        InputSet {
            files,
            ids: OnceLock::new(),
            added: RwLock::default(),
        }
    }

    /// Adds the existing file at `path` to the inputs (a file that cannot be read is no input).
    pub fn add(&self, path: &Path) {
        if let (Ok(meta), Ok(mut added)) = (std::fs::metadata(path), self.added.write()) {
            added.insert(id_of(&meta, path));
        }
    }

    fn ids(&self) -> &HashSet<FileId> {
        self.ids.get_or_init(|| {
            self.files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok().map(|m| id_of(&m, f)))
                .collect()
        })
    }

    /// Whether the existing file at `path` (not following a final symlink: replacing a link
    /// leaves its target alone) is one of the inputs.
    pub fn holds(&self, path: &Path) -> bool {
        let added = self.added.read().map_or(0, |a| a.len());
        if self.files.is_empty() && added == 0 {
            return false;
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => {
                let id = id_of(&meta, path);
                self.ids().contains(&id)
                    || (added > 0 && self.added.read().is_ok_and(|a| a.contains(&id)))
            }
            _ => false,
        }
    }

    /// An error if the existing file at `path` is one of the inputs.
    pub fn check_replace(&self, path: &Path) -> io::Result<()> {
        if self.holds(path) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "refusing to replace `{}`: it is one of this run's input files",
                    path.display()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_recognised_through_a_symlinked_folder_and_a_hard_link() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in/a.png");
        std::fs::create_dir(dir.path().join("in")).unwrap();
        std::fs::write(&input, b"x").unwrap();
        std::fs::write(dir.path().join("other.png"), b"y").unwrap();
        let set = InputSet::new(vec![input.clone()].into());
        assert!(set.holds(&input));
        assert!(!set.holds(&dir.path().join("other.png")));
        assert!(!set.holds(&dir.path().join("missing.png")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("in"), dir.path().join("alias")).unwrap();
            assert!(set.holds(&dir.path().join("alias/a.png")));
            std::fs::hard_link(&input, dir.path().join("hard.png")).unwrap();
            assert!(set.holds(&dir.path().join("hard.png")));
            // A symlink to an input is not the input: replacing the link leaves it alone.
            std::os::unix::fs::symlink(&input, dir.path().join("link.png")).unwrap();
            assert!(!set.holds(&dir.path().join("link.png")));
            let err = set
                .check_replace(&dir.path().join("alias/a.png"))
                .unwrap_err();
            assert!(err.to_string().contains("is one of this run's input files"));
        }
    }
}
