//! Exact selection over large windows: every sample is replaced by its rank among the plane's
//! distinct values (so the selection is on integers, not bins of values), and a histogram of
//! the ranks in the window slides along each row (Huang's method): moving one pixel right
//! removes the left end of each footprint row and adds the next sample past its right end, and
//! the selected rank moves from where it was. The value of the selected rank is a sample of the
//! window, bit for bit.

/// The histogram's coarse blocks: empty blocks are skipped when the selected rank moves.
const BLOCK: usize = 64;

/// Distinct values beyond which the dictionary is built by sorting instead of hashing.
const HASH_MAX: usize = 4096;

/// Reusable buffers.
#[derive(Default)]
pub struct RankScratch {
    /// The rank of every padded sample.
    ranks: Vec<u32>,
    /// The distinct values, in increasing order (`values[rank]`).
    values: Vec<f64>,
    /// The hash table's slots: an ordering key and its id (`u32::MAX`: empty).
    slots: Vec<(u64, u32)>,
    keys: Vec<u64>,
    hist: Vec<u32>,
    coarse: Vec<u32>,
}

/// A key whose unsigned order is the total order of the `f64`s (`-0.0` before `0.0`; NaN,
/// whose order in a median scipy leaves undefined, at the ends).
#[inline]
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

#[inline]
fn value(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

impl RankScratch {
    /// Fills `ranks` and `values` for `data`.
    fn rank(&mut self, data: &[f64]) {
        if !self.rank_by_hash(data) {
            self.rank_by_sort(data);
        }
    }

    /// The dictionary by an open-addressing table, if `data` has at most [`HASH_MAX`] distinct
    /// values (images decoded from 8- and 16-bit files usually do).
    fn rank_by_hash(&mut self, data: &[f64]) -> bool {
        const BITS: u32 = 13; // 8192 slots: at most half full.
        self.slots.clear();
        self.slots.resize(1 << BITS, (0, u32::MAX));
        self.keys.clear();
        self.ranks.clear();
        self.ranks.reserve(data.len());
        // The slot of the previous sample: runs of one value skip the hashing.
        let mut last: Option<(u64, u32)> = None;
        for &v in data {
            let k = key(v);
            if let Some((lk, id)) = last {
                if lk == k {
                    self.ranks.push(id);
                    continue;
                }
            }
            let mut s = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS)) as usize;
            let id = loop {
                let (sk, sid) = self.slots[s];
                if sid == u32::MAX {
                    if self.keys.len() == HASH_MAX {
                        return false;
                    }
                    let id = self.keys.len() as u32;
                    self.slots[s] = (k, id);
                    self.keys.push(k);
                    break id;
                }
                if sk == k {
                    break sid;
                }
                s = (s + 1) & ((1 << BITS) - 1);
            };
            last = Some((k, id));
            self.ranks.push(id);
        }
        // Ids in order of first appearance → ranks in value order.
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by_key(|&id| self.keys[id as usize]);
        let mut rank_of = vec![0u32; order.len()];
        self.values.clear();
        for (r, &id) in order.iter().enumerate() {
            rank_of[id as usize] = r as u32;
            self.values.push(value(self.keys[id as usize]));
        }
        for r in &mut self.ranks {
            *r = rank_of[*r as usize];
        }
        true
    }

    /// The dictionary by sorting every key, each sample's rank by binary search.
    fn rank_by_sort(&mut self, data: &[f64]) {
        self.keys.clear();
        self.keys.extend(data.iter().map(|&v| key(v)));
        self.keys.sort_unstable();
        self.keys.dedup();
        self.values.clear();
        self.values.extend(self.keys.iter().map(|&k| value(k)));
        self.ranks.clear();
        let keys = &self.keys;
        self.ranks
            .extend(data.iter().map(|&v| keys.partition_point(|&k| k < key(v)) as u32));
    }
}

/// One footprint row's run of samples: row `dy`, columns `x0 ..= x1` (from the window's
/// top-left corner).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub dy: usize,
    pub x0: usize,
    pub x1: usize,
}

/// The runs of a `rows × cols` mask, row by row.
pub fn runs(mask: &[bool], rows: usize, cols: usize) -> Vec<Run> {
    let mut out = Vec::new();
    for dy in 0..rows {
        let row = &mask[dy * cols..][..cols];
        let mut x = 0;
        while x < cols {
            if !row[x] {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < cols && row[x] {
                x += 1;
            }
            out.push(Run { dy, x0, x1: x - 1 });
        }
    }
    out
}

/// The `k`-th smallest sample of the window (the footprint's `runs`; `k` below its size) at every
/// pixel of an `h × w` plane, from `padded` (`wp` columns, the window's top-left corner at the
/// output pixel); output row `y` goes to `out[y * w ..]`.
pub fn select(
    padded: &[f64],
    (h, w, wp): (usize, usize, usize),
    runs: &[Run],
    k: usize,
    out: &mut [f64],
    s: &mut RankScratch,
) {
    s.rank(padded);
    let n = s.values.len();
    let blocks = n.div_ceil(BLOCK).max(1);
    s.hist.clear();
    s.hist.resize(blocks * BLOCK, 0);
    s.coarse.clear();
    s.coarse.resize(blocks, 0);
    let (ranks, hist, coarse) = (&s.ranks, &mut s.hist, &mut s.coarse);
    let mut m = 0usize; // The selected rank.
    for y in 0..h {
        // The window at x = 0, from an empty histogram.
        let mut lt = 0usize; // Samples of the window whose rank is below `m`.
        for r in runs {
            let base = (y + r.dy) * wp;
            for &v in &ranks[base + r.x0..=base + r.x1] {
                let v = v as usize;
                hist[v] += 1;
                coarse[v / BLOCK] += 1;
                lt += usize::from(v < m);
            }
        }
        for x in 0..w {
            if x > 0 {
                for r in runs {
                    let base = (y + r.dy) * wp + x;
                    let (old, new) = (ranks[base + r.x0 - 1] as usize, ranks[base + r.x1] as usize);
                    hist[old] -= 1;
                    coarse[old / BLOCK] -= 1;
                    hist[new] += 1;
                    coarse[new / BLOCK] += 1;
                    lt = lt - usize::from(old < m) + usize::from(new < m);
                }
            }
            // Move `m` until `lt <= k < lt + hist[m]`.
            while lt > k {
                if m.is_multiple_of(BLOCK) && coarse[m / BLOCK - 1] == 0 {
                    m -= BLOCK;
                    continue;
                }
                m -= 1;
                lt -= hist[m] as usize;
            }
            while lt + hist[m] as usize <= k {
                if m.is_multiple_of(BLOCK) && coarse[m / BLOCK] == 0 {
                    m += BLOCK;
                    continue;
                }
                lt += hist[m] as usize;
                m += 1;
            }
            out[y * w + x] = s.values[m];
        }
        // Empty the histogram: remove the last window.
        for r in runs {
            let base = (y + r.dy) * wp + w - 1;
            for &v in &ranks[base + r.x0..=base + r.x1] {
                hist[v as usize] -= 1;
                coarse[v as usize / BLOCK] -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_total_cmp() {
        let vals = [f64::NEG_INFINITY, -2.5, -0.0, 0.0, 1e-300, 0.5, 7.0, f64::INFINITY];
        for w in vals.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for v in vals {
            assert_eq!(value(key(v)).to_bits(), v.to_bits());
        }
    }

    #[test]
    fn both_dictionaries_agree() {
        let data: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 613) as f64 / 613.0 - 0.3).collect();
        let mut a = RankScratch::default();
        assert!(a.rank_by_hash(&data));
        let mut b = RankScratch::default();
        b.rank_by_sort(&data);
        assert_eq!(a.ranks, b.ranks);
        assert_eq!(a.values, b.values);
        for (r, v) in a.ranks.iter().zip(&data) {
            assert_eq!(a.values[*r as usize], *v);
        }
        let many: Vec<f64> = (0..10000).map(|i| i as f64).collect();
        assert!(!a.rank_by_hash(&many));
    }
}
