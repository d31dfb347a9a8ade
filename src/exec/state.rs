//! Resume state: what each finished image was made from, so a rerun skips images that are up to
//! date. Stored append-only as JSON lines in a `.flowrun/` folder beside the results table (or,
//! without one, in `./.flowrun/`), handed to the OS after every batch of rows. It is not fsync'd:
//! that would force ext4 to write back every output file created so far (data=ordered) once per
//! batch. A killed process loses nothing the OS has; after a power cut the state may be older than
//! the outputs, which only means some images are recomputed (outputs are verified by hash anyway).
//!
//! An image's **key** is a blake3 hash of: a results-version salt (bumped whenever flowrun's
//! numbers change) and which `exp` the kernels use; the compiled plan as it affects that image
//! (source parameters, every step's op and parameters, metric ops and what they read, writer
//! formats and dtypes — not file formatting, comments or names of unrelated things); the image's
//! index and rendered output paths; and its input content (the file's bytes, or for noise its
//! generator parameters, which are in the plan). A rerun skips an image when its key matches the
//! recorded one and every recorded output still exists with the recorded hash (xxh3-128: a
//! check against changed files, not against an adversary); otherwise
//! the image is recomputed from its input. Pixels are not cached between steps, so any change
//! that affects an image (a step parameter, a new metric) recomputes that whole image; images the
//! change does not affect are skipped. Failed images are not recorded and always run again.

use crate::plan::{output_format, Job, Plan, SourcePlan};
use crate::sinks::encode::ImageFormat;
use crate::sinks::results::{repr_f64, Repr, Row};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Bump whenever a change to flowrun changes any output byte or metric value.
pub const RESULTS_VERSION: u32 = 1;

/// One finished image, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub index: u64,
    pub key: String,
    pub input: String,
    /// Metric values printed like Python's repr (exact; `nan`/`inf` allowed).
    pub metrics: Vec<String>,
    /// `(path, hash hex)` of every output written ([`output_hash`]).
    pub outputs: Vec<(String, String)>,
    pub elapsed_ms: f64,
}

impl Entry {
    /// The results row this entry stands for.
    pub fn row(&self) -> Row {
        Row {
            index: self.index,
            input: self.input.clone(),
            error: None,
            metrics: self
                .metrics
                .iter()
                .map(|m| m.parse().unwrap_or(f64::NAN))
                .collect(),
            outputs: self.outputs.iter().map(|(p, _)| p.clone()).collect(),
            elapsed_ms: self.elapsed_ms,
        }
    }

    /// Whether every recorded output still exists with its recorded content.
    pub fn outputs_intact(&self) -> bool {
        self.outputs
            .iter()
            .all(|(p, h)| std::fs::read(p).is_ok_and(|bytes| output_hex(output_hash(&bytes)) == *h))
    }

    pub fn new(row: &Row, key: String, hashes: Vec<String>) -> Entry {
        Entry {
            index: row.index,
            key,
            input: row.input.clone(),
            metrics: row.metrics.iter().map(|&v| repr_f64(v)).collect(),
            outputs: row.outputs.iter().cloned().zip(hashes).collect(),
            elapsed_ms: row.elapsed_ms,
        }
    }
}

/// What a recomputed image adds to its row to make its [`Entry`]: its key and the
/// [`output_hash`] of each output, in writer order.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEntry {
    pub key: blake3::Hash,
    pub hashes: Vec<u128>,
}

/// A new entry as the log line is written: the [`Entry`] of a row, borrowed from it — serialises
/// exactly like `Entry::new(row, key, hashes)` without building it.
#[derive(Serialize)]
struct EntryLine<'a> {
    index: u64,
    key: Hex,
    input: &'a str,
    metrics: Reprs<'a>,
    outputs: Outputs<'a>,
    elapsed_ms: f64,
}

/// A blake3 hash as its hex string.
struct Hex(blake3::Hash);

impl Serialize for Hex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.to_hex().as_str())
    }
}

/// Metric values as their `repr` strings.
struct Reprs<'a>(&'a [f64]);

impl Serialize for Reprs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct One(f64);
        impl Serialize for One {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(Repr::new(self.0).as_str())
            }
        }
        s.collect_seq(self.0.iter().map(|&v| One(v)))
    }
}

/// `(path, hash hex)` pairs.
struct Outputs<'a>(&'a [String], &'a [u128]);

impl Serialize for Outputs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().zip(self.1).map(|(p, h)| (p, output_hex(*h))))
    }
}

/// The hash an output is recorded with: xxh3-128 of its bytes. It only has to notice a changed or
/// truncated file, and on a 2 KB output (a 32² BMP) it costs a fraction of blake3's 1.2 µs, which
/// hashes an input of a few KB one 64-byte block at a time.
pub fn output_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// An [`output_hash`] as recorded: 32 lowercase hex digits.
fn output_hex(h: u128) -> String {
    format!("{h:032x}")
}

/// Where the state of `plan` lives.
pub fn state_path(plan: &Plan) -> PathBuf {
    match &plan.results {
        Some(r) => {
            let dir = r.path.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = r
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            dir.join(".flowrun").join(format!("{name}.state.jsonl"))
        }
        None => PathBuf::from(".flowrun").join(format!("{}.state.jsonl", plan.workflow)),
    }
}

/// The plan's part of every key: everything that affects an image's outputs and metric values.
pub fn plan_fingerprint(plan: &Plan, exp_name: &str) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    let mut add = |s: String| {
        h.update(s.as_bytes());
        h.update(b"\0");
    };
    add(format!("results-version {RESULTS_VERSION} exp {exp_name}"));
    match &plan.source {
        SourcePlan::Noise { spec, .. } => add(format!("noise {spec:?}")),
        SourcePlan::Files { decode, .. } => add(format!("files {decode:?}")),
    }
    for s in &plan.steps {
        add(format!("step {:?}", s.op));
    }
    for m in &plan.metrics {
        add(format!("metric {:?} on {:?}", m.kind, m.on));
    }
    for w in &plan.writers {
        add(format!("writer {:?} {:?}", w.node, w.dtype));
    }
    h.finalize()
}

/// An image's key: the plan fingerprint, the job's index and outputs, and its input's content.
pub fn job_key(fingerprint: &blake3::Hash, job: &Job, input_bytes: Option<&[u8]>) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(fingerprint.as_bytes());
    h.update(&job.index.to_le_bytes());
    for p in &job.outputs {
        h.update(p.as_os_str().as_encoded_bytes());
        if let Some(f) = output_format(p) {
            h.update(format_tag(f));
        }
    }
    if let Some(bytes) = input_bytes {
        h.update(blake3::hash(bytes).as_bytes());
    }
    h.finalize()
}

/// A format's part of an image key: the bytes of `format!("\0{f:?}\0")`, which keys have
/// always hashed, as constants (formatting them took a third of the key's time on small images).
fn format_tag(f: ImageFormat) -> &'static [u8] {
    match f {
        ImageFormat::Bmp => b"\0Bmp\0",
        ImageFormat::Png => b"\0Png\0",
        ImageFormat::Jpeg => b"\0Jpeg\0",
        ImageFormat::Tiff => b"\0Tiff\0",
    }
}

/// The recorded state, and the log new entries are appended to.
pub struct State {
    path: PathBuf,
    /// The latest entry per index, as loaded (new entries only go to the log, so memory does not
    /// grow during a run).
    pub entries: HashMap<u64, Entry>,
    log: Option<io::BufWriter<File>>,
    /// Lines in the log: read at load plus appended.
    lines: usize,
    /// The line being appended, serialised in full before it reaches the log (so that a
    /// serialisation error never leaves half a line there).
    line: Vec<u8>,
}

impl State {
    /// Reads the state at `path` (missing = empty; a torn last line from a crash is ignored).
    pub fn load(path: &Path) -> State {
        let mut entries = HashMap::new();
        let mut lines = 0;
        if let Ok(f) = File::open(path) {
            for line in BufReader::new(f).lines() {
                let Ok(line) = line else { break };
                lines += 1;
                if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                    entries.insert(e.index, e);
                }
            }
        }
        State {
            path: path.to_path_buf(),
            entries,
            log: None,
            lines,
            line: Vec::new(),
        }
    }

    /// A state with no entries that appends to the log at `path` (for `--force`). The log's
    /// existing lines are counted (not kept), so that [`State::finish`] still compacts it.
    pub fn empty(path: &Path) -> State {
        let lines = File::open(path)
            .map(|f| BufReader::new(f).lines().map_while(Result::ok).count())
            .unwrap_or(0);
        State {
            path: path.to_path_buf(),
            entries: HashMap::new(),
            log: None,
            lines,
            line: Vec::new(),
        }
    }

    /// Appends the entry of a recomputed image: `row` with its key and output hashes (the same
    /// line as [`State::append`] of `Entry::new(row, ...)`, without building the entry).
    pub fn append_new(&mut self, row: &Row, new: &NewEntry) -> io::Result<()> {
        self.append(&EntryLine {
            index: row.index,
            key: Hex(new.key),
            input: &row.input,
            metrics: Reprs(&row.metrics),
            outputs: Outputs(&row.outputs, &new.hashes),
            elapsed_ms: row.elapsed_ms,
        })
    }

    /// Appends an entry as one JSON line to the log's buffer (buffered until [`State::flush`]);
    /// the line is serialised whole first, into a reused buffer.
    pub fn append(&mut self, e: &impl Serialize) -> io::Result<()> {
        if self.log.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            self.log = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map(io::BufWriter::new)?,
            );
        }
        if let Some(f) = self.log.as_mut() {
            self.line.clear();
            serde_json::to_writer(&mut self.line, e).map_err(io::Error::other)?;
            self.line.push(b'\n');
            f.write_all(&self.line)?;
        }
        self.lines += 1;
        Ok(())
    }

    /// Hands the appended entries to the OS (they then survive the process being killed).
    pub fn flush(&mut self) -> io::Result<()> {
        match self.log.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }

    /// Ends the run: when the log has grown past twice the `images` it describes, rewrites it
    /// (atomically) with the latest line per image, so it does not grow without bound across runs.
    pub fn finish(&mut self, images: usize) -> io::Result<()> {
        self.flush()?;
        self.log = None;
        if self.lines <= 2 * images.max(1) {
            return Ok(());
        }
        let mut latest: HashMap<u64, String> = HashMap::new();
        let f = File::open(&self.path)?;
        for line in BufReader::new(f).lines() {
            let Ok(line) = line else { break };
            if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                latest.insert(e.index, line);
            }
        }
        let mut items: Vec<(u64, String)> = latest.into_iter().collect();
        items.sort_unstable_by_key(|(i, _)| *i);
        let mut text = String::new();
        for (_, line) in items {
            text.push_str(&line);
            text.push('\n');
        }
        crate::sinks::atomic::write_atomic(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys recorded by earlier versions stay valid: the tags are the Debug text they hashed.
    #[test]
    fn format_tags_are_the_debug_names() {
        for f in [
            ImageFormat::Bmp,
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Tiff,
        ] {
            assert_eq!(format_tag(f), format!("\0{f:?}\0").as_bytes());
        }
    }

    fn entry(index: u64, run: u32) -> Entry {
        Entry {
            index,
            key: format!("k{run}"),
            input: format!("noise:{index}"),
            metrics: vec![],
            outputs: vec![],
            elapsed_ms: 0.0,
        }
    }

    #[test]
    fn output_hashes_are_xxh3_128_as_32_hex_digits() {
        // XXH3-128 reference values (of "" and of "abc"): a recorded state stays readable only
        // as long as this does not change.
        assert_eq!(
            output_hex(output_hash(b"")),
            "99aa06d3014798d86001c324468d497f"
        );
        assert_eq!(
            output_hex(output_hash(b"abc")),
            "06b05ab6733a618578af5f94892f3950"
        );
    }

    /// The line of a new entry is the line of its `Entry`, whatever the row holds.
    #[test]
    fn new_entry_line_is_the_entry_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".flowrun/w.state.jsonl");
        let rows = [
            Row {
                index: 7,
                input: "dir/a \"quoted\",\tname\u{e9}.png".into(),
                error: None,
                metrics: vec![
                    0.1,
                    f64::NAN,
                    f64::INFINITY,
                    -0.0,
                    1e-300,
                    123456789012345.6,
                ],
                outputs: vec!["out/a.bmp".into(), "out/\\b\n.tif".into()],
                elapsed_ms: 0.123456789,
            },
            Row {
                index: 0,
                input: "noise:0".into(),
                error: None,
                metrics: vec![],
                outputs: vec![],
                elapsed_ms: 0.0,
            },
        ];
        let mut want = String::new();
        let mut state = State::empty(&path);
        for row in &rows {
            let new = NewEntry {
                key: blake3::hash(row.input.as_bytes()),
                hashes: row
                    .outputs
                    .iter()
                    .map(|p| output_hash(p.as_bytes()))
                    .collect(),
            };
            let hex = new.hashes.iter().map(|&h| output_hex(h)).collect();
            let entry = Entry::new(row, new.key.to_hex().to_string(), hex);
            want.push_str(&serde_json::to_string(&entry).unwrap());
            want.push('\n');
            state.append_new(row, &new).unwrap();
            state.flush().unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
            assert_eq!(State::load(&path).entries[&row.index], entry);
        }
    }

    /// Forced runs append to the log; once it holds more than twice the images, the run that
    /// finishes rewrites it with the latest line per image.
    #[test]
    fn forced_runs_still_compact_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".flowrun/w.state.jsonl");
        let count = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
        for (run, want_lines) in [(1, 3), (2, 6), (3, 3)] {
            let mut state = State::empty(&path);
            for i in 0..3 {
                state.append(&entry(i, run)).unwrap();
            }
            state.finish(3).unwrap();
            assert_eq!(count(&path), want_lines, "after run {run}");
        }
        let loaded = State::load(&path);
        assert_eq!(loaded.entries.len(), 3);
        assert!(loaded.entries.values().all(|e| e.key == "k3"));
    }
}
