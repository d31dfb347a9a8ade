//! The command line (clap derive). `flowrun FILE` is `flowrun run FILE`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowrun::exec::Selection;
use flowrun::plan::graph::GraphFormat;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "flowrun",
    version,
    about = "Run one image pipeline, written as a TOML or YAML workflow, over many images on every core.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Exit codes: 0 all images ok, 1 some image or expectation failed, 2 invalid workflow or usage, 130 interrupted."
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
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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
    /// Only these images: `5`, `0..3` (0, 1, 2), `2..=4`, `1,4,9`, or a mix.
    #[arg(long, value_name = "INDEXES")]
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
}

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// The workflow file (.toml, .yaml or .yml).
    pub file: PathBuf,
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Output syntax: text, dot (Graphviz) or mermaid.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
    /// Only these images (as for `run`; default: the first 3).
    #[arg(long, value_name = "INDEXES")]
    pub only: Option<String>,
}

/// Parses `--only`: `5`, `0..3`, `2..=4`, `1,4,9`, mixes; indexes must be below `count`.
pub fn parse_only(text: &str, count: usize) -> Result<Selection, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let num = |s: &str| -> Result<usize, String> {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{s}` is not an image index"))
        };
        let (lo, hi) = if let Some((a, b)) = part.split_once("..=") {
            (num(a)?, num(b)?.checked_add(1).ok_or("index too large")?)
        } else if let Some((a, b)) = part.split_once("..") {
            (num(a)?, num(b)?)
        } else {
            let i = num(part)?;
            (i, i + 1)
        };
        if lo >= hi {
            return Err(format!("`{part}` selects no images"));
        }
        if hi > count {
            return Err(format!(
                "`{part}` is out of range: the workflow has {count} images (0..{count})"
            ));
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
            "`x` is not an image index"
        );
    }
}
