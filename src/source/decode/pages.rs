//! The pages of a TIFF file — its chain of image file directories (IFDs) — read without the
//! pixels: how many pages a file has (for `frames = "each"`, counted at compile time), and where
//! page `k`'s directory is. Page `k` is the `k`-th directory of the main chain, as tifffile's
//! `TiffFile.pages[k]` (so `skimage.io.imread(path, key=k)`) counts them; SubIFDs (thumbnails,
//! reduced resolutions) are not pages.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::{Format, Frames};

/// Most pages counted in one file: a chain longer than this is read up to here (a damaged or
/// hostile file could otherwise make compile list millions of images).
pub const MAX_PAGES: usize = 1 << 20;

/// How a TIFF file stores its numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layout {
    /// `II` (little-endian) rather than `MM`.
    pub little: bool,
    /// BigTIFF (43: 8-byte offsets and counts, 20-byte entries) rather than classic (42).
    pub big: bool,
}

impl Layout {
    /// Bytes of a directory's entry count.
    pub fn count_len(self) -> u64 {
        if self.big {
            8
        } else {
            2
        }
    }

    /// Bytes of one directory entry.
    pub fn entry_len(self) -> u64 {
        if self.big {
            20
        } else {
            12
        }
    }

    /// Bytes of an offset.
    fn offset_len(self) -> u64 {
        if self.big {
            8
        } else {
            4
        }
    }

    /// The unsigned number in `b` (1 to 8 bytes) in this byte order.
    pub fn uint(self, b: &[u8]) -> u64 {
        let fold = |acc: u64, &x: &u8| (acc << 8) | u64::from(x);
        if self.little {
            b.iter().rev().fold(0, fold)
        } else {
            b.iter().fold(0, fold)
        }
    }
}

/// Reads `n` (≤ 8) bytes at `at` as a number.
fn read_uint<R: Read + Seek>(r: &mut R, layout: Layout, at: u64, n: u64) -> Option<u64> {
    let mut buf = [0u8; 8];
    let buf = buf.get_mut(..usize::try_from(n).ok()?)?;
    r.seek(SeekFrom::Start(at)).ok()?;
    r.read_exact(buf).ok()?;
    Some(layout.uint(buf))
}

/// The file's layout and the offsets of its first `limit` directories, in order. The walk stops
/// at the end of the chain (offset 0), at a directory that does not fit in the file, and at a
/// cycle; `None` when the header is not a TIFF header.
pub(super) fn directories<R: Read + Seek>(r: &mut R, limit: usize) -> Option<(Layout, Vec<u64>)> {
    let len = r.seek(SeekFrom::End(0)).ok()?;
    let mut head = [0u8; 4];
    r.seek(SeekFrom::Start(0)).ok()?;
    r.read_exact(&mut head).ok()?;
    let little = match &head[..2] {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let version = Layout { little, big: false }.uint(&head[2..4]);
    let layout = match version {
        42 => Layout { little, big: false },
        43 => Layout { little, big: true },
        _ => return None,
    };
    let first_at = if layout.big { 8 } else { 4 };
    let mut next = read_uint(r, layout, first_at, layout.offset_len())?;
    let mut offsets = Vec::new();
    let mut seen = HashSet::new();
    while next != 0 && offsets.len() < limit && seen.insert(next) {
        let Some(count) = read_uint(r, layout, next, layout.count_len()) else {
            break;
        };
        // The entries and the next offset must lie inside the file.
        let entries = next.checked_add(layout.count_len());
        let after = entries.and_then(|e| count.checked_mul(layout.entry_len())?.checked_add(e));
        let Some(after) = after.filter(|&a| a.saturating_add(layout.offset_len()) <= len) else {
            break;
        };
        offsets.push(next);
        next = read_uint(r, layout, after, layout.offset_len()).unwrap_or(0);
    }
    Some((layout, offsets))
}

/// How many images the file at `path` holds under `frames`: 1 with [`Frames::First`], and with
/// [`Frames::Each`] the number of pages of a TIFF (at least 1, at most [`MAX_PAGES`]; only its
/// directories are read) and 1 for any other file. An error only when the file cannot be read;
/// a damaged chain counts the pages before the damage.
pub fn frame_count(path: &Path, frames: Frames) -> std::io::Result<usize> {
    if frames == Frames::First {
        return Ok(1);
    }
    let mut file = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic)?;
    if Format::sniff(&magic[..n]) != Some(Format::Tiff) {
        return Ok(1);
    }
    Ok(directories(&mut file, MAX_PAGES)
        .map_or(1, |(_, offsets)| offsets.len())
        .max(1))
}
