//! Tests of the noise source against numpy: whole images, their sums, loc, seeds and sizes.

use super::*;
use crate::numpy::random::RandomState;

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
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
    crate::metrics::np_var(v)
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
    let mean = crate::metrics::np_mean(&a.data);
    let std = crate::metrics::np_std(&a.data);
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
