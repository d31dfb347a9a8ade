//! The filter ops built on the primitives (`uniform`, the gradient filters, `laplace`,
//! `unsharp_mask`, `difference_of_gaussians`): shapes kept, constants kept where they should be,
//! no panic on any parameter the schema accepts nor on empty and tiny images.

use super::BoundaryMode;
use crate::diag::ParamCx;
use crate::ops::gaussian::Sigma;
use crate::ops::{Kernel, OpSpec, Scratch, Shape};
use crate::Image;
use proptest::prelude::*;
use BoundaryMode::*;

fn modes() -> impl Strategy<Value = BoundaryMode> {
    proptest::sample::select(BoundaryMode::ALL.to_vec())
}

fn images() -> impl Strategy<Value = Image> {
    (0usize..9, 0usize..9, prop_oneof![Just(1usize), Just(3)]).prop_flat_map(|(h, w, c)| {
        proptest::collection::vec(-1.0f64..1.0, h * w * c).prop_map(move |data| Image {
            height: h,
            width: w,
            channels: c,
            data,
        })
    })
}

fn compile<T: OpSpec>(params: &T) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    OpSpec::compile(params, &mut ParamCx::new(&mut report, None))
}

/// Applies `params` (when it compiles) to `img`; the output's shape must be the input's.
fn run<T: OpSpec>(params: &T, img: &Image) -> Option<Image> {
    let kernel = compile(params)?;
    let mut out = Image::default();
    kernel
        .apply(&[img], &mut out, &mut Scratch::default())
        .unwrap();
    assert_eq!(Shape::of(&out), Shape::of(img));
    Some(out)
}

fn edge(axis: Option<i64>, mode: BoundaryMode, cval: f64) -> crate::ops::edges::EdgeParams {
    crate::ops::edges::EdgeParams { axis, mode, cval }
}

fn sigmas() -> impl Strategy<Value = Sigma> {
    prop_oneof![
        prop_oneof![
            Just(0.0),
            0.0f64..4.0,
            Just(-1.0),
            Just(f64::NAN),
            Just(1e9)
        ]
        .prop_map(Sigma::Scalar),
        (0.0f64..3.0, 0.0f64..3.0).prop_map(|(a, b)| Sigma::PerAxis([a, b])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn filter_ops_keep_shapes_and_never_panic(
        img in images(),
        mode in modes(),
        cval in prop_oneof![Just(0.0), -2.0f64..2.0, Just(f64::NAN)],
        size in prop_oneof![Just(crate::ops::uniform::Size::Scalar(0)), (1u64..12).prop_map(crate::ops::uniform::Size::Scalar),
                            (0u64..6, 0u64..6).prop_map(|(a, b)| crate::ops::uniform::Size::PerAxis([a, b])),
                            Just(crate::ops::uniform::Size::Scalar(u64::MAX))],
        axis in prop_oneof![Just(None), (-2i64..4).prop_map(Some)],
        ksize in -1i64..9,
        radius in prop_oneof![0.0f64..5.0, Just(-1.0), Just(f64::INFINITY)],
        amount in -3.0f64..3.0,
        preserve_range: bool,
        low in sigmas(),
        high in proptest::option::of(sigmas()),
        truncate in prop_oneof![Just(0.0), 0.5f64..5.0, Just(-1.0)],
    ) {
        run(&crate::ops::uniform::Uniform { size, mode, cval }, &img);
        let e = edge(axis, mode, cval);
        run(&crate::ops::sobel::Sobel(e.clone()), &img);
        run(&crate::ops::scharr::Scharr(e.clone()), &img);
        run(&crate::ops::prewitt::Prewitt(e.clone()), &img);
        run(&crate::ops::farid::Farid(e), &img);
        run(&crate::ops::laplace::Laplace { ksize }, &img);
        run(&crate::ops::unsharp_mask::UnsharpMask { radius, amount, preserve_range }, &img);
        run(&crate::ops::difference_of_gaussians::DifferenceOfGaussians {
            low_sigma: low, high_sigma: high, mode, cval, truncate,
        }, &img);
    }

    /// A constant image: its uniform mean is the constant up to the running sum's rounding,
    /// its gradients and Laplacian vanish (outside `constant` mode), the difference of two
    /// blurs is 0 up to rounding, and an unsharp mask changes nothing.
    #[test]
    fn constant_images(
        h in 1usize..12, w in 1usize..12, c in prop_oneof![Just(1usize), Just(3)],
        v in 0.0f64..1.0, mode in modes(), s in 1u64..9, axis in prop_oneof![Just(None), (0i64..2).prop_map(Some)],
    ) {
        let img = Image { height: h, width: w, channels: c, data: vec![v; h * w * c] };
        let mode = if mode == Constant { Reflect } else { mode };
        let near = |out: &Image, want: f64| out.data.iter().all(|&x| (x - want).abs() <= 1e-14);
        let u = run(&crate::ops::uniform::Uniform { size: crate::ops::uniform::Size::Scalar(s), mode, cval: 0.0 }, &img).unwrap();
        prop_assert!(near(&u, v));
        let e = edge(axis, mode, 0.0);
        for out in [
            run(&crate::ops::sobel::Sobel(e.clone()), &img),
            run(&crate::ops::scharr::Scharr(e.clone()), &img),
            run(&crate::ops::prewitt::Prewitt(e.clone()), &img),
            run(&crate::ops::farid::Farid(e), &img),
        ] {
            prop_assert!(near(&out.unwrap(), 0.0));
        }
        let l = run(&crate::ops::laplace::Laplace { ksize: 3 }, &img).unwrap();
        prop_assert!(near(&l, 0.0));
        let d = run(&crate::ops::difference_of_gaussians::DifferenceOfGaussians {
            low_sigma: Sigma::Scalar(1.0), high_sigma: None, mode, cval: 0.0, truncate: 4.0,
        }, &img).unwrap();
        prop_assert!(near(&d, 0.0));
        let m = run(&crate::ops::unsharp_mask::UnsharpMask { radius: 1.0, amount: 2.0, preserve_range: false }, &img).unwrap();
        prop_assert!(near(&m, v));
    }
}
