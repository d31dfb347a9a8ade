//! The seeded noise source: numpy's legacy `RandomState(seed).normal(loc, scale, size)`,
//! reproduced bit for bit (spec §1), plus an optional faster, non-numpy generator.
//!
//! [`RandomState`] is MT19937 seeded with `init_genrand` (numpy's path for a Python-int seed),
//! 53-bit uniform doubles `((a >> 5) * 2^26 + (b >> 6)) / 2^53`, and the legacy polar
//! Box–Muller Gaussian which returns `f * x2` first and caches `f * x1`. No FMA is used anywhere:
//! Rust never contracts `a * b + c`, and this module never calls `mul_add`.
//!
//! [`noise_image`] builds one image of a noise job: pixel `(y, x)` is draw `y * width + x` of
//! `RandomState(seed_offset + index)`, shifted by the job's `loc` and optionally clipped like
//! `np.clip`.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RngKind {
    /// numpy's legacy `RandomState(seed).normal(...)`, bit-identical to numpy.
    Numpy,
    /// Xoshiro256++ seeded with `seed_from_u64(seed_offset + index)` and `rand_distr`'s
    /// ziggurat `StandardNormal`. Deterministic per (seed_offset, index) and portable across
    /// platforms, but **not** numpy-identical.
    Fast,
}

/// Where the noise is centred.
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
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
    let Some(n) = spec.pixels() else {
        out.clear();
        return;
    };
    // Every sample is overwritten below, so a reused buffer is not cleared first.
    out.truncate(n);
    out.resize(n, 0.0);
    let loc = spec.loc_for(index);
    let scale = spec.scale;
    match spec.rng {
        RngKind::Numpy => {
            numpy_fill(
                spec.seed_for(index).unwrap_or(0),
                loc,
                scale,
                spec.clip,
                out,
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
    /// `init_genrand(seed)` (numpy's `mt19937_seed`).
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

/// numpy's `RandomState(seed).normal(loc, scale, out.len())`, optionally `np.clip`ped, written
/// into `out`.
///
/// The legacy polar method consumes exactly four 32-bit outputs per candidate, accepted or
/// not, so the candidates of a block are independent: per MT19937 block this computes all 156
/// candidates `(x1, x2, r2)` (vectorised), keeps the accepted ones (`0 < r2 < 1`) with a
/// branch-free compaction, takes their logarithms (glibc `log`, scalar) and then writes pair
/// `p` as `out[2p] = loc + scale * (f * x2)`, `out[2p + 1] = loc + scale * (f * x1)`. Every
/// value is rounded exactly as in [`RandomState::normal`]; only the work is regrouped.
#[multiversion::multiversion(targets = "simd")]
fn numpy_fill(seed: u32, loc: f64, scale: f64, clip: Option<(f64, f64)>, out: &mut [f64]) {
    /// `2^-53`: `(a * 2^26 + b) / 2^53` equals `(a * 2^26 + b) * 2^-53` exactly (the
    /// numerator is an integer below 2^53, so both are exact scalings by a power of two).
    const INV_2_53: f64 = 1.0 / TWO_53;
    let mut mt = MtBlocks::new(seed);
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
