//! Properties of the exposure ops (`rescale_intensity`, `equalize_hist`, `adjust_gamma`,
//! `adjust_log`, `adjust_sigmoid`): any image and any parameters the schema accepts — no
//! panic, the shape kept, constant images handled as scikit-image does.

use crate::ops::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use proptest::prelude::*;

fn compile<P: OpSpec>(toml: &str) -> Option<Box<dyn Kernel>> {
    let params: P = toml::from_str(toml).ok()?;
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    params.compile(&mut ParamCx::new(&mut report, None))
}

/// `toml` compiled as op `op`.
fn kernel(op: &str, toml: &str) -> Option<Box<dyn Kernel>> {
    match op {
        "rescale_intensity" => compile::<crate::ops::rescale_intensity::RescaleIntensity>(toml),
        "equalize_hist" => compile::<crate::ops::equalize_hist::EqualizeHist>(toml),
        "adjust_gamma" => compile::<crate::ops::adjust_gamma::AdjustGamma>(toml),
        "adjust_log" => compile::<crate::ops::adjust_log::AdjustLog>(toml),
        _ => compile::<crate::ops::adjust_sigmoid::AdjustSigmoid>(toml),
    }
}

/// Pseudo-random samples: mostly in [0, 1), some negative, NaN or infinite with `wild`.
fn samples(n: usize, seed: u64, wild: bool, constant: Option<f64>) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            match (constant, wild, s >> 59) {
                (Some(c), _, _) => c,
                (None, true, 0) => f64::NAN,
                (None, true, 1) => f64::INFINITY,
                (None, true, 2) => -u,
                _ => u,
            }
        })
        .collect()
}

fn run(k: &dyn Kernel, img: &Image) -> Result<Image, String> {
    let mut out = Image::default();
    k.apply(&[img], &mut out, &mut Scratch::default())?;
    let mut copy = img.clone();
    if let Some(r) = k.apply_in_place(&mut copy, &mut Scratch::default()) {
        r?;
        let same = copy
            .data
            .iter()
            .zip(&out.data)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "apply and apply_in_place differ");
    }
    Ok(out)
}

fn params() -> impl Strategy<Value = (&'static str, String)> {
    let pair = || (-2.0f64..2.0, -2.0f64..2.0);
    prop_oneof![
        Just(("rescale_intensity", String::new())),
        Just(("rescale_intensity", "in_range = \"dtype\"\nout_range = \"image\"".into())),
        pair().prop_map(|(a, b)| ("rescale_intensity", format!("in_range = [{a:?}, {b:?}]"))),
        pair().prop_map(|(a, b)| ("rescale_intensity", format!("out_range = [{a:?}, {b:?}]"))),
        (0.0f64..=100.0, 0.0f64..=100.0).prop_map(|(a, b)| (
            "rescale_intensity",
            format!("in_range = {{ percentiles = [{a:?}, {b:?}] }}")
        )),
        (1u32..2000).prop_map(|n| ("equalize_hist", format!("nbins = {n}"))),
        (0.0f64..5.0, -3.0f64..3.0)
            .prop_map(|(g, k)| ("adjust_gamma", format!("gamma = {g:?}\ngain = {k:?}"))),
        Just(("adjust_gamma", "gamma = 0.5".into())),
        (-3.0f64..3.0, any::<bool>())
            .prop_map(|(k, inv)| ("adjust_log", format!("gain = {k:?}\ninv = {inv}"))),
        (-1.0f64..2.0, -50.0f64..50.0, any::<bool>()).prop_map(|(c, g, inv)| (
            "adjust_sigmoid",
            format!("cutoff = {c:?}\ngain = {g:?}\ninv = {inv}")
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any image (0×0 up, gray or RGB, with NaN, inf and negative samples) and parameters: no
    /// panic; a result keeps the shape.
    #[test]
    fn never_panic_and_keep_the_shape(
        h in 0usize..7,
        w in 0usize..7,
        rgb in any::<bool>(),
        seed in any::<u64>(),
        wild in any::<bool>(),
        (op, toml) in params(),
    ) {
        let c = if rgb { 3 } else { 1 };
        let img = Image::from_vec(h, w, c, samples(h * w * c, seed, wild, None)).unwrap();
        let k = kernel(op, &toml).expect("compiles");
        if let Ok(out) = run(k.as_ref(), &img) {
            prop_assert_eq!(Shape::of(&out), Shape::of(&img));
        }
    }

    /// A constant image in [0, 1] stays constant, and every op accepts it.
    #[test]
    fn constant_in_constant_out(
        h in 1usize..6,
        w in 1usize..6,
        v in 0.0f64..=1.0,
        (op, toml) in params(),
    ) {
        let img = Image::from_vec(h, w, 1, samples(h * w, 0, false, Some(v))).unwrap();
        let k = kernel(op, &toml).expect("compiles");
        let out = run(k.as_ref(), &img).unwrap();
        let first = out.data[0];
        prop_assert!(out.data.iter().all(|x| x.to_bits() == first.to_bits()), "{:?}", out.data);
    }
}

/// The shape rules: each op keeps the image's shape.
#[test]
fn shapes_are_kept() {
    for op in ["rescale_intensity", "equalize_hist", "adjust_gamma", "adjust_log", "adjust_sigmoid"] {
        let k = kernel(op, "").unwrap();
        for (h, w, c) in [(0, 0, 1), (1, 1, 1), (1, 9, 3), (7, 5, 1)] {
            let s = Shape { height: h, width: w, channels: c };
            assert_eq!(k.output_shape(&[s]).unwrap(), s, "{op}");
        }
    }
}

/// Large images go through the corrections' cache of results: the same bits as mapping every
/// sample, for repeated values (an 8-bit image) and for distinct ones.
#[test]
fn remembered_results_are_the_same_bits() {
    let n = 50_000;
    let mut data: Vec<f64> = (0..n).map(|i| ((i * 7919) % 256) as f64 / 255.0).collect();
    data.extend(samples(n, 7, false, None));
    data.push(f64::from_bits(u64::MAX));
    let img = Image::from_vec(1, data.len(), 1, data.clone()).unwrap();
    type Want = Box<dyn Fn(f64) -> f64>;
    let cases: [(&str, &str, Want); 3] = [
        ("adjust_gamma", "gamma = 2.2\ngain = 0.5", Box::new(|x: f64| x.powf(2.2) * 0.5)),
        ("adjust_log", "gain = 1.5", Box::new(|x: f64| (1.0 + x).log2() * 1.5)),
        (
            "adjust_sigmoid",
            "cutoff = 0.4",
            Box::new(|x: f64| 1.0 / (1.0 + crate::numpy::exp::numpy_exp()(10.0 * (0.4 - x)))),
        ),
    ];
    for (op, toml, want) in cases {
        let out = run(kernel(op, toml).unwrap().as_ref(), &img).unwrap();
        for (i, (&x, &y)) in data.iter().zip(&out.data).enumerate() {
            let w = want(x);
            assert!(
                y.to_bits() == w.to_bits() || (y.is_nan() && w.is_nan()),
                "{op}: sample {i} = {x}: {y} vs {w}"
            );
        }
    }
}
