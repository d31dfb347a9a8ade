//! `Loaded` workflow → [`Plan`]: every check at once.

use super::claims::{distinct_by_construction, Claims, Holder};
use super::pattern::{Pattern, Vars};
use super::places::{real_path, Conflict, Places};
use super::*;
use crate::config::syntax::{Node, Seg};
use crate::config::{
    overrides::tree_step_names, Clip, Expectation, Loaded, NoiseSource, RngChoice, Sigma, Source,
    Step,
};
use crate::diag::{suggest, Diag, Pos, Report};
use crate::ops::gaussian::Gaussian;
use crate::sinks::atomic::parent_dir;
use crate::source::noise::{NoiseLoc, RngKind};
use crate::state::StatePaths;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};

/// Largest image a noise source may generate, and the default `max_pixels` of a glob source.
pub const MAX_PIXELS: u64 = 1 << 28;
/// Largest noise `count`: compile renders and checks every image's outputs, so an unbounded
/// count made `flowrun check` run for minutes (and, when it kept every job, take many GB).
pub const MAX_COUNT: u64 = 1 << 20;
/// Largest Gaussian kernel radius accepted.
pub const MAX_RADIUS: usize = 100_000;
/// Columns every results table has; metric names may not reuse them.
pub const FIXED_COLUMNS: &[&str] = &["index", "input", "status", "error", "output", "elapsed_ms"];

struct Ctx<'a> {
    tree: &'a Node,
    report: Report,
}

impl Ctx<'_> {
    fn err(&mut self, pos: Pos, msg: impl Into<String>, hint: impl Into<Option<String>>) {
        self.report.push(Diag::new(pos, msg).hint_opt(hint.into()));
    }
    fn pos(&self, path: &[Seg]) -> Pos {
        self.tree.pos_at(path)
    }
    fn key_pos(&self, path: &[Seg]) -> Pos {
        self.tree.key_pos_at(path)
    }
    /// Position of character `offset` inside the string value at `pos` (skipping an opening quote).
    fn in_string(&self, pos: Pos, offset: usize) -> Pos {
        match pos {
            Pos::File { line, col } => {
                let quoted = self
                    .report
                    .source
                    .lines()
                    .nth(line as usize - 1)
                    .and_then(|l| l.chars().nth(col as usize - 1))
                    .is_some_and(|c| c == '"' || c == '\'');
                Pos::file(line, col + quoted as u32 + offset as u32)
            }
            other => other,
        }
    }
    /// Parses a pattern, reporting its problems at their exact columns.
    fn pattern(&mut self, text: &str, path: &[Seg]) -> Option<Pattern> {
        match Pattern::parse(text) {
            Ok(p) => Some(p),
            Err(errors) => {
                let pos = self.pos(path);
                for e in errors {
                    let at = self.in_string(pos, e.offset);
                    self.err(at, e.message, e.hint);
                }
                None
            }
        }
    }
}

/// Compiles `loaded` into a plan, or returns every problem found. `cwd` resolves relative globs.
pub fn compile(loaded: &Loaded, cwd: &Path) -> Result<Plan, Report> {
    let wf = &loaded.draft;
    let mut cx = Ctx {
        tree: &loaded.tree,
        report: loaded.report.clone(),
    };
    let name = wf.name.clone().unwrap_or_else(|| loaded.stem.clone());

    // Source: how many images, and their input files.
    let mut warnings = Vec::new();
    let mut links = Vec::new();
    let mut source = match &wf.source {
        None => None,
        Some(Source::Noise(n)) => noise_source(&mut cx, n),
        Some(Source::Glob(g)) => {
            let pattern_path = [Seg::Key("source"), Seg::Key("pattern")];
            let mut decode = DecodeOptions {
                color: g.color,
                ..DecodeOptions::default()
            };
            if let Some(mp) = g.max_pixels {
                if mp == 0 {
                    cx.err(
                        cx.pos(&[Seg::Key("source"), Seg::Key("max_pixels")]),
                        "`max_pixels` must be at least 1",
                        None,
                    );
                }
                decode.max_pixels = mp;
            }
            match crate::source::glob::expand(&g.pattern, &g.exclude, cwd) {
                Ok(m) if m.files.is_empty() => {
                    cx.err(
                        cx.pos(&pattern_path),
                        format!("`{}` matches no files", g.pattern),
                        Some(format!(
                            "relative patterns resolve against the current directory ({}); hidden files are skipped unless the pattern names them",
                            cwd.display()
                        )),
                    );
                    None
                }
                Ok(m) => {
                    // A relative pattern gives paths relative to the current directory, as written.
                    let shown = |p: &Path| -> PathBuf {
                        if Path::new(&g.pattern).is_relative() {
                            p.strip_prefix(cwd)
                                .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
                        } else {
                            p.to_path_buf()
                        }
                    };
                    for ex in &m.unused_excludes {
                        warnings.push(format!(
                            "`source.exclude` pattern `{ex}` leaves out no file (excludes are globs relative to the current directory, spelled like `source.pattern`)"
                        ));
                    }
                    links = m.links.iter().map(|f| shown(f)).collect();
                    let files: Vec<PathBuf> = m.files.iter().map(|f| shown(f)).collect();
                    let root = shown(&m.root);
                    Some(SourcePlan::Files {
                        root,
                        files: files.into(),
                        decode,
                    })
                }
                Err(e) => {
                    cx.err(cx.pos(&pattern_path), e.to_string(), None);
                    None
                }
            }
        }
    };

    // Steps.
    // Names come from the steps as written, so they stay put when a step has problems.
    let all_names = match loaded.tree.get("steps").map(|e| &e.value.kind) {
        Some(crate::config::syntax::Kind::Seq(items)) => tree_step_names(items),
        _ => Vec::new(),
    };
    let names: Vec<String> = wf
        .steps
        .iter()
        .map(|(i, _)| all_names[*i].clone())
        .collect();
    check_step_names(&mut cx);
    let mut steps = Vec::with_capacity(wf.steps.len());
    for ((i, step), name) in wf.steps.iter().zip(&names) {
        let i = *i;
        let at = |key: &'static str| [Seg::Key("steps"), Seg::Index(i), Seg::Key(key)];
        match step {
            Step::Gaussian(g) => {
                let sigma = match g.sigma {
                    Sigma::Scalar(s) => {
                        if !(s.is_finite() && s >= 0.0) {
                            cx.err(
                                cx.pos(&at("sigma")),
                                format!("`sigma` must be a finite number >= 0, got {s}"),
                                Some("e.g. sigma = 2.0; 0 leaves the image as it is".into()),
                            );
                        }
                        [s, s]
                    }
                    Sigma::PerAxis(s) => {
                        if !s.iter().all(|v| v.is_finite() && *v >= 0.0) {
                            cx.err(
                                cx.pos(&at("sigma")),
                                format!(
                                    "`sigma` must be finite numbers >= 0, got [{}, {}]",
                                    s[0], s[1]
                                ),
                                Some("[rows, columns]; 0 leaves that axis unfiltered".into()),
                            );
                        }
                        s
                    }
                };
                if !(g.truncate.is_finite() && g.truncate >= 0.0) {
                    cx.err(
                        cx.pos(&at("truncate")),
                        format!(
                            "`truncate` must be a finite number >= 0, got {}",
                            g.truncate
                        ),
                        Some("the default is 4.0".into()),
                    );
                }
                if !g.cval.is_finite() {
                    cx.err(
                        cx.pos(&at("cval")),
                        format!("`cval` must be finite, got {}", g.cval),
                        None,
                    );
                }
                let r = sigma
                    .iter()
                    .filter(|s| s.is_finite())
                    .map(|s| {
                        if g.truncate.is_finite() && g.truncate > 0.0 {
                            (g.truncate * s + 0.5).min(1e18) as usize
                        } else {
                            0
                        }
                    })
                    .max()
                    .unwrap_or(0);
                if r > MAX_RADIUS {
                    cx.err(
                        cx.pos(&at("sigma")),
                        format!("the kernel radius would be {r} pixels (over {MAX_RADIUS})"),
                        Some("use a smaller sigma or truncate".into()),
                    );
                }
                steps.push(StepPlan {
                    name: name.clone(),
                    op: Op::Gaussian(Gaussian {
                        sigma,
                        mode: g.mode,
                        cval: g.cval,
                        truncate: g.truncate,
                    }),
                });
            }
        }
    }
    let node_names: Vec<&str> = std::iter::once("input")
        .chain(all_names.iter().map(String::as_str))
        .collect();
    // Some(None): a step that exists but had problems of its own (already reported).
    let find_node = |n: &str| -> Option<Option<NodeRef>> {
        if n == "input" {
            Some(Some(NodeRef::Input))
        } else {
            all_names
                .iter()
                .position(|s| s == n)
                .map(|_| names.iter().position(|s| s == n).map(NodeRef::Step))
        }
    };
    let last = match names.len() {
        0 => NodeRef::Input,
        n => NodeRef::Step(n - 1),
    };

    // Metrics.
    let mut metrics = Vec::new();
    for (column, m) in &wf.metrics {
        let on = match m.on() {
            None => last,
            Some(n) => match find_node(n) {
                Some(node) => node.unwrap_or(last),
                None => {
                    let p = cx.pos(&[Seg::Key("metrics"), Seg::Key(column), Seg::Key("on")]);
                    cx.err(
                        p,
                        format!("metric `{column}` reads `{n}`, which is not a step"),
                        Some(suggest(n, &node_names)),
                    );
                    last
                }
            },
        };
        if FIXED_COLUMNS.contains(&&**column) || column.starts_with("save_") {
            let p = cx.key_pos(&[Seg::Key("metrics"), Seg::Key(column)]);
            cx.err(
                p,
                format!("`{column}` is a column flowrun writes itself"),
                Some(format!(
                    "rename the metric; reserved: {}, save_<step>",
                    FIXED_COLUMNS.join(", ")
                )),
            );
        }
        if let Some(kind) = crate::metrics::MetricKind::from_name(m.op_name()) {
            metrics.push(MetricPlan {
                column: column.clone(),
                kind,
                on,
            });
        }
    }

    // Writers: step saves, then the final output; each with its pattern as written and where.
    let mut writers = Vec::new();
    let mut writer_patterns = Vec::new();
    let dtype = wf.output.dtype.unwrap_or_default();
    let fixed = |node: NodeRef| Vars {
        name: &name,
        workflow: &loaded.stem,
        step: node_name_of(&names, node),
        ..Vars::default()
    };
    for (k, (i, step)) in wf.steps.iter().enumerate() {
        if let Some(save) = step.save() {
            let path = [Seg::Key("steps"), Seg::Index(*i), Seg::Key("save")];
            if let Some(p) = cx.pattern(save, &path) {
                let node = NodeRef::Step(k);
                writers.push(Writer {
                    node,
                    column: format!("save_{}", names[k]),
                    pattern: p.fill(&fixed(node), |f| !f.per_image()),
                    dtype,
                });
                writer_patterns.push((p, cx.pos(&path)));
            }
        }
    }
    if let Some(images) = &wf.output.images {
        let path = [Seg::Key("output"), Seg::Key("images")];
        if let Some(p) = cx.pattern(images, &path) {
            writers.push(Writer {
                node: last,
                column: "output".into(),
                pattern: p.fill(&fixed(last), |f| !f.per_image()),
                dtype,
            });
            writer_patterns.push((p, cx.pos(&path)));
        }
    }

    // Results table.
    let results = wf.output.results.as_ref().and_then(|r| {
        let path = [Seg::Key("output"), Seg::Key("results")];
        let pattern = cx.pattern(r, &path)?;
        if let Some((f, _)) = pattern.fields().find(|(f, _)| f.per_image()) {
            cx.err(
                cx.pos(&path),
                format!(
                    "`{{{}}}` differs per image and cannot name the results table",
                    f.name()
                ),
                Some("use only `{name}` or `{workflow}` here".into()),
            );
            return None;
        }
        let rendered = pattern.render(&Vars {
            name: &name,
            workflow: &loaded.stem,
            step: node_name_of(&names, last),
            ..Vars::default()
        });
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
    });

    // The resume state: beside the results table, else in the first output folder.
    let state_root = match (&results, writer_patterns.first()) {
        (Some(r), _) => parent_dir(&r.path).to_path_buf(),
        (None, Some((p, _))) if !p.literal_dir().is_empty() => PathBuf::from(p.literal_dir()),
        _ => PathBuf::from("."),
    };
    let state = StatePaths::new(&state_root, &loaded.path, cwd);
    if let Some(SourcePlan::Files { root, files, .. }) = &mut source {
        let outputs_below: Vec<&Path> = writer_patterns
            .iter()
            .map(|(p, _)| Path::new(p.literal_dir()))
            .collect();
        match without_own_outputs(files, root, &outputs_below, &state, cwd) {
            Ok(Some(kept)) if kept.is_empty() => {
                cx.err(
                    cx.pos(&[Seg::Key("source"), Seg::Key("pattern")]),
                    "every file the pattern matches is an output of this workflow",
                    Some("point the pattern at the input images".into()),
                );
            }
            Ok(Some(kept)) => *files = kept.into(),
            Ok(None) => {}
            Err(e) => warnings.push(format!(
                "cannot read the resume state `{}`: {e}",
                state.log.display()
            )),
        }
    }

    // Render every output of every image; check formats, folders, collisions and inputs.
    let output_dirs = match &source {
        Some(source) => {
            let outputs = Outputs {
                source,
                writers: &writers,
                written: &writer_patterns,
                results: results.as_ref(),
                allow_outside: wf.output.allow_outside,
                cwd,
            };
            outputs.check(&mut cx, &links)
        }
        None => Vec::new(),
    };
    if wf.output.images.is_none()
        && wf.output.results.is_none()
        && wf.steps.iter().all(|(_, s)| s.save().is_none())
    {
        warnings.push(
            "the workflow writes nothing: add `output.images` or `output.results` (or a step's `save`)"
                .into(),
        );
    }

    // Expectations.
    let mut expect = ExpectPlan::default();
    let count = source.as_ref().map_or(0, |s| s.len() as u64);
    for (key, e) in &wf.expect {
        let vpos = cx.pos(&[Seg::Key("expect"), Seg::Key(key)]);
        match (key.as_str(), e) {
            ("ok" | "failed", Expectation::Count(n)) => {
                if *n > count && source.is_some() {
                    cx.err(
                        vpos,
                        format!("`expect.{key} = {n}` but the source has only {count} images"),
                        None,
                    );
                }
                if key == "ok" {
                    expect.ok = Some(*n)
                } else {
                    expect.failed = Some(*n)
                }
            }
            (_, Expectation::Bounds(b)) => match metrics.iter().position(|m| &m.column == key) {
                Some(mi) => {
                    for (which, v) in [("min", b.min), ("max", b.max)] {
                        if v.is_some_and(f64::is_nan) {
                            cx.err(
                                cx.pos(&[Seg::Key("expect"), Seg::Key(key), Seg::Key(which)]),
                                format!("`expect.{key}.{which}` is not a number"),
                                Some("bounds must be numbers (inf and -inf are allowed)".into()),
                            );
                        }
                    }
                    if let (Some(lo), Some(hi)) = (b.min, b.max) {
                        if lo > hi {
                            cx.err(
                                vpos,
                                format!("`expect.{key}` has min {lo} > max {hi}"),
                                None,
                            );
                        }
                    }
                    if b.min.is_none() && b.max.is_none() {
                        cx.err(
                            vpos,
                            format!("`expect.{key}` sets neither `min` nor `max`"),
                            None,
                        );
                    }
                    expect.bounds.push((mi, b.min, b.max));
                }
                None => {
                    let cols: Vec<&str> = metrics
                        .iter()
                        .map(|m| m.column.as_str())
                        .chain(["ok", "failed"])
                        .collect();
                    let kpos = cx.key_pos(&[Seg::Key("expect"), Seg::Key(key)]);
                    cx.err(
                        kpos,
                        format!("`expect.{key}` names no metric"),
                        Some(suggest(key, &cols)),
                    );
                }
            },
            (_, Expectation::Count(_)) => {
                cx.err(
                    vpos,
                    format!("`expect.{key}` must be a table {{ min, max }}"),
                    Some(format!(
                        "a count is only for `ok` and `failed`; e.g. [expect.{key}] max = 1e-3"
                    )),
                );
            }
        }
    }

    if !cx.report.is_empty() {
        return Err(cx.report);
    }
    let Some(source) = source else {
        cx.err(Pos::Unknown, "the source could not be compiled", None);
        return Err(cx.report);
    };
    if steps.len() != all_names.len() {
        cx.err(Pos::Unknown, "some steps could not be compiled", None);
        return Err(cx.report);
    }
    let mut h = blake3::Hasher::new();
    h.update(loaded.report.source.as_bytes());
    for o in &loaded.report.overrides {
        h.update(b"\0--set ");
        h.update(o.as_bytes());
    }
    let inputs = match &source {
        SourcePlan::Files { files, .. } => Arc::new(InputSet::new(files.clone())),
        SourcePlan::Noise { .. } => Arc::new(InputSet::default()),
    };
    let mut plan = Plan {
        name,
        workflow: loaded.stem.clone(),
        workflow_file: loaded.path.display().to_string(),
        workflow_hash: h.finalize().to_hex().to_string(),
        source,
        steps,
        metrics,
        writers,
        output_dirs,
        results,
        expect,
        state,
        fingerprint: String::new(),
        inputs,
        warnings,
    };
    plan.fingerprint = super::key::fingerprint(&plan);
    Ok(plan)
}

/// Every image's outputs, to check: the source, the writers with their patterns as written
/// (and where), the results table and the settings that decide what is allowed.
struct Outputs<'a> {
    source: &'a SourcePlan,
    writers: &'a [Writer],
    written: &'a [(Pattern, Pos)],
    results: Option<&'a ResultsPlan>,
    allow_outside: bool,
    cwd: &'a Path,
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
    fn check(&self, cx: &mut Ctx, links: &'a [PathBuf]) -> Vec<PathBuf> {
        let mut seen = self.seen(links);
        let mut reported = vec![false; self.writers.len()];
        let mut folders = Folders::new(self.writers.len());
        if let Some(r) = self.results {
            folders.all.insert(parent_dir(&r.path).to_path_buf());
            self.check_results(cx, r, &mut seen);
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

    /// The results table's path: not a folder, not an input, in a folder that can be written.
    fn check_results(&self, cx: &mut Ctx, r: &ResultsPlan, seen: &mut Seen) {
        let pos = cx.pos(&[Seg::Key("output"), Seg::Key("results")]);
        let dir = parent_dir(&r.path);
        if let Some(problem) = &seen.places.folder(dir).problem {
            let msg = format!(
                "cannot write the results table `{}`: {problem}",
                r.path.display()
            );
            seen.reported_folders.insert(dir.to_path_buf());
            cx.err(pos, msg, None);
            return;
        }
        let problem = match seen.places.conflict(&r.path) {
            Some(Conflict::Folder) => Some("it is a folder"),
            Some(Conflict::Input(_)) => Some("it is one of the input files"),
            None => None,
        };
        if let Some(p) = problem {
            cx.err(
                pos,
                format!("cannot write the results table `{}`: {p}", r.path.display()),
                Some("name a file that does not exist yet, e.g. `out/results.csv`".into()),
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
                .with_hint("bmp and jpeg take u8; png u8 or u16; tiff u8, u16 or f32"),
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
        Some(
            Diag::new(
                *pos,
                format!(
                    "image {index} and {what} would both be written to `{}`",
                    path.display()
                ),
            )
            .with_hint("make the pattern unique per image, e.g. with `{index}` or `{stem}`"),
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

/// Explicit step names must be unique, non-empty and not `input` (checked on the steps as
/// written, so a step with other problems still counts).
fn check_step_names(cx: &mut Ctx) {
    let Some(crate::config::syntax::Kind::Seq(items)) = cx.tree.get("steps").map(|e| &e.value.kind)
    else {
        return;
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(entry) = item.get("name") else {
            continue;
        };
        let Some(name) = entry.value.as_str() else {
            continue;
        };
        let p = entry.value.pos;
        if name == "input" {
            problems.push(
                Diag::new(p, "`input` is reserved for the loaded image")
                    .with_hint("pick another step name"),
            );
        } else if name.is_empty() {
            problems.push(Diag::new(p, "a step name cannot be empty"));
        } else if let Some(prev) = seen.get(name) {
            problems.push(
                Diag::new(
                    p,
                    format!("step name `{name}` is already used by step {}", prev + 1),
                )
                .with_hint("step names must be unique"),
            );
        }
        seen.entry(name).or_insert(i);
    }
    for d in problems {
        cx.report.push(d);
    }
}

fn node_name_of(names: &[String], node: NodeRef) -> &str {
    match node {
        NodeRef::Input => "input",
        NodeRef::Step(i) => &names[i],
    }
}

fn noise_source(cx: &mut Ctx, n: &NoiseSource) -> Option<SourcePlan> {
    let at = |k: &'static str| [Seg::Key("source"), Seg::Key(k)];
    let before = cx.report.diags.len();
    if n.count == 0 {
        cx.err(cx.pos(&at("count")), "`count` must be at least 1", None);
    }
    let (h, w) = match n.shape.as_slice() {
        [h, w] if *h > 0 && *w > 0 => (*h, *w),
        _ => {
            cx.err(
                cx.pos(&at("shape")),
                format!(
                    "`shape` must be [height, width] with both > 0, got {:?}",
                    n.shape
                ),
                Some("e.g. shape = [1024, 1024]".into()),
            );
            (0, 0)
        }
    };
    if h.checked_mul(w).is_none_or(|p| p > MAX_PIXELS) {
        cx.err(
            cx.pos(&at("shape")),
            format!("{h}×{w} is over {MAX_PIXELS} pixels per image"),
            None,
        );
    }
    if n.max_index == 0 {
        cx.err(
            cx.pos(&at("max_index")),
            "`max_index` must be at least 1",
            None,
        );
    }
    if !(n.scale.is_finite() && n.scale >= 0.0) {
        cx.err(
            cx.pos(&at("scale")),
            format!("`scale` must be a finite number >= 0, got {}", n.scale),
            None,
        );
    }
    if let Some(l) = n.loc.filter(|l| !l.is_finite()) {
        cx.err(
            cx.pos(&at("loc")),
            format!("`loc` must be finite, got {l}"),
            None,
        );
    }
    let clip = match n.clip {
        Clip::Range([lo, hi]) => {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                cx.err(
                    cx.pos(&at("clip")),
                    format!("`clip` must be [lo, hi] with finite lo <= hi, got [{lo}, {hi}]"),
                    None,
                );
            }
            Some((lo, hi))
        }
        Clip::Enabled(true) => Some((0.0, 1.0)),
        Clip::Enabled(false) => None,
    };
    let rng = match n.rng {
        RngChoice::Numpy => RngKind::Numpy,
        RngChoice::Fast => RngKind::Fast,
    };
    let last_seed = n.seed_offset.checked_add(n.count.saturating_sub(1));
    if rng == RngKind::Numpy && last_seed.is_none_or(|s| s > u64::from(u32::MAX)) {
        cx.err(
            cx.pos(&at("seed_offset")),
            format!(
                "numpy seeds must be below 2^32, but image {} would get seed {}",
                n.count.saturating_sub(1),
                n.seed_offset as u128 + n.count.saturating_sub(1) as u128
            ),
            Some("lower `seed_offset` or `count`".into()),
        );
    }
    if n.count > MAX_COUNT {
        cx.err(
            cx.pos(&at("count")),
            format!("`count` must be at most {MAX_COUNT}"),
            None,
        );
    }
    if cx.report.diags.len() != before {
        return None;
    }
    let spec = NoiseSpec {
        height: h as usize,
        width: w as usize,
        seed_offset: n.seed_offset,
        loc: match n.loc {
            Some(l) => NoiseLoc::Fixed(l),
            None => NoiseLoc::Index {
                max_index: n.max_index,
            },
        },
        scale: n.scale,
        clip,
        rng,
    };
    Some(SourcePlan::Noise {
        spec,
        count: n.count,
    })
}

/// The listed `files` without those this workflow's earlier runs wrote (by its resume state), if
/// any output folder lies below the pattern's folder `root` (else `None`: nothing to do). Paths
/// are compared by their real folders, so outputs written through a symlinked folder count.
fn without_own_outputs(
    files: &[PathBuf],
    root: &Path,
    output_dirs: &[&Path],
    state: &StatePaths,
    cwd: &Path,
) -> std::io::Result<Option<Vec<PathBuf>>> {
    let root = real_path(cwd, root);
    let below = output_dirs
        .iter()
        .any(|d| real_path(cwd, d).starts_with(&root));
    if !below || !state.log.exists() {
        return Ok(None);
    }
    let mut dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut key = |p: &Path| {
        let parent = p.parent().unwrap_or(Path::new("")).to_path_buf();
        let dir = dirs
            .entry(parent)
            .or_insert_with_key(|parent| real_path(cwd, parent));
        let real = dir.join(p.file_name().unwrap_or_default());
        xxhash_rust::xxh3::xxh3_128(real.as_os_str().as_encoded_bytes())
    };
    let mut written = HashSet::new();
    crate::state::each_entry(&state.log, |e| {
        for (p, _) in e.outputs.iter().chain(&e.orphans) {
            written.insert(key(Path::new(p)));
        }
    })?;
    if written.is_empty() {
        return Ok(None);
    }
    let kept: Vec<PathBuf> = files
        .iter()
        .filter(|f| !written.contains(&key(f)))
        .cloned()
        .collect();
    Ok((kept.len() != files.len()).then_some(kept))
}

/// Whether `path` provably stays inside `dir` once both are normalised against any folder
/// ([`normalize`]): its text is `dir`, a separator and components that never go up (no `..`,
/// no root). `false` when that cannot be told without normalising.
fn stays_in(path: &Path, dir: &str) -> bool {
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
