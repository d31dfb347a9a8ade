//! Shards: task `K` of `N` runs one contiguous block of a manifest's images, as an ordinary run
//! whose records — results rows, resume state, lock and `shard.json` — live in its own folder,
//! `<state>/shards/<workflow>-<id>/K-of-N/` (a tail manifest's shards under `tail-<t>/`), so that
//! no file is written by two tasks and no database sits on the shared filesystem.
//!
//! **Blocks, not round-robin.** Shard `K` of `N` takes positions `⌊len·K/N⌋ .. ⌊len·(K+1)/N⌋` of
//! the manifest's images: the sizes differ by at most one; a shard reads neighbouring files (one
//! folder, one prefetch stream); its records and a tail are ranges anyone can read. Round-robin
//! would balance a list whose image sizes trend from one end to the other, but the cure for that
//! — and for slow nodes — is over-partitioning (5–10 shards per running slot): the scheduler
//! hands the next shard to whichever slot is free.

use super::manifest::Manifest;
use crate::exec::Selection;
use crate::plan::Plan;
use crate::state::StatePaths;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Shard `k` of `n` (`k < n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

/// The variables `--shard auto` reads, in the order it tries them.
pub const AUTO_VARIABLES: &str = "SLURM_ARRAY_TASK_ID (with SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT), JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs, with --shard-count or FLOWRUN_SHARD_COUNT), AWS_BATCH_JOB_ARRAY_INDEX (with AWS_BATCH_JOB_ARRAY_SIZE)";

impl Shard {
    /// `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let Some((k, n)) = text.split_once('/') else {
            return Err(format!(
                "`{text}` is not a shard: write `K/N` (task K of N, counting from 0) or `auto`"
            ));
        };
        let num = |s: &str, what: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("`{text}`: {what} `{s}` is not a whole number"))
        };
        Shard::new(num(k, "K")?, num(n, "N")?).map_err(|e| format!("`{text}`: {e}"))
    }

    /// Shard `k` of `n`, checked.
    pub fn new(k: u64, n: u64) -> Result<Shard, String> {
        if n == 0 {
            return Err("the shard count N must be at least 1".into());
        }
        if k >= n {
            return Err(format!(
                "shard {k} is out of range: shards of {n} are numbered 0 to {}",
                n - 1
            ));
        }
        Ok(Shard { k, n })
    }

    /// The shard a scheduler's array task is, from its environment (`get` reads a variable);
    /// `count` is `--shard-count`, for Kubernetes.
    pub fn from_env(
        get: impl Fn(&str) -> Option<String>,
        count: Option<u64>,
    ) -> Result<Shard, String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) if v.trim().is_empty() => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| format!("{name}=`{v}` is not a whole number")),
            }
        };
        let need = |name: &str, of: &str| -> Result<u64, String> {
            num(name)?.ok_or_else(|| format!("{of} is set but {name} is not"))
        };
        let fail = |e: String| format!("--shard auto: {e}");
        if let Some(id) = num("SLURM_ARRAY_TASK_ID").map_err(fail)? {
            let min = num("SLURM_ARRAY_TASK_MIN").map_err(fail)?.unwrap_or(0);
            let n = need("SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_ID").map_err(fail)?;
            let k = id.checked_sub(min).ok_or_else(|| {
                fail(format!(
                    "SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}"
                ))
            })?;
            return Shard::new(k, n).map_err(fail);
        }
        if let Some(k) = num("JOB_COMPLETION_INDEX").map_err(fail)? {
            let n = match count {
                Some(n) => n,
                None => need("FLOWRUN_SHARD_COUNT", "JOB_COMPLETION_INDEX").map_err(|e| {
                    fail(format!(
                        "{e}; pass the Job's completions as --shard-count N or FLOWRUN_SHARD_COUNT"
                    ))
                })?,
            };
            return Shard::new(k, n).map_err(fail);
        }
        if let Some(k) = num("AWS_BATCH_JOB_ARRAY_INDEX").map_err(fail)? {
            let n = need("AWS_BATCH_JOB_ARRAY_SIZE", "AWS_BATCH_JOB_ARRAY_INDEX").map_err(fail)?;
            return Shard::new(k, n).map_err(fail);
        }
        Err(fail(format!(
            "none of the array-task variables is set: {AUTO_VARIABLES}; outside a scheduler, give the shard as `--shard K/N`"
        )))
    }

    /// The folder name, `K-of-N`.
    pub fn name(self) -> String {
        format!("{}-of-{}", self.k, self.n)
    }

    /// Reads `K-of-N`.
    pub fn from_name(name: &str) -> Option<Shard> {
        let (k, n) = name.split_once("-of-")?;
        Shard::new(k.parse().ok()?, n.parse().ok()?).ok()
    }

    /// This shard's block of `len` positions.
    pub fn block(self, len: usize) -> Range<usize> {
        let at = |k: u64| (len as u128 * u128::from(k) / u128::from(self.n)) as usize;
        at(self.k)..at(self.k + 1)
    }
}

/// Where a workflow's shard folders are: `<state dir>/shards/<workflow>-<id>/`.
pub fn shards_root(plan: &Plan) -> PathBuf {
    let name = plan
        .state
        .log
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name
        .strip_suffix(".state.jsonl")
        .unwrap_or(&name)
        .to_string();
    plan.state.dir.join("shards").join(name)
}

/// `shard`'s folder for `manifest`.
pub fn shard_dir(plan: &Plan, manifest: &Manifest, shard: Shard) -> PathBuf {
    let mut dir = shards_root(plan);
    if let Some(t) = &manifest.header.tail {
        dir.push(format!("tail-{t}"));
    }
    dir.join(shard.name())
}

/// What a shard folder says about the shard that wrote it (`shard.json`): written when it
/// starts and again when it ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub flowrun_shard: u32,
    /// The manifest's run id.
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<String>,
    pub k: u64,
    pub n: u64,
    pub workflow_blake3: String,
    pub plan_fingerprint: String,
    /// Its images, as index ranges `[start, end)`.
    pub indexes: Vec<(u64, u64)>,
    /// `running`, `done`, `failed` (some image failed), `retry` (a fault of the machine),
    /// `interrupted`.
    pub state: String,
}

impl ShardInfo {
    pub fn images(&self) -> u64 {
        self.indexes.iter().map(|(a, b)| b - a).sum()
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        crate::sinks::atomic::write_atomic(&dir.join("shard.json"), text.as_bytes())
    }
}

/// Makes `plan` run `shard` of `manifest` (already applied to it): its records go to the shard's
/// folder; returns the positions to run and the shard's description.
pub fn prepare(plan: &mut Plan, manifest: &Manifest, shard: Shard) -> (Selection, ShardInfo) {
    let dir = shard_dir(plan, manifest, shard);
    let all = manifest.indexes();
    let mine = &all[shard.block(all.len())];
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &i in mine {
        match ranges.last_mut() {
            Some((_, end)) if *end == i => *end += 1,
            _ => ranges.push((i, i + 1)),
        }
    }
    plan.state = StatePaths {
        log: dir.join("state.jsonl"),
        lock: dir.join("lock"),
        dir: dir.clone(),
    };
    if let Some(r) = &mut plan.results {
        let ext = r
            .path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| "csv".into());
        r.path = dir.join(format!("results.{ext}"));
    }
    if !plan.output_dirs.contains(&dir) {
        plan.output_dirs.push(dir);
    }
    let selection = Selection::from_ranges(ranges.iter().map(|&(a, b)| a as usize..b as usize));
    let info = ShardInfo {
        flowrun_shard: 1,
        run: manifest.header.id.clone(),
        tail: manifest.header.tail.clone(),
        k: shard.k,
        n: shard.n,
        workflow_blake3: plan.workflow_hash.clone(),
        plan_fingerprint: plan.fingerprint.clone(),
        indexes: ranges,
        state: "running".into(),
    };
    (selection, info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn parse_checks_range() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { k: 2, n: 4 });
        assert_eq!(
            Shard::parse("0/0").unwrap_err(),
            "`0/0`: the shard count N must be at least 1"
        );
        assert_eq!(
            Shard::parse("4/4").unwrap_err(),
            "`4/4`: shard 4 is out of range: shards of 4 are numbered 0 to 3"
        );
        assert_eq!(
            Shard::parse("x/4").unwrap_err(),
            "`x/4`: K `x` is not a whole number"
        );
        assert!(Shard::parse("3").unwrap_err().contains("write `K/N`"));
        assert_eq!(Shard::from_name("3-of-8"), Some(Shard { k: 3, n: 8 }));
        assert_eq!(Shard::from_name("8-of-8"), None);
    }

    #[test]
    fn blocks_cover_every_position_once() {
        for len in [0usize, 1, 5, 8, 13, 100] {
            for n in 1..=12u64 {
                let mut seen = Vec::new();
                for k in 0..n {
                    let b = Shard { k, n }.block(len);
                    assert!(b.len() <= len / n as usize + 1);
                    seen.extend(b);
                }
                assert_eq!(seen, (0..len).collect::<Vec<_>>(), "len {len} n {n}");
            }
        }
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn auto_reads_each_scheduler() {
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "12"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(Shard::from_env(slurm, None).unwrap(), Shard { k: 2, n: 4 });
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert_eq!(
            Shard::from_env(&k8s, Some(3)).unwrap(),
            Shard { k: 1, n: 3 }
        );
        assert!(Shard::from_env(&k8s, None)
            .unwrap_err()
            .contains("FLOWRUN_SHARD_COUNT"));
        let k8s_env = env(&[("JOB_COMPLETION_INDEX", "1"), ("FLOWRUN_SHARD_COUNT", "2")]);
        assert_eq!(
            Shard::from_env(k8s_env, None).unwrap(),
            Shard { k: 1, n: 2 }
        );
        let aws = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ]);
        assert_eq!(Shard::from_env(aws, None).unwrap(), Shard { k: 0, n: 2 });
        let none = Shard::from_env(env(&[]), None).unwrap_err();
        assert!(none.starts_with(
            "--shard auto: none of the array-task variables is set: SLURM_ARRAY_TASK_ID"
        ));
        assert!(none.contains("AWS_BATCH_JOB_ARRAY_INDEX"));
        let bad = env(&[("SLURM_ARRAY_TASK_ID", "x")]);
        assert_eq!(
            Shard::from_env(bad, None).unwrap_err(),
            "--shard auto: SLURM_ARRAY_TASK_ID=`x` is not a whole number"
        );
        let over = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(Shard::from_env(over, None)
            .unwrap_err()
            .contains("out of range"));
    }
}
