//! The command line (clap derive). `flowrun FILE` is `flowrun run FILE`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowrun::exec::Selection;
use flowrun::plan::graph::GraphFormat;
use std::path::PathBuf;

/// The exit codes, as `--help` and the man page state them.
pub const EXIT_CODES: &str = "Exit codes: 0 all images and expectations ok; 1 some image or expectation failed, or an output (standard output included) could not be written; 2 invalid workflow, manifest or usage, or another run holds the workflow's lock (nothing is computed or written; do not retry); 75 a shard hit a fault of the machine (disk full, output folder unwritable, its records locked by a live process): worth a retry; 130 interrupted (SIGINT, SIGTERM, SIGHUP).";

#[derive(Parser, Debug)]
#[command(
    name = "flowrun",
    version,
    about = "Run one image pipeline, written as a TOML or YAML workflow, over many images on every core.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile the workflow and run it (the default).
    Run(RunArgs),
    /// Compile the workflow and report every problem; compute nothing.
    Check(CheckArgs),
    /// Watch the glob's folder and run the workflow on each image once it is complete, across
    /// restarts and edits of the workflow (rows are appended to the results table as images
    /// finish).
    Watch(WatchArgs),
    /// Print the per-image task graph.
    Plan(PlanArgs),
    /// Print the workflow JSON Schema.
    Schema,
    /// Rebuild the run report (HTML) from the results table, its sidecar and the outputs, without
    /// computing anything.
    Report(ReportArgs),
    /// Remove the outputs earlier runs recorded that the workflow no longer produces.
    Clean(CleanArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `flowrun man > flowrun.1`.
    Man,
    /// Freeze the run's image list (sorted, with sizes and content hashes) and the workflow
    /// into a manifest, for the shards of a job array.
    Manifest(ManifestArgs),
    /// Build the results table from the shards' records and check every image is there once.
    Merge(MergeArgs),
    /// Show each shard's progress from its records.
    Status(StatusArgs),
    /// Write (and optionally submit) the Slurm job array and merge job of a sharded run.
    Slurm(SlurmArgs),
    /// Write the Kubernetes Indexed Job and merge Job of a sharded run.
    K8s(K8sArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ManifestArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Where to write the manifest.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Override a value, as for `run` (the manifest records the overrides; shards apply them).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// The run's manifest (the full one, not a tail).
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Also write a manifest of the images left (failed or missing), to run as a tail.
    #[arg(long, value_name = "FILE")]
    pub retry_missing: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// The run's manifest.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Also write a manifest of the images left (failed or missing), to run as a tail.
    #[arg(long, value_name = "FILE")]
    pub retry_missing: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct SlurmArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Override a value, as for `run` (recorded in the manifest).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Array tasks (shards). Over-partition: 5–10 per slot that runs at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub tasks: u64,
    /// CPUs per task (each task runs with -j this).
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..65536))]
    pub cpus_per_task: u32,
    /// Time limit per task (`--time`).
    #[arg(long, value_name = "T")]
    pub time: Option<String>,
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Memory per task (`--mem`).
    #[arg(long, value_name = "M")]
    pub mem: Option<String>,
    /// At most K tasks of the array at once (`--array=…%K`).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    pub throttle: Option<u64>,
    /// An extra `#SBATCH …` line for every script. Repeatable.
    #[arg(long, value_name = "LINE")]
    pub extra: Vec<String>,
    /// Where the manifest, scripts and task logs go (default: `<state>/slurm/<workflow>-<id>/`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The cluster's MaxArraySize (default: read from `scontrol show config`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_array_size: Option<u64>,
    /// Submit with sbatch and print the job ids.
    #[arg(long)]
    pub submit: bool,
    /// With --submit: wait for the merge job, then exit as the merged records say (0 complete).
    #[arg(long, requires = "submit")]
    pub wait: bool,
}

#[derive(Args, Debug, Clone)]
pub struct K8sArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Override a value, as for `run` (recorded in the manifest).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Indexes (shards) of the Indexed Job.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub tasks: u64,
    /// The container image (with `flowrun` on its PATH).
    #[arg(long, value_name = "IMAGE")]
    pub image: String,
    /// Pods at once (default: all).
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u64).range(1..))]
    pub parallelism: Option<u64>,
    /// CPUs per pod (and -j).
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..65536))]
    pub cpus: u32,
    /// The PersistentVolumeClaim holding the working folder.
    #[arg(long, value_name = "NAME", default_value = "flowrun-data")]
    pub claim: String,
    /// Where the claim is mounted and the pods run.
    #[arg(long, value_name = "PATH", default_value = "/work")]
    pub workdir: String,
    /// Retries of an index after a fault of the machine (exit 75) or a lost pod.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u64,
    /// Where the manifest goes (a path inside the working folder).
    #[arg(long, value_name = "FILE", default_value = "run.manifest")]
    pub manifest: PathBuf,
    /// Write the Indexed Job to FILE and the merge Job to FILE.merge.yaml (default: both to
    /// standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output (-v: per-run info, -vv: per-image debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Progress {
    /// A bar when stderr is a terminal.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CheckArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Override a value: a dotted KEY (`source.count`, `steps.blur.sigma`) and a VALUE parsed as
    /// TOML, else taken as a string. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: Option<PathBuf>,
    /// Override a value: a dotted KEY (`source.count`, `steps.blur.sigma`) and a VALUE parsed as
    /// TOML, else taken as a string. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: every available core; 1 is a plain serial run).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Only these images: `5`, `0..3` (0, 1, 2), `2..=4`, `5..` (5 to the last), `..3`,
    /// `1,4,9`, or a mix.
    #[arg(long, value_name = "INDEXES", allow_hyphen_values = true)]
    pub only: Option<String>,
    /// Progress bar on stderr.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Recompute every image, even those a previous run left up to date.
    #[arg(long)]
    pub force: bool,
    /// Print which images would run and which would be skipped (and why); compute nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// When another run of the workflow holds its lock, wait for it instead of failing.
    #[arg(long)]
    pub wait_lock: bool,
    /// Run the images of a frozen manifest (`flowrun manifest`), not the folder as it is now.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// With --manifest: run shard K of N (`K/N`, from 0), or `auto` to read it from the
    /// scheduler's array-task variables (Slurm, Kubernetes, AWS Batch).
    #[arg(long, value_name = "K/N|auto", requires = "manifest")]
    pub shard: Option<String>,
    /// The shard count for `--shard auto` under Kubernetes (its Job's completions).
    #[arg(long, value_name = "N", requires = "shard")]
    pub shard_count: Option<u64>,
}

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// The workflow file (.toml, .yaml or .yml); its source must be a glob.
    pub file: PathBuf,
    /// Override a value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: every available core).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// How long a file's size and times must hold still before it is taken (a file closed after
    /// writing, or renamed into place, is taken at once).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    pub settle: std::time::Duration,
    /// How often the whole folder is listed again, in case an event was lost.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub rescan: std::time::Duration,
    /// Report a file that is still changing after this long (once).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub stuck_after: std::time::Duration,
    /// Poll the folder every INTERVAL (default 1s) instead of using file events: for NFS, SMB,
    /// 9p and FUSE folders, which deliver no events (flowrun polls those by itself).
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "1s", value_parser = duration)]
    pub poll: Option<std::time::Duration>,
    /// Also ignore files matching GLOB (a name like `*.raw`, or a path below the folder like
    /// `incoming/**`); temporary names (`.*`, `*.part`, `*.partial`, `*.filepart`, `*.tmp`,
    /// `*~`, `*.crdownload`) always are. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
    /// After an edit of the workflow, also redo the images already done whose results it changes.
    #[arg(long)]
    pub reprocess_on_change: bool,
    /// Stop after DURATION with nothing to do.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub idle_timeout: Option<std::time::Duration>,
    /// Stop after N images (computed, ok or failed).
    #[arg(long, value_name = "N")]
    pub max_images: Option<u64>,
    /// Live counter on stderr (a terminal), besides one line per image on stdout.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// When another run of the workflow holds its lock, wait for it instead of failing.
    #[arg(long)]
    pub wait_lock: bool,
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    flowrun::timefmt::parse_duration(text)
}

#[derive(Args, Debug, Clone, Default)]
pub struct ReportArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Override a value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Where to write the page (default: `output.report`, else `report.html` beside the results
    /// table).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CleanArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    /// Override a value, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Print what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Output syntax: text, dot (Graphviz) or mermaid.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Only these images (as for `run`; default: the first 3).
    #[arg(long, value_name = "INDEXES", allow_hyphen_values = true)]
    pub only: Option<String>,
}

/// `flowrun plan --format`.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanFormat {
    #[default]
    Text,
    Dot,
    Mermaid,
}

impl From<PlanFormat> for GraphFormat {
    fn from(f: PlanFormat) -> GraphFormat {
        match f {
            PlanFormat::Text => GraphFormat::Text,
            PlanFormat::Dot => GraphFormat::Dot,
            PlanFormat::Mermaid => GraphFormat::Mermaid,
        }
    }
}

/// Parses `--only`: `5`, `0..3`, `2..=4`, `5..`, `..3`, `1,4,9`, mixes; indexes must be below
/// `count`.
pub fn parse_only(text: &str, count: usize) -> Result<Selection, String> {
    let mut out = Vec::new();
    let range = |count: usize| {
        if count == 1 {
            "the workflow has 1 image (index 0)".to_string()
        } else {
            format!("the workflow has {count} images (0..{count})")
        }
    };
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err("an empty item; write indexes like `5`, `0..3` or `1,4,9`".into());
        }
        let num = |s: &str| -> Result<usize, String> {
            let s = s.trim();
            if s.starts_with('-') {
                return Err(format!("`{part}`: image indexes start at 0"));
            }
            s.parse::<usize>()
                .map_err(|_| format!("`{part}`: `{s}` is not an image index"))
        };
        let (lo, hi) = if let Some((a, b)) = part.split_once("..=") {
            let lo = if a.trim().is_empty() { 0 } else { num(a)? };
            let hi = num(b)?.checked_add(1).ok_or("index too large")?;
            (lo, hi)
        } else if let Some((a, b)) = part.split_once("..") {
            let lo = if a.trim().is_empty() { 0 } else { num(a)? };
            let hi = if b.trim().is_empty() {
                count.max(lo + 1)
            } else {
                num(b)?
            };
            (lo, hi)
        } else {
            let i = num(part)?;
            (i, i + 1)
        };
        if lo >= count {
            return Err(format!("`{part}` is out of range: {}", range(count)));
        }
        if lo >= hi {
            return Err(format!("`{part}` selects no images"));
        }
        if hi > count {
            return Err(format!("`{part}` is out of range: {}", range(count)));
        }
        out.push(lo..hi);
    }
    Ok(Selection::from_ranges(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forms() {
        let only = |text: &str| parse_only(text, 10).map(|s| s.iter().collect::<Vec<_>>());
        assert_eq!(only("5").unwrap(), [5]);
        assert_eq!(only("0..3").unwrap(), [0, 1, 2]);
        assert_eq!(only("2..=4,9,1,3").unwrap(), [1, 2, 3, 4, 9]);
        assert_eq!(
            parse_only("10", 10).unwrap_err(),
            "`10` is out of range: the workflow has 10 images (0..10)"
        );
        assert_eq!(
            parse_only("3..3", 10).unwrap_err(),
            "`3..3` selects no images"
        );
        assert_eq!(
            parse_only("x", 10).unwrap_err(),
            "`x`: `x` is not an image index"
        );
        assert_eq!(only("7..").unwrap(), [7, 8, 9]);
        assert_eq!(only("..2").unwrap(), [0, 1]);
        assert_eq!(only("..=1").unwrap(), [0, 1]);
        assert_eq!(
            parse_only("-1", 10).unwrap_err(),
            "`-1`: image indexes start at 0"
        );
        assert_eq!(
            parse_only("12..", 10).unwrap_err(),
            "`12..` is out of range: the workflow has 10 images (0..10)"
        );
        assert_eq!(
            parse_only("1", 1).unwrap_err(),
            "`1` is out of range: the workflow has 1 image (index 0)"
        );
        assert!(parse_only("1,,2", 10)
            .unwrap_err()
            .starts_with("an empty item"));
    }
}
