//! `Loaded` workflow → [`Plan`]: every check at once — the source, the steps and their graph,
//! the metrics, the outputs against the filesystem, the expectations — each problem reported
//! with its position, so that a plan that compiles holds only validated values.

mod expect;
mod metrics;
mod outputs;
mod source;
mod steps;

use super::inputs::InputSet;
use super::pattern::Pattern;
use super::schedule::Schedule;
use super::*;
use crate::config::syntax::{Node, Seg};
use crate::config::Loaded;
use crate::diag::{Diag, Pos, Report};
use crate::sinks::atomic::parent_dir;
use crate::state::StatePaths;
use std::path::Path;

/// The compiler's state: the positioned tree (to point at values) and the problems so far.
pub(super) struct Ctx<'a> {
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

/// How a workflow is compiled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// A glob that matches no file is not an error (a watched folder that is empty so far).
    pub allow_empty: bool,
}

/// Compiles `loaded` into a plan, or returns every problem found. `cwd` resolves relative globs.
pub fn compile(loaded: &Loaded, cwd: &Path) -> Result<Plan, Report> {
    compile_with(loaded, cwd, Options::default())
}

/// [`compile`], with options.
pub fn compile_with(loaded: &Loaded, cwd: &Path, opts: Options) -> Result<Plan, Report> {
    let wf = &loaded.draft;
    let mut cx = Ctx {
        tree: &loaded.tree,
        report: loaded.report.clone(),
    };
    let name = wf.name.clone().unwrap_or_else(|| loaded.stem.clone());
    let mut warnings = Vec::new();

    let mut source = wf
        .source
        .as_ref()
        .and_then(|s| source::compile(&mut cx, s, cwd, opts.allow_empty, &mut warnings));
    let channels = source.as_ref().and_then(|s| s.channels);
    let steps = steps::compile(&mut cx, loaded, channels);
    let metrics = metrics::compile(&mut cx, &wf.metrics, &steps);
    let (writers, written) = outputs::writers(&mut cx, loaded, &steps, &name);
    let results = outputs::results(&mut cx, loaded, &steps, &name);
    let report = outputs::report(&mut cx, loaded, &steps, &name, results.as_ref());

    // The resume state: beside the results table, else in the first output folder.
    let state_root = match (&results, written.first()) {
        (Some(r), _) => parent_dir(&r.path).to_path_buf(),
        (None, Some((p, _))) if !p.literal_dir().is_empty() => PathBuf::from(p.literal_dir()),
        _ => PathBuf::from("."),
    };
    let state = StatePaths::new(&state_root, &loaded.path, cwd);
    if let Some(source::Compiled {
        plan: SourcePlan::Files { root, files, .. },
        ..
    }) = &mut source
    {
        let output_dirs: Vec<&Path> = written
            .iter()
            .map(|(p, _)| Path::new(p.literal_dir()))
            .collect();
        match source::without_own_outputs(files, root, &output_dirs, &state, cwd) {
            Ok(Some(kept)) if kept.is_empty() && !opts.allow_empty => {
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

    // Pages are listed once the file list is final (this workflow's own outputs left out).
    if let Some(s) = &mut source {
        source::count_pages(&mut cx, &mut s.plan, cwd, &mut warnings);
    }

    // Render every output of every image; check formats, folders, collisions and inputs.
    let output_dirs = match &source {
        Some(s) => outputs::Outputs {
            source: &s.plan,
            writers: &writers,
            written: &written,
            results: results.as_ref(),
            report: report.as_deref(),
            allow_outside: wf.output.allow_outside,
            cwd,
        }
        .check(&mut cx, &s.links),
        None => Vec::new(),
    };
    let declared: Vec<&str> = wf.metrics.keys().map(String::as_str).collect();
    let count = source.as_ref().map(|s| s.plan.len() as u64);
    let expect = expect::compile(&mut cx, &wf.expect, &metrics, &declared, count);
    if wf.output.images.is_none()
        && wf.output.results.is_none()
        && wf.steps.iter().all(|(_, s)| s.save.is_none())
    {
        warnings.push(
            "the workflow writes nothing: add `output.images` or `output.results` (or a step's `save`)"
                .into(),
        );
    }

    if !cx.report.is_empty() {
        return Err(cx.report);
    }
    let Some(source) = source else {
        cx.err(Pos::Unknown, "the source could not be compiled", None);
        return Err(cx.report);
    };
    if !steps.complete || metrics.len() != wf.metrics.len() {
        cx.err(
            Pos::Unknown,
            "some steps or metrics could not be compiled",
            None,
        );
        return Err(cx.report);
    }
    let mut h = blake3::Hasher::new();
    h.update(loaded.report.source.as_bytes());
    for o in &loaded.report.overrides {
        h.update(b"\0--set ");
        h.update(o.as_bytes());
    }
    let inputs = match &source.plan {
        SourcePlan::Files { files, .. } => Arc::new(InputSet::new(files.clone())),
        SourcePlan::Noise { .. } => Arc::new(InputSet::default()),
    };
    let schedule = Schedule::new(&steps.steps, &metrics, &writers);
    let metric_columns = metrics.iter().flat_map(|m| m.columns()).collect();
    let mut plan = Plan {
        metric_columns,
        name,
        workflow: loaded.stem.clone(),
        workflow_file: loaded.path.display().to_string(),
        workflow_hash: h.finalize().to_hex().to_string(),
        source: source.plan,
        steps: steps.steps,
        metrics,
        writers,
        output_dirs,
        results,
        report,
        expect,
        state,
        fingerprint: String::new(),
        inputs,
        warnings,
        schedule,
        pins: Arc::from(Vec::new()),
    };
    plan.fingerprint = super::key::fingerprint(&plan);
    Ok(plan)
}
