//! Tests of numpy's `RandomState` stream: the first values against numpy, MT19937 in blocks and
//! seeds ahead against `init_genrand`, and every fill path against the sequential stream.

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
