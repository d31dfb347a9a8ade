//! The frozen manifest: a run's image list, made once and read by every shard, so that every
//! task of an array sees the same images whatever arrives in the folder meanwhile.
//!
//! **Format.** JSON Lines, version 1: a header line, then one line per listed input.
//!
//! ```text
//! {"flowrun_manifest":1,"id":"…","workflow_file":"workflows/cells.toml","workflow_blake3":"…",
//!  "overrides":["source.count=8"],"workflow_text":"…","source":"glob","images":6,"lines":6}
//! {"i":0,"path":"workflows/data/cells/cell1.png","size":1234,"blake3":"…(32 hex)"}
//! ```
//!
//! Line-oriented so that a truncated or hand-edited file is caught at the line it breaks (the
//! header says how many lines follow), readable with `head` and `jq`, and appended without
//! holding the whole list in memory; versioned by its first key. `images` is the run's image
//! count; the lines list the images to run, by their index in the run: every file of a glob
//! source; none for a noise source (all `images` of them run); for a tail manifest
//! (`flowrun merge --retry-missing`, `"tail"` set) only the images left, with their original
//! indexes, so that their outputs and rows are the ones the full run would make. `id` names the
//! run the manifest belongs to (a tail keeps its parent's), so that merge knows the records of
//! its shards. Paths are as the workflow's glob lists them: relative to the folder flowrun runs
//! in when the pattern is relative. Sizes and hashes (blake3 cut to 128 bits, as the resume
//! state records inputs) let a shard refuse a file that changed since.

use crate::plan::{Pin, Plan, SourcePlan};
use crate::state::{hex, input_hash};
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The manifest format written (the header's `flowrun_manifest`).
pub const MANIFEST_VERSION: u32 = 1;

/// The first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`MANIFEST_VERSION`].
    pub flowrun_manifest: u32,
    /// The run this manifest belongs to: 16 hex digits of blake3 of the full manifest's
    /// workflow hash and listing; a tail manifest keeps its parent's.
    pub id: String,
    /// Set on a tail manifest: 8 hex digits naming it among the run's tails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail: Option<String>,
    pub workflow_file: String,
    /// blake3 of the workflow text and the overrides ([`Plan::workflow_hash`]).
    pub workflow_blake3: String,
    pub overrides: Vec<String>,
    pub workflow_text: String,
    /// `glob` or `noise`.
    pub source: String,
    /// The run's image count.
    pub images: u64,
    /// How many input lines follow.
    pub lines: u64,
}

/// One listed image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Its index in the run.
    pub i: u64,
    /// The input file (glob sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
}

/// A manifest, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub header: Header,
    /// In increasing index order.
    pub lines: Vec<Line>,
}

/// Why a manifest could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the manifest `{}`: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write the manifest `{}`: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot read the input `{}`: {source}", path.display())]
    Input { path: PathBuf, source: io::Error },
    /// A line that breaks the format, with its 1-based number.
    #[error("{}:{line}: {message}", path.display())]
    Bad {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The manifest does not belong to the workflow as it is now.
    #[error("{0}")]
    Mismatch(String),
}

impl Manifest {
    /// The manifest of `plan` as compiled now: every input file read once for its size and hash.
    pub fn of_plan(
        plan: &Plan,
        workflow_text: &str,
        overrides: &[String],
    ) -> Result<Manifest, ManifestError> {
        let (source, lines) = match &plan.source {
            SourcePlan::Noise { .. } => ("noise", Vec::new()),
            SourcePlan::Files { files, .. } => {
                let mut lines = Vec::with_capacity(files.len());
                for (i, f) in files.iter().enumerate() {
                    let bytes = std::fs::read(f).map_err(|source| ManifestError::Input {
                        path: f.clone(),
                        source,
                    })?;
                    lines.push(Line {
                        i: i as u64,
                        path: Some(f.to_string_lossy().into_owned()),
                        size: Some(bytes.len() as u64),
                        blake3: Some(hex(input_hash(&bytes))),
                    });
                }
                ("glob", lines)
            }
        };
        let mut m = Manifest {
            header: Header {
                flowrun_manifest: MANIFEST_VERSION,
                id: String::new(),
                tail: None,
                workflow_file: plan.workflow_file.clone(),
                workflow_blake3: plan.workflow_hash.clone(),
                overrides: overrides.to_vec(),
                workflow_text: workflow_text.to_string(),
                source: source.into(),
                images: plan.job_count() as u64,
                lines: lines.len() as u64,
            },
            lines,
        };
        m.header.id = m.listing_hash()[..16].to_string();
        Ok(m)
    }

    /// blake3 (hex) of the workflow hash, the image count and the listed lines.
    fn listing_hash(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(self.header.workflow_blake3.as_bytes());
        h.update(&self.header.images.to_le_bytes());
        for l in &self.lines {
            h.update(serde_json::to_string(l).unwrap_or_default().as_bytes());
            h.update(b"\n");
        }
        h.finalize().to_hex().to_string()
    }

    /// A tail manifest listing only the images at `indexes` (increasing) of this run.
    pub fn tail(&self, indexes: &[u64]) -> Manifest {
        let lines: Vec<Line> = if self.header.source == "noise" && !self.is_tail() {
            indexes
                .iter()
                .map(|&i| Line {
                    i,
                    path: None,
                    size: None,
                    blake3: None,
                })
                .collect()
        } else {
            self.lines
                .iter()
                .filter(|l| indexes.binary_search(&l.i).is_ok())
                .cloned()
                .collect()
        };
        let mut m = Manifest {
            header: Header {
                lines: lines.len() as u64,
                ..self.header.clone()
            },
            lines,
        };
        m.header.tail = Some(m.listing_hash()[..8].to_string());
        m
    }

    pub fn is_tail(&self) -> bool {
        self.header.tail.is_some()
    }

    /// The indexes of the images this manifest runs, in order.
    pub fn indexes(&self) -> Vec<u64> {
        if self.header.source == "noise" && !self.is_tail() {
            (0..self.header.images).collect()
        } else {
            self.lines.iter().map(|l| l.i).collect()
        }
    }

    /// The text of the manifest.
    pub fn to_text(&self) -> String {
        let mut out = serde_json::to_string(&self.header).unwrap_or_default();
        out.push('\n');
        for l in &self.lines {
            out.push_str(&serde_json::to_string(l).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Writes the manifest to `path`, whole or not at all.
    pub fn write(&self, path: &Path) -> Result<(), ManifestError> {
        let fail = |source| ManifestError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        crate::sinks::atomic::write_atomic(path, self.to_text().as_bytes()).map_err(fail)
    }

    /// Reads and checks the manifest at `path`: every problem names its line.
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let file = std::fs::File::open(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Manifest::parse(io::BufReader::new(file), path)
    }

    /// Reads a manifest from `reader`; `path` names it in messages.
    pub fn parse(reader: impl BufRead, path: &Path) -> Result<Manifest, ManifestError> {
        let bad = |line: usize, message: String| ManifestError::Bad {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = reader.lines();
        let first = match lines.next() {
            None => return Err(bad(1, "the manifest is empty".into())),
            Some(r) => r.map_err(|source| ManifestError::Read {
                path: path.to_path_buf(),
                source,
            })?,
        };
        let version = serde_json::from_str::<serde_json::Value>(&first)
            .ok()
            .and_then(|v| v.get("flowrun_manifest").and_then(|v| v.as_u64()));
        match version {
            None if first.starts_with("{\"flowrun_manifest\"") => {
                return Err(bad(
                    1,
                    "the header is cut short or damaged (the manifest was truncated or edited)"
                        .into(),
                ))
            }
            None => {
                return Err(bad(
                    1,
                    "not a flowrun manifest (the first line must be a JSON object with `flowrun_manifest`)".into(),
                ))
            }
            Some(v) if v != u64::from(MANIFEST_VERSION) => {
                return Err(bad(
                    1,
                    format!("manifest version {v} is not supported (this flowrun reads version {MANIFEST_VERSION})"),
                ))
            }
            Some(_) => {}
        }
        let header: Header = serde_json::from_str(&first)
            .map_err(|e| bad(1, format!("bad header: {}", plain_json_error(&e))))?;
        if header.source != "glob" && header.source != "noise" {
            return Err(bad(
                1,
                format!(
                    "`source` must be `glob` or `noise`, got `{}`",
                    header.source
                ),
            ));
        }
        if header.lines > header.images {
            return Err(bad(
                1,
                format!(
                    "the header lists {} lines for {} images",
                    header.lines, header.images
                ),
            ));
        }
        let mut out = Vec::new();
        for (k, text) in lines.enumerate() {
            let n = k + 2;
            let text = text.map_err(|source| ManifestError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            if text.trim().is_empty() {
                return Err(bad(n, "an empty line".into()));
            }
            let line: Line = serde_json::from_str(&text)
                .map_err(|e| bad(n, format!("bad input line: {}", plain_json_error(&e))))?;
            if line.i >= header.images {
                return Err(bad(
                    n,
                    format!(
                        "index {} is out of range: the run has {} images",
                        line.i, header.images
                    ),
                ));
            }
            if let Some(prev) = out.last().map(|l: &Line| l.i) {
                if line.i <= prev {
                    return Err(bad(
                        n,
                        format!("index {} comes after {prev}: indexes must increase", line.i),
                    ));
                }
            }
            let glob = header.source == "glob";
            let hash_ok = line
                .blake3
                .as_deref()
                .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if glob && (line.path.as_deref().is_none_or(str::is_empty) || line.size.is_none()) {
                return Err(bad(
                    n,
                    "an input line of a glob source needs `path` and `size`".into(),
                ));
            }
            if glob && !hash_ok {
                return Err(bad(n, "`blake3` must be 32 hex digits".into()));
            }
            if !glob && (line.path.is_some() || line.size.is_some() || line.blake3.is_some()) {
                return Err(bad(
                    n,
                    "an input line of a noise source has only `i`".into(),
                ));
            }
            out.push(line);
        }
        if out.len() as u64 != header.lines {
            return Err(bad(
                out.len() + 2,
                format!(
                    "the manifest is truncated or was edited: the header says {} input lines, found {}",
                    header.lines,
                    out.len()
                ),
            ));
        }
        let full_listing = header.source == "glob" && header.tail.is_none();
        if full_listing && header.lines != header.images {
            return Err(bad(
                1,
                format!(
                    "a glob manifest lists every image: {} lines for {} images",
                    header.lines, header.images
                ),
            ));
        }
        Ok(Manifest { header, lines: out })
    }

    /// Checks that `plan` (compiled from the workflow as it is now, with the manifest's
    /// overrides) is the workflow the manifest was made from, and makes it run the manifest's
    /// images: its input list becomes the manifest's (the glob is not listed again), and every
    /// file is pinned to its size and hash.
    pub fn apply(&self, plan: &mut Plan) -> Result<(), ManifestError> {
        let h = &self.header;
        if plan.workflow_hash != h.workflow_blake3 {
            return Err(ManifestError::Mismatch(format!(
                "the manifest was made from another version of the workflow (its workflow hash is {}, `{}` with {} now hashes to {}); make a new manifest, or run the workflow text the manifest holds",
                short(&h.workflow_blake3),
                plan.workflow_file,
                if h.overrides.is_empty() {
                    "no overrides".to_string()
                } else {
                    format!("the overrides {}", h.overrides.join(" "))
                },
                short(&plan.workflow_hash),
            )));
        }
        match &mut plan.source {
            SourcePlan::Noise { count, .. } => {
                if h.source != "noise" || *count != h.images {
                    return Err(ManifestError::Mismatch(format!(
                        "the manifest lists a {} source of {} images; the workflow has {} generated images",
                        h.source, h.images, count
                    )));
                }
            }
            SourcePlan::Files { files, .. } => {
                if h.source != "glob" {
                    return Err(ManifestError::Mismatch(
                        "the manifest lists a noise source; the workflow reads files".into(),
                    ));
                }
                // A run's manifest lists about the files the pattern matches now: a count far
                // beyond (an edited header) is refused rather than allocated.
                let now = files.len() as u64;
                if h.images > now.saturating_mul(4).saturating_add(1 << 20) {
                    return Err(ManifestError::Mismatch(format!(
                        "the manifest lists a run of {} images, far more than the {now} files the pattern matches now; was it edited?",
                        h.images
                    )));
                }
                let mut list = vec![PathBuf::new(); h.images as usize];
                let mut pins = vec![None; h.images as usize];
                for l in &self.lines {
                    let i = l.i as usize;
                    list[i] = PathBuf::from(l.path.clone().unwrap_or_default());
                    let hash = l
                        .blake3
                        .as_deref()
                        .and_then(|t| u128::from_str_radix(t, 16).ok())
                        .unwrap_or_default();
                    pins[i] = Some(Pin {
                        size: l.size.unwrap_or_default(),
                        hash,
                    });
                }
                let list: Arc<[PathBuf]> = list.into();
                *files = list.clone();
                plan.inputs = Arc::new(crate::plan::inputs::InputSet::new(list));
                plan.pins = pins.into();
            }
        }
        Ok(())
    }
}

/// The first 12 hex digits of a hash, for messages.
fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}

/// serde_json's message without its position (the line is named by the caller).
fn plain_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(k) => text[..k].to_string(),
        None => text,
    }
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
