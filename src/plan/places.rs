//! What compile learns from the filesystem about where outputs go, so that everything about
//! them that can be known before computing is checked before computing: a folder that is a file,
//! a folder flowrun may not create files in, an output path that is a folder, and an output that
//! is really an input file — through a symlinked folder, `..`, or any other spelling. Folders are
//! compared by their real (canonical) paths, so `alias/a.png` with `alias → in` is `in/a.png`.
//!
//! Each folder is probed once (outputs of one folder share the answer); nothing is created.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What one output folder is.
#[derive(Debug)]
pub(super) struct Folder {
    /// Its real path: the canonical path of its deepest existing ancestor, then the rest.
    pub real: PathBuf,
    /// Why no file can be written there, if so.
    pub problem: Option<String>,
    /// Names of the folders inside it (outputs may not take them).
    subdirs: HashSet<OsString>,
    /// Whether input files are in it.
    holds_inputs: bool,
}

/// The probed folders and the inputs' real places.
pub(super) struct Places<'a> {
    cwd: &'a Path,
    folders: HashMap<PathBuf, Folder>,
    /// Real folders holding inputs.
    input_dirs: HashSet<PathBuf>,
    /// The inputs as listed.
    inputs: &'a [PathBuf],
    /// Hashes of the inputs' real paths, made on first need.
    real_inputs: Option<HashMap<u128, usize>>,
}

fn path_hash(p: &Path) -> u128 {
    xxhash_rust::xxh3::xxh3_128(p.as_os_str().as_encoded_bytes())
}

/// `path`'s real path: its deepest existing ancestor made canonical (so symlinks and `..` are
/// resolved as the filesystem resolves them), then the rest as written (`.` dropped, `..`
/// applied lexically: those folders do not exist yet).
pub(super) fn real_path(cwd: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut base = cwd.join(path);
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(mut out) = std::fs::canonicalize(&base) {
            for c in rest.iter().rev() {
                match c.to_str() {
                    Some("..") => {
                        out.pop();
                    }
                    Some(".") => {}
                    _ => out.push(c),
                }
            }
            return out;
        }
        let Some(last) = base.components().next_back() else {
            return super::paths::normalize(cwd, path);
        };
        if matches!(last, Component::RootDir | Component::Prefix(_)) {
            return super::paths::normalize(cwd, path);
        }
        rest.push(last.as_os_str().to_os_string());
        if !base.pop() {
            return super::paths::normalize(cwd, path);
        }
    }
}

impl Folder {
    /// Whether outputs in this folder need a look of their own ([`Places::conflict`]): it has
    /// folders in it, or input files.
    pub fn needs_a_look(&self) -> bool {
        self.holds_inputs || !self.subdirs.is_empty()
    }
}

impl<'a> Places<'a> {
    /// For a run over `inputs` (as listed; `links` are those that are symlinks) from `cwd`.
    pub fn new(cwd: &'a Path, inputs: &'a [PathBuf], links: &[PathBuf]) -> Places<'a> {
        let mut real_dirs: HashMap<&Path, PathBuf> = HashMap::new();
        let mut input_dirs = HashSet::new();
        for f in inputs {
            let parent = f.parent().unwrap_or(Path::new(""));
            if !real_dirs.contains_key(parent) {
                let real = real_path(cwd, parent);
                input_dirs.insert(real.clone());
                real_dirs.insert(parent, real);
            }
        }
        for l in links {
            if let Some(dir) = std::fs::canonicalize(cwd.join(l))
                .ok()
                .and_then(|t| t.parent().map(Path::to_path_buf))
            {
                input_dirs.insert(dir);
            }
        }
        Places {
            cwd,
            folders: HashMap::new(),
            input_dirs,
            inputs,
            real_inputs: None,
        }
    }

    /// The folder `dir` (as rendered), probed on first use.
    pub fn folder(&mut self, dir: &Path) -> &Folder {
        if !self.folders.contains_key(dir) {
            let probed = self.probe(dir);
            self.folders.insert(dir.to_path_buf(), probed);
        }
        &self.folders[dir]
    }

    fn probe(&self, dir: &Path) -> Folder {
        let real = real_path(self.cwd, dir);
        let full = super::paths::normalize(self.cwd, dir);
        let shown = |p: &Path| {
            p.strip_prefix(self.cwd)
                .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
        };
        let mut problem = None;
        let mut subdirs = HashSet::new();
        // The deepest existing ancestor (following links); the first thing on the way down from
        // it that exists but is no folder is the problem.
        let mut probe = full.as_path();
        let existing = loop {
            match std::fs::metadata(probe) {
                Ok(m) => break Some((probe, m)),
                Err(_) if std::fs::symlink_metadata(probe).is_ok() => {
                    problem = Some(format!(
                        "`{}` is a symbolic link that leads nowhere",
                        shown(probe)
                    ));
                    break None;
                }
                Err(_) => match probe.parent() {
                    Some(p) => probe = p,
                    None => break None,
                },
            }
        };
        if let Some((at, meta)) = existing {
            if !meta.is_dir() {
                problem = Some(format!("`{}` is a file, not a folder", shown(at)));
            } else if !writable(at) {
                problem = Some(if at == full {
                    format!("cannot create files in `{}`: permission denied", shown(at))
                } else {
                    format!(
                        "cannot create folder `{}` in `{}`: permission denied",
                        shown(&full),
                        shown(at)
                    )
                });
            } else if at == full {
                if let Ok(rd) = std::fs::read_dir(at) {
                    for e in rd.flatten() {
                        let is_dir = e
                            .file_type()
                            .is_ok_and(|t| t.is_dir() || (t.is_symlink() && e.path().is_dir()));
                        if is_dir {
                            subdirs.insert(e.file_name());
                        }
                    }
                }
            }
        }
        Folder {
            holds_inputs: self.input_dirs.contains(&real),
            real,
            problem,
            subdirs,
        }
    }

    /// Why `path` (as rendered; its folder already probed) cannot be an output: it is a
    /// folder, or it is input `i`. `None` when it can.
    pub fn conflict(&mut self, path: &Path) -> Option<Conflict> {
        let dir = crate::sinks::atomic::parent_dir(path);
        let name = path.file_name()?;
        let folder = self.folder(dir);
        if folder.subdirs.contains(name) {
            return Some(Conflict::Folder);
        }
        if !folder.holds_inputs {
            return None;
        }
        let real = folder.real.join(name);
        let inputs = self.real_inputs();
        inputs.get(&path_hash(&real)).map(|&i| Conflict::Input(i))
    }

    fn real_inputs(&mut self) -> &HashMap<u128, usize> {
        let (cwd, inputs) = (self.cwd, self.inputs);
        self.real_inputs.get_or_insert_with(|| {
            let mut dirs: HashMap<&Path, PathBuf> = HashMap::new();
            let mut map = HashMap::with_capacity(inputs.len());
            for (i, f) in inputs.iter().enumerate() {
                let is_link = std::fs::symlink_metadata(cwd.join(f))
                    .is_ok_and(|m| m.file_type().is_symlink());
                let real = if is_link {
                    std::fs::canonicalize(cwd.join(f)).ok()
                } else {
                    let parent = f.parent().unwrap_or(Path::new(""));
                    let dir = dirs.entry(parent).or_insert_with(|| real_path(cwd, parent));
                    f.file_name().map(|n| dir.join(n))
                };
                if let Some(real) = real {
                    map.insert(path_hash(&real), i);
                }
            }
            map
        })
    }
}

/// Why an output path cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Conflict {
    /// A folder is there.
    Folder,
    /// It is input `i` (by its real path).
    Input(usize),
}

/// Whether this process may create files in the existing folder `dir`.
fn writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::access(
            dir,
            rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK,
        )
        .is_ok()
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_probed_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        std::fs::create_dir_all(cwd.join("in/sub")).unwrap();
        std::fs::write(cwd.join("in/a.png"), b"x").unwrap();
        std::fs::write(cwd.join("file"), b"x").unwrap();
        let inputs = vec![PathBuf::from("in/a.png")];
        let mut places = Places::new(cwd, &inputs, &[]);
        assert_eq!(
            places.folder(Path::new("file/out")).problem.as_deref(),
            Some("`file` is a file, not a folder")
        );
        assert!(places.folder(Path::new("new/deeper")).problem.is_none());
        assert_eq!(places.conflict(Path::new("in/sub")), Some(Conflict::Folder));
        assert_eq!(
            places.conflict(Path::new("in/a.png")),
            Some(Conflict::Input(0))
        );
        assert_eq!(
            places.conflict(Path::new("in/sub/../a.png")),
            Some(Conflict::Input(0))
        );
        assert_eq!(places.conflict(Path::new("in/b.png")), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(cwd.join("in"), cwd.join("alias")).unwrap();
            assert_eq!(
                places.conflict(Path::new("alias/a.png")),
                Some(Conflict::Input(0))
            );
            std::os::unix::fs::symlink(cwd.join("nowhere"), cwd.join("dangling")).unwrap();
            assert_eq!(
                places.folder(Path::new("dangling/x")).problem.as_deref(),
                Some("`dangling` is a symbolic link that leads nowhere")
            );
        }
    }
}
