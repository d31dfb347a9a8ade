//! Output collisions: no two outputs (of any images and writers), and no output and the results
//! table, may share a path. Compile renders every output once and claims its normalised path,
//! remembered as a 128-bit hash (small for a million outputs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Who a path was claimed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Holder {
    /// The results table.
    Results,
    /// Image `index`'s output from writer `writer`.
    Output { writer: usize, index: u64 },
}

/// The paths claimed so far.
pub(super) struct Claims {
    /// The results table's normalised path.
    results: Option<PathBuf>,
    /// Every output claimed, by a 128-bit hash of its normalised path.
    outputs: HashMap<u128, Holder>,
}

impl Claims {
    /// No claims yet.
    pub(super) fn new(results: Option<PathBuf>) -> Claims {
        Claims {
            results,
            outputs: HashMap::new(),
        }
    }

    /// Claims the normalised path `key` for image `index`'s output from `writer`; returns who
    /// had it when it was taken (the claim then fails).
    pub(super) fn claim(&mut self, key: &Path, writer: usize, index: u64) -> Option<Holder> {
        if self.results.as_deref() == Some(key) {
            return Some(Holder::Results);
        }
        let outputs = &mut self.outputs;
        let h = blake3::hash(key.as_os_str().as_encoded_bytes());
        let id = u128::from_le_bytes(h.as_bytes()[..16].try_into().unwrap_or_default());
        match outputs.get(&id) {
            Some(holder) => Some(*holder),
            None => {
                outputs.insert(id, Holder::Output { writer, index });
                None
            }
        }
    }
}
