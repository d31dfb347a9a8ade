//! Merge and status, from flowrun's own records only — the shard folders' `shard.json` and
//! resume state — never from the scheduler's accounting (which may be missing, or say a task
//! succeeded whose files are gone) nor from counting files in the output folder (where stale
//! files would count as done).
//!
//! **Algorithm.** Every shard folder of the workflow is read (`K-of-N/` and `tail-*/K-of-N/`,
//! in name order); folders of another manifest are left out, folders of the same manifest made
//! by another workflow text are reported. Each folder's latest record per input counts when it
//! was made by the current plan from the file the manifest lists. Then per image, in index
//! order: one `ok` record → its row; `ok` in more than one folder → its first row, and the index
//! is reported as duplicated; only failed records → its failed row; none → a `not_run` row,
//! reported missing. The table is written whole from these rows alone (no timestamps, no
//! listing order), so merging twice gives the same bytes.

use super::manifest::Manifest;
use super::shard::{shards_root, Shard, ShardInfo};
use crate::plan::Plan;
use crate::sinks::results::{ResultsSink, Row, RowStatus};
use crate::state::{each_entry, Entry, Status};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A shard folder as read.
#[derive(Clone, Debug)]
pub struct ShardRecords {
    /// `K-of-N` or `tail-<t>/K-of-N`.
    pub name: String,
    pub info: ShardInfo,
    /// Of its images: ok and failed records of the current plan.
    pub ok: u64,
    pub failed: u64,
}

/// What the records say about a run.
#[derive(Debug, Default)]
pub struct Merged {
    pub images: u64,
    pub ok: u64,
    pub failed: Vec<u64>,
    pub missing: Vec<u64>,
    pub duplicated: Vec<u64>,
    /// The shard folders of this run, in name order.
    pub shards: Vec<ShardRecords>,
    /// Problems with shard folders (another workflow text, unreadable), as sentences.
    pub problems: Vec<String>,
    /// Shard folders of other manifests, left out.
    pub other_runs: u64,
    /// One row per image, in index order.
    pub rows: Vec<Row>,
}

impl Merged {
    /// Every image ok, exactly once, and no problem.
    pub fn complete(&self) -> bool {
        self.failed.is_empty()
            && self.missing.is_empty()
            && self.duplicated.is_empty()
            && self.problems.is_empty()
    }

    /// The images a tail manifest should run: failed and missing, in order.
    pub fn left(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.failed.iter().chain(&self.missing).copied().collect();
        v.sort_unstable();
        v
    }
}

/// How often and how long reading a record file is retried: a shared filesystem's attribute
/// cache can show a file another node just wrote as missing or short for a moment.
const READ_TRIES: u32 = 4;
const READ_PAUSE: Duration = Duration::from_millis(250);

/// Reads `shard.json` in `dir`, retrying briefly.
fn read_info(dir: &Path) -> Result<ShardInfo, String> {
    let path = dir.join("shard.json");
    let mut last = String::new();
    for attempt in 0..READ_TRIES {
        if attempt > 0 {
            std::thread::sleep(READ_PAUSE);
        }
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<ShardInfo>(&bytes) {
                Ok(info) => return Ok(info),
                Err(e) => last = format!("`{}` is not a shard record: {e}", path.display()),
            },
            Err(e) => last = format!("cannot read `{}`: {e}", path.display()),
        }
    }
    Err(last)
}

/// The shard folders under `root`, in name order: `(name, path)`.
fn shard_dirs(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let list = |dir: &Path| -> Vec<(String, PathBuf)> {
        let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        v.sort_by_key(|a| shard_order(&a.0));
        v
    };
    for (name, path) in list(root) {
        if Shard::from_name(&name).is_some() {
            out.push((name, path));
        } else if name.starts_with("tail-") {
            for (sub, p) in list(&path) {
                if Shard::from_name(&sub).is_some() {
                    out.push((format!("{name}/{sub}"), p));
                }
            }
        }
    }
    out
}

/// Sorts `K-of-N` by `(N, K)` (so `10-of-12` follows `9-of-12`), other names after, by name.
fn shard_order(name: &str) -> (u8, u64, u64, String) {
    match Shard::from_name(name) {
        Some(s) => (0, s.n, s.k, String::new()),
        None => (1, 0, 0, name.to_string()),
    }
}

/// Reads every shard folder of `plan` (compiled with `manifest` applied) and decides each image.
pub fn collect(plan: &Plan, manifest: &Manifest) -> Merged {
    let images = manifest.header.images;
    // Input label → index, as the shards record them.
    let labels: HashMap<String, u64> = (0..images as usize)
        .map(|p| (plan.job(p).input_label(), p as u64))
        .collect();
    let pinned: HashMap<u64, &str> = manifest
        .lines
        .iter()
        .filter_map(|l| Some((l.i, l.blake3.as_deref()?)))
        .collect();
    let mut m = Merged {
        images,
        ..Merged::default()
    };
    // Per image: (shard number in `m.shards`, record).
    let mut found: Vec<Vec<(usize, Entry)>> = vec![Vec::new(); images as usize];
    for (name, dir) in shard_dirs(&shards_root(plan)) {
        let info = match read_info(&dir) {
            Ok(i) => i,
            Err(e) => {
                m.problems.push(format!("shard `{name}`: {e}"));
                continue;
            }
        };
        if info.run != manifest.header.id {
            m.other_runs += 1;
            continue;
        }
        if info.workflow_blake3 != plan.workflow_hash {
            m.problems.push(format!(
                "shard `{name}` ran another version of the workflow (hash {}, the manifest's is {}): its records are left out",
                &info.workflow_blake3[..info.workflow_blake3.len().min(12)],
                &plan.workflow_hash[..12.min(plan.workflow_hash.len())]
            ));
            continue;
        }
        let k = m.shards.len();
        let mut rec = ShardRecords {
            name: name.clone(),
            info,
            ok: 0,
            failed: 0,
        };
        let read = each_entry(&dir.join("state.jsonl"), |e| {
            let Some(&i) = labels.get(&e.input) else {
                return;
            };
            if e.plan != plan.fingerprint {
                return;
            }
            // An image made from another version of the file is not this run's (a failed
            // record may have no hash: the file could not be read, or differed).
            if let Some(h) = pinned.get(&i) {
                if e.status == Status::Ok && e.input_hash.as_deref() != Some(*h) {
                    return;
                }
            }
            match e.status {
                Status::Ok => rec.ok += 1,
                Status::Failed => rec.failed += 1,
            }
            found[i as usize].push((k, e));
        });
        if let Err(e) = read {
            m.problems
                .push(format!("shard `{name}`: cannot read its records: {e}"));
        }
        m.shards.push(rec);
    }
    let counts = (plan.metric_columns.len(), plan.writers.len());
    for (i, recs) in found.into_iter().enumerate() {
        let i = i as u64;
        let oks: Vec<&Entry> = recs
            .iter()
            .filter(|(_, e)| e.status == Status::Ok)
            .map(|(_, e)| e)
            .collect();
        let row = if let Some(first) = oks.first() {
            if oks.len() > 1 {
                m.duplicated.push(i);
            }
            m.ok += 1;
            first.row(i)
        } else if let Some((_, e)) = recs.first() {
            m.failed.push(i);
            e.row(i)
        } else {
            m.missing.push(i);
            let label = plan.job(i as usize).input_label();
            Row::empty(i, label, RowStatus::NotRun, None, counts)
        };
        m.rows.push(row);
    }
    m
}

/// Writes the workflow's results table from the merged rows (when the workflow has one).
pub fn write_table(plan: &Plan, merged: &Merged) -> std::io::Result<Option<PathBuf>> {
    let Some(r) = &plan.results else {
        return Ok(None);
    };
    if let Some(dir) = r.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let Some(mut sink) = ResultsSink::create(plan)? else {
        return Ok(None);
    };
    for row in &merged.rows {
        sink.write_row(row)?;
    }
    sink.finish()?;
    Ok(Some(r.path.clone()))
}

/// Indexes as short ranges: `3, 5..8, 12`.
pub fn ranges_text(indexes: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < indexes.len() {
        let start = indexes[k];
        let mut end = start;
        while k + 1 < indexes.len() && indexes[k + 1] == end + 1 {
            k += 1;
            end += 1;
        }
        parts.push(if end == start {
            start.to_string()
        } else if end == start + 1 {
            format!("{start}, {end}")
        } else {
            format!("{start}..={end}")
        });
        k += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_short() {
        assert_eq!(ranges_text(&[]), "");
        assert_eq!(ranges_text(&[3]), "3");
        assert_eq!(ranges_text(&[3, 4, 7, 8, 9, 10, 12]), "3, 4, 7..=10, 12");
    }

    #[test]
    fn shards_sort_by_count_then_number() {
        let mut v = vec!["10-of-12", "9-of-12", "0-of-2", "tail-x"];
        v.sort_by_key(|n| shard_order(n));
        assert_eq!(v, ["0-of-2", "9-of-12", "10-of-12", "tail-x"]);
    }
}
