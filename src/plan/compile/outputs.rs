//! The outputs: image writers (step saves and `output.images`), the results table, and the
//! check of every output of every image — its format, its folder, collisions, and inputs.

use super::steps::Steps;
use super::Ctx;
use crate::config::syntax::Seg;
use crate::config::Loaded;
use crate::diag::{Diag, Pos};
use crate::plan::claims::{distinct_by_construction, Claims, Holder};
use crate::plan::paths::{clean_path, normalize, stays_in};
use crate::plan::pattern::{Field, Pattern, Vars};
use crate::plan::places::{Conflict, Places};
use crate::plan::{output_format, NodeRef, ResultsFormat, ResultsPlan, SourcePlan, Writer};
use crate::sinks::atomic::parent_dir;
use crate::sinks::encode::ImageFormat;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The writers, in order — every step's `save`, then `output.images` — each with its pattern as
/// written and where it was written.
pub(super) fn writers(
    cx: &mut Ctx,
    loaded: &Loaded,
    steps: &Steps,
    name: &str,
) -> (Vec<Writer>, Vec<(Pattern, Pos)>) {
    let wf = &loaded.draft;
    let mut writers = Vec::new();
    let mut written = Vec::new();
    let dtype = wf.output.dtype.unwrap_or_default();
    let fixed = |node: NodeRef| Vars {
        name,
        workflow: &loaded.stem,
        step: steps.name_of(node),
        ..Vars::default()
    };
    for (i, step) in &wf.steps {
        if let Some(save) = &step.save {
            let path = [Seg::Key("steps"), Seg::Index(*i), Seg::Key("save")];
            if let Some(p) = cx.pattern(save, &path) {
                let node = NodeRef::Step(*i);
                writers.push(Writer {
                    node,
                    column: format!("save_{}", steps.all_names[*i]),
                    pattern: p.fill(&fixed(node), |f| !f.per_image()),
                    dtype,
                });
                written.push((p, cx.pos(&path)));
            }
        }
    }
    if let Some(images) = &wf.output.images {
        let path = [Seg::Key("output"), Seg::Key("images")];
        let last = steps.last();
        if let Some(p) = cx.pattern(images, &path) {
            writers.push(Writer {
                node: last,
                column: "output".into(),
                pattern: p.fill(&fixed(last), |f| !f.per_image()),
                dtype,
            });
            written.push((p, cx.pos(&path)));
        }
    }
    (writers, written)
}

/// The path of a file made once per run (`what`: "the results table", "the report") from the
/// pattern `text` at `path`: no per-image placeholder, the others filled in.
fn one_file(
    cx: &mut Ctx,
    loaded: &Loaded,
    steps: &Steps,
    name: &str,
    text: &str,
    path: &[Seg],
    what: &str,
) -> Option<String> {
    let pattern = cx.pattern(text, path)?;
    if let Some((f, _)) = pattern.fields().find(|(f, _)| f.per_image()) {
        cx.err(
            cx.pos(path),
            format!(
                "`{{{}}}` differs per image and cannot name {what}",
                f.name()
            ),
            Some("use only `{name}` or `{workflow}` here".into()),
        );
        return None;
    }
    Some(pattern.render(&Vars {
        name,
        workflow: &loaded.stem,
        step: steps.name_of(steps.last()),
        ..Vars::default()
    }))
}

/// The results table, if the workflow has one.
pub(super) fn results(
    cx: &mut Ctx,
    loaded: &Loaded,
    steps: &Steps,
    name: &str,
) -> Option<ResultsPlan> {
    let r = loaded.draft.output.results.as_ref()?;
    let path = [Seg::Key("output"), Seg::Key("results")];
    let rendered = one_file(cx, loaded, steps, name, r, &path, "the results table")?;
    let format = match Path::new(&rendered)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => ResultsFormat::Csv,
        Some("json") => ResultsFormat::Json,
        _ => {
            cx.err(
                cx.pos(&path),
                format!("cannot tell the results format of `{rendered}`"),
                Some("end the file name in `.csv` or `.json`".into()),
            );
            return None;
        }
    };
    Some(ResultsPlan {
        path: clean_path(&rendered),
        format,
    })
}

/// The run report's path, if the workflow asks for one: no per-image placeholder, an `.html`
/// name, and a results table to read its rows from.
pub(super) fn report(
    cx: &mut Ctx,
    loaded: &Loaded,
    steps: &Steps,
    name: &str,
    results: Option<&ResultsPlan>,
) -> Option<PathBuf> {
    let r = loaded.draft.output.report.as_ref()?;
    let path = [Seg::Key("output"), Seg::Key("report")];
    let rendered = one_file(cx, loaded, steps, name, r, &path, "the report")?;
    let html = Path::new(&rendered)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html"));
    if !html {
        cx.err(
            cx.pos(&path),
            format!("the report `{rendered}` must be an `.html` file"),
            Some("end the file name in `.html`, e.g. `out/{name}/report.html`".into()),
        );
        return None;
    }
    if results.is_none() {
        cx.err(
            cx.pos(&path),
            "the report is made from the results table, and the workflow has none",
            Some(
                "add a results table beside it, e.g. `results = \"out/{name}/results.csv\"` in [output]"
                    .into(),
            ),
        );
        return None;
    }
    Some(clean_path(&rendered))
}

/// Every image's outputs, to check: the source, the writers with their patterns as written
/// (and where), the results table and the settings that decide what is allowed.
pub(super) struct Outputs<'a> {
    pub source: &'a SourcePlan,
    pub writers: &'a [Writer],
    pub written: &'a [(Pattern, Pos)],
    pub results: Option<&'a ResultsPlan>,
    pub report: Option<&'a Path>,
    pub allow_outside: bool,
    pub cwd: &'a Path,
}

/// What the output check keeps while rendering: each writer's folder (normalised), the paths
/// claimed so far, and what the filesystem says about the folders outputs go to.
struct Seen<'a> {
    roots: Vec<PathBuf>,
    claims: Claims,
    places: Places<'a>,
    /// Folders whose problem was reported.
    reported_folders: HashSet<PathBuf>,
    /// The folder last looked at, and whether anything about it needs a per-file look.
    last: Option<(PathBuf, bool)>,
}

impl<'a> Outputs<'a> {
    /// Renders every output of every image, one at a time, and checks it: its format is known
    /// and holds the dtype, it stays inside its pattern's folder, its folder can be written to,
    /// it is no folder and no input file (by its real path), and it shares its path with no
    /// other output nor the results table. Reports each writer's first problem. Returns every
    /// folder the outputs and the table go to.
    pub fn check(&self, cx: &mut Ctx, links: &'a [PathBuf]) -> Vec<PathBuf> {
        let mut seen = self.seen(links);
        let mut reported = vec![false; self.writers.len()];
        let mut folders = Folders::new(self.writers.len());
        if let Some(r) = self.results {
            folders.all.insert(parent_dir(&r.path).to_path_buf());
            let pos = cx.pos(&[Seg::Key("output"), Seg::Key("results")]);
            self.check_file(cx, "the results table", &r.path, pos, &mut seen);
        }
        if let Some(r) = self.report {
            folders.all.insert(parent_dir(r).to_path_buf());
            let pos = cx.pos(&[Seg::Key("output"), Seg::Key("report")]);
            self.check_file(cx, "the report", r, pos, &mut seen);
        }
        for pos in 0..self.source.len() {
            let names = self.source.names(pos);
            for (w, writer) in self.writers.iter().enumerate() {
                let path = writer.render(&names);
                folders.add(w, &path);
                if reported[w] {
                    continue;
                }
                if let Some(problem) = self.problem(cx, w, names.index, &path, &mut seen) {
                    reported[w] = true;
                    cx.report.push(problem);
                }
            }
        }
        folders.sorted()
    }

    fn seen(&self, links: &'a [PathBuf]) -> Seen<'a> {
        let inputs: &'a [PathBuf] = match self.source {
            SourcePlan::Files { files, .. } => files,
            SourcePlan::Noise { .. } => &[],
        };
        let roots = self
            .written
            .iter()
            .map(|(p, _)| normalize(self.cwd, Path::new(p.literal_dir())))
            .collect();
        let patterns: Vec<Pattern> = self.writers.iter().map(|w| w.pattern.clone()).collect();
        let noise = matches!(self.source, SourcePlan::Noise { .. });
        let distinct = distinct_by_construction(&patterns, noise, self.cwd);
        let results = self.results.map(|r| normalize(self.cwd, &r.path));
        Seen {
            roots,
            claims: Claims::new(distinct, results),
            places: Places::new(self.cwd, inputs, links),
            reported_folders: HashSet::new(),
            last: None,
        }
    }

    /// The results table's (or the report's) path: not a folder, not an input, in a folder that
    /// can be written.
    fn check_file(&self, cx: &mut Ctx, what: &str, path: &Path, pos: Pos, seen: &mut Seen) {
        let dir = parent_dir(path);
        if let Some(problem) = &seen.places.folder(dir).problem {
            let msg = format!("cannot write {what} `{}`: {problem}", path.display());
            if seen.reported_folders.insert(dir.to_path_buf()) {
                cx.err(pos, msg, None);
            }
            return;
        }
        let problem = match seen.places.conflict(path) {
            Some(Conflict::Folder) => Some("it is a folder"),
            Some(Conflict::Input(_)) => Some("it is one of the input files"),
            None => None,
        };
        if let Some(p) = problem {
            let example = if what == "the report" {
                "out/report.html"
            } else {
                "out/results.csv"
            };
            cx.err(
                pos,
                format!("cannot write {what} `{}`: {p}", path.display()),
                Some(format!(
                    "name a file that does not exist yet, e.g. `{example}`"
                )),
            );
        }
    }

    /// The problem with image `index`'s output `path` from writer `w`, if any (a good path is
    /// claimed).
    fn problem(
        &self,
        cx: &Ctx,
        w: usize,
        index: u64,
        path: &Path,
        seen: &mut Seen,
    ) -> Option<Diag> {
        let writer = &self.writers[w];
        let (pattern, pos) = &self.written[w];
        let Some(format) = output_format(path) else {
            return Some(
                Diag::new(
                    *pos,
                    format!("cannot tell the image format of `{}`", path.display()),
                )
                .with_hint(format!(
                    "end the pattern in one of: {}",
                    ImageFormat::EXTENSIONS.join(", ")
                )),
            );
        };
        if !format.supports(writer.dtype) {
            let p = cx.pos(&[Seg::Key("output"), Seg::Key("dtype")]);
            let p = if p == cx.pos(&[]) { *pos } else { p };
            return Some(
                Diag::new(
                    p,
                    format!(
                        "{} images cannot hold `{}` samples",
                        format.name(),
                        writer.dtype.name()
                    ),
                )
                .with_hint("bmp and jpeg take u8; png u8 or u16; tiff and npy u8, u16, f32 or f64"),
            );
        }
        if let Some(d) = self.place_problem(index, path, seen, *pos) {
            return Some(d);
        }
        // Normalising is most of the cost of this check, which runs for every image before
        // any compute: skip it when no check below can fail.
        let inside = self.allow_outside || stays_in(path, pattern.literal_dir());
        if inside && !seen.claims.may_refuse(path) {
            return None;
        }
        let key = normalize(self.cwd, path);
        if !self.allow_outside && !key.starts_with(&seen.roots[w]) {
            return Some(Diag::new(
                *pos,
                format!(
                    "image {index}'s output `{}` lands outside the pattern's folder `{}`",
                    path.display(),
                    pattern.literal_dir()
                ),
            ).with_hint("placeholders must not lead out of the output folder (`..`, absolute paths); set `output.allow_outside = true` to allow it"));
        }
        let holder = seen.claims.claim(&key, w, index)?;
        let what = match holder {
            Holder::Results => "the results table".to_string(),
            Holder::Output { writer, index } if writer == w => format!("image {index}"),
            Holder::Output { writer, index } => {
                format!("image {index}'s `{}`", self.writers[writer].column)
            }
        };
        let pages = matches!(self.source, SourcePlan::Files { pages: Some(_), .. });
        let hint = if pages && !pattern.uses(Field::Frame) {
            "with `frames = \"each\"` every page of a multi-page TIFF is an image of its own: \
             add `{frame}`, its page number, e.g. `out/{stem}_{frame}.png`"
        } else {
            "make the pattern unique per image, e.g. with `{index}` or `{stem}`"
        };
        Some(
            Diag::new(
                *pos,
                format!(
                    "image {index} and {what} would both be written to `{}`",
                    path.display()
                ),
            )
            .with_hint(hint),
        )
    }

    /// What the filesystem says against writing `path`: its folder cannot take files (reported
    /// once per folder), a folder is in its place, or it is an input file.
    fn place_problem(&self, index: u64, path: &Path, seen: &mut Seen, pos: Pos) -> Option<Diag> {
        let dir = parent_dir(path);
        let look = match &seen.last {
            Some((last, look)) if last.as_path() == dir => *look,
            _ => {
                let folder = seen.places.folder(dir);
                if let Some(problem) = &folder.problem {
                    let problem = problem.clone();
                    if seen.reported_folders.insert(dir.to_path_buf()) {
                        return Some(Diag::new(
                            pos,
                            format!("cannot write `{}`: {problem}", path.display()),
                        ));
                    }
                }
                let look = folder.needs_a_look();
                seen.last = Some((dir.to_path_buf(), look));
                look
            }
        };
        if !look {
            return None;
        }
        match seen.places.conflict(path)? {
            Conflict::Folder => Some(
                Diag::new(
                    pos,
                    format!("image {index}'s output `{}` is a folder", path.display()),
                )
                .with_hint("outputs must name files; change the pattern or move the folder"),
            ),
            Conflict::Input(i) => {
                let file = self.source.file(i).unwrap_or(Path::new(""));
                let through = if file == path {
                    String::new()
                } else {
                    format!(" (`{}` is that file)", path.display())
                };
                Some(
                    Diag::new(
                        pos,
                        format!(
                            "image {index} would be written over input file `{}`{through}",
                            file.display()
                        ),
                    )
                    .with_hint(self.overwrite_hint(path)),
                )
            }
        }
    }

    /// How to stop an output from landing on an input: leave the output folder out of the
    /// source when it is a folder of its own below the pattern's folder, else write elsewhere.
    fn overwrite_hint(&self, path: &Path) -> String {
        let root = match self.source {
            SourcePlan::Files { root, .. } => normalize(self.cwd, root),
            SourcePlan::Noise { .. } => PathBuf::new(),
        };
        let dir = normalize(self.cwd, parent_dir(path));
        if dir != root && dir.starts_with(&root) {
            let shown = parent_dir(path).display().to_string();
            format!(
                "leave the output folder out of the source: `exclude = [\"{shown}/**\"]` in [source]; or write the outputs elsewhere"
            )
        } else {
            "write the outputs to a folder of their own, e.g. `images = \"out/{stem}.png\"`".into()
        }
    }
}

/// The folders outputs go to, collected while rendering. Each writer's last folder is kept
/// apart, so a writer that always writes to one folder costs a comparison per image.
struct Folders {
    all: HashSet<PathBuf>,
    last: Vec<PathBuf>,
}

impl Folders {
    fn new(writers: usize) -> Folders {
        Folders {
            all: HashSet::new(),
            last: vec![PathBuf::new(); writers],
        }
    }

    /// Adds the folder of writer `w`'s output `path`.
    fn add(&mut self, w: usize, path: &Path) {
        let dir = parent_dir(path);
        if self.last[w].as_os_str() != dir.as_os_str() {
            self.last[w] = dir.to_path_buf();
            self.all.insert(dir.to_path_buf());
        }
    }

    /// Every folder once, sorted by their bytes (quicker than by components, for a million).
    fn sorted(self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.all.into_iter().collect();
        dirs.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        dirs
    }
}
