//! Resume after a crash: `kill -9` at random moments, then a rerun gives outputs and results
//! identical to an uninterrupted run and recomputes only the unfinished images; SIGTERM stops a run
//! cleanly (exit 130, nothing partial); edits recompute only what they affect.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const WORKFLOW: &str = "[source]
kind = \"noise\"
count = 240
shape = [128, 160]
[[steps]]
op = \"gaussian\"
name = \"blur\"
sigma = 4.0
[metrics]
input_variance = { op = \"variance\", on = \"input\" }
output_variance = { op = \"variance\" }
[output]
images = \"out/img_{index:03}.bmp\"
results = \"out/results.csv\"
";

/// The results table without the `elapsed_ms` column (timings differ from run to run).
fn table_without_timings(dir: &Path) -> Vec<String> {
    let (header, rows) = read_csv(&dir.join("out/results.csv"));
    let t = header.iter().position(|h| h == "elapsed_ms").unwrap();
    rows.into_iter()
        .map(|mut r| {
            r.remove(t);
            r.join(",")
        })
        .collect()
}

/// Image indexes recorded as finished in the resume state (a torn last line is ignored).
fn recorded(dir: &Path) -> BTreeSet<u64> {
    let Some(state) = state_file(dir) else {
        return BTreeSet::new();
    };
    let text = std::fs::read_to_string(state).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["status"] == "ok")
        .filter_map(|v| v["index"].as_u64())
        .collect()
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("out"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".flowrun-tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// "240 images, 240 ok (N up to date), …" → N (0 when none were).
fn skipped(summary: &str) -> u64 {
    summary
        .split_once(" up to date)")
        .and_then(|(before, _)| before.rsplit_once('(').map(|(_, n)| n))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn kill_9_then_resume_equals_an_uninterrupted_run() {
    let reference = with_file("w.toml", WORKFLOW);
    let t0 = std::time::Instant::now();
    let out = flowrun(reference.path(), &["w.toml", "-j", "2"]);
    let full = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Deterministic "random" kill times, as fractions of an uninterrupted run scaled by the share
    // of images still to do (each rerun only has the unfinished images left). On a busy machine
    // the reference run can be slow and the killed runs fast, so that they finish before their
    // kill: then the experiment starts again in a fresh folder with the delays halved.
    let mut attempt = 0;
    let (dir, kills) = loop {
        let dir = with_file("w.toml", WORKFLOW);
        let scale = 0.5f64.powi(attempt);
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut kills = 0;
        let mut left = 1.0f64;
        for _ in 0..8 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let frac = 0.1 + 0.6 * (x % 1000) as f64 / 1000.0;
            let delay = full
                .mul_f64(frac * left * scale)
                .max(Duration::from_millis(2));
            let mut child = Command::new(BIN)
                .args(["w.toml", "-j", "2", "-q"])
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                kills += 1;
            }
            child.wait().unwrap();
            left = 1.0 - recorded(dir.path()).len() as f64 / 240.0;
            if left < 0.2 {
                break;
            }
        }
        attempt += 1;
        if kills >= 3 || attempt == 5 {
            break (dir, kills);
        }
    };
    assert!(
        kills >= 3,
        "the run must actually be interrupted (only {kills} kills landed, {attempt} attempts)"
    );
    let done_before = recorded(dir.path());
    let out = flowrun(dir.path(), &["w.toml", "-j", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    println!(
        "{kills} kills; {} images were finished before the last run; {summary}",
        done_before.len()
    );
    assert_eq!(
        skipped(&summary),
        done_before.len() as u64,
        "exactly the finished images are skipped, every other image is recomputed: {summary}"
    );
    assert_eq!(
        table_without_timings(dir.path()),
        table_without_timings(reference.path())
    );
    for i in 0..240 {
        let name = format!("out/img_{i:03}.bmp");
        assert_eq!(
            sha256(&dir.path().join(&name)),
            sha256(&reference.path().join(&name)),
            "{name}"
        );
    }
    assert_eq!(
        temp_files(dir.path()),
        Vec::<String>::new(),
        "no temp files are left behind"
    );
    let bmps = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".bmp")
        })
        .count();
    assert_eq!(bmps, 240, "no image missing or duplicated");
    // A third run has nothing to do.
    let again = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(skipped(&stdout(&again)), 240, "{}", stdout(&again));
}

#[test]
fn sigterm_stops_cleanly_and_the_rerun_finishes() {
    let dir = with_file("w.toml", &WORKFLOW.replace("count = 240", "count = 2000"));
    let child = Command::new(BIN)
        .args(["w.toml", "-j", "2"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted:"), "{}", stderr(&out));
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    // The table is committed with a row for every image: the finished ones ok, with their
    // outputs, the rest not run, without.
    let (_, all) = read_csv(&dir.path().join("out/results.csv"));
    assert_eq!(all.len(), 2000);
    let rows: Vec<_> = all.iter().filter(|r| r[2] == "ok").collect();
    assert!(
        !rows.is_empty() && rows.len() < 2000,
        "a partial run: {} rows ok",
        rows.len()
    );
    for r in &all {
        let i: usize = r[0].parse().unwrap();
        let exists = dir.path().join(format!("out/img_{i:03}.bmp")).exists();
        match r[2].as_str() {
            "ok" => assert!(exists, "image {i} has its output"),
            "not run" => assert!(!exists && r[6].is_empty(), "image {i}: {r:?}"),
            other => panic!("image {i}: status {other}"),
        }
    }
    let rerun = flowrun(dir.path(), &["w.toml", "-j", "2"]);
    assert_eq!(rerun.status.code(), Some(0));
    assert!(
        skipped(&stdout(&rerun)) >= rows.len() as u64,
        "{}",
        stdout(&rerun)
    );
    assert_eq!(read_csv(&dir.path().join("out/results.csv")).1.len(), 2000);
}

#[test]
fn edits_recompute_only_what_they_affect() {
    let dir = with_file("w.toml", &WORKFLOW.replace("count = 240", "count = 12"));
    // Runs with 13 images and σ = 2.5 (after the first two runs), plus `extra` flags.
    let edited = |extra: &[&str]| {
        let mut args = vec![
            "w.toml",
            "--set",
            "source.count=13",
            "--set",
            "steps.blur.sigma=2.5",
        ];
        args.extend_from_slice(extra);
        flowrun(dir.path(), &args)
    };
    let first = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(first.status.code(), Some(0));
    // A new image: only it runs.
    let more = flowrun(dir.path(), &["w.toml", "--set", "source.count=13"]);
    assert_eq!(skipped(&stdout(&more)), 12, "{}", stdout(&more));
    // A step parameter: everything downstream (the whole image) runs again.
    let sigma = edited(&[]);
    assert_eq!(skipped(&stdout(&sigma)), 0, "{}", stdout(&sigma));
    // A damaged output: only that image runs again.
    std::fs::write(dir.path().join("out/img_004.bmp"), b"damaged").unwrap();
    let damaged = edited(&[]);
    assert_eq!(skipped(&stdout(&damaged)), 12, "{}", stdout(&damaged));
    // --dry-run says what would happen and why, and computes nothing.
    std::fs::remove_file(dir.path().join("out/img_007.bmp")).unwrap();
    let dry = edited(&["--dry-run"]);
    let text = stdout(&dry);
    assert!(
        text.contains("run        7  noise:7  (its output `out/img_007.bmp` is missing)"),
        "{text}"
    );
    assert!(
        text.ends_with("dry run: 1 would run, 12 up to date\n"),
        "{text}"
    );
    assert!(!dir.path().join("out/img_007.bmp").exists());
    // --force recomputes everything.
    let forced = edited(&["--force"]);
    assert_eq!(skipped(&stdout(&forced)), 0, "{}", stdout(&forced));
    // The sidecar names the workflow and the version.
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/results.csv.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["flowrun_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(meta["workflow_file"], "w.toml");
    assert_eq!(meta["workflow_blake3"].as_str().unwrap().len(), 64);
}

#[test]
fn a_full_disk_gives_failed_rows_and_no_partial_files() {
    // A 200 KiB tmpfs holds about 38 of the 100 BMPs. Mounting needs root (CI runs as root).
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=200k", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| stdout(&o))
            .unwrap_or_default();
        assert_ne!(
            uid.trim(),
            "0",
            "root must be able to mount a tmpfs for this test"
        );
        eprintln!("not root: cannot mount a small tmpfs; the full-disk test is not run");
        return;
    }
    std::fs::write(
        dir.path().join("w.toml"),
        format!(
            "[source]\nkind = \"noise\"\ncount = 100\nshape = [64, 64]\n[metrics]\nv = {{ op = \"variance\" }}\n[output]\nimages = \"{}/img_{{index:02}}.bmp\"\nresults = \"out/results.csv\"\n",
            mnt.display()
        ),
    )
    .unwrap();
    let out = flowrun(dir.path(), &["w.toml", "-j", "2"]);
    let files: Vec<(String, u64)> = std::fs::read_dir(&mnt)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .collect();
    let _ = Command::new("umount").arg(&mnt).status();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let status = column(&dir.path().join("out/results.csv"), "status");
    let errors = column(&dir.path().join("out/results.csv"), "error");
    let ok = status.iter().filter(|s| *s == "ok").count();
    assert!(ok > 0 && ok < 100, "{ok} ok");
    for (s, e) in status.iter().zip(&errors) {
        if s == "failed" {
            assert!(e.contains("No space left on device"), "{e}");
        }
    }
    assert_eq!(
        files.len(),
        ok,
        "one complete file per ok image, nothing else: {files:?}"
    );
    assert!(
        files
            .iter()
            .all(|(n, len)| n.ends_with(".bmp") && *len == 5174),
        "{files:?}"
    );
}
