//! The seeded noise source: numpy's legacy `RandomState(seed).normal(loc, scale, size)`,
//! reproduced bit for bit by [`crate::numpy::random`] (docs/exactness.md, "Noise"), plus an
//! optional faster, non-numpy generator.
//!
//! [`noise_image`] builds one image of a noise job: pixel `(y, x)` is draw `y * width + x` of
//! `RandomState(seed_offset + index)`, shifted by the job's `loc` and optionally clipped like
//! `np.clip`.

use crate::numpy::clip::np_clip;
use crate::numpy::pairwise::{pairwise_sum, PairwiseStream};
use crate::numpy::random::numpy_fill_with;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

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

#[cfg(test)]
mod tests;
