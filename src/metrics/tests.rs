//! Tests of the metrics against numpy 2.4.6, bit for bit.

use super::*;
use crate::numpy::random::RandomState;

/// The metric `name` with its default parameters, compiled.
fn metric(name: &str) -> Box<dyn Measure> {
    use crate::config::syntax::{Kind, Node};
    let sink = crate::config::de::Sink::default();
    let params = (entry(name).unwrap().load)(
        &Node::new(crate::diag::Pos::Unknown, Kind::Map(vec![])),
        name,
        &sink,
    )
    .unwrap();
    let mut report = |_: Option<&str>, m: String, _: Option<String>| panic!("{m}");
    params
        .compile(&mut crate::diag::ParamCx::new(&mut report, None))
        .unwrap()
}

/// The metric `name` of the samples `a` (as a one-row image).
fn compute(name: &str, a: &[f64]) -> f64 {
    let img = crate::Image::from_vec(1, a.len(), 1, a.to_vec()).unwrap();
    metric(name).compute(&img, None).unwrap()
}

/// The single-image metrics, in the order of the tables below.
const ALL: [&str; 6] = ["variance", "mean", "std", "min", "max", "sum"];

/// `np.random.RandomState(n).normal(1000.0, 3.0, size=n)`: a large mean makes every rounding
/// of the sums visible.
fn sample(n: usize) -> Vec<f64> {
    let mut rs = RandomState::new(n as u32);
    (0..n).map(|_| rs.normal(1000.0, 3.0)).collect()
}

/// `[np.var, np.mean, np.std, np.min, np.max, np.sum]` of `sample(n)`, from:
/// ```text
/// for n in [1,7,8,9,127,128,129,1000,4097,1024*1024]:
///     a = np.random.RandomState(n).normal(1000.0, 3.0, size=n)
///     print(n, [repr(float(f(a))) for f in (np.var, np.mean, np.std, np.min, np.max, np.sum)])
/// ```
const NUMPY: [(usize, [f64; 6]); 10] = [
    (
        1,
        [
            0.0,
            1004.8730360909897,
            0.0,
            1004.8730360909897,
            1004.8730360909897,
            1004.8730360909897,
        ],
    ),
    (
        7,
        [
            4.8273507840907195,
            1000.3759329735815,
            2.197123297425686,
            997.6332309141228,
            1005.0715771114011,
            7002.631530815071,
        ],
    ),
    (
        8,
        [
            28.56341677254592,
            1000.7105885465904,
            5.344475350541521,
            993.1105252773935,
            1007.2295029100246,
            8005.684708372723,
        ],
    ),
    (
        9,
        [
            2.029593038935563,
            998.4914116200157,
            1.4246378623831262,
            995.448006463613,
            1000.0033256641366,
            8986.422704580142,
        ],
    ),
    (
        127,
        [
            7.49421699792617,
            999.9108591289063,
            2.7375567570237096,
            994.6812196578132,
            1006.7626300253299,
            126988.67910937109,
        ],
    ),
    (
        128,
        [
            8.106729786419951,
            1000.2241084482282,
            2.8472319516365276,
            994.2938194415893,
            1009.6410957950582,
            128028.68588137321,
        ],
    ),
    (
        129,
        [
            7.129784930065687,
            999.3186311023106,
            2.6701657120983495,
            990.6937216486801,
            1005.1824842408593,
            128912.10341219808,
        ],
    ),
    (
        1000,
        [
            8.99140678383466,
            999.968639841537,
            2.998567455275045,
            990.4786599005084,
            1008.6136199969616,
            999968.639841537,
        ],
    ),
    (
        4097,
        [
            9.11288098512376,
            999.9905028732037,
            3.0187548733084903,
            988.6034117294754,
            1010.824828926083,
            4096961.090271516,
        ],
    ),
    (
        1048576,
        [
            9.017662116697043,
            1000.0038980145587,
            3.0029422433168844,
            986.3450550624772,
            1014.138211952013,
            1048580087.3645139,
        ],
    ),
];

#[test]
fn bit_exact_against_numpy() {
    for (n, want) in NUMPY {
        let a = sample(n);
        for (name, w) in ALL.into_iter().zip(want) {
            let got = compute(name, &a);
            assert_eq!(got.to_bits(), w.to_bits(), "{name} n={n}: {got:e} vs {w:e}");
        }
    }
}

/// The pairwise order matters: a naive running sum differs from numpy here.
#[test]
fn pairwise_is_not_naive() {
    let a = sample(4097);
    let naive: f64 = a.iter().sum();
    assert_ne!(naive.to_bits(), pairwise_sum(&a).to_bits());
}

/// numpy's `pairwise_sum` (`loops_utils.h.src`) transcribed index by index, kept deliberately
/// naive: the optimised [`pairwise_sum`] must equal it on every length (an interleaving or
/// leaf-size slip changes the rounding order on some lengths only).
fn numpy_pairwise_reference(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_pairwise_reference(&a[..n2]) + numpy_pairwise_reference(&a[n2..])
    }
}

/// Every length up to 2100 (all leaf shapes and split patterns) and some large ones, on data
/// whose sums are sensitive to the order of additions.
#[test]
fn pairwise_sum_equals_the_reference_on_every_length() {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<f64> = (0..70_000)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Mantissa noise times 2^-20 .. 2^20, either sign.
            let m = (s >> 11) as f64 / (1u64 << 53) as f64;
            let e = (s % 41) as i32 - 20;
            let signed = if s & (1 << 5) == 0 { m } else { -m };
            signed * 2f64.powi(e)
        })
        .collect();
    let lengths = (0..=2100).chain([4095, 4096, 4097, 65_535, 65_536, 70_000]);
    for n in lengths {
        let a = &data[..n];
        assert_eq!(
            pairwise_sum(a).to_bits(),
            (0.0 + numpy_pairwise_reference(a)).to_bits(),
            "n = {n}"
        );
    }
}

/// The streaming sum equals `pairwise_sum` for every length up to 2100 and some large ones,
/// whether the buffer arrives all at once, a sample at a time, or in chunks of varied sizes
/// (which split leaves, land on their ends, and skip several at once); and it reports nothing
/// before the last sample.
#[test]
fn pairwise_stream_equals_pairwise_sum() {
    let data = sample(70_000);
    let lengths = (0..=2100).chain([4095, 4096, 4097, 65_535, 65_536, 70_000]);
    for n in lengths {
        let a = &data[..n];
        let want = pairwise_sum(a).to_bits();
        let step_sets: [&[usize]; 4] = [&[n.max(1)], &[1], &[7, 128, 300, 1], &[2048, 64, 5]];
        for steps in step_sets {
            if n > 5000 && steps == [1] {
                continue;
            }
            let mut s = PairwiseStream::new(n);
            let mut ready = 0;
            for &step in steps.iter().cycle() {
                assert_eq!(s.sum(), None, "n = {n}, steps {steps:?}: early at {ready}");
                ready = (ready + step).min(n);
                s.advance(a, ready);
                if ready == n {
                    break;
                }
            }
            assert_eq!(
                s.sum().map(f64::to_bits),
                Some(want),
                "n = {n}, steps {steps:?}"
            );
        }
    }
}

/// The variance taken along another pass equals `np.var`'s, however the pass advances, and
/// with nothing advanced at all (`finish` reads the rest).
#[test]
fn variance_stream_equals_variance() {
    let data = sample(5000);
    for n in [0, 1, 7, 8, 9, 127, 128, 129, 1000, 4097, 5000] {
        let a = &data[..n];
        let want = np_var(a).to_bits();
        for step in [1, 31, 100, 2048, usize::MAX] {
            let mut v = VarianceStream::new(n, pairwise_sum(a));
            if step != usize::MAX {
                for ready in (0..=n).step_by(step) {
                    v.advance(a, ready);
                }
            }
            assert_eq!(v.finish(a).to_bits(), want, "n = {n}, step {step}");
        }
        let var = f64::from_bits(want);
        // The metrics from the moments equal the metrics.
        for name in ALL {
            let Some(m) = metric(name).moments() else {
                continue;
            };
            assert_eq!(
                (m.value)(n, pairwise_sum(a), var).to_bits(),
                compute(name, a).to_bits(),
                "{name} n = {n}"
            );
        }
        let mut v = VarianceStream::new(n, pairwise_sum(a));
        assert_eq!(v.total(), None);
        v.advance(a, n);
        assert_eq!(v.total().map(f64::to_bits), Some(want));
    }
}

#[test]
fn names_are_the_registry() {
    assert_eq!(
        names(),
        [
            "variance",
            "mean",
            "std",
            "min",
            "max",
            "sum",
            "mse",
            "objects",
            "area_mean",
            "area_max",
            "median",
            "percentile",
            "entropy",
            "count_above",
            "fraction_above",
            "nonzero",
            "otsu",
            "li",
            "yen",
            "nrmse",
            "psnr",
            "ssim",
            "sharpness"
        ]
    );
    assert!(entry("Variance").is_none() && entry("").is_none());
    assert!(entry("mse").unwrap().reference && !entry("mean").unwrap().reference);
}

#[test]
fn empty_input() {
    // np.sum([]) == 0.0; np.mean/var/std([]) == nan; np.min/max([]) raise (we return NaN).
    assert_eq!(compute("sum", &[]).to_bits(), 0.0_f64.to_bits());
    for m in ["mean", "variance", "std", "min", "max"] {
        assert!(compute(m, &[]).is_nan(), "{m}");
    }
}

#[test]
fn signed_zeros() {
    // np.sum of all -0.0 is +0.0 (the reduction starts from the identity 0.0).
    for n in [1, 7, 9, 200] {
        assert_eq!(pairwise_sum(&vec![-0.0; n]).to_bits(), 0.0_f64.to_bits());
    }
    // np.min([0.0, -0.0]) -> -0.0, np.min([-0.0, 0.0]) -> 0.0 (numpy keeps the later tie);
    // likewise for max, and for [0.0]*20 + [-0.0].
    let z = |v: f64| v.to_bits();
    assert_eq!(z(compute("min", &[0.0, -0.0])), z(-0.0));
    assert_eq!(z(compute("min", &[-0.0, 0.0])), z(0.0));
    assert_eq!(z(compute("max", &[0.0, -0.0])), z(-0.0));
    assert_eq!(z(compute("max", &[-0.0, 0.0])), z(0.0));
    let mut v = vec![0.0; 20];
    v.push(-0.0);
    assert_eq!(z(compute("min", &v)), z(-0.0));
    v.reverse();
    assert_eq!(z(compute("min", &v)), z(0.0));
}

#[test]
fn nan_and_infinity_propagate() {
    for n in [1, 5, 8, 17, 300] {
        for pos in [0, n / 2, n - 1] {
            let mut a = sample(n);
            a[pos] = f64::NAN;
            for m in ALL {
                assert!(compute(m, &a).is_nan(), "{m} n={n} pos={pos}");
            }
            a[pos] = f64::INFINITY;
            assert_eq!(compute("max", &a), f64::INFINITY);
            assert_eq!(compute("sum", &a), f64::INFINITY);
            a[pos] = f64::NEG_INFINITY;
            assert_eq!(compute("min", &a), f64::NEG_INFINITY);
        }
    }
}

#[test]
fn min_max_agree_with_a_scalar_fold() {
    for n in 1..70 {
        let a = sample(n);
        let lo = a.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(compute("min", &a), lo);
        assert_eq!(compute("max", &a), hi);
    }
}

/// `skimage.metrics.mean_squared_error(a, b)` for `a = sample(n)`, `b = a[::-1] * 0.5`:
/// ```text
/// a = np.random.RandomState(n).normal(1000.0, 3.0, size=n); b = a[::-1] * 0.5
/// repr(skimage.metrics.mean_squared_error(a, b))
/// ```
#[test]
fn mse_is_the_mean_of_squared_differences() {
    let a = sample(1000);
    let b: Vec<f64> = a.iter().rev().map(|x| x * 0.5).collect();
    let img = |v: &[f64]| crate::Image::from_vec(1, v.len(), 1, v.to_vec()).unwrap();
    let got = metric("mse").compute(&img(&a), Some(&img(&b))).unwrap();
    let squares: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).collect();
    assert_eq!(got.to_bits(), np_mean(&squares).to_bits());
    let err = metric("mse")
        .compute(&img(&a), Some(&img(&b[..10])))
        .unwrap_err();
    assert_eq!(
        err,
        "`mse` compares images of one shape, got 1×1000 and 1×10"
    );
}

/// `objects`, `area_mean`, `area_max` of
/// `a = np.array([[1, 0, 0, 1], [0, 1, 0, 1], [1, 0, 0, 0]])`: `skimage.measure.label(a != 0)`
/// has 2 objects (3 and 2 pixels), with `connectivity=1` 4; an empty image has none:
/// `np.mean([])` is NaN and `np.max([], initial=0)` 0.
#[test]
fn objects_and_their_areas() {
    let a = [1., 0., 0., 1., 0., 1., 0., 1., 1., 0., 0., 0.];
    let img = crate::Image::from_vec(3, 4, 1, a.to_vec()).unwrap();
    let zero = crate::Image::from_vec(3, 4, 1, vec![-0.0; 12]).unwrap();
    let get = |name: &str, img: &crate::Image| metric(name).compute(img, None).unwrap();
    assert_eq!(get("objects", &img), 2.0);
    assert_eq!(get("area_mean", &img), 2.5);
    assert_eq!(get("area_max", &img), 3.0);
    assert_eq!(get("objects", &zero), 0.0);
    assert!(get("area_mean", &zero).is_nan());
    assert_eq!(get("area_max", &zero), 0.0);
    let one = objects::Objects { connectivity: 1 };
    assert_eq!(one.compute(&img, None).unwrap(), 4.0);
    let rgb = crate::Image::from_vec(1, 1, 3, vec![1.0; 3]).unwrap();
    assert!(metric("objects")
        .compute(&rgb, None)
        .unwrap_err()
        .contains("3 channels"));
}
