//! The small things that decide whether flowrun feels solid: signals, outputs inside the input
//! tree, identity filters, paths, terminal and JSON output, state identity, validation, the man
//! page and `flowrun clean`.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn pngs(dir: &Path, folder: &str, names: &[&str]) {
    std::fs::create_dir_all(dir.join(folder)).unwrap();
    for (k, n) in names.iter().enumerate() {
        let img =
            image::GrayImage::from_fn(9, 7, |x, y| image::Luma([(x * 20 + y * 3) as u8 + k as u8]));
        img.save(dir.join(folder).join(format!("{n}.png"))).unwrap();
    }
}

const NOISE: &str = "[source]
kind = \"noise\"
count = 3
shape = [16, 16]
[[steps]]
op = \"gaussian\"
sigma = 2.0
[metrics]
v = { op = \"variance\" }
[output]
images = \"out/img_{index}.bmp\"
results = \"out/results.csv\"
";

const SLOW: &str = "[source]
kind = \"noise\"
count = 3000
shape = [256, 256]
[[steps]]
op = \"gaussian\"
sigma = 12.0
[output]
images = \"out/img_{index:04}.bmp\"
results = \"out/results.csv\"
";

/// Starts a slow run and waits until it has written some rows.
fn slow_run(dir: &Path) -> std::process::Child {
    let child = Command::new(BIN)
        .args(["w.toml", "-j", "1"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let rows = state_file(dir)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map_or(0, |t| t.lines().count());
        if rows >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

fn signal(child: &std::process::Child, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Hidden temp files anywhere under `dir/out`.
fn temps(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for sub in ["out", "out/.flowrun"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.ends_with(".flowrun-tmp") {
                    found.push(n);
                }
            }
        }
    }
    found
}

#[test]
fn sighup_stops_like_sigterm() {
    let dir = with_file("w.toml", SLOW);
    let child = slow_run(dir.path());
    signal(&child, "HUP");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SIGHUP: stopping"),
        "{}",
        stderr(&out)
    );
    assert_eq!(temps(dir.path()), Vec::<String>::new());
    let status = column(&dir.path().join("out/results.csv"), "status");
    assert_eq!(
        status.len(),
        3000,
        "the table is committed, every row in it"
    );
}

#[test]
fn a_second_sigint_abandons_and_says_what() {
    // Images long enough (2048², σ = 12) to still be in flight at the second signal.
    let dir = with_file(
        "w.toml",
        &SLOW
            .replace("count = 3000", "count = 40")
            .replace("[256, 256]", "[2048, 2048]"),
    );
    let child = slow_run(dir.path());
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(5));
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = stderr(&out);
    assert!(err.contains("SIGINT again: abandoned "), "{err}");
    assert!(err.contains("in flight"), "{err}");
    assert_eq!(
        temps(dir.path()),
        Vec::<String>::new(),
        "no temp table left"
    );
    // The rerun skips what was recorded.
    let rerun = flowrun(dir.path(), &["w.toml", "--dry-run"]);
    assert!(stdout(&rerun).contains("up to date"), "{}", stdout(&rerun));
}

/// `**/*.png` with outputs in the same tree: flowrun's own outputs are not taken as inputs.
#[test]
fn outputs_inside_the_input_tree_are_not_inputs() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"data/**/*.png\"\n[[steps]]\nop = \"gaussian\"\n[output]\nimages = \"data/blurred/{stem}.png\"\nresults = \"data/results.csv\"\n",
    );
    pngs(dir.path(), "data/raw", &["a", "b"]);
    let first = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("2 images, 2 ok (2 up to date)"),
        "{}",
        stdout(&second)
    );
    // Without the state, the old outputs are real inputs: the overwrite is refused, with a
    // hint that works.
    std::fs::remove_dir_all(dir.path().join("data/.flowrun")).unwrap();
    let lost = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(lost.status.code(), Some(2));
    let err = stderr(&lost);
    assert!(err.contains("would be written over input file"), "{err}");
    assert!(err.contains("exclude = [\"data/blurred/**\"]"), "{err}");
    let fixed = flowrun(
        dir.path(),
        &["w.toml", "--set", "source.exclude=[\"data/blurred/**\"]"],
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
}

#[test]
fn an_exclude_that_leaves_out_nothing_is_reported() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"in/*.png\"\nexclude = [\"in/thumbs/*\", \"in/b.png\"]\n[output]\nresults = \"out/r.csv\"\n",
    );
    pngs(dir.path(), "in", &["a", "b"]);
    let out = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "warning: `source.exclude` pattern `in/thumbs/*` leaves out no file (excludes are globs relative to the current directory, spelled like `source.pattern`)\n"
    );
    assert!(stdout(&out).contains("1 image,"), "{}", stdout(&out));
}

#[test]
fn paths_are_normalised() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"in/**/*.png\"\n[output]\nimages = \"out/{dir}/{stem}.bmp\"\nresults = \"./out//r.csv\"\n",
    );
    pngs(dir.path(), "in", &["a"]);
    pngs(dir.path(), "in/sub", &["b"]);
    let out = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        column(&dir.path().join("out/r.csv"), "output"),
        ["out/a.bmp", "out/sub/b.bmp"]
    );
    assert!(
        stdout(&out).contains("results in out/r.csv"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn messages_are_plain_text_or_json_lines() {
    let dir = with_file("w.toml", NOISE);
    std::fs::write(
        dir.path().join("bad.toml"),
        NOISE.replace("sigma = 2.0", "sigma = -1"),
    )
    .unwrap();
    // Not a terminal: no colour codes.
    let bad = flowrun(dir.path(), &["bad.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!stderr(&bad).contains('\x1b'), "{}", stderr(&bad));
    // JSON: every stderr line is an object, errors and the summary included.
    let json = flowrun(dir.path(), &["bad.toml", "--log-format", "json"]);
    let lines: Vec<serde_json::Value> = stderr(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["fields"]["line"], 7);
    let run = flowrun(
        dir.path(),
        &["w.toml", "--log-format", "json", "--set", "expect.v.max=0"],
    );
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stdout(&run), "", "the summary goes with the other lines");
    let lines: Vec<serde_json::Value> = stderr(&run)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["fields"]["message"] == "run finished"));
    assert!(lines
        .iter()
        .any(|l| l["fields"]["message"] == "expectation failed"));
    // A bad FLOWRUN_LOG is reported, and the run goes on.
    let log = Command::new(BIN)
        .args(["w.toml", "--only", "0"])
        .current_dir(dir.path())
        .env("FLOWRUN_LOG", "flowrun=loud")
        .output()
        .unwrap();
    assert_eq!(log.status.code(), Some(0));
    assert!(
        stderr(&log).starts_with("warning: ignoring FLOWRUN_LOG=\"flowrun=loud\""),
        "{}",
        stderr(&log)
    );
    assert!(
        stdout(&log).starts_with("w: 1 of 3 images, 1 ok"),
        "{}",
        stdout(&log)
    );
}

#[test]
fn progress_always_to_a_file_prints_plain_lines() {
    let dir = with_file("w.toml", &SLOW.replace("count = 3000", "count = 300"));
    let out = flowrun(dir.path(), &["w.toml", "-j", "1", "--progress", "always"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    for line in err.lines() {
        assert!(line.starts_with("progress: "), "{line}");
        assert!(
            line.contains("/300 images (") && line.contains(", ETA "),
            "{line}"
        );
    }
}

#[test]
fn a_workflow_that_writes_nothing_is_warned_about() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"noise\"\ncount = 1\nshape = [4, 4]\n",
    );
    let out = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).starts_with("warning: the workflow writes nothing"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("w: 1 image, 1 ok"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn state_follows_the_workflow_file_not_its_name_or_table_format() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("w.toml"), NOISE).unwrap();
    }
    assert_eq!(flowrun(dir.path(), &["a/w.toml"]).status.code(), Some(0));
    // The table as json: nothing recomputed.
    let json = flowrun(
        dir.path(),
        &["a/w.toml", "--set", "output.results=out/results.json"],
    );
    assert!(
        stdout(&json).contains("(3 up to date)"),
        "{}",
        stdout(&json)
    );
    // Another file of the same name has its own state.
    let other = flowrun(dir.path(), &["b/w.toml", "--dry-run"]);
    assert!(
        stdout(&other).ends_with("dry run: 3 would run, 0 up to date\n"),
        "{}",
        stdout(&other)
    );
}

#[test]
fn validation_speaks_plainly() {
    let dir = with_file("w.toml", &format!("{NOISE}[expect.v]\nmax = nan\n"));
    let out = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: `expect.v.max` is not a number"),
        "{}",
        stderr(&out)
    );
    let dir = with_file("w.toml", NOISE);
    for (only, msg) in [
        ("-1", "error: --only `-1`: image indexes start at 0\n"),
        (
            "5..",
            "error: --only `5..` is out of range: the workflow has 3 images (0..3)\n",
        ),
        (
            "3",
            "error: --only `3` is out of range: the workflow has 3 images (0..3)\n",
        ),
    ] {
        let out = flowrun(dir.path(), &["w.toml", "--only", only]);
        assert_eq!(out.status.code(), Some(2), "{only}");
        assert_eq!(stderr(&out), msg);
    }
    let out = flowrun(dir.path(), &["w.toml", "--only", "1.."]);
    assert!(
        stdout(&out).starts_with("w: 2 of 3 images"),
        "{}",
        stdout(&out)
    );
    // YAML: `x-` keys are the user's own (anchors for merge keys); several documents are named.
    let yaml = "x-blur: &blur\n  op: gaussian\n  sigma: 2.0\nsource: {kind: noise, count: 2, shape: [8, 8]}\nsteps:\n  - <<: *blur\n    name: a\n  - <<: *blur\n    name: b\n    sigma: 3\n";
    std::fs::write(dir.path().join("w.yaml"), yaml).unwrap();
    let out = flowrun(dir.path(), &["plan", "w.yaml", "--only", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("b: gaussian sigma=3"),
        "{}",
        stdout(&out)
    );
    std::fs::write(dir.path().join("m.yaml"), format!("{yaml}---\nname: x\n")).unwrap();
    let out = flowrun(dir.path(), &["check", "m.yaml"]);
    assert!(
        stderr(&out).contains("error: the file holds more than one YAML document"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_man_page_is_printed() {
    let out = flowrun(Path::new("."), &["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH flowrun"),
        "{page}"
    );
    assert!(
        page.contains("wait\\-lock") || page.contains("clean"),
        "{page}"
    );
}

#[test]
fn clean_removes_only_what_the_workflow_no_longer_makes() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"in/*.png\"\n[output]\nimages = \"out/{stem}.bmp\"\nresults = \"out/r.csv\"\n",
    );
    pngs(dir.path(), "in", &["a", "b", "c"]);
    assert_eq!(flowrun(dir.path(), &["w.toml"]).status.code(), Some(0));
    // `c` leaves; the pattern changes; a file of the user's sits beside the outputs.
    std::fs::remove_file(dir.path().join("in/c.png")).unwrap();
    std::fs::write(dir.path().join("out/notes.txt"), b"mine").unwrap();
    let moved = ["w.toml", "--set", "output.images=out/v2/{stem}.bmp"];
    assert_eq!(flowrun(dir.path(), &moved).status.code(), Some(0));
    // `b`'s old output was edited by hand: it is kept.
    std::fs::write(dir.path().join("out/b.bmp"), b"edited").unwrap();
    let dry = flowrun(
        dir.path(),
        &[
            "clean",
            "w.toml",
            "--set",
            "output.images=out/v2/{stem}.bmp",
            "--dry-run",
        ],
    );
    assert_eq!(
        stdout(&dry),
        "would remove out/a.bmp  (the workflow writes this image's outputs elsewhere now)\n\
         kept out/b.bmp  (it changed since flowrun wrote it)\n\
         would remove out/c.bmp  (`in/c.png` is no longer an input)\n\
         clean: would remove 2 files, kept 1 file\n"
    );
    assert!(dir.path().join("out/a.bmp").exists());
    let clean = flowrun(
        dir.path(),
        &[
            "clean",
            "w.toml",
            "--set",
            "output.images=out/v2/{stem}.bmp",
        ],
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".flowrun",
            "b.bmp",
            "notes.txt",
            "r.csv",
            "r.csv.meta.json",
            "v2"
        ]
    );
    // Nothing more to clean, and the current outputs are still up to date.
    let again = flowrun(
        dir.path(),
        &[
            "clean",
            "w.toml",
            "--set",
            "output.images=out/v2/{stem}.bmp",
        ],
    );
    assert!(
        stdout(&again).ends_with("clean: removed 0 files, kept 0 files\n"),
        "{}",
        stdout(&again)
    );
    let rerun = flowrun(dir.path(), &moved);
    assert!(
        stdout(&rerun).contains("(2 up to date)"),
        "{}",
        stdout(&rerun)
    );
}
