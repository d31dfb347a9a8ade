//! The scale-out commands: `manifest`, `run --manifest --shard`, `merge`, `status`, `slurm` and
//! `k8s` ([`flowrun::cluster`] holds the machinery; this is the command-line side).

use crate::cli::{self, K8sArgs, ManifestArgs, MergeArgs, SlurmArgs, StatusArgs};
use crate::ui::{OutError, Ui};
use flowrun::cluster::k8s::K8sSpec;
use flowrun::cluster::manifest::Manifest;
use flowrun::cluster::merge::{collect, ranges_text, write_table, Merged};
use flowrun::cluster::shard::{self, shards_root, Shard};
use flowrun::cluster::slurm::{self, SlurmSpec};
use flowrun::exec::{plural, run, Control, RunError, RunOptions};
use flowrun::plan::Plan;
use flowrun::state::lock::LockError;
use flowrun::Exit;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Reads a manifest; a problem is printed (exit 2).
fn read_manifest(path: &Path, ui: &Ui) -> Result<Manifest, Exit> {
    Manifest::read(path).map_err(|e| {
        ui.error(&e.to_string());
        Exit::Usage
    })
}

/// The plan of `file` as `manifest` pins it: compiled with the manifest's overrides (or `set`,
/// which must give the same workflow hash), the manifest's images as its input list.
fn pinned_plan(file: &Path, set: &[String], m: &Manifest, ui: &Ui) -> Result<Plan, Exit> {
    let set = if set.is_empty() {
        &m.header.overrides
    } else {
        set
    };
    let mut plan = crate::build(file, set, ui)?;
    m.apply(&mut plan).map_err(|e| {
        ui.error(&format!("`{}`: {e}", file.display()));
        Exit::Usage
    })?;
    Ok(plan)
}

/// Makes the manifest of `file` with `set` (compiling it first: a bad workflow is exit 2).
fn make_manifest(file: &Path, set: &[String], ui: &Ui) -> Result<(Plan, Manifest), Exit> {
    let plan = crate::build(file, set, ui)?;
    let text = std::fs::read_to_string(file).map_err(|e| {
        ui.error(&format!("cannot read `{}`: {e}", file.display()));
        Exit::Usage
    })?;
    let m = Manifest::of_plan(&plan, &text, set).map_err(|e| {
        ui.error(&e.to_string());
        Exit::Failed
    })?;
    // The text read here is the text compiled (no edit in between).
    let mut h = blake3::Hasher::new();
    h.update(text.as_bytes());
    for o in set {
        h.update(b"\0--set ");
        h.update(o.as_bytes());
    }
    if h.finalize().to_hex().as_str() != plan.workflow_hash {
        ui.error(&format!(
            "`{}` changed while the manifest was made; run it again",
            file.display()
        ));
        return Err(Exit::Usage);
    }
    Ok((plan, m))
}

fn write_manifest(m: &Manifest, path: &Path, ui: &Ui) -> Result<(), Exit> {
    m.write(path).map_err(|e| {
        ui.error(&e.to_string());
        Exit::Retry
    })
}

pub fn cmd_manifest(args: &ManifestArgs, ui: &Ui) -> Result<Exit, OutError> {
    let (_, m) = match make_manifest(&args.file, &args.set, ui) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    if let Err(exit) = write_manifest(&m, &args.output, ui) {
        return Ok(exit);
    }
    if !ui.quiet {
        let n = m.header.images;
        ui.out(&format!(
            "{}: {n} {} of `{}` (workflow {}), run {}\n",
            args.output.display(),
            plural(n, "image"),
            args.file.display(),
            &m.header.workflow_blake3[..12],
            m.header.id
        ))?;
    }
    Ok(Exit::Ok)
}

/// `flowrun run FILE --manifest M [--shard K/N|auto]`.
pub fn cmd_run_shard(
    args: &cli::RunArgs,
    file: &Path,
    manifest: &Path,
    progress: bool,
    ui: &Ui,
) -> Result<Exit, OutError> {
    if args.only.is_some() {
        ui.error("--only cannot be combined with --manifest: a shard runs its block of the manifest (use --shard K/N)");
        return Ok(Exit::Usage);
    }
    let m = match read_manifest(manifest, ui) {
        Ok(m) => m,
        Err(exit) => return Ok(exit),
    };
    let shard = match args.shard.as_deref() {
        None => Ok(Shard { k: 0, n: 1 }),
        Some("auto") => Shard::from_env(|k| std::env::var(k).ok(), args.shard_count),
        Some(text) => Shard::parse(text).map_err(|e| format!("--shard {e}")),
    };
    let shard = match shard {
        Ok(s) => s,
        Err(e) => {
            ui.error(&e);
            return Ok(Exit::Usage);
        }
    };
    let mut plan = match pinned_plan(file, &args.set, &m, ui) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let (selection, mut info) = shard::prepare(&mut plan, &m, shard);
    let mut opts = RunOptions {
        jobs: args.jobs.map_or(0, usize::from),
        only: Some(selection),
        force: args.force,
        wait_lock: args.wait_lock,
        selected_rows_only: true,
        ..RunOptions::default()
    };
    if args.dry_run {
        return crate::dry(&plan, &opts, ui);
    }
    if let Err(e) = info.write(&plan.state.dir) {
        ui.error(&format!(
            "cannot write the shard's records in `{}`: {e}",
            plan.state.dir.display()
        ));
        return Ok(Exit::Retry);
    }
    let control = Arc::new(Control::default());
    crate::stop_on_signals(&control, *ui);
    opts.control = Some(control);
    opts.observer = Some(Arc::new(crate::ui::Progress::new(*ui, progress)));
    let (exit, state) = match run(&plan, &opts) {
        Ok(summary) => {
            ui.summary(&plan, &summary)?;
            let exit = if summary.interrupted {
                Exit::Interrupted
            } else if summary.failed > 0 && summary.infra_failed == summary.failed {
                ui.error("every failure was a fault of the machine (disk full, folder not writable): exit 75, worth a retry");
                Exit::Retry
            } else {
                summary.exit()
            };
            (exit, exit)
        }
        Err(e) => {
            let exit = match &e {
                RunError::Lock(LockError::Held { .. }) => {
                    ui.error(&format!(
                        "{e}\n  = note: this shard is running elsewhere; exit 75, worth a retry later"
                    ));
                    Exit::Retry
                }
                _ => {
                    ui.error(&format!(
                        "{e}\n  = note: a fault of the machine; exit 75, worth a retry"
                    ));
                    Exit::Retry
                }
            };
            // Another process owns the shard's records: leave its shard.json alone.
            if matches!(e, RunError::Lock(LockError::Held { .. })) {
                return Ok(exit);
            }
            (exit, exit)
        }
    };
    info.state = match state {
        Exit::Ok => "done",
        Exit::Failed => "failed",
        Exit::Retry => "retry",
        Exit::Interrupted => "interrupted",
        Exit::Usage => "failed",
    }
    .into();
    if let Err(e) = info.write(&plan.state.dir) {
        ui.warning(&format!("cannot update the shard's `shard.json`: {e}"));
    }
    Ok(exit)
}

/// Prints what the records say; returns the exit code (0 complete, else 1).
fn report(merged: &Merged, ui: &Ui) -> Result<Exit, OutError> {
    for p in &merged.problems {
        ui.error(p);
    }
    let list = |what: &str, v: &[u64]| {
        if !v.is_empty() {
            ui.error(&format!(
                "{} {} {what} (indexes {})",
                v.len(),
                plural(v.len() as u64, "image"),
                ranges_text(v)
            ));
        }
    };
    list("missing (no record)", &merged.missing);
    list("failed", &merged.failed);
    list("done by more than one shard", &merged.duplicated);
    if merged.other_runs > 0 {
        ui.note(&format!(
            "left out {} shard {} of another manifest",
            merged.other_runs,
            plural(merged.other_runs, "folder")
        ));
    }
    Ok(if merged.complete() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

fn write_tail(m: &Manifest, merged: &Merged, path: Option<&PathBuf>, ui: &Ui) -> Result<(), Exit> {
    let Some(path) = path else { return Ok(()) };
    let left = merged.left();
    let tail = m.tail(&left);
    write_manifest(&tail, path, ui)?;
    ui.note(&format!(
        "{}: a tail manifest of the {} {} left; run it as shards (`flowrun run … --manifest {} --shard K/N`), then merge with the run's manifest again",
        path.display(),
        left.len(),
        plural(left.len() as u64, "image"),
        path.display()
    ));
    Ok(())
}

fn full_manifest(path: &Path, ui: &Ui) -> Result<Manifest, Exit> {
    let m = read_manifest(path, ui)?;
    if m.is_tail() {
        ui.error(&format!(
            "`{}` is a tail manifest; merge and status take the run's full manifest",
            path.display()
        ));
        return Err(Exit::Usage);
    }
    Ok(m)
}

pub fn cmd_merge(args: &MergeArgs, ui: &Ui) -> Result<Exit, OutError> {
    let (m, plan) = match full_manifest(&args.manifest, ui)
        .and_then(|m| pinned_plan(&args.file, &[], &m, ui).map(|p| (m, p)))
    {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    let merged = collect(&plan, &m);
    let table = match write_table(&plan, &merged) {
        Ok(t) => t,
        Err(e) => {
            ui.error(&format!("cannot write the results table: {e}"));
            return Ok(Exit::Retry);
        }
    };
    if let Err(exit) = write_tail(&m, &merged, args.retry_missing.as_ref(), ui) {
        return Ok(exit);
    }
    let exit = report(&merged, ui)?;
    if !ui.quiet {
        let to = table.map_or(String::new(), |t| format!("; results in {}", t.display()));
        ui.out(&format!(
            "{}: merged {} shard {}: {} of {} {} ok, {} failed, {} missing{to}\n",
            plan.name,
            merged.shards.len(),
            plural(merged.shards.len() as u64, "folder"),
            merged.ok,
            merged.images,
            plural(merged.images, "image"),
            merged.failed.len(),
            merged.missing.len(),
        ))?;
    }
    Ok(exit)
}

pub fn cmd_status(args: &StatusArgs, ui: &Ui) -> Result<Exit, OutError> {
    let (m, plan) = match full_manifest(&args.manifest, ui)
        .and_then(|m| pinned_plan(&args.file, &[], &m, ui).map(|p| (m, p)))
    {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    let merged = collect(&plan, &m);
    let mut text = String::new();
    for s in &merged.shards {
        text.push_str(&format!(
            "{:<16} {:>8} ok {:>8} failed {:>8} images  {}\n",
            s.name,
            s.ok,
            s.failed,
            s.info.images(),
            s.info.state
        ));
    }
    text.push_str(&format!(
        "{}: {} of {} {} ok, {} failed, {} not done yet ({} shard {})\n",
        plan.name,
        merged.ok,
        merged.images,
        plural(merged.images, "image"),
        merged.failed.len(),
        merged.missing.len(),
        merged.shards.len(),
        plural(merged.shards.len() as u64, "folder"),
    ));
    ui.out(&text)?;
    if let Err(exit) = write_tail(&m, &merged, args.retry_missing.as_ref(), ui) {
        return Ok(exit);
    }
    Ok(if merged.complete() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// The absolute form of `p` (against the current folder).
fn absolute(p: &Path) -> PathBuf {
    std::env::current_dir().unwrap_or_default().join(p)
}

pub fn cmd_slurm(args: &SlurmArgs, ui: &Ui) -> Result<Exit, OutError> {
    let (plan, m) = match make_manifest(&args.file, &args.set, ui) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    let dir = match &args.dir {
        Some(d) => absolute(d),
        None => {
            let root = shards_root(&plan);
            let name = root.file_name().unwrap_or_default().to_os_string();
            absolute(&plan.state.dir.join("slurm").join(name))
        }
    };
    let manifest = dir.join("run.manifest");
    if let Err(exit) = write_manifest(&m, &manifest, ui) {
        return Ok(exit);
    }
    let max_array_size = args.max_array_size.unwrap_or_else(|| {
        let config = std::process::Command::new("scontrol")
            .args(["show", "config"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        match config.as_deref().and_then(slurm::max_array_size) {
            Some(n) => n,
            None => {
                ui.note(&format!("cannot read MaxArraySize from `scontrol show config`; assuming Slurm's default {}", slurm::DEFAULT_MAX_ARRAY_SIZE));
                slurm::DEFAULT_MAX_ARRAY_SIZE
            }
        }
    });
    for e in &args.extra {
        if !e.trim_start().starts_with("#SBATCH") {
            ui.error(&format!(
                "--extra `{e}`: each extra line must start with `#SBATCH`"
            ));
            return Ok(Exit::Usage);
        }
    }
    let spec = SlurmSpec {
        name: plan.name.clone(),
        flowrun: std::env::current_exe().unwrap_or_else(|_| "flowrun".into()),
        workdir: std::env::current_dir().unwrap_or_default(),
        workflow: args.file.clone(),
        manifest: manifest.clone(),
        dir: dir.clone(),
        tasks: args.tasks,
        cpus_per_task: args.cpus_per_task,
        time: args.time.clone(),
        partition: args.partition.clone(),
        mem: args.mem.clone(),
        throttle: args.throttle,
        extra: args.extra.clone(),
        max_array_size,
    };
    let scripts = spec.scripts();
    let written = std::fs::create_dir_all(dir.join("logs")).and_then(|()| {
        scripts
            .iter()
            .try_for_each(|s| flowrun::sinks::atomic::write_atomic(&s.path, s.text.as_bytes()))
    });
    if let Err(e) = written {
        ui.error(&format!(
            "cannot write the scripts in `{}`: {e}",
            dir.display()
        ));
        return Ok(Exit::Retry);
    }
    let arrays = scripts.len() - 2;
    if !ui.quiet {
        ui.out(&format!(
            "{}: {} {} in {} {} (MaxArraySize {max_array_size}), merge job, manifest of {} {}; task logs in {}\n  submit: sh {}\n",
            dir.display(),
            args.tasks,
            plural(args.tasks, "task"),
            arrays,
            plural(arrays as u64, "array"),
            m.header.images,
            plural(m.header.images, "image"),
            dir.join("logs").display(),
            dir.join("submit.sh").display(),
        ))?;
    }
    if !args.submit {
        return Ok(Exit::Ok);
    }
    let mut ids = Vec::new();
    for s in &scripts[..arrays] {
        match sbatch(&[], &s.path) {
            Ok(id) => ids.push(id),
            Err(e) => {
                ui.error(&e);
                return Ok(Exit::Retry);
            }
        }
    }
    let dep = format!("--dependency=afterok:{}", ids.join(":"));
    let merge_id = match sbatch(&[&dep], &dir.join("merge.sbatch")) {
        Ok(id) => id,
        Err(e) => {
            ui.error(&e);
            return Ok(Exit::Retry);
        }
    };
    ui.out(&format!(
        "submitted: arrays {}, merge {merge_id}\n",
        ids.join(" ")
    ))?;
    if !args.wait {
        return Ok(Exit::Ok);
    }
    wait_for_job(&merge_id);
    // Flowrun's own records decide, not the scheduler's accounting.
    let mut plan = plan;
    if let Err(e) = m.apply(&mut plan) {
        ui.error(&e.to_string());
        return Ok(Exit::Usage);
    }
    let merged = collect(&plan, &m);
    let exit = report(&merged, ui)?;
    let table_ok = plan.results.as_ref().is_none_or(|r| r.path.exists());
    ui.out(&format!(
        "merge job {merge_id} over: {} of {} {} ok{}\n",
        merged.ok,
        merged.images,
        plural(merged.images, "image"),
        if table_ok {
            ""
        } else {
            "; the merged table was not written (see the merge log)"
        }
    ))?;
    Ok(if table_ok { exit } else { Exit::Failed })
}

/// Submits `script` with `sbatch --parsable`; its job id.
fn sbatch(extra: &[&str], script: &Path) -> Result<String, String> {
    let out = std::process::Command::new("sbatch")
        .arg("--parsable")
        .args(extra)
        .arg(script)
        .output()
        .map_err(|e| format!("cannot run `sbatch`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() {
        return Err(format!("sbatch {} printed no job id", script.display()));
    }
    Ok(id)
}

/// Waits until job `id` has left the queue (or ended: squeue shows ended jobs for a while).
fn wait_for_job(id: &str) {
    loop {
        let out = std::process::Command::new("squeue")
            .args(["-h", "-j", id, "-o", "%T"])
            .output();
        let active = match out {
            Ok(o) if o.status.success() => {
                let s = String::from_utf8_lossy(&o.stdout);
                s.lines().any(|l| {
                    matches!(
                        l.trim(),
                        "PENDING"
                            | "RUNNING"
                            | "CONFIGURING"
                            | "COMPLETING"
                            | "REQUEUED"
                            | "SUSPENDED"
                            | "RESIZING"
                            | "REQUEUE_HOLD"
                            | "REQUEUE_FED"
                    )
                })
            }
            // An unknown job id: it ended and left the queue.
            _ => false,
        };
        if !active {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

pub fn cmd_k8s(args: &K8sArgs, ui: &Ui) -> Result<Exit, OutError> {
    let (plan, m) = match make_manifest(&args.file, &args.set, ui) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    if let Err(exit) = write_manifest(&m, &args.manifest, ui) {
        return Ok(exit);
    }
    let spec = K8sSpec {
        name: plan.name.clone(),
        image: args.image.clone(),
        tasks: args.tasks,
        parallelism: args.parallelism.unwrap_or(args.tasks),
        cpus: args.cpus,
        claim: args.claim.clone(),
        workdir: args.workdir.clone(),
        workflow: args.file.to_string_lossy().into_owned(),
        manifest: args.manifest.to_string_lossy().into_owned(),
        retries: args.retries,
    };
    match &args.output {
        None => ui.out(&spec.yaml())?,
        Some(p) => {
            let mut merge_path = p.clone().into_os_string();
            merge_path.push(".merge.yaml");
            let merge_path = PathBuf::from(merge_path);
            let docs = [
                (p.clone(), spec.indexed_job()),
                (merge_path, spec.merge_job()),
            ];
            for (path, doc) in docs {
                let text = flowrun::cluster::k8s::to_yaml(&doc);
                if let Err(e) = flowrun::sinks::atomic::write_atomic(&path, text.as_bytes()) {
                    ui.error(&format!("cannot write `{}`: {e}", path.display()));
                    return Ok(Exit::Retry);
                }
            }
            if !ui.quiet {
                ui.out(&format!(
                    "{}: the Indexed Job of {} shards; {}.merge.yaml: the merge Job (apply it once the first is complete); manifest {}\n",
                    p.display(),
                    args.tasks,
                    p.display(),
                    args.manifest.display()
                ))?;
            }
        }
    }
    Ok(Exit::Ok)
}
