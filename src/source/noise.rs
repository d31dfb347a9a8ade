//! The seeded noise source: numpy's legacy `RandomState(seed).normal(loc, scale, size)`,
//! reproduced bit for bit (docs/exactness.md, "Noise"), plus an optional faster, non-numpy
//! generator.
//!
//! [`RandomState`] is MT19937 seeded with `init_genrand` (numpy's path for a Python-int seed),
//! 53-bit uniform doubles `((a >> 5) * 2^26 + (b >> 6)) / 2^53`, and the legacy polar
//! Box–Muller Gaussian which returns `f * x2` first and caches `f * x1`. No FMA is used anywhere:
//! Rust never contracts `a * b + c`, and this module never calls `mul_add`.
//!
//! [`noise_image`] builds one image of a noise job: pixel `(y, x)` is draw `y * width + x` of
//! `RandomState(seed_offset + index)`, shifted by the job's `loc` and optionally clipped like
//! `np.clip`.

use crate::metrics::{pairwise_sum, PairwiseStream};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
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

/// Which generator a noise job uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RngKind {
    /// numpy's legacy `RandomState(seed).normal(...)`, bit-identical to numpy.
    Numpy,
    /// Xoshiro256++ seeded with `seed_from_u64(seed_offset + index)` and `rand_distr`'s
    /// ziggurat `StandardNormal`. Deterministic per (seed_offset, index) and portable across
    /// platforms, but **not** numpy-identical.
    Fast,
}

/// Where the noise is centred.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseLoc {
    /// `loc = ((index + 1) % max_index) / max_index` — the scikit-image tutorial's
    /// `((index+1) % 255) / 255` with `max_index = 255`. `max_index = 0` gives `loc = NaN`.
    Index {
        /// The modulus and divisor (255 in the tutorial).
        max_index: u64,
    },
    /// The same `loc` for every image.
    Fixed(f64),
}

/// One noise job: image `index` is `normal(loc_for(index), scale, (height, width))` drawn from
/// the generator seeded with `seed_for(index)`, then optionally clipped.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NoiseSpec {
    /// Rows of every image.
    pub height: usize,
    /// Columns of every image.
    pub width: usize,
    /// Added to the image index to form the seed.
    pub seed_offset: u64,
    /// The mean of the noise.
    pub loc: NoiseLoc,
    /// The standard deviation (numpy requires `scale >= 0`; validate before use).
    pub scale: f64,
    /// `np.clip(image, lo, hi)` after drawing, if set.
    pub clip: Option<(f64, f64)>,
    /// Which generator to use.
    pub rng: RngKind,
}

impl NoiseSpec {
    /// The seed job's generator (`load_my_data`): mean `((i+1) % 255)/255`, scale `20/255`,
    /// clipped to `[0, 1]`, numpy's stream — for `height × width` images.
    pub fn seed_job(height: usize, width: usize) -> NoiseSpec {
        NoiseSpec {
            height,
            width,
            seed_offset: 0,
            loc: NoiseLoc::Index { max_index: 255 },
            scale: 20.0 / 255.0,
            clip: Some((0.0, 1.0)),
            rng: RngKind::Numpy,
        }
    }

    /// The `loc` of image `index`. For [`NoiseLoc::Index`] this is Python's
    /// `((index+1) % max_index) / max_index`: an integer modulo, then one correctly rounded
    /// division (NaN if `max_index == 0`).
    pub fn loc_for(&self, index: u64) -> f64 {
        match self.loc {
            NoiseLoc::Index { max_index } => {
                match (index as u128 + 1).checked_rem(max_index as u128) {
                    Some(k) => k as f64 / max_index as f64,
                    None => f64::NAN,
                }
            }
            NoiseLoc::Fixed(loc) => loc,
        }
    }

    /// The seed of image `index`: `index + seed_offset`, or `None` if that exceeds `u32::MAX`
    /// (numpy's `RandomState` only accepts seeds in `0 ..= 2^32 - 1`).
    pub fn seed_for(&self, index: u64) -> Option<u32> {
        index
            .checked_add(self.seed_offset)
            .and_then(|s| u32::try_from(s).ok())
    }

    /// The number of pixels, or `None` if `height * width` overflows.
    fn pixels(&self) -> Option<usize> {
        self.height.checked_mul(self.width)
    }
}

/// Image `index` of the job as a one-channel [`crate::Image`].
///
/// The caller is expected to have checked [`NoiseSpec::seed_for`]; an out-of-range seed falls
/// back to seed 0 rather than panicking. If `height * width` overflows `usize` the result is an
/// empty `0 × 0` image.
pub fn noise_image(spec: &NoiseSpec, index: u64) -> crate::Image {
    let mut data = Vec::new();
    noise_into(spec, index, &mut data);
    let (height, width) = if spec.pixels().is_some() {
        (spec.height, spec.width)
    } else {
        (0, 0)
    };
    crate::Image {
        height,
        width,
        channels: 1,
        data,
    }
}

/// [`noise_image`]'s samples written into `out` (cleared first; its allocation is reused).
pub fn noise_into(spec: &NoiseSpec, index: u64, out: &mut Vec<f64>) {
    noise_into_with(spec, index, out, &mut |_| {});
}

/// [`noise_into`], also returning `np.sum` of the samples ([`pairwise_sum`], bit-identical),
/// summed while the samples are generated (so they are read while still in cache).
pub fn noise_into_summed(spec: &NoiseSpec, index: u64, out: &mut Vec<f64>) -> f64 {
    let n = spec.pixels().unwrap_or(0);
    let mut sum = PairwiseStream::new(n);
    noise_into_with(spec, index, out, &mut |done| sum.advance(done, done.len()));
    sum.sum().unwrap_or_else(|| pairwise_sum(out))
}

/// [`noise_into`], calling `done(&out[..k])` as the samples before `k` become final (at least
/// once, with all of `out`).
fn noise_into_with(spec: &NoiseSpec, index: u64, out: &mut Vec<f64>, done: &mut dyn FnMut(&[f64])) {
    let Some(n) = spec.pixels() else {
        out.clear();
        done(out);
        return;
    };
    // Every sample is overwritten below, so a reused buffer is not cleared first.
    crate::mem::set_len(out, n);
    let loc = spec.loc_for(index);
    let scale = spec.scale;
    match spec.rng {
        RngKind::Numpy => {
            numpy_fill_with(
                spec.seed_for(index).unwrap_or(0),
                loc,
                scale,
                spec.clip,
                out,
                done,
            );
            return;
        }
        RngKind::Fast => {
            let seed = index.wrapping_add(spec.seed_offset);
            let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
            for v in out.iter_mut() {
                let g: f64 = StandardNormal.sample(&mut rng);
                *v = loc + scale * g;
            }
        }
    }
    if let Some((lo, hi)) = spec.clip {
        for v in out.iter_mut() {
            *v = np_clip(*v, lo, hi);
        }
    }
    done(out);
}

/// MT19937's state size `N` (one block of outputs).
const MT_N: usize = 624;
/// MT19937's middle offset `M`.
const MT_M: usize = 397;
/// Polar candidates per MT19937 block: each takes four 32-bit outputs (two uniform doubles).
const CANDIDATES: usize = MT_N / 4;

/// MT19937 (`init_genrand` seeding) producing whole tempered blocks of 624 outputs: the same
/// stream as [`Mt`] / numpy's `mt19937_gen`, generated with vectorisable loops.
struct MtBlocks {
    key: [u32; MT_N],
}

impl MtBlocks {
    /// `init_genrand(seed)` (numpy's `mt19937_seed`), one seed at a time: the reference for
    /// [`MtBlocks::seeded`].
    #[cfg(test)]
    fn new(seed: u32) -> Self {
        let mut key = [0u32; MT_N];
        key[0] = seed;
        for i in 1..MT_N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        MtBlocks { key }
    }

    /// `MtBlocks::new(seed)`, from this thread's seeds computed ahead ([`SEEDS_AHEAD`] at a
    /// time): a worker taking consecutive images takes consecutive seeds.
    fn seeded(seed: u32) -> Self {
        thread_local! {
            static AHEAD: std::cell::RefCell<Option<Box<SeedsAhead>>> =
                const { std::cell::RefCell::new(None) };
        }
        AHEAD.with_borrow_mut(|ahead| {
            let a = ahead.get_or_insert_with(|| {
                Box::new(SeedsAhead {
                    first: 0,
                    n: 0,
                    keys: [[0; MT_N]; SEEDS_AHEAD],
                })
            });
            let mut lane = seed.wrapping_sub(a.first) as usize;
            if lane >= a.n {
                a.first = seed;
                // Seeds past u32::MAX are not numpy seeds; their lanes wrap and go unused.
                a.n = SEEDS_AHEAD.min((u32::MAX - seed) as usize + 1);
                init_genrand_ahead(seed, &mut a.keys);
                lane = 0;
            }
            MtBlocks { key: a.keys[lane] }
        })
    }

    /// The next 624 tempered outputs (numpy's `mt19937_gen` followed by 624 `next_u32`).
    #[inline(always)]
    fn next_block(&mut self, out: &mut [u32; MT_N]) {
        #[inline(always)]
        fn mix(a: u32, b: u32) -> u32 {
            let y = (a & 0x8000_0000) | (b & 0x7fff_ffff);
            (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_b0df)
        }
        // The sequential twist `key[i] = key[(i + M) % N] ^ mix(key[i], key[(i + 1) % N])`
        // for i = 0 .. N, split where `key[(i + M) % N]` switches from old to new values.
        let old = self.key;
        let key = &mut self.key;
        const D: usize = MT_N - MT_M; // 227
        for i in 0..D {
            key[i] = old[i + MT_M] ^ mix(old[i], old[i + 1]);
        }
        for i in D..2 * D {
            key[i] = key[i - D] ^ mix(old[i], old[i + 1]);
        }
        for i in 2 * D..MT_N - 1 {
            key[i] = key[i - D] ^ mix(old[i], old[i + 1]);
        }
        key[MT_N - 1] = key[MT_M - 1] ^ mix(old[MT_N - 1], key[0]);
        for (o, &k) in out.iter_mut().zip(key.iter()) {
            let mut y = k;
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c_5680;
            y ^= (y << 15) & 0xefc6_0000;
            y ^= y >> 18;
            *o = y;
        }
    }
}

/// Seeds initialised together by [`init_genrand_ahead`].
const SEEDS_AHEAD: usize = 16;

/// `init_genrand` states of seeds `first ..= first + n - 1` (see [`MtBlocks::seeded`]).
struct SeedsAhead {
    first: u32,
    n: usize,
    keys: [[u32; MT_N]; SEEDS_AHEAD],
}

/// `keys[l] = MtBlocks::new(first + l).key` (wrapping) for every lane `l`. `init_genrand` is 623
/// dependent steps of a multiply and a shift (about 1 µs, a quarter of the noise of a 32 × 32
/// image); side by side in vector lanes, 16 seeds take about as long as one.
#[multiversion::multiversion(targets = "simd")]
fn init_genrand_ahead(first: u32, keys: &mut [[u32; MT_N]; SEEDS_AHEAD]) {
    let mut cur: [u32; SEEDS_AHEAD] = std::array::from_fn(|l| first.wrapping_add(l as u32));
    for i in 0..MT_N {
        if i > 0 {
            for c in cur.iter_mut() {
                *c = 1_812_433_253u32
                    .wrapping_mul(*c ^ (*c >> 30))
                    .wrapping_add(i as u32);
            }
        }
        for (key, &c) in keys.iter_mut().zip(&cur) {
            key[i] = c;
        }
    }
}

/// numpy's `RandomState(seed).normal(loc, scale, out.len())`, optionally `np.clip`ped, written
/// into `out`: [`avx512::fill`] where the CPU has AVX-512 (F, DQ), else
/// [`numpy_fill_portable`]. Both give the same bits. (The runner uses [`numpy_fill_with`].)
#[cfg(test)]
fn numpy_fill(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
    numpy_fill_with(seed, loc, scale, clip, out, &mut |_| {});
}

/// [`numpy_fill`], calling `done(&out[..k])` as the samples before `k` become final (at least
/// once, at the end, with all of `out`).
fn numpy_fill_with(
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

/// [`numpy_fill`] without explicit SIMD (compiled for several targets by `multiversion`).
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

/// [`numpy_fill`] with AVX-512 intrinsics (F and DQ): the same values rounded the same way as
/// [`numpy_fill_portable`], with the per-candidate work kept in vector registers.
///
/// Per round of up to [`ROUND`](avx512::ROUND) MT19937 blocks: the twist runs in place on 16
/// words at a time; each block's 624 outputs are tempered, turned into 53-bit integers
/// `(a >> 5) << 26 | (b >> 6)` in 64-bit lanes (exact, so `w * 2^-52 - 1` is `2u - 1` with the
/// same rounding), split into `x1` / `x2`, and the accepted candidates are appended with a
/// register `vcompresspd` (the memory form is slow on Zen 4). Then glibc's `log` runs over the
/// round's accepted `r2` ([`crate::numpy::log`]: its main path eight at a time, exactly
/// as glibc computes it). The factors and the interleaved, clipped
/// outputs are computed eight pairs at a time while the next round's candidates are
/// generated (one output chunk per eight candidates).
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{MtBlocks, CANDIDATES, MT_M, MT_N};
    use std::arch::x86_64::*;

    /// MT19937 blocks per round (fewer if the output needs fewer).
    pub(super) const ROUND: usize = 4;
    /// Room for a round's candidates plus one spare vector for the last full-width store.
    const CAP: usize = ROUND * CANDIDATES + 8;

    /// Whether this CPU can run [`fill`].
    pub(super) use crate::cpu::has_avx512_dq as available;

    /// [`super::numpy_fill`] on AVX-512. Panics if [`available`] is false.
    #[cfg(test)]
    pub(super) fn fill(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
        fill_with(seed, loc, scale, clip, out, &mut |_| {});
    }

    /// One round's accepted candidates (`m` of them, in stream order) and their logarithms.
    struct Batch {
        x1: [f64; CAP],
        x2: [f64; CAP],
        r2: [f64; CAP],
        ln: [f64; CAP],
        m: usize,
    }

    impl Batch {
        fn new() -> Box<Batch> {
            Box::new(Batch {
                x1: [0.0; CAP],
                x2: [0.0; CAP],
                r2: [0.0; CAP],
                ln: [0.0; CAP],
                m: 0,
            })
        }
    }

    /// [`fill`], calling `done(&out[..k])` as the samples before `k` are final (after each
    /// round, while they are still in cache, and once at the end with all of `out`).
    pub(super) fn fill_with(
        seed: u32,
        loc: f64,
        scale: f64,
        clip: Option<(f64, f64)>,
        out: &mut [f64],
        done: &mut dyn FnMut(&[f64]),
    ) {
        assert!(available(), "AVX-512 F/DQ or POPCNT not available");
        // The two batches (40 KB) are kept per thread: boxing and zeroing fresh ones took about
        // 0.6 µs per image.
        thread_local! {
            static BATCHES: std::cell::Cell<Option<[Box<Batch>; 2]>> =
                const { std::cell::Cell::new(None) };
        }
        let [mut cur, mut next] = BATCHES
            .take()
            .unwrap_or_else(|| [Batch::new(), Batch::new()]);
        // SAFETY: the CPU has AVX-512 F and DQ and POPCNT (checked above).
        unsafe { fill_avx512(seed, loc, scale, clip, out, done, [&mut cur, &mut next]) };
        BATCHES.set(Some([cur, next]));
    }

    /// [`fill_with`], with its two batches (whatever they held before never reaches `out`).
    #[target_feature(enable = "avx512f,avx512dq,popcnt")]
    fn fill_avx512(
        seed: u32,
        loc: f64,
        scale: f64,
        clip: Option<(f64, f64)>,
        out: &mut [f64],
        done: &mut dyn FnMut(&[f64]),
        [mut cur, mut next]: [&mut Batch; 2],
    ) {
        let mut mt = MtBlocks::seeded(seed);
        // Software pipelining: while the candidates of one round are generated (integer and
        // shuffle work), the outputs of the previous round are written a chunk at a time
        // (division, square root and stores), so the two overlap.
        let mut em = Emitter::new(loc, scale, clip);
        let n = out.len();
        // `out[..pend.start]` is written, `out[pend]` is written from `cur` during the next
        // round, `out[pend.end..]` is left.
        let mut pend = 0..0;
        while pend.end < n {
            let left = n - pend.end;
            let mut pending = &mut out[pend.clone()];
            next.m = 0;
            'round: for _ in 0..ROUND {
                twist(&mut mt.key);
                next.m = candidates(&mt.key, next, || em.step(&mut pending, cur));
                if 2 * next.m >= left {
                    break 'round;
                }
            }
            while !pending.is_empty() {
                em.step(&mut pending, cur);
            }
            done(&out[..pend.end]);
            logs(&next.r2[..next.m], &mut next.ln[..next.m]);
            let take = left.min(2 * next.m);
            pend = pend.end..pend.end + take;
            std::mem::swap(&mut cur, &mut next);
            em.start();
        }
        let mut pending = &mut out[pend];
        while !pending.is_empty() {
            em.step(&mut pending, cur);
        }
        done(out);
    }

    /// 16 words of `s` (which must hold at least 16).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load_u32(s: &[u32]) -> __m512i {
        let s: &[u32; 16] = s[..16].try_into().unwrap();
        // SAFETY: reads the 16 u32 of `s`.
        unsafe { _mm512_loadu_si512(s.as_ptr().cast()) }
    }

    /// Stores `v` into the first 16 words of `s`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn store_u32(s: &mut [u32], v: __m512i) {
        let s: &mut [u32; 16] = (&mut s[..16]).try_into().unwrap();
        // SAFETY: writes the 16 u32 of `s`.
        unsafe { _mm512_storeu_si512(s.as_mut_ptr().cast(), v) }
    }

    /// 8 values of `s` (which must hold at least 8).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load_f64(s: &[f64]) -> __m512d {
        let s: &[f64; 8] = s[..8].try_into().unwrap();
        // SAFETY: reads the 8 f64 of `s`.
        unsafe { _mm512_loadu_pd(s.as_ptr()) }
    }

    /// Stores `v` into the first 8 values of `s`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn store_f64(s: &mut [f64], v: __m512d) {
        let s: &mut [f64; 8] = (&mut s[..8]).try_into().unwrap();
        // SAFETY: writes the 8 f64 of `s`.
        unsafe { _mm512_storeu_pd(s.as_mut_ptr(), v) }
    }

    /// Stores the first `s.len()` (at most 8) lanes of `v` into `s`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn store_f64_first(s: &mut [f64], v: __m512d) {
        assert!(s.len() <= 8);
        let k = ((1u32 << s.len()) - 1) as __mmask8;
        // SAFETY: the mask selects lanes 0 .. s.len(), so only `s` is written (masked-off lanes
        // are not accessed).
        unsafe { _mm512_mask_storeu_pd(s.as_mut_ptr(), k, v) }
    }

    /// 16 lanes of the twist: `far ^ mix(cur, next)` (see `MtBlocks::next_block`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn twist16(cur: __m512i, next: __m512i, far: __m512i) -> __m512i {
        // (cur & 0x8000_0000) | (next & 0x7fff_ffff): a bit select on the constant.
        let y = _mm512_ternarylogic_epi32::<0xE4>(cur, next, _mm512_set1_epi32(i32::MIN));
        let r = _mm512_xor_si512(far, _mm512_srli_epi32::<1>(y));
        // Bit 0 of y is bit 0 of next.
        let odd = _mm512_test_epi32_mask(next, _mm512_set1_epi32(1));
        _mm512_mask_xor_epi32(r, odd, r, _mm512_set1_epi32(0x9908_b0df_u32 as i32))
    }

    /// Lanes `i .. i + 16` of the in-place twist, from the current contents of `key`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn twist_at(key: &[u32; MT_N], i: usize, far: usize) -> __m512i {
        twist16(
            load_u32(&key[i..]),
            load_u32(&key[i + 1..]),
            load_u32(&key[far..]),
        )
    }

    /// MT19937's twist of `key` in place: `key[i] = key[(i + M) % N] ^ mix(key[i], key[i + 1])`
    /// for `i = 0 .. N` in order, 16 lanes at a time. Lanes `i .. i + 16` read `key[i + M ..]`
    /// (old words) for `i + 16 <= N - M = 227` and `key[i - 227 ..]` (words already replaced,
    /// 227 > 16 lanes back) for `i >= 227`; the last vector of each part overlaps the one
    /// before it and is computed from words loaded before that one is stored, so the
    /// overlapping lanes are written twice with the same value.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) fn twist(key: &mut [u32; MT_N]) {
        const D: usize = MT_N - MT_M; // 227
        let mut i = 0;
        while i + 32 <= D {
            let v = twist_at(key, i, i + MT_M);
            store_u32(&mut key[i..], v);
            i += 16;
        }
        // i = 208: lanes 208..224 and 211..227.
        let a = twist_at(key, i, i + MT_M);
        let b = twist_at(key, D - 16, MT_N - 16);
        store_u32(&mut key[i..], a);
        store_u32(&mut key[D - 16..], b);
        let mut i = D;
        while i + 32 < MT_N {
            let v = twist_at(key, i, i - D);
            store_u32(&mut key[i..], v);
            i += 16;
        }
        // i = 595: lanes 595..611 and 607..623 (`key[i + 1]` of lane 622 is the old key[623]).
        let a = twist_at(key, i, i - D);
        let b = twist_at(key, MT_N - 17, MT_N - 17 - D);
        store_u32(&mut key[i..], a);
        store_u32(&mut key[MT_N - 17..], b);
        // The last word pairs with the new key[0].
        let (y, k0) = (key[MT_N - 1], key[0]);
        let y = (y & 0x8000_0000) | (k0 & 0x7fff_ffff);
        key[MT_N - 1] = key[MT_M - 1] ^ (y >> 1) ^ ((y & 1).wrapping_neg() & 0x9908_b0df);
    }

    /// MT19937 tempering of 16 words.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn temper(y: __m512i) -> __m512i {
        // y ^ (s & c) is ternary-logic function 0x78.
        let y = _mm512_xor_si512(y, _mm512_srli_epi32::<11>(y));
        let c = _mm512_set1_epi32(0x9d2c_5680_u32 as i32);
        let y = _mm512_ternarylogic_epi32::<0x78>(y, _mm512_slli_epi32::<7>(y), c);
        let c = _mm512_set1_epi32(0xefc6_0000_u32 as i32);
        let y = _mm512_ternarylogic_epi32::<0x78>(y, _mm512_slli_epi32::<15>(y), c);
        _mm512_xor_si512(y, _mm512_srli_epi32::<18>(y))
    }

    /// `2u - 1` for the 8 uniform doubles of 16 tempered words (word pairs `(a, b)`):
    /// `w = (a >> 5) << 26 | (b >> 6)` is the exact integer `(a >> 5) * 2^26 + (b >> 6)` below
    /// 2^53, so `w as f64 * 2^-52` is exactly `2 * ((w as f64) * 2^-53)`, and only the final
    /// `- 1` rounds, as in the scalar code.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq")]
    fn signed_uniforms(t: __m512i) -> __m512d {
        // Bits 5..32 of a (the low word) to bits 26..53, b's bits 6..32 to bits 0..26; the
        // mask drops a's bits 0..5 and b's bits 0..11 from the left shift.
        let hi = _mm512_slli_epi64::<21>(t);
        let lo = _mm512_srli_epi64::<38>(t);
        let mask = _mm512_set1_epi64(((1i64 << 27) - 1) << 26);
        // (hi & mask) | lo is ternary-logic function 0xEC.
        let w = _mm512_ternarylogic_epi64::<0xEC>(hi, lo, mask);
        let u2 = _mm512_mul_pd(
            _mm512_cvtepu64_pd(w),
            _mm512_set1_pd(1.0 / (1u64 << 52) as f64),
        );
        _mm512_sub_pd(u2, _mm512_set1_pd(1.0))
    }

    /// The accepted candidates of the block in `key` (already twisted), appended to `b.x1`,
    /// `b.x2` and `b.r2` from index `b.m`; returns the new count. `between` runs once per
    /// eight candidates (the other round's output chunks).
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,popcnt")]
    fn candidates(key: &[u32; MT_N], b: &mut Batch, mut between: impl FnMut()) -> usize {
        let mut m = b.m;
        let (x1, x2, r2) = (&mut b.x1, &mut b.x2, &mut b.r2);
        let even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
        let one = _mm512_set1_pd(1.0);
        let zero = _mm512_setzero_pd();
        let mut push = |a: __m512d, b: __m512d, keep: __mmask8| {
            let r = _mm512_add_pd(_mm512_mul_pd(a, a), _mm512_mul_pd(b, b));
            // numpy rejects `r2 >= 1.0 || r2 == 0.0` (r2 is never NaN).
            let ok = keep
                & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(r, one)
                & _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(r, zero);
            store_f64(&mut x1[m..], _mm512_maskz_compress_pd(ok, a));
            store_f64(&mut x2[m..], _mm512_maskz_compress_pd(ok, b));
            store_f64(&mut r2[m..], _mm512_maskz_compress_pd(ok, r));
            m += ok.count_ones() as usize;
        };
        // 39 vectors of 16 words = 4 candidates each: 19 pairs (8 candidates) and one single.
        let (pairs, last) = key.as_chunks::<32>();
        for p in pairs {
            let u = signed_uniforms(temper(load_u32(&p[..16])));
            let v = signed_uniforms(temper(load_u32(&p[16..])));
            push(
                _mm512_permutex2var_pd(u, even, v),
                _mm512_permutex2var_pd(u, odd, v),
                0xff,
            );
            between();
        }
        let u = signed_uniforms(temper(load_u32(last)));
        push(
            _mm512_permutex2var_pd(u, even, u),
            _mm512_permutex2var_pd(u, odd, u),
            0x0f,
        );
        m
    }

    /// `np_clip` of 8 lanes: `m = (v is NaN || v > lo) ? v : lo`, then
    /// `(m is NaN || m < hi) ? m : hi`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn clip8(v: __m512d, lo: __m512d, hi: __m512d) -> __m512d {
        let k = _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(v, v) | _mm512_cmp_pd_mask::<_CMP_GT_OQ>(v, lo);
        let m = _mm512_mask_blend_pd(k, lo, v);
        let k = _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(m, m) | _mm512_cmp_pd_mask::<_CMP_LT_OQ>(m, hi);
        _mm512_mask_blend_pd(k, hi, m)
    }

    /// `dst[j] = src[j].ln()`, bit-identical to glibc `log`, eight at a time where
    /// [`crate::numpy::log`] can.
    fn logs(src: &[f64], dst: &mut [f64]) {
        dst.copy_from_slice(src);
        crate::numpy::log::ln_in_place(dst);
    }

    /// Writes a round's outputs 16 samples (eight pairs) at a time: pair `p` is `f * x2[p]`,
    /// `f * x1[p]` with `f = sqrt(-2 * ln[p] / r2[p])`, scaled, shifted and clipped. Lanes
    /// past the round's `m` hold stale but initialised values and are never stored.
    struct Emitter {
        /// The next pair to write.
        pair: usize,
        loc: __m512d,
        scale: __m512d,
        clip: Option<(__m512d, __m512d)>,
    }

    impl Emitter {
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn new(loc: f64, scale: f64, clip: Option<(f64, f64)>) -> Emitter {
            Emitter {
                pair: 0,
                loc: _mm512_set1_pd(loc),
                scale: _mm512_set1_pd(scale),
                clip: clip.map(|(lo, hi)| (_mm512_set1_pd(lo), _mm512_set1_pd(hi))),
            }
        }

        /// Starts on a new round.
        fn start(&mut self) {
            self.pair = 0;
        }

        /// Writes the next (up to) 16 samples of `b` to the front of `out` and advances
        /// `out` past them; does nothing once `out` is empty. `out` must not be longer than
        /// `2 * (b.m - self.pair)`.
        #[inline]
        #[target_feature(enable = "avx512f")]
        fn step(&mut self, out: &mut &mut [f64], b: &Batch) {
            if out.is_empty() {
                return;
            }
            let p = self.pair;
            self.pair += 8;
            let r = load_f64(&b.r2[p..]);
            let q = _mm512_mul_pd(_mm512_set1_pd(-2.0), load_f64(&b.ln[p..]));
            let f = _mm512_sqrt_pd(_mm512_div_pd(q, r));
            let (loc, scale) = (self.loc, self.scale);
            let fx2 = _mm512_mul_pd(f, load_f64(&b.x2[p..]));
            let fx1 = _mm512_mul_pd(f, load_f64(&b.x1[p..]));
            let second = _mm512_add_pd(loc, _mm512_mul_pd(scale, fx2));
            let first = _mm512_add_pd(loc, _mm512_mul_pd(scale, fx1));
            let lo_idx = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
            let hi_idx = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
            let mut v0 = _mm512_permutex2var_pd(second, lo_idx, first);
            let mut v1 = _mm512_permutex2var_pd(second, hi_idx, first);
            if let Some((lo, hi)) = self.clip {
                v0 = clip8(v0, lo, hi);
                v1 = clip8(v1, lo, hi);
            }
            let n = out.len().min(16);
            let (dst, later) = std::mem::take(out).split_at_mut(n);
            *out = later;
            if let Ok(d) = <&mut [f64; 16]>::try_from(&mut *dst) {
                store_f64(&mut d[..8], v0);
                store_f64(&mut d[8..], v1);
            } else {
                // The round's last, partial chunk of n < 16 samples.
                let (d0, d1) = dst.split_at_mut(dst.len().min(8));
                store_f64_first(d0, v0);
                store_f64_first(d1, v1);
            }
        }
    }
}

/// `np.clip(v, lo, hi)` for float64: `_NPY_MIN(_NPY_MAX(v, lo), hi)`, where
/// `_NPY_MAX(a, b) = isnan(a) ? a : (a > b ? a : b)` (and likewise for min). NaN in `v`, `lo`
/// or `hi` propagates exactly as in numpy.
#[inline(always)]
fn np_clip(v: f64, lo: f64, hi: f64) -> f64 {
    let m = if v.is_nan() || v > lo { v } else { lo };
    if m.is_nan() || m < hi {
        m
    } else {
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn first_values_match_numpy() {
        // np.random.RandomState(0).normal(size=4)
        let mut rs = RandomState::new(0);
        let got: Vec<f64> = (0..4).map(|_| rs.normal(0.0, 1.0)).collect();
        assert_eq!(
            bits(&got),
            bits(&[
                1.764052345967664,
                0.4001572083672233,
                0.9787379841057392,
                2.240893199201458
            ])
        );
        // np.random.RandomState(0).random_sample()
        assert_eq!(RandomState::new(0).random_sample(), 0.5488135039273248);
        // gauss() then normal() share the stream and the cache.
        let mut rs = RandomState::new(0);
        assert_eq!(rs.gauss(), 1.764052345967664);
        assert_eq!(rs.normal(10.0, 2.0), 10.0 + 2.0 * 0.4001572083672233);
    }

    /// The tutorial's job: `loc = ((index+1) % 255) / 255`, `scale = 20/255`.
    fn tutorial(height: usize, width: usize, seed_offset: u64, clip: bool) -> NoiseSpec {
        NoiseSpec {
            height,
            width,
            seed_offset,
            loc: NoiseLoc::Index { max_index: 255 },
            scale: 20.0 / 255.0,
            clip: clip.then_some((0.0, 1.0)),
            rng: RngKind::Numpy,
        }
    }

    /// sha256 of the samples as little-endian f64 bytes (`a.astype('<f8').tobytes()`).
    fn sha(v: &[f64]) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for x in v {
            h.update(x.to_le_bytes());
        }
        format!("{:x}", h.finalize())
    }

    fn np_var(v: &[f64]) -> f64 {
        crate::metrics::MetricKind::Variance.compute(v)
    }

    /// Expected values from numpy 2.4.6:
    /// ```text
    /// import numpy as np, hashlib
    /// def job(index, shape, seed_offset=0, clip=True):
    ///     r = np.random.RandomState(index + seed_offset)
    ///     img = r.normal(loc=((index+1) % 255)/255, scale=20/255, size=shape)
    ///     return np.clip(img, 0, 1) if clip else img
    /// sha = lambda a: hashlib.sha256(a.astype('<f8').tobytes()).hexdigest()
    /// a = job(idx, shape, off, clip); print(sha(a), repr(a.flat[0]), repr(a.flat[-1]), repr(np.var(a)))
    /// ```
    #[allow(clippy::type_complexity)]
    const NUMPY_JOBS: [(u64, (usize, usize), u64, bool, &str, f64, f64, f64); 9] = [
        (
            5,
            (7, 13),
            0,
            true,
            "3493b589ffe2033049f75a2c5c81b459af602b561c05c7f63f0280bb224ea94b",
            0.05813548916745423,
            0.11305943038703292,
            0.0031543255507335798,
        ),
        (
            5,
            (7, 13),
            0,
            false,
            "6f902a97749ed75542e56539c9a5e1ede70ee1ca27c55d3a8216b9ead2f0ebc8",
            0.05813548916745423,
            0.11305943038703292,
            0.005660544944401447,
        ),
        (
            0,
            (3, 5),
            0,
            false,
            "1b481b10083bfd469451c01f55a1f053477d39734ffdacc80ad1f54f71f4c7dc",
            0.14227861537001285,
            0.03873437119571966,
            0.004365974264624675,
        ),
        (
            2,
            (1, 1),
            0,
            true,
            "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc",
            0.0,
            0.0,
            0.0,
        ),
        (
            7,
            (1, 1),
            0,
            false,
            "d845cc6a702e41fddaf1b2a294fd6dea966fd81597221f1d79208f60b743d913",
            0.16396280029806715,
            0.16396280029806715,
            0.0,
        ),
        (
            3,
            (5, 1),
            1000,
            false,
            "ecec589dca2905017d6f013d5ca76e4cf906378432b3274deadb70c6fab80db6",
            -0.08792498214192995,
            0.02228413075541889,
            0.007146444687089029,
        ),
        (
            0,
            (1024, 1024),
            0,
            true,
            "c68dd5d15c23a12a7fe1c0932278c0abf829f89a0142b91ead54894233afdf71",
            0.14227861537001285,
            0.16086789085879116,
            0.002221137083237702,
        ),
        (
            254,
            (4, 4),
            0,
            false,
            "439b026a1e1c236c3050afe7cc8fc25e027e541bd4efdc4eaeee5a9d4228cfac",
            0.17601512139369105,
            0.08604596093777427,
            0.006814665997867054,
        ),
        (
            4000000000,
            (2, 3),
            0,
            false,
            "6c4454c25dbc1f960322e8c965aa8eeaeb7af86f7fed5440059a44fc9626870d",
            0.5425791313249987,
            0.39226189506469544,
            0.005885731949257865,
        ),
    ];

    /// The sum taken while generating equals numpy's sum of the result for lengths around the
    /// rounds' boundaries and the pairwise leaves, clipped or not (and empty).
    #[test]
    fn summed_noise_equals_the_sum_of_the_noise() {
        let mut buf = Vec::new();
        for (h, w) in [
            (0, 5),
            (1, 1),
            (1, 15),
            (1, 16),
            (1, 17),
            (3, 129),
            (37, 100),
            (64, 1023),
        ] {
            for clip in [false, true] {
                let spec = tutorial(h, w, 0, clip);
                for index in [0, 5] {
                    let sum = noise_into_summed(&spec, index, &mut buf);
                    assert_eq!(buf.len(), h * w);
                    assert_eq!(
                        sum.to_bits(),
                        pairwise_sum(&buf).to_bits(),
                        "{h}x{w} clip {clip} index {index}"
                    );
                }
            }
        }
    }

    #[test]
    fn noise_images_match_numpy_bit_for_bit() {
        let mut buf = vec![123.0; 7];
        for (index, (h, w), off, clip, digest, first, last, var) in NUMPY_JOBS {
            let spec = tutorial(h, w, off, clip);
            let img = noise_image(&spec, index);
            assert_eq!((img.height, img.width, img.channels), (h, w, 1));
            assert_eq!(img.data.len(), h * w);
            assert_eq!(sha(&img.data), digest, "index {index} {h}x{w}");
            assert_eq!(img.data[0].to_bits(), first.to_bits());
            assert_eq!(img.data[h * w - 1].to_bits(), last.to_bits());
            assert_eq!(
                np_var(&img.data).to_bits(),
                var.to_bits(),
                "np.var index {index}"
            );
            // The buffer-reusing variant gives the same samples.
            noise_into(&spec, index, &mut buf);
            assert_eq!(bits(&buf), bits(&img.data));
            // And so does the summing one, with numpy's sum.
            let sum = noise_into_summed(&spec, index, &mut buf);
            assert_eq!(bits(&buf), bits(&img.data));
            assert_eq!(sum.to_bits(), pairwise_sum(&img.data).to_bits());
        }
    }

    /// Seeds computed ahead are `init_genrand`'s, in any order of requests, up to the last
    /// numpy seed.
    #[test]
    fn seeds_ahead_equal_init_genrand() {
        let seeds = [
            7u32,
            8,
            22,
            23,
            6,
            1000,
            u32::MAX - 20,
            u32::MAX - 2,
            u32::MAX,
            u32::MAX - 1,
            0,
            15,
            16,
        ];
        for seed in seeds {
            assert_eq!(
                MtBlocks::seeded(seed).key,
                MtBlocks::new(seed).key,
                "{seed}"
            );
        }
        for seed in 100..300 {
            assert_eq!(
                MtBlocks::seeded(seed).key,
                MtBlocks::new(seed).key,
                "{seed}"
            );
        }
    }

    #[test]
    fn mt_blocks_equal_rand_mt() {
        for seed in [0u32, 1, 5489, 123_456_789, u32::MAX] {
            let mut reference = Mt::new(seed);
            let mut mt = MtBlocks::new(seed);
            let mut block = [0u32; MT_N];
            for _ in 0..4 {
                mt.next_block(&mut block);
                for &v in &block {
                    assert_eq!(v, reference.next_u32(), "seed {seed}");
                }
            }
        }
    }

    #[test]
    fn odd_sizes_equal_the_sequential_stream() {
        // noise_into fills pair by pair; it must equal calling normal() once per pixel.
        for (h, w) in [
            (1, 1),
            (1, 2),
            (3, 3),
            (7, 13),
            (2, 5),
            (0, 5),
            (5, 0),
            (1, 511),
            (1, 512),
            (3, 171),
            (1, 1025),
            (31, 33),
            (1, 311),
            (1, 312),
            (1, 313),
            (17, 257),
        ] {
            let spec = tutorial(h, w, 17, false);
            let img = noise_image(&spec, 3);
            let mut rs = RandomState::new(20);
            let loc = spec.loc_for(3);
            let want: Vec<f64> = (0..h * w).map(|_| rs.normal(loc, spec.scale)).collect();
            assert_eq!(bits(&img.data), bits(&want), "{h}x{w}");
        }
    }

    /// The filling paths this CPU can run: the portable one and, if available, AVX-512.
    #[allow(clippy::type_complexity)]
    fn fill_paths() -> Vec<(
        &'static str,
        fn(u32, f64, f64, Option<(f64, f64)>, &mut [f64]),
    )> {
        let mut paths: Vec<(&str, fn(u32, f64, f64, Option<(f64, f64)>, &mut [f64]))> =
            vec![("portable", numpy_fill_portable), ("dispatch", numpy_fill)];
        #[cfg(target_arch = "x86_64")]
        if avx512::available() {
            paths.push(("avx512", avx512::fill));
        } else {
            eprintln!("AVX-512 F/DQ or POPCNT not available: only the portable path is tested");
        }
        paths
    }

    #[test]
    fn fill_paths_equal_the_sequential_stream() {
        // Lengths: tiny, odd, around one MT block (311 / 312 / 313 pairs), around a round of
        // ROUND blocks (~490 pairs), and large.
        let mut lengths: Vec<usize> = (0..=40).collect();
        lengths.extend(620..=628);
        lengths.extend((900..=1_100).step_by(7));
        lengths.extend([
            1_951, 1_952, 1_953, 4_095, 4_096, 4_097, 9_999, 65_536, 70_001,
        ]);
        let max = *lengths.iter().max().unwrap();
        let nan = f64::NAN;
        let params = [
            (0.0, 1.0, None),
            (0.3, 20.0 / 255.0, Some((0.0, 1.0))),
            (-1.5, 3.0, Some((-0.5, 0.25))),
            (0.1, 1.0, Some((nan, 1.0))),
            (0.1, 1.0, Some((0.0, nan))),
            (0.5, 2.0, Some((1.0, 0.0))),
            (nan, 1.0, None),
        ];
        let seeds = [
            0u32,
            1,
            2,
            3,
            7,
            42,
            1_000,
            5_489,
            123_456_789,
            2_147_483_648,
            u32::MAX - 1,
            u32::MAX,
        ];
        let paths = fill_paths();
        let mut buf = Vec::new();
        for seed in seeds {
            let mut rs = RandomState::new(seed);
            let gauss: Vec<f64> = (0..max).map(|_| rs.gauss()).collect();
            for (loc, scale, clip) in params {
                let want: Vec<u64> = gauss
                    .iter()
                    .map(|&g| {
                        let v = loc + scale * g;
                        clip.map_or(v, |(lo, hi)| np_clip(v, lo, hi)).to_bits()
                    })
                    .collect();
                for &n in &lengths {
                    for (name, fill) in &paths {
                        buf.clear();
                        buf.resize(n, -7.0);
                        fill(seed, loc, scale, clip, &mut buf);
                        assert!(
                            bits(&buf) == want[..n],
                            "{name}: seed {seed}, n {n}, loc {loc}, scale {scale}, clip {clip:?}"
                        );
                    }
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_twist_equals_mt_blocks() {
        if !avx512::available() {
            eprintln!("AVX-512 F/DQ or POPCNT not available: skipped");
            return;
        }
        for seed in [0u32, 1, 5489, 123_456_789, u32::MAX] {
            let mut reference = MtBlocks::new(seed);
            let mut key = MtBlocks::new(seed).key;
            let mut block = [0u32; MT_N];
            for _ in 0..5 {
                reference.next_block(&mut block);
                // SAFETY: AVX-512 F is available (checked above).
                unsafe { avx512::twist(&mut key) };
                assert_eq!(key, reference.key, "seed {seed}");
            }
        }
    }

    #[test]
    fn loc_formula_matches_python() {
        // repr(((i+1) % 255) / 255)
        let spec = tutorial(1, 1, 0, true);
        for (i, want) in [
            (0u64, 0.00392156862745098_f64),
            (1, 0.00784313725490196),
            (253, 0.996078431372549),
            (254, 0.0),
            (255, 0.00392156862745098),
            (300, 0.1803921568627451),
            (1_000_000_000_000, 0.4549019607843137),
        ] {
            assert_eq!(spec.loc_for(i).to_bits(), want.to_bits(), "index {i}");
        }
        // ((2**64 - 1) + 1) % 255 / 255 in Python (no overflow) = 1/255
        assert_eq!(spec.loc_for(u64::MAX), 0.00392156862745098);
        let fixed = NoiseSpec {
            loc: NoiseLoc::Fixed(0.25),
            ..spec.clone()
        };
        assert_eq!(fixed.loc_for(99), 0.25);
        let zero = NoiseSpec {
            loc: NoiseLoc::Index { max_index: 0 },
            ..spec
        };
        assert!(zero.loc_for(3).is_nan());
    }

    #[test]
    fn seeds() {
        let spec = tutorial(1, 1, 10, false);
        assert_eq!(spec.seed_for(0), Some(10));
        assert_eq!(spec.seed_for(u32::MAX as u64 - 10), Some(u32::MAX));
        assert_eq!(spec.seed_for(u32::MAX as u64 - 9), None);
        assert_eq!(spec.seed_for(u64::MAX), None);
        // An out-of-range seed does not panic.
        assert_eq!(noise_image(&spec, u64::MAX).data.len(), 1);
    }

    #[test]
    fn clip_is_np_clip() {
        // np.clip([0.5, nan, 2, -1], lo, hi) for several (lo, hi)
        let nan = f64::NAN;
        assert_eq!(np_clip(-1.0, 0.0, 1.0), 0.0);
        assert_eq!(np_clip(2.0, 0.0, 1.0), 1.0);
        assert_eq!(np_clip(0.5, 0.0, 1.0), 0.5);
        assert_eq!(np_clip(-0.0, 0.0, 1.0).to_bits(), 0.0_f64.to_bits());
        assert!(np_clip(nan, 0.0, 1.0).is_nan());
        assert!(np_clip(0.5, nan, 1.0).is_nan());
        assert!(np_clip(0.5, 0.0, nan).is_nan());
        // lo > hi: numpy gives hi.
        assert_eq!(np_clip(0.5, 1.0, 0.0), 0.0);
        assert_eq!(np_clip(2.0, 1.0, 0.0), 0.0);
    }

    #[test]
    fn overflowing_size_is_empty_not_a_panic() {
        let spec = tutorial(usize::MAX, 2, 0, false);
        let img = noise_image(&spec, 0);
        assert_eq!((img.height, img.width, img.data.len()), (0, 0, 0));
    }

    #[test]
    fn fast_rng_is_deterministic_and_normal() {
        let spec = NoiseSpec {
            rng: RngKind::Fast,
            clip: None,
            loc: NoiseLoc::Fixed(0.5),
            scale: 2.0,
            ..tutorial(100, 100, 7, false)
        };
        let a = noise_image(&spec, 3);
        let b = noise_image(&spec, 3);
        let c = noise_image(&spec, 4);
        assert_eq!(bits(&a.data), bits(&b.data));
        assert_ne!(bits(&a.data), bits(&c.data));
        let mean = crate::metrics::MetricKind::Mean.compute(&a.data);
        let std = crate::metrics::MetricKind::Std.compute(&a.data);
        assert!((mean - 0.5).abs() < 0.1, "mean {mean}");
        assert!((std - 2.0).abs() < 0.1, "std {std}");
        let clipped = noise_image(
            &NoiseSpec {
                clip: Some((0.0, 1.0)),
                ..spec
            },
            3,
        );
        assert!(clipped.data.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
