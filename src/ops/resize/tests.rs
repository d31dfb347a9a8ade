use super::pipeline::{ResizeCore, ResizeScratch};
use super::zoom::{map_coordinate, NdMode};
use super::*;

fn core(order: usize, mode: SkMode) -> ResizeCore {
    ResizeCore {
        order,
        mode,
        cval: 0.0,
        clip: true,
        anti_aliasing: None,
        anti_aliasing_sigma: None,
    }
}

/// `map_coordinate` as scipy's C for a few coordinates far outside a line of 4.
#[test]
fn maps_coordinates_like_scipy() {
    assert_eq!(map_coordinate(-0.25, 4, NdMode::Mirror), 0.25);
    assert_eq!(map_coordinate(-7.5, 4, NdMode::Mirror), 1.5);
    assert_eq!(map_coordinate(3.25, 4, NdMode::Mirror), 3.25);
    assert_eq!(map_coordinate(4.25, 4, NdMode::Mirror), 1.75);
    assert_eq!(map_coordinate(-0.25, 4, NdMode::Reflect), -0.75);
    assert_eq!(map_coordinate(-1e-16, 4, NdMode::Reflect), 1e-15 - 1.0);
    assert_eq!(map_coordinate(4.5, 4, NdMode::Reflect), 2.5);
    assert_eq!(map_coordinate(-0.25, 4, NdMode::GridWrap), 3.75);
    assert_eq!(map_coordinate(9.5, 4, NdMode::GridWrap), 1.5);
    assert_eq!(map_coordinate(-3.0, 4, NdMode::Nearest), 0.0);
    assert_eq!(map_coordinate(5.0, 1, NdMode::Mirror), 0.0);
}

/// `resize(np.arange(5.), (1, 12))` (order 1, reflect) from scikit-image.
#[test]
fn upsamples_a_row_like_skimage() {
    let img = Image::from_vec(1, 5, 1, (0..5).map(f64::from).collect()).unwrap();
    let mut out = Image::default();
    core(1, SkMode::Reflect)
        .run(&img, (1, 12), &mut out, &mut ResizeScratch::default())
        .unwrap();
    let want = [
        0.29166666666666663,
        0.125,
        0.5416666666666667,
        0.9583333333333335,
        1.375,
        1.791666666666667,
        2.2083333333333335,
        2.625,
        3.041666666666667,
        3.4583333333333335,
        3.875,
        3.708333333333333,
    ];
    assert_eq!(out.data, want);
}

const MODES: [SkMode; 5] = [
    SkMode::Constant,
    SkMode::Edge,
    SkMode::Symmetric,
    SkMode::Reflect,
    SkMode::Wrap,
];

/// Compiles `op` (`None` if compile refuses it).
fn compile<O: OpSpec>(op: &O) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    op.compile(&mut ParamCx::new(&mut report, None))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Every order, mode and flag on tiny images, empty ones included: no panic, the shape
    /// `output_shape` announces (empty images refused by both), and a constant image stays
    /// constant wherever the mode only repeats its pixels (clipped to its range).
    #[test]
    fn resize_shapes_and_constants(
        h in 0usize..6, w in 0usize..6, rgb in proptest::bool::ANY,
        oh in 0u64..9, ow in 0u64..9, order in 0u8..7, m in 0usize..5,
        v in -2.0f64..2.0, constant in proptest::bool::ANY,
        aa in proptest::option::of(proptest::bool::ANY),
        sigma in proptest::option::of(0.0f64..3.0),
        scale in 0.05f64..3.0, rescale in proptest::bool::ANY,
    ) {
        let c = if rgb { 3 } else { 1 };
        let data = (0..h * w * c).map(|i| if constant { v } else { (i as f64 * 0.37).sin() }).collect();
        let img = Image::from_vec(h, w, c, data).unwrap();
        let mode = MODES[m];
        let k = if rescale {
            compile(&crate::ops::rescale::Rescale {
                scale: Sigma::Scalar(scale),
                order,
                mode,
                cval: v,
                clip: true,
                anti_aliasing: aa,
                anti_aliasing_sigma: sigma.map(Sigma::Scalar),
            })
        } else {
            compile(&Resize {
                output_shape: [oh, ow],
                order,
                mode,
                cval: v,
                clip: true,
                anti_aliasing: aa,
                anti_aliasing_sigma: sigma.map(Sigma::Scalar),
            })
        };
        let Some(k) = k else {
            proptest::prop_assert!(order > 5 || (!rescale && (oh == 0 || ow == 0)));
            return Ok(());
        };
        let mut out = Image::default();
        let shape = k.output_shape(&[Shape::of(&img)]);
        let res = k.apply(&[&img], &mut out, &mut Scratch::default());
        proptest::prop_assert_eq!(shape.is_ok(), res.is_ok());
        let Ok(shape) = shape else {
            proptest::prop_assert!(h == 0 || w == 0);
            return Ok(());
        };
        proptest::prop_assert_eq!(shape, Shape::of(&out));
        proptest::prop_assert_eq!(shape.channels, c);
        if constant {
            proptest::prop_assert!(out.data.iter().all(|&x| x == v), "{:?}", out.data);
        }
    }
}
