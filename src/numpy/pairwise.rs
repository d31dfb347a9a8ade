//! numpy's pairwise summation (`loops_utils.h.src`, `@TYPE@_pairwise_sum`), ported operation for
//! operation so that sums, means and variances are bit-identical to numpy's (docs/exactness.md,
//! "Sums, means and variances").

/// numpy's `PW_BLOCKSIZE`: blocks of at most this many elements are summed with 8 accumulators.
const BLOCK: usize = 128;

/// The sum of `f(a[i])` in numpy's pairwise order, *without* the reduction's initial `0.0`.
///
/// `f` is applied element by element (each result rounded once), so `f = |x| x` gives numpy's
/// `pairwise_sum` and `f = |x| { let d = x - m; d * d }` gives the sum of `np.square(a - m)`
/// without materialising the temporary array.
#[inline]
pub(crate) fn pairwise_map<F: Fn(f64) -> f64 + Copy>(a: &[f64], f: F) -> f64 {
    let n = a.len();
    if n <= BLOCK {
        leaf(a, f)
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        let (lo, hi) = a.split_at(n2);
        pairwise_map(lo, f) + pairwise_map(hi, f)
    }
}

/// The two base cases of numpy's pairwise sum (`n < 8` and `8 <= n <= 128`).
#[inline(always)]
fn leaf<F: Fn(f64) -> f64 + Copy>(a: &[f64], f: F) -> f64 {
    if a.len() < 8 {
        let mut res = -0.0;
        for &x in a {
            res += f(x);
        }
        return res;
    }
    let (head, rest) = a.split_at(8);
    let mut r = [0.0f64; 8];
    for (rj, &x) in r.iter_mut().zip(head) {
        *rj = f(x);
    }
    let mut blocks = rest.chunks_exact(8);
    for block in &mut blocks {
        for (rj, &x) in r.iter_mut().zip(block) {
            *rj += f(x);
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for &x in blocks.remainder() {
        res += f(x);
    }
    res
}

/// `np.add.reduce(a)` for a contiguous float64 array: `0.0 + pairwise_sum(a)`.
///
/// Bit-identical to `np.sum(a)` for any length, including 0 (gives `0.0`) and all-`-0.0`
/// input (gives `+0.0`, as numpy does).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    0.0 + pairwise_map(a, |x| x)
}

/// [`pairwise_sum`] of a buffer that is filled front to back, computed while it fills: each
/// call to [`PairwiseStream::advance`] sums the leaves of numpy's pairwise tree that lie wholly
/// in the part filled so far, so they are read while still in cache. The result is bit-identical
/// to `pairwise_sum` of the whole buffer (same leaves, same pairings, same order).
#[derive(Clone, Debug)]
pub struct PairwiseStream {
    /// The inner nodes on the path to the next leaf: `(start, len, left)` with `left` the sum
    /// of the left half once it is known.
    path: Vec<(usize, usize, Option<f64>)>,
    /// The next subtree to descend into (`None` once the root is summed).
    next: Option<(usize, usize)>,
    /// The root's sum, once known.
    total: Option<f64>,
}

impl PairwiseStream {
    /// A stream over a buffer of `n` samples.
    pub fn new(n: usize) -> Self {
        PairwiseStream {
            path: Vec::new(),
            next: Some((0, n)),
            total: None,
        }
    }

    /// Sums every leaf inside `data[..ready]` not summed yet (`data` is the whole buffer, of the
    /// length given to [`PairwiseStream::new`]; samples before `ready` must not change after
    /// this call).
    pub fn advance(&mut self, data: &[f64], ready: usize) {
        self.advance_map(data, ready, |x| x);
    }

    /// [`PairwiseStream::advance`] for the sum of `f(a[i])` (as `pairwise_map`); every call on
    /// one stream must pass the same `f`.
    pub fn advance_map<F: Fn(f64) -> f64 + Copy>(&mut self, data: &[f64], ready: usize, f: F) {
        let ready = ready.min(data.len());
        while let Some((start, len)) = self.next {
            if len > BLOCK {
                let mut n2 = len / 2;
                n2 -= n2 % 8;
                self.path.push((start, len, None));
                self.next = Some((start, n2));
                continue;
            }
            if start + len > ready {
                return;
            }
            let mut v = leaf(&data[start..start + len], f);
            // Up the tree: a left child waits for its sibling, a right child completes its parent.
            loop {
                match self.path.last_mut() {
                    None => {
                        self.total = Some(v);
                        self.next = None;
                        break;
                    }
                    Some((s, n, left @ None)) => {
                        *left = Some(v);
                        let mut n2 = *n / 2;
                        n2 -= n2 % 8;
                        self.next = Some((*s + n2, *n - n2));
                        break;
                    }
                    Some((_, _, Some(l))) => {
                        // Left + right, in numpy's operand order (which NaN survives).
                        #[allow(clippy::assign_op_pattern)]
                        {
                            v = *l + v;
                        }
                        self.path.pop();
                    }
                }
            }
        }
    }

    /// `np.add.reduce` of the buffer (`0.0 + pairwise`), once [`PairwiseStream::advance`] has
    /// seen all of it; `None` before.
    pub fn sum(&self) -> Option<f64> {
        self.total.map(|t| 0.0 + t)
    }
}
