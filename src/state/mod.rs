//! The resume state: one record per input of what flowrun made from it, so that a rerun skips
//! images that are up to date, keeps the rows of images it does not run, and knows which files
//! it wrote (to remove them when an image starts failing, and for `flowrun clean`).
//!
//! **Where.** `<root>/.flowrun/<workflow>-<id>.state.jsonl`, where `<root>` is the results
//! table's folder (else the first output pattern's fixed folder, else the current directory)
//! and `<id>` is a hash of the workflow file's absolute path: two workflows with the same file
//! name in different folders keep apart, and switching the results table between csv and json
//! keeps the state. The run lock ([`lock`]) sits beside it.
//!
//! **Format.** Append-only JSON lines, one per finished image ([`Entry`]; `"v": 2`), handed to
//! the OS after every batch of rows (so they survive `kill -9`) and compacted when a run ends
//! with the log at more than twice the inputs it describes. Not fsync'd: on ext4 that would
//! write back every output created so far, once per batch; after a power cut an older state
//! only means some images are recomputed.
//!
//! **Identity.** A record belongs to an input — the file's path as listed, or `noise:i` — not to
//! an image index, so a file added to a folder does not make later files look changed. An image
//! is up to date when its record is `ok`, was made by the same plan ([`Entry::plan`]: every
//! parameter that affects its outputs and metrics), from the same input bytes, to the same
//! output paths, and every output still holds the bytes flowrun wrote (xxh3-128: a check against
//! changed files, not against an adversary). [`Entry::why_stale`] names the first difference,
//! which is what `--dry-run` prints.
//!
//! **Memory.** Records are not held in memory: [`StateIndex`] keeps, per input, a 64-bit hash of
//! its name and where its latest line is in the file (20 bytes), and reads a record when asked.

pub mod lock;

use crate::sinks::results::{Repr, Row, RowStatus};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The record format written (`"v"` of every line); lines of other versions are ignored.
pub const STATE_VERSION: u32 = 2;

/// Bump whenever a change to flowrun changes any output byte or metric value: it is part of
/// every plan fingerprint, so every image is recomputed once.
pub const RESULTS_VERSION: u32 = 1;

/// The files of one workflow's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatePaths {
    /// `<root>/.flowrun`.
    pub dir: PathBuf,
    /// The record log, `<dir>/<workflow>-<id>.state.jsonl`.
    pub log: PathBuf,
    /// The run lock, `<dir>/<workflow>-<id>.lock`.
    pub lock: PathBuf,
}

impl StatePaths {
    /// The state of the workflow file `workflow` (as given; made absolute against `cwd`) whose
    /// outputs are rooted at `root`.
    pub fn new(root: &Path, workflow: &Path, cwd: &Path) -> StatePaths {
        let absolute = cwd.join(workflow);
        let real = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        let id = blake3::hash(real.as_os_str().as_encoded_bytes()).to_hex();
        let stem = workflow
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "workflow".into());
        let dir = root.join(".flowrun");
        let name = format!("{stem}-{}", &id.as_str()[..12]);
        StatePaths {
            log: dir.join(format!("{name}.state.jsonl")),
            lock: dir.join(format!("{name}.lock")),
            dir,
        }
    }
}

/// Whether a recorded image succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One image, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// [`STATE_VERSION`].
    pub v: u32,
    /// The input: the file's path as listed, or `noise:i`.
    pub input: String,
    /// The image's index when it ran (informative: identity is the input).
    pub index: u64,
    pub status: Status,
    /// The plan fingerprint it ran with (32 hex digits).
    pub plan: String,
    /// The input file's content hash (32 hex digits; none for generated images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_hash: Option<String>,
    /// Metric values printed like Python's repr (exact; `nan`/`inf` allowed).
    #[serde(default)]
    pub metrics: Vec<String>,
    /// `(path, xxh3-128 hex)` of every output written, in writer order.
    #[serde(default)]
    pub outputs: Vec<(String, String)>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: f64,
    /// `(path, xxh3-128 hex)` of files earlier runs wrote for this input that this run did not
    /// write again (its output paths changed): what `flowrun clean` removes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orphans: Vec<(String, String)>,
}

/// What an image's record is compared with: the current plan and the image as it is now.
pub struct Current<'a> {
    /// [`hex`] of the plan fingerprint.
    pub plan: &'a str,
    /// [`hex`] of the input's content hash (none for generated images).
    pub input_hash: Option<&'a str>,
    /// The paths its writers render to now.
    pub outputs: &'a [PathBuf],
}

impl Entry {
    /// The record [`StateLog::append`] writes for a computed image's `row` and `record`, made
    /// by plan `plan` (its fingerprint).
    pub fn of(row: &Row, record: &Record, plan: &str) -> Entry {
        let ok = row.status == RowStatus::Ok;
        Entry {
            v: STATE_VERSION,
            input: row.input.clone(),
            index: row.index,
            status: if ok { Status::Ok } else { Status::Failed },
            plan: plan.to_string(),
            input_hash: record.input_hash.map(hex),
            metrics: if ok {
                row.metrics
                    .iter()
                    .map(|&v| Repr::new(v).as_str().to_string())
                    .collect()
            } else {
                Vec::new()
            },
            outputs: if ok {
                row.outputs
                    .iter()
                    .zip(&record.outputs)
                    .map(|(p, h)| (p.clone(), hex(*h)))
                    .collect()
            } else {
                Vec::new()
            },
            error: row.error.clone(),
            elapsed_ms: row.elapsed_ms,
            orphans: record.orphans.clone(),
        }
    }

    /// The results row this record stands for, as image `index` of the current run.
    pub fn row(&self, index: u64) -> Row {
        let ok = self.status == Status::Ok;
        Row {
            index,
            input: self.input.clone(),
            status: if ok { RowStatus::Ok } else { RowStatus::Failed },
            error: self.error.clone(),
            metrics: self
                .metrics
                .iter()
                .map(|m| m.parse().unwrap_or(f64::NAN))
                .collect(),
            outputs: self.outputs.iter().map(|(p, _)| p.clone()).collect(),
            elapsed_ms: self.elapsed_ms,
        }
    }

    /// Why this record does not describe the image as it would be made now (`None`: it does, so
    /// the image is up to date). Outputs are checked last: it reads them.
    pub fn why_stale(&self, now: &Current) -> Option<String> {
        if self.status == Status::Failed {
            return Some("it failed last time".into());
        }
        if let Some(why) = self.why_outdated(now.plan, now.outputs) {
            return Some(why);
        }
        if self.input_hash.as_deref() != now.input_hash {
            return Some("the input file changed".into());
        }
        self.outputs
            .iter()
            .find_map(|(p, h)| match std::fs::read(p) {
                Err(_) => Some(format!("its output `{p}` is missing")),
                Ok(bytes) if hex(output_hash(&bytes)) != *h => {
                    Some(format!("its output `{p}` was changed since it was written"))
                }
                Ok(_) => None,
            })
    }

    /// Why this record is from another plan or wrote other paths than the image would now —
    /// the checks that need no reading of files.
    pub fn why_outdated(&self, plan: &str, outputs: &[PathBuf]) -> Option<String> {
        if self.plan != plan {
            return Some("the workflow changed since it ran".into());
        }
        let same_paths = self.status == Status::Failed
            || (self.outputs.len() == outputs.len()
                && self
                    .outputs
                    .iter()
                    .zip(outputs)
                    .all(|((p, _), now)| Path::new(p) == now.as_path()));
        (!same_paths).then(|| "its output paths changed".into())
    }
}

/// The hash an output is recorded with: xxh3-128 of its bytes. It only has to notice a changed or
/// truncated file, and on a 2 KB output (a 32² BMP) it costs a fraction of blake3's 1.2 µs.
pub fn output_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// The hash an input file's content is recorded with: blake3, cut to 128 bits.
pub fn input_hash(bytes: &[u8]) -> u128 {
    let h = blake3::hash(bytes);
    let mut first = [0u8; 16];
    first.copy_from_slice(&h.as_bytes()[..16]);
    u128::from_be_bytes(first)
}

/// A 128-bit hash as recorded: 32 lowercase hex digits.
pub fn hex(h: u128) -> String {
    format!("{h:032x}")
}

/// The 64-bit name under which [`StateIndex`] files an input.
fn slot_hash(input: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(input.as_bytes())
}

/// Where one input's latest record is in the log: 16 bytes per input.
#[derive(Clone, Copy, Debug)]
struct Slot {
    hash: u64,
    /// The line's offset (low 40 bits: logs up to 1 TiB) and length (high 24 bits: lines up to
    /// 16 MiB; a longer line is not indexed).
    at: u64,
}

impl Slot {
    const OFFSET_BITS: u32 = 40;

    fn new(hash: u64, offset: u64, len: usize) -> Option<Slot> {
        (offset < 1 << Self::OFFSET_BITS && len < 1 << (64 - Self::OFFSET_BITS)).then_some(Slot {
            hash,
            at: offset | (len as u64) << Self::OFFSET_BITS,
        })
    }

    fn offset(self) -> u64 {
        self.at & ((1 << Self::OFFSET_BITS) - 1)
    }

    fn len(self) -> usize {
        (self.at >> Self::OFFSET_BITS) as usize
    }
}

/// The start of a line: enough to file it.
#[derive(Deserialize)]
struct Head<'a> {
    v: u32,
    #[serde(borrow)]
    input: std::borrow::Cow<'a, str>,
}

/// Every complete line of the log at `path`, with its offset (a torn last line — a crash in
/// the middle of an append — is not complete). Missing file: no lines.
fn for_each_line(path: &Path, mut f: impl FnMut(u64, &[u8])) -> io::Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut offset = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            return Ok(());
        }
        f(offset, &line[..n - 1]);
        offset += n as u64;
    }
}

/// The input a line records, if it is a record of this version.
fn line_input(line: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    // The lines flowrun writes begin `{"v":2,"input":"…"`: read a plain input name straight
    // from there (most of the time of indexing a large log otherwise goes to parsing JSON).
    const PREFIX: &[u8] = b"{\"v\":2,\"input\":\"";
    if let Some(rest) = line.strip_prefix(PREFIX) {
        if let Some(end) = rest.iter().position(|&b| b == b'"' || b == b'\\') {
            if rest[end] == b'"' {
                if let Ok(name) = std::str::from_utf8(&rest[..end]) {
                    return Some(std::borrow::Cow::Borrowed(name));
                }
            }
        }
    }
    serde_json::from_slice::<Head>(line)
        .ok()
        .filter(|h| h.v == STATE_VERSION)
        .map(|h| h.input)
}

/// The recorded state, read on demand: per input, where its latest record is.
#[derive(Debug, Default)]
pub struct StateIndex {
    file: Option<File>,
    /// Sorted by hash; one per hash (the latest line).
    slots: Vec<Slot>,
    /// Lines in the log, of any version.
    lines: usize,
    /// Of those, the records of this version.
    current: usize,
}

impl StateIndex {
    /// Indexes the log at `path` (missing: empty).
    pub fn open(path: &Path) -> io::Result<StateIndex> {
        let mut slots = Vec::new();
        let mut lines = 0;
        for_each_line(path, |offset, line| {
            lines += 1;
            if let Some(slot) =
                line_input(line).and_then(|input| Slot::new(slot_hash(&input), offset, line.len()))
            {
                slots.push(slot);
            }
        })?;
        let file = match File::open(path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let current = slots.len();
        // The latest line of each input wins: within a hash, the largest offset first, and
        // `dedup` keeps the first of each run.
        slots.sort_unstable_by_key(|s| (s.hash, std::cmp::Reverse(s.offset())));
        slots.dedup_by_key(|s| s.hash);
        slots.shrink_to_fit();
        Ok(StateIndex {
            file,
            slots,
            lines,
            current,
        })
    }

    /// How many inputs have a record.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The latest record of `input`, if any (an unreadable record counts as none).
    pub fn get(&self, input: &str) -> Option<Entry> {
        let hash = slot_hash(input);
        let k = self.slots.binary_search_by_key(&hash, |s| s.hash).ok()?;
        let slot = self.slots[k];
        let mut buf = vec![0u8; slot.len()];
        read_at(self.file.as_ref()?, &mut buf, slot.offset()).ok()?;
        serde_json::from_slice::<Entry>(&buf)
            .ok()
            .filter(|e| e.v == STATE_VERSION && e.input == input)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Every current record of the log at `path` (the latest per input), in log order.
pub fn each_entry(path: &Path, mut f: impl FnMut(Entry)) -> io::Result<()> {
    let latest = latest_offsets(path)?;
    let mut k = 0;
    for_each_line(path, |offset, line| {
        if latest.get(k) == Some(&offset) {
            k += 1;
            if let Ok(e) = serde_json::from_slice::<Entry>(line) {
                f(e);
            }
        }
    })
}

/// The offsets of the latest record of each input, in increasing order.
fn latest_offsets(path: &Path) -> io::Result<Vec<u64>> {
    let index = StateIndex::open(path)?;
    let mut offsets: Vec<u64> = index.slots.iter().map(|s| s.offset()).collect();
    offsets.sort_unstable();
    Ok(offsets)
}

/// Rewrites the log at `path` (atomically) with only the latest record of each input, when it
/// holds more than twice as many lines as inputs, or lines of another version.
pub fn compact(path: &Path) -> io::Result<()> {
    let index = StateIndex::open(path)?;
    if index.lines <= 2 * index.len().max(1) && index.lines == index.current {
        return Ok(());
    }
    // The latest line of each input, copied as it is.
    let mut latest: Vec<u64> = index.slots.iter().map(|s| s.offset()).collect();
    latest.sort_unstable();
    drop(index);
    let mut out = crate::sinks::atomic::AtomicFile::create(path)?;
    let mut k = 0;
    let mut result = Ok(());
    for_each_line(path, |offset, line| {
        if result.is_ok() && latest.get(k) == Some(&offset) {
            k += 1;
            result = out.write_all(line).and_then(|()| out.write_all(b"\n"));
        }
    })?;
    result?;
    out.commit()
}

/// Rewrites the log at `path` (atomically) with the latest record of each input, as `edit`
/// makes it (`None`: dropped).
pub fn rewrite(path: &Path, mut edit: impl FnMut(Entry) -> Option<Entry>) -> io::Result<()> {
    let latest = latest_offsets(path)?;
    let mut out = crate::sinks::atomic::AtomicFile::create(path)?;
    let mut k = 0;
    let mut result = Ok(());
    let mut line_out = Vec::new();
    for_each_line(path, |offset, line| {
        if result.is_err() || latest.get(k) != Some(&offset) {
            return;
        }
        k += 1;
        let Some(entry) = serde_json::from_slice::<Entry>(line)
            .ok()
            .and_then(&mut edit)
        else {
            return;
        };
        line_out.clear();
        result = serde_json::to_writer(&mut line_out, &entry)
            .map_err(io::Error::other)
            .and_then(|()| {
                line_out.push(b'\n');
                out.write_all(&line_out)
            });
    })?;
    result?;
    out.commit()
}

/// What a recomputed image adds to its row to make its record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The input's content hash ([`input_hash`]; none for generated images).
    pub input_hash: Option<u128>,
    /// [`output_hash`] of each output written, in writer order (empty when it failed).
    pub outputs: Vec<u128>,
    /// Files earlier runs wrote for this input that still exist and this run did not write
    /// again ([`Entry::orphans`]).
    pub orphans: Vec<(String, String)>,
}

impl Record {
    /// The files of the earlier record `old` that a record writing `now` leaves behind: its
    /// outputs and orphans that still exist and are not among `now`.
    pub fn orphans_of(old: Option<&Entry>, now: &[String]) -> Vec<(String, String)> {
        let Some(old) = old else {
            return Vec::new();
        };
        old.outputs
            .iter()
            .chain(&old.orphans)
            .filter(|(p, _)| !now.contains(p) && Path::new(p).exists())
            .cloned()
            .collect()
    }
}

/// The log new records are appended to.
pub struct StateLog {
    path: PathBuf,
    /// The plan fingerprint every record of this run carries.
    plan: String,
    log: Option<io::BufWriter<File>>,
    /// The line being appended, serialised whole before it reaches the log (so that a
    /// serialisation error never leaves half a line there).
    line: Vec<u8>,
    /// Lines appended.
    appended: usize,
    /// Lines and inputs of the log when the run began.
    before: (usize, usize),
}

/// A record as its line is written: borrowed from the row, serialised exactly like the
/// [`Entry`] it stands for.
#[derive(Serialize)]
struct EntryLine<'a> {
    v: u32,
    input: &'a str,
    index: u64,
    status: Status,
    plan: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_hash: Option<Hex>,
    metrics: Reprs<'a>,
    outputs: Outputs<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    elapsed_ms: f64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    orphans: &'a [(String, String)],
}

/// A 128-bit hash as its hex string.
struct Hex(u128);

impl Serialize for Hex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex(self.0))
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
        s.collect_seq(self.0.iter().zip(self.1).map(|(p, h)| (p, hex(*h))))
    }
}

impl StateLog {
    /// The log at `path`, opened on the first append, for records of plan `plan` ([`hex`]);
    /// `index` is the log as it was when the run began.
    pub fn new(path: &Path, plan: &str, index: &StateIndex) -> StateLog {
        StateLog {
            path: path.to_path_buf(),
            plan: plan.to_string(),
            log: None,
            line: Vec::new(),
            appended: 0,
            before: (index.lines, index.len()),
        }
    }

    /// Appends the record of a computed image: its row with `record` (buffered until
    /// [`StateLog::flush`]).
    pub fn append(&mut self, row: &Row, record: &Record) -> io::Result<()> {
        let ok = row.status == RowStatus::Ok;
        let line = EntryLine {
            v: STATE_VERSION,
            input: &row.input,
            index: row.index,
            status: if ok { Status::Ok } else { Status::Failed },
            plan: &self.plan,
            input_hash: record.input_hash.map(Hex),
            metrics: Reprs(if ok { &row.metrics } else { &[] }),
            outputs: Outputs(if ok { &row.outputs } else { &[] }, &record.outputs),
            error: row.error.as_deref(),
            elapsed_ms: row.elapsed_ms,
            orphans: &record.orphans,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &line).map_err(io::Error::other)?;
        self.line.push(b'\n');
        if self.log.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            self.log = Some(io::BufWriter::with_capacity(1 << 16, file));
        }
        if let Some(f) = self.log.as_mut() {
            f.write_all(&self.line)?;
        }
        self.appended += 1;
        Ok(())
    }

    /// The plan fingerprint the records appended from now on carry (a workflow reloaded while
    /// it runs).
    pub fn set_plan(&mut self, plan: &str) {
        self.plan = plan.to_string();
    }

    /// Hands the appended records to the OS (they then survive the process being killed).
    pub fn flush(&mut self) -> io::Result<()> {
        match self.log.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }

    /// Ends the run: flushes, and compacts the log if it may hold more than twice as many
    /// lines as inputs (the inputs are at least as many as before, or as appended).
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        self.log = None;
        let (lines, inputs) = self.before;
        if self.appended > 0 && lines + self.appended > 2 * inputs.max(self.appended).max(1) {
            compact(&self.path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
