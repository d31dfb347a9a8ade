//! Folder globs: a pattern such as `data/**/*.{png,tif}` → the matching files, in natural order.
//!
//! The pattern is split into a fixed literal prefix (the leading `/`-separated components that
//! contain none of `* ? [ ] { } \`, never the last component) and a glob for the rest. The prefix
//! is the walk root; the rest is matched with globset (`*` and `?` never match `/`, `**` spans
//! directories, `{a,b}` alternation, `[..]` classes, case-sensitive) against each file's path
//! relative to the root.
//!
//! Walking rules:
//! - relative patterns resolve against `cwd`;
//! - symlinks are not followed (so loops are impossible); a symlink to a regular file is
//!   returned, and so is one that resolves to nothing (dangling, or a loop of links) so that it
//!   becomes a failed row naming it; a symlink to a directory is not entered;
//! - only regular files are returned;
//! - unreadable directories and entries that vanish during the walk are skipped silently;
//! - hidden names (starting with `.`) are skipped, unless the pattern component that matches them
//!   starts with a literal `.` itself (`.cache/*.png`, `*/.raw/*.png`, `.*.png`); flowrun's own
//!   temporary files are hidden, so a glob never picks up half-written outputs;
//! - a missing root is not an error: the result is simply empty (the caller reports it).
//!
//! Exclude patterns are globs spelled like the pattern: relative to the same `cwd` (or absolute
//! when the pattern is), matched against `{prefix}/{relative path}` as the pattern spells the
//! prefix (`.` components and a leading `./` removed), e.g. pattern `data/**/*.png` with exclude
//! `data/thumbs/**` or `**/thumbs/*`.
//!
//! Order: [`natural_cmp`] on the path relative to the root, so `img2.png` sorts before
//! `img10.png`. The order is total and locale-free, so shard assignment is stable.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

/// The files a pattern matched.
#[derive(Debug, Clone)]
pub struct GlobMatch {
    /// The directory the walk started from: the pattern's fixed literal prefix, resolved
    /// against `cwd`.
    pub root: PathBuf,
    /// Matching files as full paths (`root` joined with the relative path), in natural order of
    /// the relative path.
    pub files: Vec<PathBuf>,
    /// Those of `files` that are symbolic links (to files, or dangling).
    pub links: Vec<PathBuf>,
    /// The exclude patterns that left out no file the pattern matched.
    pub unused_excludes: Vec<String>,
}

/// A pattern that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum GlobError {
    /// The pattern (or an exclude pattern) is not a valid glob.
    #[error("invalid glob `{pattern}`: {message}")]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// globset's description of the problem.
        message: String,
    },
    /// The pattern is empty or ends with `/`, so it names no file.
    #[error("glob `{0}` names no file (empty, or ends with `/`)")]
    NoFileComponent(String),
}

/// Natural order of paths: `alphanumeric_sort::compare_path` (digit runs compared as numbers, so
/// `img2` < `img10`, and `img1` < `img01`), ties broken by the raw bytes, so that the order is
/// total (`a.png` ≠ `A.png` and `x1` ≠ `x01` always compare unequal).
pub fn natural_cmp(a: &Path, b: &Path) -> Ordering {
    alphanumeric_sort::compare_path(a, b).then_with(|| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    })
}

/// Whether a pattern component contains glob syntax.
fn is_literal(component: &str) -> bool {
    !component.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

fn build_glob(pattern: &str) -> Result<GlobMatcher, GlobError> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| GlobError::BadPattern {
            pattern: pattern.to_string(),
            message: e.kind().to_string(),
        })
}

/// The pattern split into its literal prefix (`.` components dropped) and glob components.
struct Split<'a> {
    absolute: bool,
    prefix: Vec<&'a str>,
    rest: Vec<&'a str>,
}

fn split(pattern: &str) -> Split<'_> {
    let absolute = pattern.starts_with('/');
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let n_literal = comps
        .iter()
        .take(comps.len().saturating_sub(1))
        .take_while(|c| is_literal(c))
        .count();
    Split {
        absolute,
        prefix: comps[..n_literal]
            .iter()
            .copied()
            .filter(|&c| c != ".")
            .collect(),
        rest: comps[n_literal..].to_vec(),
    }
}

/// Decides whether a hidden entry may be visited: only when a pattern component starting with
/// `.` matches its name at its depth (or at any depth after a `**`).
#[derive(Debug, Clone)]
struct HiddenRule {
    /// (component glob, its 1-based depth, whether a `**` precedes it).
    dot_components: Vec<(GlobMatcher, usize, bool)>,
}

impl HiddenRule {
    fn new(rest: &[&str]) -> Result<Self, GlobError> {
        let mut dot_components = Vec::new();
        let mut after_globstar = false;
        for (i, comp) in rest.iter().enumerate() {
            if comp.starts_with('.') {
                dot_components.push((build_glob(comp)?, i + 1, after_globstar));
            }
            after_globstar |= comp.contains("**");
        }
        Ok(HiddenRule { dot_components })
    }

    fn allows(&self, name: &std::ffi::OsStr, depth: usize) -> bool {
        self.dot_components
            .iter()
            .any(|(m, d, any_depth)| (*any_depth || *d == depth) && m.is_match(name))
    }
}

/// Expands `pattern` (relative to `cwd` unless absolute) into the matching files, minus those
/// matching any of `exclude`; see the module docs for the rules. An empty match is `Ok`.
pub fn expand(pattern: &str, exclude: &[String], cwd: &Path) -> Result<GlobMatch, GlobError> {
    Ok(Matcher::new(pattern, exclude, cwd)?.walk())
}

/// A compiled pattern with its excludes: lists the matching files ([`Matcher::walk`]) or decides
/// for one path ([`Matcher::matches`]) by the same rules — what a folder watcher needs.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The walk root: the pattern's fixed literal prefix, resolved against `cwd`.
    root: PathBuf,
    /// The prefix as the pattern spells it (excludes are matched against it).
    spelled_prefix: PathBuf,
    glob: GlobMatcher,
    hidden: HiddenRule,
    exclude: Vec<String>,
    excludes: GlobSet,
    /// How deep below the root a match can be (`usize::MAX` with `**`).
    max_depth: usize,
}

impl Matcher {
    pub fn new(pattern: &str, exclude: &[String], cwd: &Path) -> Result<Matcher, GlobError> {
        let Split {
            absolute,
            prefix,
            rest,
        } = split(pattern);
        if rest.is_empty() || pattern.ends_with('/') {
            return Err(GlobError::NoFileComponent(pattern.to_string()));
        }
        let glob = build_glob(&rest.join("/"))?;
        let hidden = HiddenRule::new(&rest)?;
        let mut excludes = GlobSetBuilder::new();
        for ex in exclude {
            let spelled = ex.strip_prefix("./").unwrap_or(ex);
            excludes.add(
                GlobBuilder::new(spelled)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| GlobError::BadPattern {
                        pattern: ex.clone(),
                        message: e.kind().to_string(),
                    })?,
            );
        }
        let excludes: GlobSet = excludes.build().map_err(|e| GlobError::BadPattern {
            pattern: exclude.join(", "),
            message: e.kind().to_string(),
        })?;
        let spelled_prefix: PathBuf = if absolute {
            std::iter::once("/").chain(prefix.iter().copied()).collect()
        } else {
            prefix.iter().collect()
        };
        let max_depth = if rest.iter().any(|c| c.contains("**")) {
            usize::MAX
        } else {
            rest.len()
        };
        Ok(Matcher {
            root: cwd.join(&spelled_prefix),
            spelled_prefix,
            glob,
            hidden,
            exclude: exclude.to_vec(),
            excludes,
            max_depth,
        })
    }

    /// The folder the pattern's files are under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether matches can be below sub-folders of the root (a watch must then be recursive).
    pub fn nested(&self) -> bool {
        self.max_depth > 1
    }

    /// Whether the folder `dir` (below the root) can hold matches: not too deep, not hidden
    /// unless the pattern names it.
    pub fn may_enter(&self, dir: &Path) -> bool {
        let Ok(rel) = dir.strip_prefix(&self.root) else {
            return false;
        };
        let depth = rel.components().count();
        depth < self.max_depth && self.visible(rel)
    }

    /// Whether every component of `rel` may be visited (hidden ones only when the pattern
    /// names them).
    fn visible(&self, rel: &Path) -> bool {
        rel.components().enumerate().all(|(i, c)| {
            let name = c.as_os_str();
            !name.as_encoded_bytes().starts_with(b".") || self.hidden.allows(name, i + 1)
        })
    }

    /// Whether the file at `path` (under the root) matches: the pattern, the hidden-name rule
    /// and no exclude. The file itself is not looked at.
    pub fn matches(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        self.glob.is_match(rel)
            && self.visible(rel)
            && (self.exclude.is_empty() || !self.excludes.is_match(self.spelled_prefix.join(rel)))
    }

    /// Lists the matching files (see the module docs for the rules).
    pub fn walk(&self) -> GlobMatch {
        let root = &self.root;
        let walker = WalkDir::new(root)
            .follow_links(false)
            .min_depth(1)
            .max_depth(self.max_depth)
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name();
                e.depth() == 0
                    || !name.as_encoded_bytes().starts_with(b".")
                    || self.hidden.allows(name, e.depth())
            });
        let mut found: Vec<PathBuf> = Vec::new();
        let mut links = Vec::new();
        let mut used = vec![false; self.exclude.len()];
        for entry in walker.filter_map(Result::ok) {
            let ft = entry.file_type();
            // A symlink counts when it leads to a regular file — or leads nowhere (dangling, or
            // a loop): then the file is listed and fails when read, as a row naming it, instead
            // of vanishing silently. Links to folders are not entered.
            let is_file = ft.is_file()
                || (ft.is_symlink()
                    && std::fs::metadata(entry.path()).map_or(true, |m| m.is_file()));
            if !is_file {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(root) else {
                continue;
            };
            if !self.glob.is_match(rel) {
                continue;
            }
            if !self.exclude.is_empty() {
                let hits = self.excludes.matches(self.spelled_prefix.join(rel));
                if !hits.is_empty() {
                    hits.into_iter().for_each(|k| used[k] = true);
                    continue;
                }
            }
            if ft.is_symlink() {
                links.push(root.join(rel));
            }
            found.push(rel.to_path_buf());
        }
        found.sort_by(|a, b| natural_cmp(a, b));
        let files = found.iter().map(|rel| root.join(rel)).collect();
        let unused_excludes = self
            .exclude
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(e, _)| e.clone())
            .collect();
        GlobMatch {
            root: root.clone(),
            files,
            links,
            unused_excludes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Creates the files (and their directories) under `dir`.
    fn touch(dir: &Path, files: &[&str]) {
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
    }

    /// The matched files relative to `base`, as strings.
    fn rel(m: &GlobMatch, base: &Path) -> Vec<String> {
        m.files
            .iter()
            .map(|f| f.strip_prefix(base).unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn run(dir: &Path, pattern: &str, exclude: &[&str]) -> Vec<String> {
        let ex: Vec<String> = exclude.iter().map(|s| s.to_string()).collect();
        rel(&expand(pattern, &ex, dir).unwrap(), dir)
    }

    #[test]
    fn natural_order_and_single_level() {
        let d = tempfile::tempdir().unwrap();
        touch(
            d.path(),
            &["img10.png", "img2.png", "img1.png", "a.txt", "sub/img3.png"],
        );
        assert_eq!(
            run(d.path(), "*.png", &[]),
            ["img1.png", "img2.png", "img10.png"]
        );
        let m = expand("*.png", &[], d.path()).unwrap();
        assert_eq!(m.root, d.path());
        assert!(m.files[0].is_absolute());
    }

    #[test]
    fn literal_prefix_is_the_root() {
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), &["data/x/a.png", "data/b.png", "other/c.png"]);
        let m = expand("./data/*/*.png", &[], d.path()).unwrap();
        assert_eq!(m.root, d.path().join("data"));
        assert_eq!(rel(&m, d.path()), ["data/x/a.png"]);
        // A fully literal pattern: root is its directory.
        let m = expand("data/b.png", &[], d.path()).unwrap();
        assert_eq!(m.root, d.path().join("data"));
        assert_eq!(rel(&m, d.path()), ["data/b.png"]);
        // Absolute pattern ignores cwd.
        let abs = format!("{}/other/*.png", d.path().display());
        let m = expand(&abs, &[], Path::new("/nonexistent")).unwrap();
        assert_eq!(rel(&m, d.path()), ["other/c.png"]);
    }

    #[test]
    fn globstar_alternation_and_separator() {
        let d = tempfile::tempdir().unwrap();
        touch(
            d.path(),
            &[
                "a.png",
                "b.tif",
                "c.jpg",
                "s/d.png",
                "s/t/e.tif",
                "s/t/u/f.png",
            ],
        );
        assert_eq!(
            run(d.path(), "**/*.{png,tif}", &[]),
            ["a.png", "b.tif", "s/d.png", "s/t/e.tif", "s/t/u/f.png"]
        );
        // `*` does not cross `/`.
        assert_eq!(run(d.path(), "s/*.png", &[]), ["s/d.png"]);
        assert_eq!(run(d.path(), "s/**/*.png", &[]), ["s/d.png", "s/t/u/f.png"]);
        assert_eq!(run(d.path(), "?.png", &[]), ["a.png"]);
    }

    #[test]
    fn hidden_files_skipped_unless_named() {
        let d = tempfile::tempdir().unwrap();
        touch(
            d.path(),
            &[
                "a.png",
                ".b.png",
                ".cache/c.png",
                "s/.hid/d.png",
                "s/.e.png",
                ".a.png.123.0.flowrun-tmp",
            ],
        );
        assert_eq!(run(d.path(), "**/*.png", &[]), ["a.png"]);
        assert_eq!(run(d.path(), "*", &[]), ["a.png"]);
        assert_eq!(run(d.path(), ".*.png", &[]), [".b.png"]);
        assert_eq!(run(d.path(), ".cache/*.png", &[]), [".cache/c.png"]);
        assert_eq!(run(d.path(), "*/.hid/*.png", &[]), ["s/.hid/d.png"]);
        assert_eq!(run(d.path(), "**/.hid/*.png", &[]), ["s/.hid/d.png"]);
        assert_eq!(run(d.path(), "s/.*.png", &[]), ["s/.e.png"]);
        // A dot component at depth 1 does not unlock hidden names at depth 2.
        assert_eq!(run(d.path(), ".cache/*", &[]), [".cache/c.png"]);
    }

    #[test]
    fn excludes_are_spelled_like_the_pattern() {
        let d = tempfile::tempdir().unwrap();
        touch(
            d.path(),
            &[
                "data/a.png",
                "data/thumbs/b.png",
                "data/c_mask.png",
                "data/x/d.png",
            ],
        );
        assert_eq!(
            run(d.path(), "data/**/*.png", &["data/thumbs/**"]),
            ["data/a.png", "data/c_mask.png", "data/x/d.png"]
        );
        assert_eq!(
            run(
                d.path(),
                "./data/**/*.png",
                &["**/*_mask.png", "./data/x/*"]
            ),
            ["data/a.png", "data/thumbs/b.png"]
        );
    }

    #[test]
    fn missing_root_is_empty_and_bad_patterns_fail() {
        let d = tempfile::tempdir().unwrap();
        let m = expand("nope/*.png", &[], d.path()).unwrap();
        assert!(m.files.is_empty());
        let e = expand("a/*.{png", &[], d.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid glob `*.{png`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
        );
        let e = expand("*.png", &["[".to_string()], d.path()).unwrap_err();
        assert!(e.to_string().starts_with("invalid glob `[`: "), "{e}");
        assert_eq!(
            expand("data/", &[], d.path()).unwrap_err().to_string(),
            "glob `data/` names no file (empty, or ends with `/`)"
        );
        assert!(matches!(
            expand("", &[], d.path()),
            Err(GlobError::NoFileComponent(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_unreadable_dirs() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), &["a.png", "sub/b.png", "locked/c.png"]);
        symlink(d.path().join("a.png"), d.path().join("link.png")).unwrap();
        symlink(d.path().join("missing.png"), d.path().join("dangling.png")).unwrap();
        // A loop and a link to a directory: neither is followed.
        symlink(d.path(), d.path().join("sub/loop")).unwrap();
        symlink(d.path().join("sub"), d.path().join("sublink.png")).unwrap();
        let locked = d.path().join("locked");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let got = run(d.path(), "**/*.png", &[]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        // (Root can read `locked`; then c.png is found too.)
        let expected: &[&str] = if got.len() == 5 {
            &[
                "a.png",
                "dangling.png",
                "link.png",
                "locked/c.png",
                "sub/b.png",
            ]
        } else {
            &["a.png", "dangling.png", "link.png", "sub/b.png"]
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn natural_cmp_is_total() {
        let mut v: Vec<PathBuf> = ["img10", "img2", "img01", "img1", "A.png", "a.png", "x/1"]
            .iter()
            .map(PathBuf::from)
            .collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        let s: Vec<&str> = v.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            s,
            ["A.png", "a.png", "img1", "img01", "img2", "img10", "x/1"]
        );
        assert_eq!(
            natural_cmp(Path::new("a.png"), Path::new("A.png")),
            natural_cmp(Path::new("A.png"), Path::new("a.png")).reverse()
        );
        assert_ne!(
            natural_cmp(Path::new("x1"), Path::new("x01")),
            Ordering::Equal
        );
    }
}

#[cfg(test)]
mod fixture_tests {
    use super::*;
    use crate::source::decode::{decode_file, DecodeOptions};

    /// The committed `workflows/data/cells` folder (from `make_data.py`) in natural order, decoded.
    #[test]
    fn cells_fixture() {
        let cwd = Path::new(env!("CARGO_MANIFEST_DIR"));
        let m = expand("workflows/data/cells/*.png", &[], cwd).unwrap();
        let names: Vec<_> = m
            .files
            .iter()
            .map(|f| f.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "cell1.png",
                "cell2.png",
                "cell3.png",
                "cell10.png",
                "cell11.png",
                "cell20.png"
            ]
        );
        let shapes: Vec<_> = m
            .files
            .iter()
            .map(|f| {
                let img = decode_file(f, &DecodeOptions::default()).unwrap();
                (img.height, img.width, img.channels)
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (30, 40, 1),
                (30, 40, 3),
                (30, 40, 1),
                (30, 40, 1),
                (30, 40, 1),
                (30, 40, 3)
            ]
        );
    }
}
