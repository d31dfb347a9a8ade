//! The command line (clap derive). `flowrun FILE` is `flowrun run FILE`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowrun::exec::Selection;
use flowrun::plan::graph::GraphFormat;
use std::path::PathBuf;

/// The exit codes, as `--help` and the man page state them.
pub const EXIT_CODES: &str = "Exit codes: 0 all images and expectations ok; 1 some image or expectation failed, or an output (standard output included) could not be written; 2 invalid workflow or usage, or another run holds the workflow's lock (nothing is computed or written); 130 interrupted (SIGINT, SIGTERM, SIGHUP).";

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
