//! Slurm: the sbatch scripts of a sharded run — one job array (several when the array is larger
//! than the cluster's `MaxArraySize`) whose every task is `flowrun run --manifest M --shard …`,
//! and a merge job that runs after them — plus `submit.sh`, which submits them in order. Task
//! logs go to `<dir>/logs/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Slurm's default `MaxArraySize`, used when `scontrol show config` cannot be read.
pub const DEFAULT_MAX_ARRAY_SIZE: u64 = 1001;

/// What the scripts run and how.
#[derive(Clone, Debug, Default)]
pub struct SlurmSpec {
    /// The workflow's name (job names).
    pub name: String,
    /// The flowrun binary, the folder the jobs run in, the workflow file and the manifest.
    pub flowrun: PathBuf,
    pub workdir: PathBuf,
    pub workflow: PathBuf,
    pub manifest: PathBuf,
    /// The folder of the scripts; logs go to `<dir>/logs/`.
    pub dir: PathBuf,
    pub tasks: u64,
    pub cpus_per_task: u32,
    pub time: Option<String>,
    pub partition: Option<String>,
    pub mem: Option<String>,
    /// At most this many tasks of an array run at once (`%K`).
    pub throttle: Option<u64>,
    /// Extra `#SBATCH` lines, as given.
    pub extra: Vec<String>,
    /// The cluster's `MaxArraySize`.
    pub max_array_size: u64,
}

/// One script to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    pub path: PathBuf,
    pub text: String,
}

/// `MaxArraySize` from the text of `scontrol show config`.
pub fn max_array_size(config: &str) -> Option<u64> {
    config.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "MaxArraySize")
            .then(|| v.trim().parse().ok())
            .flatten()
    })
}

/// Quotes `s` for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn q(p: &Path) -> String {
    shell_quote(&p.to_string_lossy())
}

/// The arrays: `(first shard, tasks)` each, at most `max` tasks per array.
pub fn arrays(tasks: u64, max: u64) -> Vec<(u64, u64)> {
    let max = max.max(1);
    (0..tasks.div_ceil(max))
        .map(|a| (a * max, max.min(tasks - a * max)))
        .collect()
}

impl SlurmSpec {
    fn common(&self, out: &mut String, job: &str, log: &str) {
        let _ = writeln!(out, "#!/bin/bash");
        let _ = writeln!(out, "#SBATCH --job-name={}", shell_quote(job));
        let _ = writeln!(out, "#SBATCH --chdir={}", q(&self.workdir));
        let _ = writeln!(
            out,
            "#SBATCH --output={}",
            q(&self.dir.join("logs").join(log))
        );
        if let Some(p) = &self.partition {
            let _ = writeln!(out, "#SBATCH --partition={}", shell_quote(p));
        }
        if let Some(t) = &self.time {
            let _ = writeln!(out, "#SBATCH --time={}", shell_quote(t));
        }
        if let Some(m) = &self.mem {
            let _ = writeln!(out, "#SBATCH --mem={}", shell_quote(m));
        }
    }

    /// Every script: `array-<a>.sbatch`, `merge.sbatch` and `submit.sh`.
    pub fn scripts(&self) -> Vec<Script> {
        let mut out = Vec::new();
        let arrays = arrays(self.tasks, self.max_array_size);
        let split = arrays.len() > 1;
        for (a, &(first, count)) in arrays.iter().enumerate() {
            let mut s = String::new();
            self.common(&mut s, &format!("flowrun-{}", self.name), "task-%A_%a.out");
            let throttle = self.throttle.map(|k| format!("%{k}")).unwrap_or_default();
            let _ = writeln!(s, "#SBATCH --array=0-{}{throttle}", count - 1);
            let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus_per_task);
            let _ = writeln!(s, "#SBATCH --requeue");
            for e in &self.extra {
                let _ = writeln!(s, "{e}");
            }
            let shard = if split {
                format!("\"$(( {first} + SLURM_ARRAY_TASK_ID ))/{}\"", self.tasks)
            } else {
                "auto".to_string()
            };
            let _ = write!(
                s,
                "\n# Shard {first}..{} of {} of the manifest. Exit codes: 0 done, 1 some image failed (see the\n\
                 # records), 2 workflow or manifest problem (do not retry), 75 a fault of the machine: requeued.\n\
                 {} run {} --manifest {} --shard {shard} -j \"${{SLURM_CPUS_PER_TASK:-1}}\" --progress never\n\
                 rc=$?\n\
                 if [ \"$rc\" -eq 75 ] && [ \"${{SLURM_RESTART_COUNT:-0}}\" -lt 3 ]; then\n\
                 \x20   scontrol requeue \"${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}\"\n\
                 fi\n\
                 exit \"$rc\"\n",
                first + count - 1,
                self.tasks,
                q(&self.flowrun),
                q(&self.workflow),
                q(&self.manifest),
            );
            out.push(Script {
                path: self.dir.join(format!("array-{a}.sbatch")),
                text: s,
            });
        }
        let mut m = String::new();
        self.common(
            &mut m,
            &format!("flowrun-{}-merge", self.name),
            "merge-%j.out",
        );
        let _ = writeln!(m, "#SBATCH --cpus-per-task=1");
        let _ = writeln!(m, "#SBATCH --kill-on-invalid-dep=yes");
        let _ = write!(
            m,
            "\n# Submitted with --dependency=afterok:<the arrays> (see submit.sh).\n\
             exec {} merge {} --manifest {}\n",
            q(&self.flowrun),
            q(&self.workflow),
            q(&self.manifest),
        );
        out.push(Script {
            path: self.dir.join("merge.sbatch"),
            text: m,
        });
        let mut sub = String::from(
            "#!/bin/sh\n# Submits the arrays, then the merge once they all succeed; prints the job ids.\nset -eu\n",
        );
        let _ = writeln!(sub, "mkdir -p {}", q(&self.dir.join("logs")));
        let mut deps = Vec::new();
        for a in 0..arrays.len() {
            let _ = writeln!(
                sub,
                "a{a}=$(sbatch --parsable {} | cut -d';' -f1)\necho \"array {a}: $a{a}\"",
                q(&self.dir.join(format!("array-{a}.sbatch")))
            );
            deps.push(format!("$a{a}"));
        }
        let _ = writeln!(
            sub,
            "m=$(sbatch --parsable --dependency=afterok:{} {} | cut -d';' -f1)\necho \"merge: $m\"",
            deps.join(":"),
            q(&self.dir.join("merge.sbatch"))
        );
        out.push(Script {
            path: self.dir.join("submit.sh"),
            text: sub,
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(tasks: u64, max: u64) -> SlurmSpec {
        SlurmSpec {
            name: "blur".into(),
            flowrun: "/opt/flowrun".into(),
            workdir: "/data".into(),
            workflow: "workflows/blur.toml".into(),
            manifest: "run dir/run.manifest".into(),
            dir: "/data/slurm".into(),
            tasks,
            cpus_per_task: 4,
            throttle: Some(8),
            extra: vec!["#SBATCH --account=lab".into()],
            max_array_size: max,
            ..SlurmSpec::default()
        }
    }

    #[test]
    fn one_array_uses_shard_auto() {
        let s = spec(40, 1001).scripts();
        assert_eq!(s.len(), 3);
        let a = &s[0].text;
        assert!(a.contains("#SBATCH --array=0-39%8\n"), "{a}");
        assert!(a.contains("#SBATCH --requeue\n#SBATCH --account=lab\n"));
        assert!(a.contains("/opt/flowrun run workflows/blur.toml --manifest 'run dir/run.manifest' --shard auto -j \"${SLURM_CPUS_PER_TASK:-1}\""));
        assert!(a.contains("#SBATCH --output=/data/slurm/logs/task-%A_%a.out"));
        assert!(s[1]
            .text
            .contains("exec /opt/flowrun merge workflows/blur.toml"));
        assert!(s[2]
            .text
            .contains("--dependency=afterok:$a0 /data/slurm/merge.sbatch"));
    }

    #[test]
    fn large_arrays_are_split() {
        assert_eq!(arrays(2500, 1000), [(0, 1000), (1000, 1000), (2000, 500)]);
        assert_eq!(arrays(3, 1000), [(0, 3)]);
        let s = spec(2500, 1000).scripts();
        assert_eq!(s.len(), 5);
        assert!(s[2].text.contains("#SBATCH --array=0-499%8\n"));
        assert!(s[2]
            .text
            .contains("--shard \"$(( 2000 + SLURM_ARRAY_TASK_ID ))/2500\""));
        assert!(s[4].text.contains("afterok:$a0:$a1:$a2 "));
    }

    #[test]
    fn reads_max_array_size() {
        let config = "Configuration data as of 2026-12-06T11:00:00\nMaxArraySize            = 1001\nMaxJobCount = 10000\n";
        assert_eq!(max_array_size(config), Some(1001));
        assert_eq!(max_array_size("nothing"), None);
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
