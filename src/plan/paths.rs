//! Paths as compile compares them: lexically normalised (outputs need not exist yet), cleaned
//! for display, and the shortcut that tells when normalising cannot change an answer.

use std::path::{Component, Path, PathBuf};

/// `text` as a path without empty or `.` components (`out//x.png` and `./out/./x.png` are
/// `out/x.png`); `..` is kept (only the filesystem knows where it leads through a symlink).
pub fn clean_path(text: &str) -> PathBuf {
    let path = Path::new(text);
    if !text.contains("//") && !text.contains("./") && !text.ends_with("/.") {
        return path.to_path_buf();
    }
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    }
}

/// Whether `path` provably stays inside `dir` once both are normalised against any folder
/// ([`normalize`]): its text is `dir`, a separator and components that never go up (no `..`,
/// no root). `false` when that cannot be told without normalising.
pub fn stays_in(path: &Path, dir: &str) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let rest = if dir.is_empty() {
        Some(text)
    } else if dir.ends_with(std::path::is_separator) {
        // `/` (or a drive root): left to `normalize`.
        None
    } else {
        text.strip_prefix(dir)
            .and_then(|r| r.strip_prefix(std::path::is_separator))
    };
    rest.is_some_and(|r| {
        Path::new(r)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    })
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically (outputs need not exist).
pub fn normalize(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut agrees with normalising: whenever it says a path stays inside, the
    /// normalised path starts with the normalised folder; and it answers for the usual forms.
    #[test]
    fn stays_in_agrees_with_normalize() {
        let cwd = Path::new("/work/run");
        let cases = [
            ("out/image_001.bmp", "out", true),
            ("out/./a/image.bmp", "out", true),
            ("out//image.bmp", "out", false),
            ("image.bmp", "", true),
            ("a/b/image.bmp", "a", true),
            ("../up/x.bmp", "../up", true),
            ("out/../image.bmp", "out", false),
            ("out/a/../../image.bmp", "out", false),
            ("outer/image.bmp", "out", false),
            ("out", "out", false),
            ("/abs/image.bmp", "", false),
            ("/abs/image.bmp", "/abs", true),
            ("/image.bmp", "/", false),
            ("../image.bmp", "", false),
        ];
        for (path, dir, want) in cases {
            let got = stays_in(Path::new(path), dir);
            assert_eq!(got, want, "{path} in {dir}");
            if got {
                let (key, root) = (
                    normalize(cwd, Path::new(path)),
                    normalize(cwd, Path::new(dir)),
                );
                assert!(key.starts_with(&root), "{path} in {dir}");
            }
        }
    }
}
