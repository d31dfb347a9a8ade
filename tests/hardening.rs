//! The runner under real use: symlinked folders, reruns after `--only`, two terminals, pipes
//! into `head`, files that go bad, folders that grow, outputs that cannot be written. Each test
//! here reproduces a way flowrun once lost or hid data, and checks it no longer does.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Three small PNGs (`a`, `b`, `c`) in `dir/in`.
fn inputs(dir: &Path, names: &[&str]) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    for (k, n) in names.iter().enumerate() {
        let img =
            image::GrayImage::from_fn(9, 7, |x, y| image::Luma([(x * 20 + y * 3) as u8 + k as u8]));
        img.save(dir.join("in").join(format!("{n}.png"))).unwrap();
    }
}

const GLOB: &str = "[source]
kind = \"glob\"
pattern = \"in/*.png\"
[[steps]]
op = \"gaussian\"
sigma = 1.0
save = \"out/smooth/{stem}.png\"
[metrics]
m = { op = \"mean\" }
[output]
images = \"out/{stem}.bmp\"
results = \"out/results.csv\"
";

#[test]
fn an_input_is_never_written_over_through_a_symlinked_folder() {
    let dir = with_file(
        "w.toml",
        &GLOB.replace("out/{stem}.bmp", "alias/{stem}.png"),
    );
    inputs(dir.path(), &["a", "b"]);
    std::os::unix::fs::symlink("in", dir.path().join("alias")).unwrap();
    let before = sha256(&dir.path().join("in/a.png"));
    let check = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(
        stderr(&check).contains(
            "image 0 would be written over input file `in/a.png` (`alias/a.png` is that file)"
        ),
        "{}",
        stderr(&check)
    );
    let run = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(sha256(&dir.path().join("in/a.png")), before);
}

/// A hard link compile cannot see: the worker refuses to replace the input at write time.
#[test]
fn a_worker_never_replaces_an_input_file() {
    let dir = with_file("w.toml", &GLOB.replace("out/{stem}.bmp", "out/{stem}.png"));
    inputs(dir.path(), &["a", "b"]);
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::hard_link(dir.path().join("in/a.png"), dir.path().join("out/a.png")).unwrap();
    let before = sha256(&dir.path().join("in/a.png"));
    let run = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert_eq!(sha256(&dir.path().join("in/a.png")), before);
    let errors = column(&dir.path().join("out/results.csv"), "error");
    assert!(
        errors[0].contains("refusing to replace `out/a.png`: it is one of this run's input files"),
        "{errors:?}"
    );
    assert_eq!(errors[1], "");
}

/// `--only` updates its rows and keeps every other row: from the state, or `not run`.
#[test]
fn only_keeps_a_row_for_every_image() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["a", "b", "c"]);
    let first = flowrun(dir.path(), &["w.toml", "--only", "0,2"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let table = dir.path().join("out/results.csv");
    assert_eq!(column(&table, "status"), ["ok", "not run", "ok"]);
    let full = std::fs::read_to_string(&table).unwrap();
    let second = flowrun(dir.path(), &["w.toml", "--only", "1", "--force"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(column(&table, "status"), ["ok", "ok", "ok"]);
    let now = std::fs::read_to_string(&table).unwrap();
    // Rows 0 and 2 are exactly as before (timings included): kept, not recomputed.
    let lines = |t: &str| t.lines().map(String::from).collect::<Vec<_>>();
    assert_eq!(lines(&now)[1], lines(&full)[1]);
    assert_eq!(lines(&now)[3], lines(&full)[3]);
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/results.csv.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["images"], 3);
    assert_eq!(meta["this_run"]["selected"], 1);
    // A changed workflow: the rows it did not rerun are marked outdated, without values.
    let edited = flowrun(
        dir.path(),
        &["w.toml", "--only", "1", "--set", "steps.0.sigma=2"],
    );
    assert_eq!(edited.status.code(), Some(0));
    assert_eq!(column(&table, "status"), ["outdated", "ok", "outdated"]);
    assert_eq!(column(&table, "m")[0], "");
    assert_eq!(
        column(&table, "error")[0],
        "the workflow changed since it ran"
    );
}

/// A workflow slow enough to still be running when a second run starts.
const SLOW: &str = "[source]
kind = \"noise\"
count = 400
shape = [256, 256]
[[steps]]
op = \"gaussian\"
sigma = 12.0
[metrics]
v = { op = \"variance\" }
[output]
images = \"out/img_{index:03}.bmp\"
results = \"out/results.csv\"
";

#[test]
fn a_second_run_at_once_is_refused_and_the_first_is_untouched() {
    let dir = with_file("w.toml", SLOW);
    let first = Command::new(BIN)
        .args(["w.toml", "-j", "1", "-q"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Until the first run holds the lock (its state folder exists and the lock names it).
    let lock_taken = Instant::now();
    let state = dir.path().join("out/.flowrun");
    while lock_taken.elapsed() < Duration::from_secs(10) {
        let held = std::fs::read_dir(&state).ok().is_some_and(|rd| {
            rd.filter_map(Result::ok).any(|e| {
                e.file_name().to_string_lossy().ends_with(".lock")
                    && std::fs::read_to_string(e.path()).is_ok_and(|t| t.starts_with("pid "))
            })
        });
        if held {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = flowrun(dir.path(), &["w.toml", "--set", "steps.0.sigma=3"]);
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(
        err.contains("another flowrun run is using this workflow's outputs (pid ")
            && err.contains(", started ")
            && err.contains("--wait-lock"),
        "{err}"
    );
    // The first run's table and images describe one run: every row ok, every image there.
    let status = column(&dir.path().join("out/results.csv"), "status");
    assert_eq!(status.len(), 400);
    assert!(status.iter().all(|s| s == "ok"));
    // With --wait-lock the second run waits its turn, then finds everything up to date.
    let again = flowrun(dir.path(), &["w.toml", "--wait-lock"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("(400 up to date)"),
        "{}",
        stdout(&again)
    );
}

/// Runs `flowrun args` with stdout going to `stdout`.
fn run_to(dir: &Path, args: &[&str], stdout: Stdio) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_or_full_stdout_is_an_orderly_end() {
    let dir = with_file(
        "w.toml",
        &SLOW
            .replace("count = 400", "count = 5000")
            .replace("[256, 256]", "[4, 4]"),
    );
    // `flowrun … --dry-run | head -1`: the reader goes away after one line.
    let mut child = Command::new(BIN)
        .args(["w.toml", "--dry-run"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        assert!(first.starts_with("run "), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "a broken pipe ends quietly");
    // `flowrun plan … > /dev/full`: one line of error, exit 1.
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = run_to(dir.path(), &["plan", "w.toml"], Stdio::from(full));
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out),
            "error: cannot write to standard output: No space left on device (os error 28)\n"
        );
    }
}

#[test]
fn an_image_that_starts_failing_loses_its_outputs() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["a", "b"]);
    assert_eq!(flowrun(dir.path(), &["w.toml"]).status.code(), Some(0));
    assert!(dir.path().join("out/a.bmp").exists());
    std::fs::write(dir.path().join("in/a.png"), b"not an image").unwrap();
    let out = flowrun(dir.path(), &["w.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("out/a.bmp").exists());
    assert!(!dir.path().join("out/smooth/a.png").exists());
    assert!(dir.path().join("out/b.bmp").exists());
    let error = &column(&dir.path().join("out/results.csv"), "error")[0];
    assert!(
        error.ends_with("removed its earlier outputs `out/smooth/a.png`, `out/a.bmp`"),
        "{error}"
    );
    // The summary prints the failure once, without repeating the file name.
    let err = stderr(&out);
    assert_eq!(err.matches("not a supported image").count(), 1, "{err}");
    assert!(
        err.contains("failed: image 0 (in/a.png): not a supported image"),
        "{err}"
    );
}

/// Adding a file at the front of a folder shifts every index, and recomputes nothing else.
#[test]
fn a_new_file_reruns_only_itself_with_true_reasons() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["b", "c"]);
    assert_eq!(flowrun(dir.path(), &["w.toml"]).status.code(), Some(0));
    inputs(dir.path(), &["a"]);
    let dry = flowrun(dir.path(), &["w.toml", "--dry-run"]);
    assert_eq!(
        stdout(&dry),
        "run        0  in/a.png  (not run before)\n\
         skip       1  in/b.png  (up to date)\n\
         skip       2  in/c.png  (up to date)\n\
         dry run: 1 would run, 2 up to date\n"
    );
    let run = flowrun(dir.path(), &["w.toml"]);
    assert!(
        stdout(&run).contains("3 images, 3 ok (2 up to date)"),
        "{}",
        stdout(&run)
    );
    // An index in an output pattern makes the index part of what an image is.
    let indexed = flowrun(
        dir.path(),
        &[
            "w.toml",
            "--dry-run",
            "--set",
            "output.images=out/{index}.bmp",
        ],
    );
    assert!(
        stdout(&indexed).contains("run        1  in/b.png  (its output paths changed)"),
        "{}",
        stdout(&indexed)
    );
}

#[test]
fn output_problems_are_found_before_any_compute() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["a"]);
    std::fs::create_dir_all(dir.path().join("out/results.csv")).unwrap();
    std::fs::write(dir.path().join("file"), b"x").unwrap();
    let out = flowrun(
        dir.path(),
        &["w.toml", "--set", "steps.0.save=file/{stem}.png"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot write the results table `out/results.csv`: it is a folder"),
        "{err}"
    );
    assert!(
        err.contains("cannot write `file/a.png`: `file` is a file, not a folder"),
        "{err}"
    );
    assert!(!dir.path().join("out/a.bmp").exists(), "nothing computed");
}

/// A folder nobody may write to (a read-only mount; root may write anywhere else).
#[test]
fn an_unwritable_output_folder_is_found_before_any_compute() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["a"]);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
        .arg(&ro)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("cannot mount a read-only tmpfs (not root?): test skipped");
        return;
    }
    let out = flowrun(
        dir.path(),
        &["w.toml", "--set", "output.images=ro/{stem}.bmp"],
    );
    let _ = Command::new("umount").arg(&ro).status();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("cannot write `ro/a.bmp`: cannot create files in `ro`: permission denied"),
        "{}",
        stderr(&out)
    );
}

/// Memory does not grow with the number of images on a first run, and grows by a small index
/// entry per recorded image on a rerun that skips them all.
#[test]
fn memory_is_flat_in_the_number_of_images() {
    let peak = |count: u32, rerun: bool| {
        let dir = with_file(
            "w.toml",
            &format!("[source]\nkind = \"noise\"\ncount = {count}\nshape = [1, 1]\n[metrics]\nm = {{ op = \"mean\" }}\n[output]\nresults = \"out/r.csv\"\n"),
        );
        let (status, out, kib) = flowrun_peak_kib(dir.path(), &["w.toml", "-j", "2"]);
        assert!(status.success(), "{out}");
        if !rerun {
            return kib;
        }
        let (status, out, kib) = flowrun_peak_kib(dir.path(), &["w.toml", "-j", "2"]);
        assert!(
            status.success() && out.contains(&format!("({count} up to date)")),
            "{out}"
        );
        kib
    };
    let (small, large) = (20_000, 200_000);
    let first = (peak(small, false), peak(large, false));
    let rerun = (peak(small, true), peak(large, true));
    eprintln!("peak KiB: first run {first:?}, rerun {rerun:?} for {small} and {large} images");
    assert!(first.1 - first.0 < 4 << 10, "first run: {first:?} KiB");
    // The rerun's index: 16 bytes per recorded image (2.9 MB for 180 000 more), plus slack.
    assert!(rerun.1 - rerun.0 < 8 << 10, "rerun: {rerun:?} KiB");
}

/// Exit codes as documented: 0 all ok, 1 an image or expectation failed, 2 invalid workflow or
/// usage, 130 interrupted (covered in reliability.rs).
#[test]
fn exit_codes_are_as_documented() {
    let dir = with_file("w.toml", GLOB);
    inputs(dir.path(), &["a", "b"]);
    assert_eq!(flowrun(dir.path(), &["w.toml"]).status.code(), Some(0));
    let expect = flowrun(dir.path(), &["w.toml", "--set", "expect.m.max=0"]);
    assert_eq!(expect.status.code(), Some(1));
    std::fs::write(dir.path().join("in/b.png"), b"broken").unwrap();
    assert_eq!(flowrun(dir.path(), &["w.toml"]).status.code(), Some(1));
    assert_eq!(
        flowrun(dir.path(), &["w.toml", "--set", "steps.0.sigma=-1"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        flowrun(dir.path(), &["w.toml", "--bogus"]).status.code(),
        Some(2)
    );
    assert_eq!(
        flowrun(dir.path(), &["missing.toml"]).status.code(),
        Some(2)
    );
}
