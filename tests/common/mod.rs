//! Shared helpers for the integration tests: run the real binary in a folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_flowrun");

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs flowrun with `args` in `cwd`.
pub fn flowrun(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("FLOWRUN_LOG")
        .output()
        .expect("flowrun runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temp folder holding `name` with `text`.
pub fn with_file(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write");
    dir
}

pub fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses a results CSV into (header, rows): fields in double quotes may hold commas, quotes
/// (doubled) and line breaks.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    let mut records = records.into_iter();
    let header = records.next().unwrap_or_default();
    (header, records.collect())
}

/// The column `name` of a CSV as strings.
pub fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, rows) = read_csv(path);
    let k = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.into_iter().map(|r| r[k].clone()).collect()
}

/// The resume-state log under `dir/out/.flowrun/` (the one `*.state.jsonl` there), if any.
pub fn state_file(dir: &Path) -> Option<PathBuf> {
    state_file_in(&dir.join("out/.flowrun"))
}

/// The one `*.state.jsonl` in the state folder `state_dir`, if any.
pub fn state_file_in(state_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(state_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".state.jsonl"))
}

/// Runs flowrun with `args` in `cwd` and returns its output and peak resident memory in KiB
/// (from `wait4`'s resource usage of that one process).
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which also gives its resource usage
pub fn flowrun_peak_kib(cwd: &Path, args: &[&str]) -> (std::process::ExitStatus, String, i64) {
    use std::os::unix::process::ExitStatusExt;
    let child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("FLOWRUN_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("flowrun runs");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.expect("stdout");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut out, &mut text).expect("read stdout");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    (
        std::process::ExitStatus::from_raw(status),
        text,
        usage.ru_maxrss,
    )
}
