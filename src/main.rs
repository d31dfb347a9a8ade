//! The `flowrun` binary: parse the command line, load and compile the workflow, run it, report.

mod cli;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command, LogFormat, Progress};
use flowrun::config::{load_file, schema_json};
use flowrun::exec::{dry_run, run, Decision, RunOptions, Selection, Summary};
use flowrun::plan::{compile, graph, Plan};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.global);
    let code = match cli.command {
        Some(Command::Run(args)) => cmd_run(&args, &cli.global),
        None => match cli.run.file {
            Some(_) => cmd_run(&cli.run, &cli.global),
            None => {
                let _ = Cli::command().print_help();
                2
            }
        },
        Some(Command::Check(args)) => cmd_check(&args.file, &args.set, &cli.global),
        Some(Command::Plan(args)) => cmd_plan(&args),
        Some(Command::Schema) => {
            print!("{}", schema_json());
            0
        }
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "flowrun",
                &mut std::io::stdout(),
            );
            0
        }
    };
    ExitCode::from(code as u8)
}

fn init_logging(g: &cli::GlobalArgs) {
    use tracing_subscriber::EnvFilter;
    let level = match (g.quiet, g.verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("FLOWRUN_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("flowrun={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match g.log_format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Loads and compiles, printing every problem (exit 2) on failure.
fn build(file: &Path, set: &[String]) -> Result<Plan, u8> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded = load_file(file, set).map_err(|r| {
        eprint!("{}", r.render());
        2u8
    })?;
    compile(&loaded, &cwd).map_err(|r| {
        eprint!("{}", r.render());
        2u8
    })
}

/// `--only`, parsed against the plan's image count; a bad value is a usage error (exit 2).
fn only(text: Option<&str>, plan: &Plan) -> Result<Option<Selection>, i32> {
    text.map(|o| cli::parse_only(o, plan.job_count()))
        .transpose()
        .map_err(|e| {
            eprintln!("error: --only {e}");
            2
        })
}

fn cmd_check(file: &Path, set: &[String], g: &cli::GlobalArgs) -> i32 {
    match build(file, set) {
        Ok(plan) => {
            if !g.quiet {
                println!(
                    "{}: ok — workflow `{}`: {} images, {} steps, {} metrics, {} outputs per image",
                    file.display(),
                    plan.name,
                    plan.job_count(),
                    plan.steps.len(),
                    plan.metrics.len(),
                    plan.writers.len()
                );
            }
            0
        }
        Err(c) => c.into(),
    }
}

fn cmd_plan(args: &cli::PlanArgs) -> i32 {
    let plan = match build(&args.file, &args.set) {
        Ok(p) => p,
        Err(c) => return c.into(),
    };
    let selection = match only(args.only.as_deref(), &plan) {
        Ok(p) => p.unwrap_or_else(|| Selection::all(plan.job_count().min(3))),
        Err(c) => return c,
    };
    let positions: Vec<usize> = selection.iter().collect();
    print!("{}", graph::render(&plan, &positions, args.format));
    0
}

fn cmd_run(args: &cli::RunArgs, g: &cli::GlobalArgs) -> i32 {
    let Some(file) = &args.file else {
        eprintln!("error: no workflow file given");
        return 2;
    };
    let plan = match build(file, &args.set) {
        Ok(p) => p,
        Err(c) => return c.into(),
    };
    let only = match only(args.only.as_deref(), &plan) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let progress = match args.progress {
        Progress::Always => true,
        Progress::Never => false,
        Progress::Auto => !g.quiet && std::io::stderr().is_terminal(),
    };
    let mut opts = RunOptions {
        jobs: args.jobs.map_or(0, usize::from),
        only,
        progress,
        force: args.force,
        stop: None,
    };
    if args.dry_run {
        let (mut runs, mut skips) = (0, 0);
        dry_run(&plan, &opts, |index, input, d| match d {
            Decision::Skip => {
                skips += 1;
                println!("skip  {index:>6}  {input}  (up to date)");
            }
            Decision::Run(why) => {
                runs += 1;
                println!("run   {index:>6}  {input}  ({why})");
            }
        });
        println!("dry run: {runs} would run, {skips} up to date");
        return 0;
    }
    opts.stop = Some(stop_on_signals());
    match run(&plan, &opts) {
        Ok(summary) => {
            report(&plan, &summary, g.quiet);
            summary.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// SIGINT/SIGTERM raise the returned flag (the run stops taking images, finishes the ones in
/// flight, flushes and exits 130); a second SIGINT exits at once with 130.
fn stop_on_signals() -> Arc<AtomicBool> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        let _ = flag::register_conditional_shutdown(sig, 130, Arc::clone(&stop));
        let _ = flag::register(sig, Arc::clone(&stop));
    }
    stop
}

fn report(plan: &Plan, s: &Summary, quiet: bool) {
    const SHOWN: usize = 20;
    for (index, input, error) in s.failures.iter().take(SHOWN) {
        eprintln!("failed: image {index} ({input}): {error}");
    }
    if s.failed > SHOWN as u64 {
        eprintln!(
            "… and {} more failed images (see the results table)",
            s.failed - SHOWN as u64
        );
    }
    for e in s.expectations.iter().take(SHOWN) {
        eprintln!("expectation failed: {e}");
    }
    if s.expectations_failed > SHOWN as u64 {
        eprintln!(
            "… and {} more failed expectations",
            s.expectations_failed - SHOWN as u64
        );
    }
    if s.interrupted {
        eprintln!(
            "interrupted: {} images done; rerun to finish (finished images are skipped)",
            s.ok + s.failed
        );
    }
    if !quiet {
        let n = s.ok + s.failed;
        let secs = s.elapsed.as_secs_f64();
        let results = plan
            .results
            .as_ref()
            .map(|r| format!("; results in {}", r.path.display()))
            .unwrap_or_default();
        let skipped = if s.skipped > 0 {
            format!(" ({} up to date, skipped)", s.skipped)
        } else {
            String::new()
        };
        println!(
            "{}: {n} images, {} ok{skipped}, {} failed in {secs:.3} s ({:.1} images/s){results}",
            plan.name,
            s.ok,
            s.failed,
            n as f64 / secs.max(1e-9)
        );
    }
}
