//! `flowrun watch` with real files and the real watcher: slow writers, renames into place, new
//! nested folders, restarts, kill -9, workflow edits, outputs under the watched folder, polling,
//! the folder removed and made again. Every watch stops by itself (`--max-images` or
//! `--idle-timeout`), and a guard kills it if it does not.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any watch of these tests may live.
const GUARD: Duration = Duration::from_secs(90);

const WORKFLOW: &str = r#"
name = "w"
[source]
kind = "glob"
pattern = "in/**/*.png"
[[steps]]
op = "gaussian"
name = "blur"
sigma = 2.0
[metrics]
var = { op = "variance", on = "blur" }
[output]
images = "out/{dir}/{stem}.png"
results = "out/results.csv"
"#;

/// A PNG of `w` × `h` deterministic noise from `seed`.
fn png(seed: u64, w: u32, h: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let img = image::GrayImage::from_fn(w, h, |_, _| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        image::Luma([(x >> 56) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A running `flowrun watch`, its stdout lines collected as they come.
struct Watch {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
    started: Instant,
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Watch {
        let mut child = Command::new(BIN)
            .arg("watch")
            .args(args)
            .current_dir(dir)
            .env_remove("FLOWRUN_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("flowrun watch starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let l = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                l.lock().unwrap().push(line);
            }
        });
        let e = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut e = e.lock().unwrap();
                e.push_str(&line);
                e.push('\n');
            }
        });
        let w = Watch {
            child,
            lines,
            stderr,
            started: Instant::now(),
        };
        // The watcher is up once it says so.
        w.wait_for(|w| w.stderr().contains("watching"), "the watching note");
        w
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The `ok`/`failed` lines so far.
    fn rows(&self) -> Vec<String> {
        all_rows(&self.lines.lock().unwrap())
    }

    /// Waits until `cond` holds (panics after the guard time, with what was seen).
    fn wait_for(&self, cond: impl Fn(&Watch) -> bool, what: &str) {
        while !cond(self) {
            assert!(
                self.started.elapsed() < GUARD,
                "timed out waiting for {what}; stdout: {:?}; stderr: {}",
                self.lines.lock().unwrap(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_rows(&self, n: usize) {
        self.wait_for(|w| w.rows().len() >= n, &format!("{n} rows"));
    }

    /// Waits for the watch to end by itself; its exit code, stdout lines and stderr.
    fn finish(mut self) -> (i32, Vec<String>, String) {
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers drain.
                std::thread::sleep(Duration::from_millis(50));
                let lines = self.lines.lock().unwrap().clone();
                return (status.code().unwrap_or(-1), lines, self.stderr());
            }
            if self.started.elapsed() > GUARD {
                let _ = self.child.kill();
                panic!(
                    "the watch did not stop by itself; stdout: {:?}; stderr: {}",
                    self.lines.lock().unwrap(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill9(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        let lines = self.lines.lock().unwrap().clone();
        lines
    }
}

/// The `ok` lines of a watch's stdout.
fn ok_rows(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("ok "))
        .cloned()
        .collect()
}

/// The `ok` and `failed` lines of a watch's stdout.
fn all_rows(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("ok ") || l.starts_with("failed "))
        .cloned()
        .collect()
}

/// The input column of the `ok` rows.
fn inputs_of(rows: &[String]) -> Vec<String> {
    let mut v: Vec<String> = rows
        .iter()
        .filter_map(|l| l.split_whitespace().nth(2).map(String::from))
        .collect();
    v.sort();
    v
}

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("wf.toml"), WORKFLOW).unwrap();
    std::fs::create_dir_all(d.path().join("in")).unwrap();
    d
}

/// Writes `bytes` to `path` in `chunks` pieces, `gap` apart, through one open file (a slow
/// copy).
fn write_slowly(path: &Path, bytes: &[u8], chunks: usize, gap: Duration) {
    let mut f = std::fs::File::create(path).unwrap();
    for part in bytes.chunks(bytes.len().div_ceil(chunks)) {
        f.write_all(part).unwrap();
        f.flush().unwrap();
        std::thread::sleep(gap);
    }
}

/// Writes `bytes` under a temporary hidden name, then renames it into place.
fn write_renamed(path: &Path, bytes: &[u8]) {
    let tmp = path.with_file_name(format!(
        ".{}.partial",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The metric column of the table by input.
fn table(dir: &Path) -> Vec<(String, String, String)> {
    let (_, rows) = read_csv(&dir.join("out/results.csv"));
    let mut v: Vec<_> = rows
        .into_iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[4].clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn slow_writers_renames_and_new_folders_each_run_once_as_a_batch_run_would() {
    for poll in [false, true] {
        let d = setup();
        let dir = d.path();
        std::fs::write(dir.join("in/early.png"), png(1, 40, 30)).unwrap();
        let mut args = vec![
            "wf.toml",
            "--settle",
            "400ms",
            "--max-images",
            "7",
            "-j",
            "2",
        ];
        if poll {
            args.extend(["--poll", "100ms"]);
        }
        let w = Watch::start(dir, &args);
        let root = dir.to_path_buf();
        let writer = std::thread::spawn(move || {
            let gap = Duration::from_millis(60);
            write_slowly(&root.join("in/slow1.png"), &png(2, 300, 200), 6, gap);
            write_renamed(&root.join("in/renamed.png"), &png(3, 64, 64));
            std::fs::create_dir_all(root.join("in/a/b/c")).unwrap();
            std::fs::write(root.join("in/a/b/c/deep.png"), png(4, 20, 20)).unwrap();
            write_slowly(&root.join("in/a/slow2.png"), &png(5, 128, 100), 4, gap);
            std::fs::create_dir_all(root.join("in/x/y")).unwrap();
            write_renamed(&root.join("in/x/y/moved.png"), &png(6, 33, 17));
            // Temporary names are never taken.
            std::fs::write(root.join("in/skip.png.part"), png(7, 8, 8)).unwrap();
            std::fs::write(root.join("in/.hidden.png"), png(7, 8, 8)).unwrap();
            write_slowly(&root.join("in/x/last.png"), &png(8, 50, 50), 3, gap);
        });
        writer.join().unwrap();
        let (code, lines, err) = w.finish();
        assert_eq!(code, 0, "poll={poll}: {lines:?} {err}");
        let rows: Vec<String> = all_rows(&lines);
        assert!(rows.iter().all(|r| r.starts_with("ok ")), "{rows:?}\n{err}");
        assert_eq!(
            inputs_of(&rows),
            [
                "in/a/b/c/deep.png",
                "in/a/slow2.png",
                "in/early.png",
                "in/renamed.png",
                "in/slow1.png",
                "in/x/last.png",
                "in/x/y/moved.png"
            ],
            "poll={poll}: each image exactly once\n{err}"
        );
        let watched = table(dir);
        // A batch run afterwards redoes nothing, and writes the same numbers.
        let out = flowrun(dir, &["run", "wf.toml"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("7 ok (7 up to date)"),
            "{}",
            stdout(&out)
        );
        let batch = table(dir);
        assert_eq!(watched, batch);
        // And a fresh batch run in another folder makes the same files.
        let fresh = tempfile::tempdir().unwrap();
        std::fs::write(fresh.path().join("wf.toml"), WORKFLOW).unwrap();
        copy_tree(&dir.join("in"), &fresh.path().join("in"));
        let out = flowrun(fresh.path(), &["run", "wf.toml"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(table(fresh.path()), batch);
        for f in ["early.png", "a/b/c/deep.png", "x/y/moved.png", "slow1.png"] {
            assert_eq!(
                std::fs::read(dir.join("out").join(f)).unwrap(),
                std::fs::read(fresh.path().join("out").join(f)).unwrap(),
                "{f}"
            );
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walk(from) {
        let rel = e.strip_prefix(from).unwrap();
        if rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let dst = to.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&e, dst).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_restart_runs_only_what_is_new_or_changed() {
    let d = setup();
    let dir = d.path();
    for i in 0..3 {
        std::fs::write(dir.join(format!("in/f{i}.png")), png(i, 30, 30)).unwrap();
    }
    let w = Watch::start(dir, &["wf.toml", "--idle-timeout", "600ms"]);
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    assert_eq!(inputs_of(&lines[..lines.len() - 1]).len(), 3, "{lines:?}");
    // While stopped: one new file, one changed, one touched without changing.
    std::fs::write(dir.join("in/f3.png"), png(3, 30, 30)).unwrap();
    std::fs::write(dir.join("in/f1.png"), png(11, 30, 30)).unwrap();
    let f2 = std::fs::read(dir.join("in/f2.png")).unwrap();
    std::fs::write(dir.join("in/f2.png"), f2).unwrap();
    let w = Watch::start(
        dir,
        &["wf.toml", "--idle-timeout", "600ms", "--settle", "200ms"],
    );
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    let rows: Vec<String> = ok_rows(&lines);
    assert_eq!(inputs_of(&rows), ["in/f1.png", "in/f3.png"], "{lines:?}");
    // The new file takes the next index; the others keep theirs.
    assert!(rows
        .iter()
        .any(|r| r.split_whitespace().nth(1) == Some("3") && r.contains("f3")));
    assert!(lines.last().unwrap().contains("2 up to date"), "{lines:?}");
}

#[test]
fn kill_9_mid_image_reruns_only_that_image_and_leaves_no_partial_file() {
    let d = setup();
    let dir = d.path();
    let wf = WORKFLOW.replace("sigma = 2.0", "sigma = 40.0");
    std::fs::write(dir.join("wf.toml"), wf).unwrap();
    for i in 0..4 {
        std::fs::write(dir.join(format!("in/big{i}.png")), png(i, 1500, 1500)).unwrap();
    }
    let w = Watch::start(dir, &["wf.toml", "-j", "1", "--settle", "100ms"]);
    w.wait_rows(1);
    let first = w.kill9();
    let done = inputs_of(&ok_rows(&first));
    assert!(!done.is_empty() && done.len() < 4, "{first:?}");
    let w = Watch::start(dir, &["wf.toml", "-j", "2", "--idle-timeout", "500ms"]);
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    let again = inputs_of(&ok_rows(&lines));
    let mut all = done.clone();
    all.extend(again.iter().cloned());
    all.sort();
    assert_eq!(
        all,
        ["in/big0.png", "in/big1.png", "in/big2.png", "in/big3.png"],
        "done before the kill: {done:?}, after: {again:?}"
    );
    // No temp file is left (the restart removes those of the killed run).
    let stray: Vec<_> = walk(&dir.join("out"))
        .into_iter()
        .filter(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with('.')
                && !p.to_string_lossy().contains(".flowrun")
        })
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    // The table holds each image once per time it was computed: 4 rows.
    assert_eq!(table(dir).len(), 4);
}

#[test]
fn an_edit_applies_to_later_images_and_a_broken_one_keeps_the_old_workflow() {
    let d = setup();
    let dir = d.path();
    std::fs::write(dir.join("in/a.png"), png(1, 40, 40)).unwrap();
    let w = Watch::start(dir, &["wf.toml", "--settle", "100ms", "--max-images", "3"]);
    w.wait_rows(1);
    // A valid edit: a wider blur.
    let edited = WORKFLOW.replace("sigma = 2.0", "sigma = 5.0");
    std::fs::write(dir.join("wf.toml.tmp"), &edited).unwrap();
    std::fs::rename(dir.join("wf.toml.tmp"), dir.join("wf.toml")).unwrap();
    w.wait_for(|w| w.stderr().contains("workflow reloaded"), "the reload");
    std::fs::write(dir.join("in/b.png"), png(1, 40, 40)).unwrap();
    w.wait_rows(2);
    // A broken edit: reported with its position, and the last valid workflow goes on.
    std::fs::write(
        dir.join("wf.toml"),
        edited.replace("sigma = 5.0", "sigma = -1.0"),
    )
    .unwrap();
    w.wait_for(
        |w| w.stderr().contains("the previous one goes on"),
        "the error",
    );
    std::fs::write(dir.join("in/c.png"), png(1, 40, 40)).unwrap();
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wf.toml:9:"), "positioned diagnostic: {err}");
    let rows = table(dir);
    assert_eq!(rows.len(), 3, "{lines:?}");
    // Same input pixels: a (sigma 2) differs from b and c (sigma 5), which agree.
    let var: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_ne!(var[0], var[1]);
    assert_eq!(var[1], var[2]);
    // Each row carries the workflow hash it ran with.
    let (header, raw) = read_csv(&dir.join("out/results.csv"));
    let h = header.iter().position(|c| c == "workflow_blake3").unwrap();
    assert_ne!(raw[0][h], raw[1][h]);
    assert_eq!(raw[1][h], raw[2][h]);
}

#[test]
fn outputs_under_the_watched_folder_are_never_inputs() {
    let d = setup();
    let dir = d.path();
    let wf = WORKFLOW.replace("out/{dir}/{stem}.png", "in/done/{stem}_blur.png");
    std::fs::write(dir.join("wf.toml"), wf).unwrap();
    std::fs::write(dir.join("in/a.png"), png(1, 20, 20)).unwrap();
    let w = Watch::start(
        dir,
        &["wf.toml", "--settle", "100ms", "--idle-timeout", "800ms"],
    );
    w.wait_rows(1);
    std::fs::write(dir.join("in/b.png"), png(2, 20, 20)).unwrap();
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("in/done/a_blur.png").exists());
    let rows: Vec<String> = ok_rows(&lines);
    assert_eq!(inputs_of(&rows), ["in/a.png", "in/b.png"], "{lines:?}");
    // Nor after a restart.
    let w = Watch::start(dir, &["wf.toml", "--idle-timeout", "500ms"]);
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    assert!(lines.iter().all(|l| !l.starts_with("ok ")), "{lines:?}");
}

#[test]
fn a_folder_removed_and_made_again_is_watched_again() {
    for poll in [false, true] {
        let d = setup();
        let dir = d.path();
        let mut args = vec!["wf.toml", "--settle", "100ms", "--max-images", "2"];
        if poll {
            args.extend(["--poll", "100ms"]);
        }
        let w = Watch::start(dir, &args);
        std::fs::write(dir.join("in/a.png"), png(1, 20, 20)).unwrap();
        w.wait_rows(1);
        std::fs::remove_dir_all(dir.join("in")).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        std::fs::create_dir_all(dir.join("in/new")).unwrap();
        std::fs::write(dir.join("in/new/b.png"), png(2, 20, 20)).unwrap();
        let (code, lines, err) = w.finish();
        assert_eq!(code, 0, "poll={poll}: {err}");
        let rows: Vec<String> = ok_rows(&lines);
        assert_eq!(
            inputs_of(&rows),
            ["in/a.png", "in/new/b.png"],
            "poll={poll}: {err}"
        );
    }
}

#[test]
fn a_bad_file_is_a_failed_row_retried_when_it_changes_and_the_exit_code_says_so() {
    let d = setup();
    let dir = d.path();
    let w = Watch::start(dir, &["wf.toml", "--settle", "100ms", "--max-images", "2"]);
    std::fs::write(dir.join("in/bad.png"), b"not a png").unwrap();
    w.wait_rows(1);
    std::fs::write(dir.join("in/bad.png"), png(3, 10, 10)).unwrap();
    let (code, lines, err) = w.finish();
    assert_eq!(code, 1, "{err}");
    let rows = all_rows(&lines);
    assert!(rows[0].starts_with("failed"), "{rows:?}");
    assert!(rows[1].starts_with("ok"), "{rows:?}");
}

#[test]
fn watch_refuses_a_generated_source_and_a_held_lock() {
    let d = with_file(
        "n.toml",
        "[source]\nkind = \"noise\"\ncount = 2\nshape = [4, 4]\n[output]\nresults = \"r.csv\"\n",
    );
    let out = flowrun(d.path(), &["watch", "n.toml", "--max-images", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs a glob source"),
        "{}",
        stderr(&out)
    );
    // One record of what is done: a batch run waits for the watch, or exits 2 naming it.
    let d = setup();
    std::fs::write(d.path().join("in/a.png"), png(1, 20, 20)).unwrap();
    let w = Watch::start(d.path(), &["wf.toml", "--idle-timeout", "1500ms"]);
    let out = flowrun(d.path(), &["run", "wf.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("pid"), "{}", stderr(&out));
    let (code, _, err) = w.finish();
    assert_eq!(code, 0, "{err}");
}

#[test]
fn sigterm_and_sigint_end_a_watch_cleanly_with_exit_0() {
    for sig in ["-TERM", "-INT"] {
        let d = setup();
        let dir = d.path();
        std::fs::write(dir.join("in/a.png"), png(1, 20, 20)).unwrap();
        let w = Watch::start(dir, &["wf.toml", "--settle", "100ms"]);
        w.wait_rows(1);
        let pid = w.child.id().to_string();
        let killed = Command::new("kill").args([sig, &pid]).status().unwrap();
        assert!(killed.success());
        let (code, lines, err) = w.finish();
        assert_eq!(code, 0, "{sig}: {err}");
        assert!(lines.last().unwrap().contains("(stopped)"), "{lines:?}");
        assert_eq!(table(dir).len(), 1);
    }
}

#[test]
fn reprocess_on_change_redoes_done_images_and_json_tables_are_json_lines() {
    let d = setup();
    let dir = d.path();
    let wf = WORKFLOW.replace("results.csv", "results.json");
    std::fs::write(dir.join("wf.toml"), &wf).unwrap();
    std::fs::write(dir.join("in/a.png"), png(1, 20, 20)).unwrap();
    let w = Watch::start(
        dir,
        &[
            "wf.toml",
            "--settle",
            "100ms",
            "--max-images",
            "2",
            "--reprocess-on-change",
        ],
    );
    w.wait_rows(1);
    std::fs::write(
        dir.join("wf.toml"),
        wf.replace("sigma = 2.0", "sigma = 3.0"),
    )
    .unwrap();
    let (code, lines, err) = w.finish();
    assert_eq!(code, 0, "{err}");
    let rows: Vec<String> = ok_rows(&lines);
    assert_eq!(inputs_of(&rows), ["in/a.png", "in/a.png"], "{lines:?}");
    let text = std::fs::read_to_string(dir.join("out/results.json")).unwrap();
    let objs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 2);
    assert_ne!(objs[0]["var"], objs[1]["var"]);
    assert_ne!(objs[0]["workflow_blake3"], objs[1]["workflow_blake3"]);
    // A batch run afterwards writes the whole table again, as a JSON array; nothing to redo.
    let out = flowrun(dir, &["run", "wf.toml"]);
    assert!(
        stdout(&out).contains("1 ok (1 up to date)"),
        "{}",
        stdout(&out)
    );
}
