//! `flowrun clean`: removes the outputs that earlier runs of a workflow recorded and the
//! workflow as it is now no longer produces — the outputs of inputs that are gone or renamed,
//! and outputs whose pattern changed — and nothing else: a file is removed only when the resume
//! state records it and it still holds the bytes flowrun wrote (a file changed since is kept,
//! and said so), and never when it is an input file. The records of what was removed are
//! dropped from the state.

use crate::exec::RunError;
use crate::plan::Plan;
use crate::state::lock::RunLock;
use crate::state::{each_entry, hex, output_hash, rewrite, Entry, Status};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `clean` did (or, in a dry run, would do) with one recorded output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cleaned {
    /// Removed (or would be): the workflow no longer produces it.
    Removed { path: String, why: String },
    /// Not produced any more, but kept: it changed since flowrun wrote it, or it is an input.
    Kept { path: String, why: String },
}

impl Cleaned {
    pub fn path(&self) -> &str {
        match self {
            Cleaned::Removed { path, .. } | Cleaned::Kept { path, .. } => path,
        }
    }
}

/// Counts of a clean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CleanSummary {
    pub removed: u64,
    pub kept: u64,
    /// Records dropped from the state.
    pub forgotten: u64,
}

/// Removes what earlier runs of `plan`'s workflow recorded and it no longer produces (or only
/// says so, with `dry_run`); `each` hears of every such output, in path order.
pub fn clean(
    plan: &Plan,
    dry_run: bool,
    mut each: impl FnMut(&Cleaned),
) -> Result<CleanSummary, RunError> {
    let _lock = if dry_run {
        None
    } else {
        Some(RunLock::acquire(&plan.state.lock, false, |_| {})?)
    };
    let state_err = |e| RunError::State(plan.state.log.display().to_string(), e);
    // Where each input of the workflow now is.
    let positions: HashMap<String, usize> = (0..plan.job_count())
        .map(|p| (plan.job(p).input_label(), p))
        .collect();
    let mut summary = CleanSummary::default();
    let mut items = Vec::new();
    // Per input: whether its record goes, or loses its orphans.
    let mut edits: HashMap<String, bool> = HashMap::new();
    each_entry(&plan.state.log, |entry: Entry| {
        let now: Vec<PathBuf> = positions
            .get(&entry.input)
            .map(|&p| plan.job(p).outputs)
            .unwrap_or_default();
        let gone = !positions.contains_key(&entry.input);
        let why = if gone {
            format!("`{}` is no longer an input", entry.input)
        } else {
            "the workflow writes this image's outputs elsewhere now".to_string()
        };
        let mut touched = !entry.orphans.is_empty();
        for (path, hash) in entry.outputs.iter().chain(&entry.orphans) {
            let p = Path::new(path);
            if now.iter().any(|n| n == p) || !p.exists() {
                continue;
            }
            touched = true;
            let ours = std::fs::read(p).is_ok_and(|b| hex(output_hash(&b)) == *hash);
            let kept = |why: &str| Cleaned::Kept {
                path: path.clone(),
                why: why.into(),
            };
            let item = if !ours {
                kept("it changed since flowrun wrote it")
            } else if plan.inputs.holds(p) {
                kept("it is an input file now")
            } else if dry_run || std::fs::remove_file(p).is_ok() {
                Cleaned::Removed {
                    path: path.clone(),
                    why: why.clone(),
                }
            } else {
                kept("it could not be removed")
            };
            match &item {
                Cleaned::Removed { .. } => summary.removed += 1,
                Cleaned::Kept { .. } => summary.kept += 1,
            }
            items.push(item);
        }
        let outputs_moved = !gone
            && entry.status == Status::Ok
            && (entry.outputs.len() != now.len()
                || entry
                    .outputs
                    .iter()
                    .zip(&now)
                    .any(|((p, _), n)| Path::new(p) != n));
        if gone || outputs_moved {
            edits.insert(entry.input, true);
        } else if touched {
            edits.insert(entry.input, false);
        }
    })
    .map_err(state_err)?;
    items.sort_by(|a, b| a.path().cmp(b.path()));
    items.iter().for_each(&mut each);
    summary.forgotten = edits.values().filter(|&&drop| drop).count() as u64;
    if !dry_run && !edits.is_empty() {
        rewrite(&plan.state.log, |mut e| match edits.get(&e.input) {
            Some(true) => None,
            Some(false) => {
                e.orphans.clear();
                Some(e)
            }
            None => Some(e),
        })
        .map_err(state_err)?;
    }
    Ok(summary)
}
