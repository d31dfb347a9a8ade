//! Why one image failed. Each failure is a value of [`ImageError`]; its message — written once,
//! here — goes to the row's `error` column and to the run's summary, so every message names the
//! file or the step it is about.

use std::path::PathBuf;

/// Why an image failed (the batch goes on).
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The input file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input file is larger than flowrun reads.
    #[error("{}: file is {len} bytes, over the {limit}-byte limit", path.display())]
    TooLarge { path: PathBuf, len: u64, limit: u64 },
    /// The input file is not the one a frozen manifest lists (`flowrun run --manifest`).
    #[error("{}: {why} since the manifest was made; not processed", path.display())]
    Changed { path: PathBuf, why: String },
    /// The input file is no image flowrun can read.
    #[error("{}: {source}", path.display())]
    Decode {
        path: PathBuf,
        source: crate::source::decode::DecodeError,
    },
    /// A step could not compute its image (e.g. inputs of different shapes).
    #[error("step `{step}` ({op}): {message}")]
    Step {
        step: String,
        op: &'static str,
        message: String,
    },
    /// A metric could not be computed.
    #[error("metric `{column}` ({op}): {message}")]
    Metric {
        column: String,
        op: &'static str,
        message: String,
    },
    /// An output could not be encoded (e.g. values out of range for its sample type).
    #[error("{input}: cannot write `{}`: {message}", path.display())]
    Encode {
        input: String,
        path: PathBuf,
        message: String,
    },
    /// An output could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bug in flowrun, caught at the image (a panic, or a broken invariant).
    #[error("internal error (please report): {0}")]
    Internal(String),
}

impl ImageError {
    /// Whether the failure is the machine's, not the image's — an output that cannot be written
    /// because the disk is full, the folder is read-only or not writable — so that running the
    /// image again elsewhere or later may succeed.
    pub fn infrastructure(&self) -> bool {
        use std::io::ErrorKind as K;
        match self {
            ImageError::Write { source, .. } => matches!(
                source.kind(),
                K::StorageFull | K::ReadOnlyFilesystem | K::PermissionDenied | K::QuotaExceeded
            ),
            _ => false,
        }
    }
}
