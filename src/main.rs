//! The `flowrun` binary: parse the command line, load and compile the workflow, run it, report.

mod cli;
mod cluster_cmd;
mod ui;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command, LogFormat, Progress as ProgressFlag};
use flowrun::config::{load_file, schema_json};
use flowrun::exec::{dry_run, run, Control, Decision, RunError, RunOptions, Selection};
use flowrun::plan::{compile, compile_with, graph, CompileOptions, Plan};
use flowrun::watch::{WatchOptions, WatchSpec};
use flowrun::Exit;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use ui::{OutError, Ui};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let ui = Ui::new(
        cli.global.log_format == LogFormat::Json,
        cli.global.quiet,
        cli.global.verbose > 0,
    );
    init_logging(&cli.global, &ui);
    let result = match &cli.command {
        Some(Command::Run(args)) => cmd_run(args, &cli.global, &ui),
        None => match cli.run.file {
            Some(_) => cmd_run(&cli.run, &cli.global, &ui),
            None => {
                let _ = Cli::command().print_help();
                Ok(Exit::Usage)
            }
        },
        Some(Command::Check(args)) => cmd_check(&args.file, &args.set, &ui),
        Some(Command::Watch(args)) => cmd_watch(args, &ui),
        Some(Command::Plan(args)) => cmd_plan(args, &ui),
        Some(Command::Clean(args)) => cmd_clean(args, &ui),
        Some(Command::Report(args)) => cmd_report(args, &ui),
        Some(Command::Schema) => ui.out(&schema_json()).map(|()| Exit::Ok),
        Some(Command::Manifest(args)) => cluster_cmd::cmd_manifest(args, &ui),
        Some(Command::Merge(args)) => cluster_cmd::cmd_merge(args, &ui),
        Some(Command::Status(args)) => cluster_cmd::cmd_status(args, &ui),
        Some(Command::Slurm(args)) => cluster_cmd::cmd_slurm(args, &ui),
        Some(Command::K8s(args)) => cluster_cmd::cmd_k8s(args, &ui),
        Some(Command::Completions { shell }) => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "flowrun", &mut buf);
            ui.out(&String::from_utf8_lossy(&buf)).map(|()| Exit::Ok)
        }
        Some(Command::Man) => {
            let mut buf = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                Ok(()) => ui.out(&String::from_utf8_lossy(&buf)).map(|()| Exit::Ok),
                Err(e) => Err(OutError::Failed(e)),
            }
        }
    };
    match result {
        Ok(exit) => exit.into(),
        // The reader is gone (`flowrun … | head`): end quietly, as `ls | head` does.
        Err(OutError::Closed) => Exit::Ok.into(),
        Err(OutError::Failed(e)) => {
            ui.error(&format!("cannot write to standard output: {e}"));
            Exit::Failed.into()
        }
    }
}

fn init_logging(g: &cli::GlobalArgs, ui: &Ui) {
    use tracing_subscriber::EnvFilter;
    let level = match (g.quiet, g.verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let default = || EnvFilter::new(format!("flowrun={level}"));
    let filter = match std::env::var("FLOWRUN_LOG") {
        Ok(text) if !text.trim().is_empty() => match EnvFilter::try_new(&text) {
            Ok(f) => f,
            Err(e) => {
                ui.warning(&format!("ignoring FLOWRUN_LOG={text:?}: {e}"));
                default()
            }
        },
        _ => default(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ui.color);
    let _ = match g.log_format {
        LogFormat::Text => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Loads and compiles, printing every problem on failure (exit 2), and the warnings.
fn build(file: &Path, set: &[String], ui: &Ui) -> Result<Plan, Exit> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded = load_file(file, set).map_err(|r| {
        ui.diagnostics(&r);
        Exit::Usage
    })?;
    let plan = compile(&loaded, &cwd).map_err(|r| {
        ui.diagnostics(&r);
        Exit::Usage
    })?;
    for w in &plan.warnings {
        ui.warning(w);
    }
    Ok(plan)
}

/// Loads and compiles a workflow to watch (its folder may be empty so far).
fn build_watch(file: &Path, set: &[String]) -> Result<WatchSpec, flowrun::diag::Report> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded = load_file(file, set)?;
    let plan = compile_with(&loaded, &cwd, CompileOptions { allow_empty: true })?;
    let (pattern, exclude) = match &loaded.draft.source {
        Some(flowrun::config::Source::Glob(g)) => (g.pattern.clone(), g.exclude.clone()),
        _ => (String::new(), Vec::new()),
    };
    Ok(WatchSpec {
        plan,
        pattern,
        exclude,
    })
}

fn cmd_watch(args: &cli::WatchArgs, ui: &Ui) -> Result<Exit, OutError> {
    let spec = match build_watch(&args.file, &args.set) {
        Ok(s) => s,
        Err(r) => {
            ui.diagnostics(&r);
            return Ok(Exit::Usage);
        }
    };
    for w in &spec.plan.warnings {
        ui.warning(w);
    }
    let live = match args.progress {
        ProgressFlag::Always => true,
        ProgressFlag::Never => false,
        ProgressFlag::Auto => !ui.quiet && std::io::stderr().is_terminal(),
    };
    let control = Arc::new(Control::default());
    stop_on_signals(&control, *ui);
    let opts = WatchOptions {
        jobs: args.jobs.map_or(0, usize::from),
        settle: args.settle,
        rescan: args.rescan,
        stuck_after: args.stuck_after,
        idle_timeout: args.idle_timeout,
        max_images: args.max_images,
        poll: args.poll,
        ignore: args.ignore.clone(),
        reprocess_on_change: args.reprocess_on_change,
        wait_lock: args.wait_lock,
        control,
    };
    let observer = ui::WatchLines::new(*ui, live);
    let mut reload = || build_watch(&args.file, &args.set);
    match flowrun::watch::watch(spec, &mut reload, &args.file, &opts, &observer) {
        Ok(summary) => {
            observer.clear();
            ui.watch_summary(&summary)?;
            Ok(summary.exit())
        }
        Err(flowrun::watch::WatchError::Run(e)) => Ok(run_error(&e, ui)),
        Err(e) => {
            ui.error(&e.to_string());
            Ok(Exit::Usage)
        }
    }
}

/// `--only`, parsed against the plan's image count; a bad value is a usage error (exit 2).
fn only(text: Option<&str>, plan: &Plan, ui: &Ui) -> Result<Option<Selection>, Exit> {
    text.map(|o| cli::parse_only(o, plan.job_count()))
        .transpose()
        .map_err(|e| {
            ui.error(&format!("--only {e}"));
            Exit::Usage
        })
}

fn cmd_check(file: &Path, set: &[String], ui: &Ui) -> Result<Exit, OutError> {
    let plan = match build(file, set, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    if !ui.quiet {
        let n = plan.job_count() as u64;
        ui.out(&format!(
            "{}: ok — workflow `{}`: {n} {}, {} {}, {} {}, {} {} per image\n",
            file.display(),
            plan.name,
            flowrun::exec::plural(n, "image"),
            plan.steps.len(),
            flowrun::exec::plural(plan.steps.len() as u64, "step"),
            plan.metrics.len(),
            flowrun::exec::plural(plan.metrics.len() as u64, "metric"),
            plan.writers.len(),
            flowrun::exec::plural(plan.writers.len() as u64, "output"),
        ))?;
    }
    Ok(Exit::Ok)
}

fn cmd_plan(args: &cli::PlanArgs, ui: &Ui) -> Result<Exit, OutError> {
    let plan = match build(&args.file, &args.set, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let selection = match only(args.only.as_deref(), &plan, ui) {
        Ok(p) => p.unwrap_or_else(|| Selection::all(plan.job_count().min(3))),
        Err(exit) => return Ok(exit),
    };
    let positions: Vec<usize> = selection.iter().collect();
    ui.out(&graph::render(&plan, &positions, args.format.into()))?;
    Ok(Exit::Ok)
}

fn cmd_clean(args: &cli::CleanArgs, ui: &Ui) -> Result<Exit, OutError> {
    let plan = match build(&args.file, &args.set, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut out_err = None;
    let result = flowrun::clean::clean(&plan, args.dry_run, |item| {
        if out_err.is_some() {
            return;
        }
        let line = match item {
            flowrun::clean::Cleaned::Removed { path, why } => format!("{verb} {path}  ({why})\n"),
            flowrun::clean::Cleaned::Kept { path, why } => format!("kept {path}  ({why})\n"),
        };
        if let Err(e) = ui.out(&line) {
            out_err = Some(e);
        }
    });
    if let Some(e) = out_err {
        return Err(e);
    }
    match result {
        Ok(s) => {
            if !ui.quiet {
                let files = |n: u64| format!("{n} {}", flowrun::exec::plural(n, "file"));
                ui.out(&format!(
                    "clean: {verb} {}, kept {}\n",
                    files(s.removed),
                    files(s.kept)
                ))?;
            }
            Ok(Exit::Ok)
        }
        Err(e) => Ok(run_error(&e, ui)),
    }
}

/// `flowrun report`: the page from the results table, its sidecar and the outputs. A workflow
/// without a results table, or a table that is missing, is a usage error (exit 2); a page that
/// cannot be written, exit 1.
fn cmd_report(args: &cli::ReportArgs, ui: &Ui) -> Result<Exit, OutError> {
    let plan = match build(&args.file, &args.set, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let Some(results) = &plan.results else {
        ui.error(&format!(
            "`{}` has no results table to make a report from\n  = hint: add `results = \"out/{{name}}/results.csv\"` to [output] and run it",
            args.file.display()
        ));
        return Ok(Exit::Usage);
    };
    if !results.path.is_file() {
        ui.error(&format!(
            "no results table at `{}`\n  = hint: run the workflow first: flowrun {}",
            results.path.display(),
            args.file.display()
        ));
        return Ok(Exit::Usage);
    }
    let inputs = flowrun::report::ReportInputs::default();
    match flowrun::report::write(&plan, &inputs, args.output.as_deref()) {
        Ok(built) => {
            if !ui.quiet {
                let path = args
                    .output
                    .clone()
                    .unwrap_or_else(|| flowrun::report::default_path(&plan));
                ui.out(&format!(
                    "report in {} ({})\n",
                    path.display(),
                    ui::report_line(&built).trim_start_matches("report: ")
                ))?;
            }
            Ok(Exit::Ok)
        }
        Err(flowrun::report::ReportError::Table(e)) => {
            ui.error(&e);
            Ok(Exit::Usage)
        }
        Err(e) => {
            ui.error(&e.to_string());
            Ok(Exit::Failed)
        }
    }
}

/// Reports a run that could not start or finish; its exit code.
fn run_error(e: &RunError, ui: &Ui) -> Exit {
    match e {
        RunError::Lock(flowrun::state::lock::LockError::Held { .. }) => {
            ui.error(&format!(
                "{e}\n  = hint: wait for it to finish, or pass --wait-lock to wait for it"
            ));
            Exit::Usage
        }
        _ => {
            ui.error(&e.to_string());
            Exit::Failed
        }
    }
}

fn cmd_run(args: &cli::RunArgs, g: &cli::GlobalArgs, ui: &Ui) -> Result<Exit, OutError> {
    let Some(file) = &args.file else {
        ui.error("no workflow file given");
        return Ok(Exit::Usage);
    };
    let progress = match args.progress {
        ProgressFlag::Always => true,
        ProgressFlag::Never => false,
        ProgressFlag::Auto => !g.quiet && std::io::stderr().is_terminal(),
    };
    if let Some(manifest) = &args.manifest {
        return cluster_cmd::cmd_run_shard(args, file, manifest, progress, ui);
    }
    let plan = match build(file, &args.set, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let only = match only(args.only.as_deref(), &plan, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let mut opts = RunOptions {
        jobs: args.jobs.map_or(0, usize::from),
        only,
        force: args.force,
        wait_lock: args.wait_lock,
        ..RunOptions::default()
    };
    if args.dry_run {
        return dry(&plan, &opts, ui);
    }
    let control = Arc::new(Control::default());
    stop_on_signals(&control, *ui);
    opts.control = Some(control);
    opts.observer = Some(Arc::new(ui::Progress::new(*ui, progress)));
    match run(&plan, &opts) {
        Ok(summary) => {
            ui.summary(&plan, &summary)?;
            Ok(summary.exit())
        }
        Err(e) => Ok(run_error(&e, ui)),
    }
}

/// `--dry-run`: one line per selected image, then a count.
fn dry(plan: &Plan, opts: &RunOptions, ui: &Ui) -> Result<Exit, OutError> {
    let (mut runs, mut skips) = (0u64, 0u64);
    let mut out_err = None;
    let listed = dry_run(plan, opts, |index, input, d| {
        let line = match d {
            Decision::Skip => {
                skips += 1;
                format!("skip  {index:>6}  {input}  (up to date)\n")
            }
            Decision::Run(why) => {
                runs += 1;
                format!("run   {index:>6}  {input}  ({why})\n")
            }
        };
        match ui.out(&line) {
            Ok(()) => true,
            Err(e) => {
                out_err = Some(e);
                false
            }
        }
    });
    if let Some(e) = out_err {
        return Err(e);
    }
    if let Err(e) = listed {
        return Ok(run_error(&e, ui));
    }
    ui.out(&format!("dry run: {runs} would run, {skips} up to date\n"))?;
    Ok(Exit::Ok)
}

/// SIGINT, SIGTERM and SIGHUP stop the run: no new image starts, the images in flight finish,
/// the table and state are flushed, exit 130. A second one abandons the images in flight: their
/// work is lost (they run again next time), the temporary table is removed, exit 130 at once.
fn stop_on_signals(control: &Arc<Control>, ui: Ui) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let control = Arc::clone(control);
    std::thread::spawn(move || {
        let mut seen = 0;
        for sig in signals.forever() {
            seen += 1;
            let name = match sig {
                SIGINT => "SIGINT",
                SIGTERM => "SIGTERM",
                _ => "SIGHUP",
            };
            if seen == 1 {
                control.stop();
                let n = control.in_flight() as u64;
                let rest = match n {
                    0 => String::new(),
                    1 => "; the image in flight will finish (send it again to abandon it)".into(),
                    n => format!(
                        "; the {n} images in flight will finish (send it again to abandon them)"
                    ),
                };
                ui.warning(&format!("{name}: stopping — no new images start{rest}"));
            } else {
                let n = control.abandon() as u64;
                ui.error(&format!(
                    "{name} again: abandoned {n} {} in flight (they run again next time; every image finished before is recorded and skipped on a rerun, and no partial file is left)",
                    flowrun::exec::plural(n, "image")
                ));
                std::process::exit(i32::from(Exit::Interrupted.code()));
            }
        }
    });
}
