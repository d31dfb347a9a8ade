//! numpy's legacy `np.random.RandomState(seed).normal(loc, scale, size)`, reproduced bit for bit
//! (docs/exactness.md, "Noise: numpy's RandomState").
//!
//! [`RandomState`] is MT19937 seeded with `init_genrand` (numpy's path for a Python-int seed),
//! 53-bit uniform doubles `((a >> 5) * 2^26 + (b >> 6)) / 2^53`, and the legacy polar
//! Box–Muller Gaussian which returns `f * x2` first and caches `f * x1`. No FMA is used anywhere:
//! Rust never contracts `a * b + c`, and this module never calls `mul_add`.
//!
//! `numpy_fill_with` writes a whole `normal(loc, scale, n)` draw (optionally `np.clip`ped) at
//! once, with the same bits as calling [`RandomState::normal`] `n` times: MT19937 in whole blocks
//! (`mt`), the polar candidates of a block computed side by side, and AVX-512 lanes where the CPU
//! has them (`avx512`).

#[cfg(target_arch = "x86_64")]
mod avx512;
mod mt;

use crate::numpy::clip::np_clip;
use mt::{MtBlocks, MT_N};
use rand_mt::Mt;

/// `2^26`, the weight of the first (27-bit) draw of a uniform double.
const TWO_26: f64 = 67_108_864.0;
/// `2^53`, the denominator of a uniform double.
const TWO_53: f64 = 9_007_199_254_740_992.0;

/// numpy's legacy `np.random.RandomState`: MT19937 plus the cached second Gaussian.
#[derive(Clone, Debug)]
pub struct RandomState {
    mt: Mt,
    // `rand_mt::Mt` (a.k.a. Mt19937GenRand32); `Mt::new` is init_genrand.
    /// The second value of the last polar pair (`f * x1`), if not yet returned.
    cached_gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.RandomState(seed)` for an integer seed (MT19937 `init_genrand`).
    pub fn new(seed: u32) -> Self {
        RandomState {
            mt: Mt::new(seed),
            cached_gauss: None,
        }
    }

    /// `random_sample()`: a uniform double in `[0, 1)` with 53 random bits (genrand_res53).
    #[inline]
    pub fn random_sample(&mut self) -> f64 {
        let a = self.mt.next_u32() >> 5;
        let b = self.mt.next_u32() >> 6;
        (a as f64 * TWO_26 + b as f64) / TWO_53
    }

    /// The accepted polar candidate `(x1, x2, r2)` with `0 < r2 < 1` (numpy's rejection loop).
    #[inline]
    fn polar_candidate(&mut self) -> (f64, f64, f64) {
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            // numpy: `while (r2 >= 1.0 || r2 == 0.0)`, written the same way.
            #[allow(clippy::nonminimal_bool)]
            if !(r2 >= 1.0 || r2 == 0.0) {
                return (x1, x2, r2);
            }
        }
    }

    /// One polar Box–Muller pair `(f * x2, f * x1)`: numpy returns the first now and caches
    /// the second.
    #[inline]
    fn polar_pair(&mut self) -> (f64, f64) {
        let (x1, x2, r2) = self.polar_candidate();
        let f = polar_factor(r2);
        (f * x2, f * x1)
    }

    /// `standard_normal()` of the legacy stream (`legacy_gauss`).
    #[inline]
    pub fn gauss(&mut self) -> f64 {
        if let Some(g) = self.cached_gauss.take() {
            return g;
        }
        let (first, second) = self.polar_pair();
        self.cached_gauss = Some(second);
        first
    }

    /// `normal(loc, scale)`: `loc + scale * gauss()`, one multiply and one add.
    #[inline]
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.gauss()
    }
}

/// `f = sqrt(-2 * log(r2) / r2)` in numpy's order (glibc `log`, as `f64::ln` on linux-gnu).
#[inline(always)]
fn polar_factor(r2: f64) -> f64 {
    (-2.0 * r2.ln() / r2).sqrt()
}

/// Polar candidates per MT19937 block: each takes four 32-bit outputs (two uniform doubles).
const CANDIDATES: usize = MT_N / 4;

/// numpy's `RandomState(seed).normal(loc, scale, out.len())`, optionally `np.clip`ped, written
/// into `out`: [`avx512::fill`] where the CPU has AVX-512 (F, DQ), else
/// [`numpy_fill_portable`]. Both give the same bits. (The runner uses [`numpy_fill_with`].)
#[cfg(test)]
fn numpy_fill(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
    numpy_fill_with(seed, loc, scale, clip, out, &mut |_| {});
}

/// `numpy_fill`, calling `done(&out[..k])` as the samples before `k` become final (at least
/// once, at the end, with all of `out`).
pub(crate) fn numpy_fill_with(
    seed: u32,
    loc: f64,
    scale: f64,
    clip: Option<(f64, f64)>,
    out: &mut [f64],
    done: &mut dyn FnMut(&[f64]),
) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        avx512::fill_with(seed, loc, scale, clip, out, done);
        return;
    }
    numpy_fill_portable(seed, loc, scale, clip, out);
    done(out);
}

/// `numpy_fill` without explicit SIMD (compiled for several targets by `multiversion`).
///
/// The legacy polar method consumes exactly four 32-bit outputs per candidate, accepted or
/// not, so the candidates of a block are independent: per MT19937 block this computes all 156
/// candidates `(x1, x2, r2)` (vectorised), keeps the accepted ones (`0 < r2 < 1`) with a
/// branch-free compaction, takes their logarithms (glibc `log`, scalar) and then writes pair
/// `p` as `out[2p] = loc + scale * (f * x2)`, `out[2p + 1] = loc + scale * (f * x1)`. Every
/// value is rounded exactly as in [`RandomState::normal`]; only the work is regrouped.
#[multiversion::multiversion(targets = "simd")]
fn numpy_fill_portable(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
    /// `2^-53`: `(a * 2^26 + b) / 2^53` equals `(a * 2^26 + b) * 2^-53` exactly (the
    /// numerator is an integer below 2^53, so both are exact scalings by a power of two).
    const INV_2_53: f64 = 1.0 / TWO_53;
    let mut mt = MtBlocks::seeded(seed);
    let mut block = [0u32; MT_N];
    let mut x1 = [0.0f64; CANDIDATES];
    let mut x2 = [0.0f64; CANDIDATES];
    let mut r2 = [0.0f64; CANDIDATES];
    let mut ok = [false; CANDIDATES];
    // The accepted candidates of the block, compacted (one spare slot for the branch-free
    // store), and their factors `f`.
    let mut ax1 = [0.0f64; CANDIDATES + 1];
    let mut ax2 = [0.0f64; CANDIDATES + 1];
    let mut ar2 = [0.0f64; CANDIDATES + 1];
    let mut f = [0.0f64; CANDIDATES];
    let mut rest = out;
    while !rest.is_empty() {
        mt.next_block(&mut block);
        let (quads, _) = block.as_chunks::<4>();
        for (c, q) in quads.iter().enumerate() {
            let u1 = ((q[0] >> 5) as f64 * TWO_26 + (q[1] >> 6) as f64) * INV_2_53;
            let u2 = ((q[2] >> 5) as f64 * TWO_26 + (q[3] >> 6) as f64) * INV_2_53;
            let a = 2.0 * u1 - 1.0;
            let b = 2.0 * u2 - 1.0;
            let r = a * a + b * b;
            x1[c] = a;
            x2[c] = b;
            r2[c] = r;
            // numpy rejects `r2 >= 1.0 || r2 == 0.0`.
            ok[c] = r < 1.0 && r != 0.0;
        }
        let mut m = 0;
        for c in 0..CANDIDATES {
            ax1[m] = x1[c];
            ax2[m] = x2[c];
            ar2[m] = r2[c];
            m += ok[c] as usize;
        }
        for (fj, &rj) in f[..m].iter_mut().zip(&ar2[..m]) {
            *fj = rj.ln();
        }
        for (fj, &rj) in f[..m].iter_mut().zip(&ar2[..m]) {
            *fj = (-2.0 * *fj / rj).sqrt();
        }
        let take = rest.len().min(2 * m);
        let (now, later) = rest.split_at_mut(take);
        let mut pairs = now.chunks_exact_mut(2);
        for (((p, &fj), &a), &b) in (&mut pairs).zip(&f).zip(&ax1).zip(&ax2) {
            p[0] = loc + scale * (fj * b);
            p[1] = loc + scale * (fj * a);
        }
        if let [last] = pairs.into_remainder() {
            let j = take / 2;
            *last = loc + scale * (f[j] * ax2[j]);
        }
        if let Some((lo, hi)) = clip {
            for v in now.iter_mut() {
                *v = np_clip(*v, lo, hi);
            }
        }
        rest = later;
    }
}

#[cfg(test)]
mod tests;
