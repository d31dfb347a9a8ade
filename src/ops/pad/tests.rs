use super::*;

/// `np.pad(a, ((3, 4), (5, 2)), mode, **kw)` with `a = [[1, 2, 4], [8, 16, 32]]`.
fn pad(mode: PadMode, values: Option<Values>, odd: bool) -> Vec<f64> {
    let a = Image::from_vec(2, 3, 1, vec![1., 2., 4., 8., 16., 32.]).unwrap();
    let p = Pad {
        pad_width: Widths::PerAxis([[3, 4], [5, 2]]),
        mode,
        constant_values: values.filter(|_| mode == PadMode::Constant),
        end_values: values.filter(|_| mode == PadMode::LinearRamp),
        stat_length: None,
        reflect_type: odd.then_some(ReflectType::Odd),
    };
    let mut report = |_: Option<&str>, m: String, _: Option<String>| panic!("{m}");
    let k = p.compile(&mut ParamCx::new(&mut report, None)).unwrap();
    let mut out = Image::default();
    k.apply(&[&a], &mut out, &mut Scratch::default()).unwrap();
    assert_eq!((out.height, out.width), (9, 10));
    out.data
}

#[test]
fn pads_like_numpy() {
    assert_eq!(
        pad(PadMode::Reflect, None, true),
        [120.0, 100.0, 80.0, 40.0, 0.0, -20.0, -40.0, -80.0, -120.0, -140.0, 78.0, 65.0, 52.0, 26.0, 0.0, -13.0, -26.0, -52.0, -78.0, -91.0, 36.0, 30.0, 24.0, 12.0, 0.0, -6.0, -12.0, -24.0, -36.0, -42.0, -6.0, -5.0, -4.0, -2.0, 0.0, 1.0, 2.0, 4.0, 6.0, 7.0, -48.0, -40.0, -32.0, -16.0, 0.0, 8.0, 16.0, 32.0, 48.0, 56.0, -90.0, -75.0, -60.0, -30.0, 0.0, 15.0, 30.0, 60.0, 90.0, 105.0, -132.0, -110.0, -88.0, -44.0, 0.0, 22.0, 44.0, 88.0, 132.0, 154.0, -174.0, -145.0, -116.0, -58.0, 0.0, 29.0, 58.0, 116.0, 174.0, 203.0, -216.0, -180.0, -144.0, -72.0, 0.0, 36.0, 72.0, 144.0, 216.0, 252.0]
    );
    assert_eq!(
        pad(PadMode::Mean, None, false),
        [10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 2.3333333333333335, 2.3333333333333335, 2.3333333333333335, 2.3333333333333335, 2.3333333333333335, 1.0, 2.0, 4.0, 2.3333333333333335, 2.3333333333333335, 18.666666666666668, 18.666666666666668, 18.666666666666668, 18.666666666666668, 18.666666666666668, 8.0, 16.0, 32.0, 18.666666666666668, 18.666666666666668, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 4.5, 9.0, 18.0, 10.5, 10.5]
    );
    assert_eq!(
        pad(PadMode::LinearRamp, Some(Values::All(1.0)), false),
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.3333333333333333, 2.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.6666666666666665, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 4.0, 2.5, 1.0, 1.0, 2.4000000000000004, 3.8000000000000003, 5.2, 6.6000000000000005, 8.0, 16.0, 32.0, 16.5, 1.0, 1.0, 2.05, 3.1, 4.15, 5.2, 6.25, 12.25, 24.25, 12.625, 1.0, 1.0, 1.7000000000000002, 2.4000000000000004, 3.1, 3.8000000000000003, 4.5, 8.5, 16.5, 8.75, 1.0, 1.0, 1.35, 1.7000000000000002, 2.05, 2.4000000000000004, 2.75, 4.75, 8.75, 4.875, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    );
    assert_eq!(
        pad(PadMode::Constant, Some(Values::PerAxis([[5.0, 6.0], [7.0, 8.0]])), false),
        [7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 5.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 5.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 5.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 1.0, 2.0, 4.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 8.0, 16.0, 32.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 6.0, 6.0, 6.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 6.0, 6.0, 6.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 6.0, 6.0, 6.0, 8.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0, 6.0, 6.0, 6.0, 8.0, 8.0]
    );
    assert_eq!(
        pad(PadMode::Symmetric, None, false),
        [16.0, 32.0, 32.0, 16.0, 8.0, 8.0, 16.0, 32.0, 32.0, 16.0, 16.0, 32.0, 32.0, 16.0, 8.0, 8.0, 16.0, 32.0, 32.0, 16.0, 2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 2.0, 4.0, 4.0, 2.0, 2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 2.0, 4.0, 4.0, 2.0, 16.0, 32.0, 32.0, 16.0, 8.0, 8.0, 16.0, 32.0, 32.0, 16.0, 16.0, 32.0, 32.0, 16.0, 8.0, 8.0, 16.0, 32.0, 32.0, 16.0, 2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 2.0, 4.0, 4.0, 2.0, 2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 2.0, 4.0, 4.0, 2.0, 16.0, 32.0, 32.0, 16.0, 8.0, 8.0, 16.0, 32.0, 32.0, 16.0]
    );
    assert_eq!(
        pad(PadMode::Wrap, None, false),
        [16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 4.0, 1.0, 2.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0, 32.0, 8.0, 16.0]
    );
}

/// Compiles `p` (`None` if compile refuses it).
fn compile(p: &Pad) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    p.compile(&mut ParamCx::new(&mut report, None))
}

const MODES: [PadMode; 10] = [
    PadMode::Constant,
    PadMode::Edge,
    PadMode::LinearRamp,
    PadMode::Maximum,
    PadMode::Mean,
    PadMode::Median,
    PadMode::Minimum,
    PadMode::Reflect,
    PadMode::Symmetric,
    PadMode::Wrap,
];

fn widths(w: [[u64; 2]; 2], form: usize) -> Widths {
    match form {
        0 => Widths::All(w[0][0]),
        1 => Widths::Pair(w[0]),
        _ => Widths::PerAxis(w),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Every mode and parameter on tiny images, empty ones included: no panic, the shape
    /// `output_shape` announces, padding then cropping gives the image back, and a constant
    /// image stays constant under every mode that only repeats or summarises its pixels.
    #[test]
    fn pad_shapes_and_constants(
        h in 0usize..6, w in 0usize..6, rgb in proptest::bool::ANY,
        pw in proptest::array::uniform2(proptest::array::uniform2(0u64..9)),
        form in 0usize..3, m in 0usize..10, v in -2.0f64..2.0,
        sl in proptest::option::of(proptest::array::uniform2(proptest::array::uniform2(0u64..4))),
        odd in proptest::bool::ANY, constant in proptest::bool::ANY,
    ) {
        let c = if rgb { 3 } else { 1 };
        let mode = MODES[m];
        let data = (0..h * w * c).map(|i| if constant { v } else { (i as f64 * 0.37).sin() }).collect();
        let img = Image::from_vec(h, w, c, data).unwrap();
        let p = Pad {
            pad_width: widths(pw, form),
            mode,
            constant_values: (mode == PadMode::Constant).then_some(Values::All(v)),
            end_values: (mode == PadMode::LinearRamp).then_some(Values::Pair([v, -v])),
            stat_length: sl.filter(|_| mode.is_stat()).map(Widths::PerAxis),
            reflect_type: (odd && matches!(mode, PadMode::Reflect | PadMode::Symmetric))
                .then_some(ReflectType::Odd),
        };
        let Some(k) = compile(&p) else {
            // Only a zero statistic length of maximum / minimum is refused.
            proptest::prop_assert!(matches!(mode, PadMode::Maximum | PadMode::Minimum));
            return Ok(());
        };
        let mut out = Image::default();
        let shape = k.output_shape(&[Shape::of(&img)]);
        let res = k.apply(&[&img], &mut out, &mut Scratch::default());
        proptest::prop_assert_eq!(shape.is_ok(), res.is_ok());
        let Ok(shape) = shape else { return Ok(()) };
        proptest::prop_assert_eq!(shape, Shape::of(&out));
        proptest::prop_assert_eq!(out.data.len(), shape.height * shape.width * c);
        let [[t, b], [l, r]] = p.pad_width.per_axis();
        let back = crate::ops::crop::Crop { crop_width: Widths::PerAxis([[t, b], [l, r]]) };
        let mut cropped = Image::default();
        back.apply(&[&out], &mut cropped, &mut Scratch::default()).unwrap();
        proptest::prop_assert_eq!(&cropped, &img);
        let repeats = matches!(mode, PadMode::Edge | PadMode::Maximum | PadMode::Minimum
            | PadMode::Median | PadMode::Wrap) || (matches!(mode, PadMode::Reflect
            | PadMode::Symmetric) && !odd);
        // (A statistic of no pixels is NaN, as numpy's.)
        let empty_stat = p.stat_length.is_some_and(|s| s.per_axis().iter().flatten().any(|&l| l == 0));
        if constant && repeats && !empty_stat && !img.data.is_empty() {
            proptest::prop_assert!(out.data.iter().all(|&x| x == v));
        }
    }
}
