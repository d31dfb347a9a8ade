//! Scale-out with a fake scheduler: shards as subprocesses of the real binary, in any order,
//! killed and rerun, run twice, missing at merge, with files arriving in the folder between them;
//! the merged table and every output byte equal a plain single-machine run. Also the Kubernetes
//! Jobs: valid against the Job schema, and their container command run here with
//! `JOB_COMPLETION_INDEX` set.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NOISE: &str = "[source]
kind = \"noise\"
count = 23
shape = [40, 48]
[[steps]]
op = \"gaussian\"
name = \"blur\"
sigma = 2.0
[metrics]
input_variance = { op = \"variance\", on = \"input\" }
output_variance = { op = \"variance\" }
[output]
images = \"out/img_{index:03}.bmp\"
results = \"out/results.csv\"
";

const FILES: &str = "[source]
kind = \"glob\"
pattern = \"in/*.png\"
[[steps]]
op = \"gaussian\"
name = \"blur\"
sigma = 1.0
[metrics]
m = { op = \"mean\" }
[output]
images = \"out/{stem}.bmp\"
results = \"out/results.csv\"
";

/// The results table without `elapsed_ms` (timings differ from run to run).
fn table(dir: &Path) -> Vec<String> {
    let (header, rows) = read_csv(&dir.join("out/results.csv"));
    let t = header.iter().position(|h| h == "elapsed_ms").unwrap();
    rows.into_iter()
        .map(|mut r| {
            r.remove(t);
            r.join(",")
        })
        .collect()
}

/// sha256 of every image in `out/`, by name.
fn images(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bmp"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                sha256(&e.path()),
            )
        })
        .collect();
    v.sort();
    v
}

/// A folder with the workflow, and the plain single-machine run of it in a twin folder.
fn setup(workflow: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = with_file("wf.toml", workflow);
    let plain = with_file("wf.toml", workflow);
    (dir, plain)
}

fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn shard(dir: &Path, k: u64, n: u64, manifest: &str) -> std::process::Output {
    let s = format!("{k}/{n}");
    flowrun(
        dir,
        &[
            "run",
            "wf.toml",
            "--manifest",
            manifest,
            "--shard",
            &s,
            "-j",
            "2",
        ],
    )
}

#[test]
fn shards_in_any_order_twice_and_merged_equal_a_plain_run() {
    let (dir, plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(plain.path(), &["run", "wf.toml", "-j", "1"]));
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    for k in [4, 1, 3, 0, 2] {
        ok(&shard(d, k, 5, "run.manifest"));
    }
    // A shard run twice is harmless: its images are up to date.
    let again = shard(d, 3, 5, "run.manifest");
    ok(&again);
    assert!(stderr(&again).contains("up to date") || stdout(&again).contains("up to date"));
    let status = flowrun(d, &["status", "wf.toml", "--manifest", "run.manifest"]);
    ok(&status);
    assert!(
        stdout(&status).contains("23 of 23 images ok"),
        "{}",
        stdout(&status)
    );
    let merged = flowrun(d, &["merge", "wf.toml", "--manifest", "run.manifest"]);
    ok(&merged);
    assert_eq!(table(d), table(plain.path()));
    assert_eq!(images(d), images(plain.path()));
    // Merging twice gives the same bytes.
    let first = std::fs::read(d.join("out/results.csv")).unwrap();
    ok(&flowrun(
        d,
        &["merge", "wf.toml", "--manifest", "run.manifest"],
    ));
    assert_eq!(std::fs::read(d.join("out/results.csv")).unwrap(), first);
}

#[test]
fn a_missing_shard_is_named_and_a_tail_finishes_the_run() {
    let (dir, plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(plain.path(), &["run", "wf.toml"]));
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    for k in [0, 1, 3] {
        ok(&shard(d, k, 4, "run.manifest"));
    }
    // Shard 2 of 4 holds images 11..17 (⌊23·2/4⌋ = 11, ⌊23·3/4⌋ = 17).
    let merged = flowrun(
        d,
        &[
            "merge",
            "wf.toml",
            "--manifest",
            "run.manifest",
            "--retry-missing",
            "left.manifest",
        ],
    );
    assert_eq!(code(&merged), 1, "{}", stderr(&merged));
    assert!(
        stderr(&merged).contains("6 images missing (no record) (indexes 11..=16)"),
        "{}",
        stderr(&merged)
    );
    let tail = std::fs::read_to_string(d.join("left.manifest")).unwrap();
    assert_eq!(tail.lines().count(), 7, "{tail}");
    for k in 0..2 {
        ok(&shard(d, k, 2, "left.manifest"));
    }
    ok(&flowrun(
        d,
        &["merge", "wf.toml", "--manifest", "run.manifest"],
    ));
    assert_eq!(table(d), table(plain.path()));
    assert_eq!(images(d), images(plain.path()));
}

#[test]
fn a_shard_record_of_another_workflow_is_reported() {
    let (dir, _plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    ok(&shard(d, 0, 1, "run.manifest"));
    let shards = std::fs::read_dir(d.join("out/.flowrun/shards"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let info = shards.join("0-of-1/shard.json");
    let text = std::fs::read_to_string(&info).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["workflow_blake3"] = Value::from("0".repeat(64));
    std::fs::write(&info, v.to_string()).unwrap();
    let merged = flowrun(d, &["merge", "wf.toml", "--manifest", "run.manifest"]);
    assert_eq!(code(&merged), 1);
    let err = stderr(&merged);
    assert!(
        err.contains("shard `0-of-1` ran another version of the workflow (hash 000000000000"),
        "{err}"
    );
    assert!(
        err.contains("23 images missing (no record) (indexes 0..=22)"),
        "{err}"
    );
    // A damaged record is a problem, not a panic.
    std::fs::write(&info, "{\"flowrun_shard\": 1, \"run\"").unwrap();
    let merged = flowrun(d, &["merge", "wf.toml", "--manifest", "run.manifest"]);
    assert_eq!(code(&merged), 1);
    assert!(
        stderr(&merged).contains("is not a shard record"),
        "{}",
        stderr(&merged)
    );
}

#[test]
fn shards_of_different_splits_are_duplicates() {
    let (dir, _plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    ok(&shard(d, 0, 1, "run.manifest"));
    ok(&shard(d, 1, 2, "run.manifest"));
    let merged = flowrun(d, &["merge", "wf.toml", "--manifest", "run.manifest"]);
    assert_eq!(code(&merged), 1);
    assert!(
        stderr(&merged).contains("12 images done by more than one shard (indexes 11..=22)"),
        "{}",
        stderr(&merged)
    );
}

#[test]
fn a_shard_killed_mid_run_finishes_only_what_is_left_when_rerun() {
    let slow = NOISE
        .replace("count = 23", "count = 120")
        .replace("[40, 48]", "[160, 160]")
        .replace("sigma = 2.0", "sigma = 8.0");
    let (dir, plain) = setup(&slow);
    let d = dir.path();
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    let mut child = Command::new(BIN)
        .args([
            "run",
            "wf.toml",
            "--manifest",
            "run.manifest",
            "--shard",
            "0/1",
            "-j",
            "1",
        ])
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some images are recorded, then kill -9.
    let records = || -> usize {
        let shards = d.join("out/.flowrun/shards");
        let Some(wf) = std::fs::read_dir(&shards).ok().and_then(|mut r| r.next()) else {
            return 0;
        };
        std::fs::read_to_string(wf.unwrap().path().join("0-of-1/state.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    for _ in 0..400 {
        if records() >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = records();
    assert!((3..120).contains(&before), "{before} records when killed");
    let rerun = shard(d, 0, 1, "run.manifest");
    ok(&rerun);
    let text = stdout(&rerun) + &stderr(&rerun);
    assert!(text.contains("up to date"), "{text}");
    ok(&flowrun(
        d,
        &["merge", "wf.toml", "--manifest", "run.manifest"],
    ));
    ok(&flowrun(plain.path(), &["run", "wf.toml"]));
    assert_eq!(table(d), table(plain.path()));
    assert_eq!(images(d), images(plain.path()));
}

/// Writes `n` small PNGs `in/c<i>.png` (2×2 gray, distinct values).
fn pngs(dir: &Path, names: &[&str]) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for (k, name) in names.iter().enumerate() {
        let v = (k * 40) as u8;
        let img = image::GrayImage::from_raw(2, 2, vec![v, v + 1, v + 2, v + 3]).unwrap();
        img.save(dir.join("in").join(name)).unwrap();
    }
}

#[test]
fn files_arriving_between_shards_are_not_picked_up_and_changed_files_fail() {
    let (dir, plain) = setup(FILES);
    let d = dir.path();
    pngs(d, &["a.png", "b.png", "c.png", "d.png"]);
    pngs(plain.path(), &["a.png", "b.png", "c.png", "d.png"]);
    ok(&flowrun(plain.path(), &["run", "wf.toml"]));
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    ok(&shard(d, 0, 2, "run.manifest"));
    // A file arrives (sorted first) before the second shard starts.
    pngs(d, &["0.png"]);
    ok(&shard(d, 1, 2, "run.manifest"));
    ok(&flowrun(
        d,
        &["merge", "wf.toml", "--manifest", "run.manifest"],
    ));
    assert_eq!(table(d), table(plain.path()));
    assert_eq!(images(d), images(plain.path()));
    assert!(!d.join("out/0.bmp").exists());
    // A listed file changed since the manifest: a failed row, not silently processed.
    std::fs::write(d.join("in/d.png"), b"not the same").unwrap();
    let rerun = flowrun(
        d,
        &[
            "run",
            "wf.toml",
            "--manifest",
            "run.manifest",
            "--shard",
            "1/2",
        ],
    );
    assert_eq!(code(&rerun), 1, "{}", stderr(&rerun));
    assert!(
        stderr(&rerun)
            .contains("image 3 (in/d.png): its size changed (12 bytes, the manifest says"),
        "{}",
        stderr(&rerun)
    );
    let merged = flowrun(d, &["merge", "wf.toml", "--manifest", "run.manifest"]);
    assert_eq!(code(&merged), 1);
    assert!(
        stderr(&merged).contains("1 image failed (indexes 3)"),
        "{}",
        stderr(&merged)
    );
}

#[test]
fn bad_manifests_and_shards_are_refused_before_compute() {
    let (dir, _plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    for (shard, msg) in [
        (
            "0/0",
            "error: --shard `0/0`: the shard count N must be at least 1",
        ),
        (
            "5/5",
            "error: --shard `5/5`: shard 5 is out of range: shards of 5 are numbered 0 to 4",
        ),
        ("x", "error: --shard `x` is not a shard"),
    ] {
        let o = flowrun(
            d,
            &[
                "run",
                "wf.toml",
                "--manifest",
                "run.manifest",
                "--shard",
                shard,
            ],
        );
        assert_eq!(code(&o), 2, "{shard}");
        assert!(stderr(&o).contains(msg), "{shard}: {}", stderr(&o));
    }
    let auto = Command::new(BIN)
        .args([
            "run",
            "wf.toml",
            "--manifest",
            "run.manifest",
            "--shard",
            "auto",
        ])
        .current_dir(d)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .output()
        .unwrap();
    assert_eq!(code(&auto), 2);
    assert!(stderr(&auto)
        .contains("--shard auto: none of the array-task variables is set: SLURM_ARRAY_TASK_ID"));
    // Truncated and edited manifests.
    let text = std::fs::read_to_string(d.join("run.manifest")).unwrap();
    std::fs::write(d.join("cut.manifest"), &text[..text.len() / 2]).unwrap();
    let o = flowrun(d, &["run", "wf.toml", "--manifest", "cut.manifest"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cut.manifest:1: the header is cut short or damaged"),
        "{}",
        stderr(&o)
    );
    // The workflow changed since the manifest was made.
    std::fs::write(
        d.join("wf.toml"),
        NOISE.replace("sigma = 2.0", "sigma = 3.0"),
    )
    .unwrap();
    let o = flowrun(
        d,
        &[
            "run",
            "wf.toml",
            "--manifest",
            "run.manifest",
            "--shard",
            "0/2",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("the manifest was made from another version of the workflow"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("out").exists(), "nothing is written");
}

#[test]
fn an_unwritable_output_folder_is_worth_a_retry() {
    if unsafe { libc::geteuid() } == 0 {
        // root writes anywhere: a read-only folder cannot be made here.
        return;
    }
    let (dir, _plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(d, &["manifest", "wf.toml", "-o", "run.manifest"]));
    std::fs::create_dir(d.join("out")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("out"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let o = shard(d, 0, 2, "run.manifest");
    assert_eq!(code(&o), 75, "{}", stderr(&o));
}

/// A small JSON-schema check (type, enum, properties, required, additionalProperties, items,
/// oneOf): what the Kubernetes schema uses. Returns the first problem, with its path.
fn validate(schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let is = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        };
        if !names.iter().any(|t| is(t)) {
            return Err(format!("{at}: {v} is not of type {names:?}"));
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if !allowed.contains(v) {
            return Err(format!("{at}: {v} is not one of {allowed:?}"));
        }
    }
    if let Some(Value::Array(options)) = schema.get("oneOf") {
        let n = options
            .iter()
            .filter(|o| validate(o, v, at).is_ok())
            .count();
        if n != 1 {
            return Err(format!("{at}: matches {n} of oneOf"));
        }
    }
    if let Value::Object(map) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !map.contains_key(r) {
                return Err(format!("{at}: `{r}` is required"));
            }
        }
        for (k, val) in map {
            let path = format!("{at}.{k}");
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => validate(s, val, &path)?,
                (None, Some(Value::Bool(false))) => return Err(format!("{path}: not allowed")),
                (None, Some(s @ Value::Object(_))) => validate(s, val, &path)?,
                (None, _) => {}
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (k, item) in items.iter().enumerate() {
            validate(s, item, &format!("{at}[{k}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_kubernetes_jobs_validate_and_their_command_runs_here() {
    let (dir, plain) = setup(NOISE);
    let d = dir.path();
    ok(&flowrun(plain.path(), &["run", "wf.toml"]));
    let o = flowrun(
        d,
        &[
            "k8s",
            "wf.toml",
            "--tasks",
            "3",
            "--image",
            "flowrun:test",
            "--parallelism",
            "2",
            "-o",
            "jobs.yaml",
        ],
    );
    ok(&o);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/k8s/job-batch-v1.subset.json"))
            .unwrap(),
    )
    .unwrap();
    let docs: Vec<Value> = ["jobs.yaml", "jobs.yaml.merge.yaml"]
        .iter()
        .map(|f| serde_saphyr::from_str(&std::fs::read_to_string(d.join(f)).unwrap()).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    for doc in &docs {
        validate(&schema, doc, "job").unwrap();
    }
    // The schema is strict: a misspelt field is refused.
    let mut bad = docs[0].clone();
    bad["spec"]["completionMod"] = Value::from("Indexed");
    assert_eq!(
        validate(&schema, &bad, "job").unwrap_err(),
        "job.spec.completionMod: not allowed"
    );
    let job = &docs[0];
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    assert_eq!(
        job["spec"]["podFailurePolicy"]["rules"][0]["action"],
        "FailIndex"
    );
    assert_eq!(
        job["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["values"][0],
        2
    );
    // Each index's container command, run here.
    let command: Vec<String> = job["spec"]["template"]["spec"]["containers"][0]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(command[0], "flowrun");
    for index in [2, 0, 1] {
        let o = Command::new(BIN)
            .args(&command[1..])
            .current_dir(d)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .output()
            .unwrap();
        ok(&o);
    }
    let merge: Vec<String> = docs[1]["spec"]["template"]["spec"]["containers"][0]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ok(&Command::new(BIN)
        .args(&merge[1..])
        .current_dir(d)
        .output()
        .unwrap());
    assert_eq!(table(d), table(plain.path()));
    assert_eq!(images(d), images(plain.path()));
}

#[test]
fn slurm_scripts_are_written_without_a_cluster() {
    let (dir, _plain) = setup(NOISE);
    let d = dir.path();
    let o = flowrun(
        d,
        &[
            "slurm",
            "wf.toml",
            "--tasks",
            "5",
            "--throttle",
            "2",
            "--max-array-size",
            "3",
            "--dir",
            "slurm",
            "--extra",
            "#SBATCH --account=lab",
        ],
    );
    ok(&o);
    let a0 = std::fs::read_to_string(d.join("slurm/array-0.sbatch")).unwrap();
    let a1 = std::fs::read_to_string(d.join("slurm/array-1.sbatch")).unwrap();
    assert!(a0.contains("#SBATCH --array=0-2%2"), "{a0}");
    assert!(a1.contains("#SBATCH --array=0-1%2"), "{a1}");
    assert!(
        a1.contains("--shard \"$(( 3 + SLURM_ARRAY_TASK_ID ))/5\""),
        "{a1}"
    );
    assert!(a0.contains("#SBATCH --account=lab"));
    assert!(d.join("slurm/run.manifest").exists());
    assert!(d.join("slurm/logs").is_dir());
    let bad = flowrun(
        d,
        &[
            "slurm",
            "wf.toml",
            "--tasks",
            "2",
            "--extra",
            "--account=lab",
        ],
    );
    assert_eq!(code(&bad), 2);
}
