use super::*;

fn compile(p: &Canny, channels: Option<usize>) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    p.compile(&mut ParamCx::new(&mut report, channels))
}

fn params() -> Canny {
    Canny {
        sigma: Sigma::Scalar(1.0),
        low_threshold: None,
        high_threshold: None,
        use_quantiles: false,
        mode: BoundaryMode::Constant,
        cval: 0.0,
    }
}

/// A bright square on black: its outline, as `skimage.feature.canny` finds it.
#[test]
fn finds_a_square() {
    let (h, w) = (12, 12);
    let data = (0..h * w)
        .map(|k| if (3..9).contains(&(k / w)) && (3..9).contains(&(k % w)) { 1.0 } else { 0.0 })
        .collect();
    let img = Image::from_vec(h, w, 1, data).unwrap();
    let k = compile(&params(), Some(1)).unwrap();
    let mut out = Image::default();
    k.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
    // `canny(a).astype(int)` row by row.
    let want = [
        "000000000000",
        "000000000000",
        "000000000000",
        "000111111000",
        "000100001000",
        "000100001000",
        "000100001000",
        "000100001000",
        "000111111000",
        "000000000000",
        "000000000000",
        "000000000000",
    ];
    let got: Vec<String> = out
        .data
        .chunks(w)
        .map(|r| r.iter().map(|&v| if v == 1.0 { '1' } else { '0' }).collect())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn refuses_colour_and_bad_thresholds() {
    assert!(compile(&params(), Some(3)).is_none());
    let low_above = Canny { low_threshold: Some(0.5), ..params() };
    assert!(compile(&low_above, None).is_none());
    let quantile = Canny { use_quantiles: true, high_threshold: Some(1.5), ..params() };
    assert!(compile(&quantile, None).is_none());
    let k = compile(&params(), None).unwrap();
    let rgb = Image::from_vec(1, 1, 3, vec![0.0; 3]).unwrap();
    let err = k.apply(&[&rgb], &mut Image::default(), &mut Scratch::default()).unwrap_err();
    assert!(err.contains("3 channels"), "{err}");
}

#[test]
fn percentile_is_numpys() {
    // np.percentile(np.arange(10.) ** 2 / 7, [10, 73.3])
    let mut a: Vec<f64> = (0..10).rev().map(|v: i32| f64::from(v * v) / 7.0).collect();
    let (lo, hi) = edges::percentile(&mut a, [10.0, 73.3]);
    assert_eq!(lo, 0.12857142857142856);
    assert_eq!(hi, 6.2515714285714274);
}

const MODES: [BoundaryMode; 5] = [
    BoundaryMode::Nearest,
    BoundaryMode::Reflect,
    BoundaryMode::Mirror,
    BoundaryMode::Constant,
    BoundaryMode::Wrap,
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any accepted parameters on tiny images, empty ones included: no panic, the input's
    /// shape, only 0.0 and 1.0, and no edges in a constant image.
    #[test]
    fn canny_shapes_and_constants(
        h in 0usize..7, w in 0usize..7, m in 0usize..5, sigma in 0.0f64..3.0,
        lo in proptest::option::of(0.0f64..1.0), hi in proptest::option::of(0.0f64..1.0),
        q in proptest::bool::ANY, v in 0.0f64..1.0, constant in proptest::bool::ANY,
    ) {
        let p = Canny {
            sigma: Sigma::Scalar(sigma),
            low_threshold: lo,
            high_threshold: hi,
            use_quantiles: q,
            mode: MODES[m],
            cval: v,
        };
        let Some(k) = compile(&p, None) else {
            let (l, h) = (lo.unwrap_or(0.1), hi.unwrap_or(0.2));
            proptest::prop_assert!(h < l);
            return Ok(());
        };
        let data = (0..h * w).map(|i| if constant { v } else { (i as f64 * 0.77).sin().abs() }).collect();
        let img = Image::from_vec(h, w, 1, data).unwrap();
        let mut out = Image::default();
        let shape = k.output_shape(&[Shape::of(&img)]).unwrap();
        k.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
        proptest::prop_assert_eq!(shape, Shape::of(&out));
        proptest::prop_assert!(out.data.iter().all(|&x| x == 0.0 || x == 1.0));
        if constant && m != 3 {
            proptest::prop_assert!(out.data.iter().all(|&x| x == 0.0));
        }
    }
}
