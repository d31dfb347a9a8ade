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

/// Polar pairs drawn ahead before their logarithms are taken (see [`noise_into`]).
const BATCH: usize = 256;

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
    out.clear();
    let Some(n) = spec.pixels() else {
        return;
    };
    out.resize(n, 0.0);
    let loc = spec.loc_for(index);
    let scale = spec.scale;
    match spec.rng {
        RngKind::Numpy => {
            let mut rs = RandomState::new(spec.seed_for(index).unwrap_or(0));
            // Each image uses a fresh RandomState, so the cache never carries over: draw 2i is
            // f*x2 and draw 2i+1 is f*x1 of pair i. The accepted candidates of a batch are
            // drawn first (integer work and the rejection branch), then the logarithms of the
            // whole batch are taken in a branch-free loop; the stream and every rounding are
            // unchanged, only the work is regrouped.
            let mut cand = [(0.0f64, 0.0f64, 0.0f64); BATCH];
            for chunk in out.chunks_mut(2 * BATCH) {
                let pairs = chunk.len().div_ceil(2);
                for c in &mut cand[..pairs] {
                    *c = rs.polar_candidate();
                }
                let mut samples = chunk.chunks_exact_mut(2);
                for (p, &(x1, x2, r2)) in (&mut samples).zip(&cand) {
                    let f = polar_factor(r2);
                    p[0] = loc + scale * (f * x2);
                    p[1] = loc + scale * (f * x1);
                }
                if let [last] = samples.into_remainder() {
                    let (_, x2, r2) = cand[pairs - 1];
                    *last = loc + scale * (polar_factor(r2) * x2);
                }
            }
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
