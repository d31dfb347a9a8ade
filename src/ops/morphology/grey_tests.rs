//! The grey ops against scikit-image 0.26 on small literal images (values from the Python calls
//! quoted), their checks, and their properties.

use super::*;
use crate::ops::footprint::FootprintSpec::{self, *};
use proptest::prelude::*;

fn grey(op: GreyOp, footprint: Option<FootprintSpec>, mode: GreyMode, cval: f64) -> Grey {
    let window = footprint.map_or(Window::cross(), |f| Window::grey(&f.build()));
    Grey {
        op,
        footprint,
        window,
        mode,
        cval,
    }
}

fn run(g: &Grey, (h, w): (usize, usize), src: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    g.run(src, (h, w), &mut out, &mut GreyScratch::default());
    out
}

/// Bit patterns, so that NaN and the sign of zero are compared too.
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

const NAN: f64 = f64::NAN;

/// `a = np.array([[1., nan, 2.], [3., 4., -0.0], [0.0, 5., 6.]])`; `erosion(a)`, `dilation(a)`,
/// `opening(a)`, `white_tophat(a)`, and the same with `footprint_rectangle((3, 3))`: scipy's
/// comparison order decides which NaN and which zero survive.
#[test]
fn nan_and_signed_zeros_as_scipy_orders_them() {
    let a = [1., NAN, 2., 3., 4., -0.0, 0.0, 5., 6.];
    let cases: [(GreyOp, Option<FootprintSpec>, [f64; 9]); 8] = [
        (
            GreyOp::Erosion,
            None,
            [1., NAN, -0.0, 0.0, NAN, -0.0, 0.0, 0.0, -0.0],
        ),
        (
            GreyOp::Erosion,
            Some(Square(3)),
            [1., -0.0, -0.0, 0.0, -0.0, -0.0, 0.0, -0.0, -0.0],
        ),
        (
            GreyOp::Dilation,
            None,
            [3., NAN, 2., 4., NAN, 6., 5., 6., 6.],
        ),
        (
            GreyOp::Dilation,
            Some(Square(3)),
            [3., 3., NAN, 3., 6., 6., 5., 6., 6.],
        ),
        (
            GreyOp::Opening,
            None,
            [1., NAN, -0.0, 1., NAN, -0.0, 0.0, NAN, -0.0],
        ),
        (
            GreyOp::Opening,
            Some(Square(3)),
            [1., 1., -0.0, 1., 1., -0.0, -0.0, -0.0, -0.0],
        ),
        (
            GreyOp::WhiteTophat,
            None,
            [0., NAN, 2., 2., NAN, 0., 0., NAN, 6.],
        ),
        (
            GreyOp::WhiteTophat,
            Some(Square(3)),
            [0., NAN, 2., 2., 3., 0., 0., 5., 6.],
        ),
    ];
    for (op, fp, want) in cases {
        let g = grey(op, fp, GreyMode::Reflect, 0.0);
        assert_eq!(bits(&run(&g, (3, 3), &a)), bits(&want), "{op:?} {fp:?}");
    }
}

/// `b = np.arange(20.).reshape(4, 5)`: an even footprint covers offsets {0, 1} in erosion and
/// dilation alike; `closing(b, footprint_rectangle((2, 3)), mode='ignore')`.
#[test]
fn even_footprints_are_shifted_as_scikit_image_shifts_them() {
    let b: Vec<f64> = (0..20).map(f64::from).collect();
    let r = |op, fp, mode| run(&grey(op, Some(fp), mode, 0.0), (4, 5), &b);
    let reflect = GreyMode::Reflect;
    assert_eq!(r(GreyOp::Erosion, Square(2), reflect), b);
    assert_eq!(
        r(GreyOp::Dilation, Square(2), reflect),
        [
            6., 7., 8., 9., 9., 11., 12., 13., 14., 14., 16., 17., 18., 19., 19., 16., 17., 18.,
            19., 19.
        ]
    );
    assert_eq!(
        r(GreyOp::Closing, Rectangle([2, 3]), GreyMode::Ignore),
        [
            6., 6., 7., 8., 9., 6., 6., 7., 8., 9., 11., 11., 12., 13., 14., 16., 16., 17., 18.,
            19.
        ]
    );
}

/// The docstring examples: `erosion(bright_square, footprint_rectangle((3, 3)))` keeps the
/// centre, `dilation(bright_pixel, ...)` makes a 3 × 3 block.
#[test]
fn docstring_examples() {
    let mut square = vec![0.0; 25];
    for y in 1..4 {
        for x in 1..4 {
            square[y * 5 + x] = 1.0;
        }
    }
    let mut centre = vec![0.0; 25];
    centre[12] = 1.0;
    let g = |op| grey(op, Some(Square(3)), GreyMode::Reflect, 0.0);
    assert_eq!(run(&g(GreyOp::Erosion), (5, 5), &square), centre);
    assert_eq!(run(&g(GreyOp::Dilation), (5, 5), &centre), square);
    assert_eq!(run(&g(GreyOp::Opening), (5, 5), &centre), vec![0.0; 25]);
    assert_eq!(run(&g(GreyOp::WhiteTophat), (5, 5), &centre), centre);
    assert_eq!(run(&g(GreyOp::BlackTophat), (5, 5), &centre), vec![0.0; 25]);
    // `black_tophat(bright_square, ...)`: reflected past the edges, the closing is all ones,
    // so the result is the ring around the square.
    let ring: Vec<f64> = square.iter().map(|v| 1.0 - v).collect();
    assert_eq!(run(&g(GreyOp::BlackTophat), (5, 5), &square), ring);
}

#[test]
fn modes_resolve_per_filter() {
    let e = |m: GreyMode| (m.edge(0.5, true), m.edge(0.5, false));
    assert_eq!(
        e(GreyMode::Ignore),
        (Edge::Value(f64::INFINITY), Edge::Value(f64::NEG_INFINITY))
    );
    assert_eq!(
        e(GreyMode::Max),
        (Edge::Value(f64::INFINITY), Edge::Value(f64::INFINITY))
    );
    assert_eq!(e(GreyMode::Constant), (Edge::Value(0.5), Edge::Value(0.5)));
    // erosion(1 × 2, mode='min') is -inf everywhere: the edge is in every window.
    let g = grey(GreyOp::Erosion, None, GreyMode::Min, 0.0);
    assert_eq!(run(&g, (1, 2), &[1.0, 2.0]), [f64::NEG_INFINITY; 2]);
}

#[test]
fn compile_checks() {
    let mut errors = Vec::new();
    let mut report = |k: Option<&str>, m: String, _: Option<String>| {
        errors.push(format!("{}: {m}", k.unwrap_or("-")))
    };
    let mut cx = ParamCx::new(&mut report, Some(3));
    let k = compile(
        GreyOp::Erosion,
        Some(Square(0)),
        GreyMode::Reflect,
        f64::NAN,
        &mut cx,
    );
    assert!(k.is_none());
    assert_eq!(
        errors,
        [
            "-: `erosion` works on gray images, and this one has 3 channels",
            "cval: `cval` must be finite, got NaN",
            "footprint: `footprint` is empty (0 × 0)",
        ]
    );
    let g = grey(GreyOp::Erosion, None, GreyMode::Reflect, 0.0);
    let rgb = Image::zeros(2, 2, 3);
    let err = g.apply(&[&rgb], &mut Image::default(), &mut Scratch::default());
    assert!(err.unwrap_err().contains("this one has 3 channels"));
    assert_eq!(g.describe(), "footprint=cross mode=reflect");
}

fn spec() -> impl Strategy<Value = Option<FootprintSpec>> {
    prop_oneof![
        Just(None),
        (0u32..4).prop_map(|r| Some(Disk(r))),
        (0u32..4).prop_map(|r| Some(Diamond(r))),
        (1u32..6).prop_map(|n| Some(Square(n))),
        (1u32..20, 1u32..6).prop_map(|(a, b)| Some(Rectangle([a, b]))),
    ]
}

fn op() -> impl Strategy<Value = GreyOp> {
    prop_oneof![
        Just(GreyOp::Erosion),
        Just(GreyOp::Dilation),
        Just(GreyOp::Opening),
        Just(GreyOp::Closing),
        Just(GreyOp::WhiteTophat),
        Just(GreyOp::BlackTophat),
    ]
}

fn mode() -> impl Strategy<Value = GreyMode> {
    prop_oneof![
        Just(GreyMode::Reflect),
        Just(GreyMode::Constant),
        Just(GreyMode::Nearest),
        Just(GreyMode::Mirror),
        Just(GreyMode::Wrap),
        Just(GreyMode::Max),
        Just(GreyMode::Min),
        Just(GreyMode::Ignore),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any accepted parameters on any tiny image: no panic, the shape kept; with an index mode
    /// a constant image stays constant (a tophat gives 0).
    #[test]
    fn shape_kept_and_constants_stay(
        op in op(),
        fp in spec(),
        mode in mode(),
        h in 0usize..6,
        w in 0usize..6,
        v in -2.0f64..2.0,
        special in any::<bool>(),
    ) {
        let g = grey(op, fp, mode, 0.25);
        let src = if special {
            (0..h * w).map(|i| [NAN, 0.0, -0.0, v][i % 4]).collect()
        } else {
            vec![v; h * w]
        };
        let img = Image::from_vec(h, w, 1, src.clone()).unwrap();
        let mut out = Image::default();
        g.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
        prop_assert_eq!(Shape::of(&out), Shape::of(&img));
        let index_mode = matches!(
            mode,
            GreyMode::Reflect | GreyMode::Nearest | GreyMode::Mirror | GreyMode::Wrap
        );
        if index_mode && !special {
            let want = match op {
                GreyOp::WhiteTophat | GreyOp::BlackTophat => 0.0,
                _ => v,
            };
            prop_assert!(out.data.iter().all(|&x| x == want));
        }
    }
}
