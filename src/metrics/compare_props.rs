//! The comparing metrics (`ssim`, `psnr`, `nrmse`) and `sharpness`: an image against itself,
//! shapes that do not match, and no panic on any parameter the schema accepts nor on empty and
//! tiny images.

use super::nrmse::{Normalization, Nrmse};
use super::psnr::Psnr;
use super::sharpness::Sharpness;
use super::ssim::Ssim;
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use proptest::prelude::*;

fn compile<T: MetricSpec>(params: &T) -> Option<Box<dyn Measure>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    params.compile(&mut ParamCx::new(&mut report, None))
}

fn images(max: usize) -> impl Strategy<Value = Image> {
    (0..max, 0..max, prop_oneof![Just(1usize), Just(3)]).prop_flat_map(|(h, w, c)| {
        proptest::collection::vec(0.0f64..1.0, h * w * c).prop_map(move |data| Image {
            height: h,
            width: w,
            channels: c,
            data,
        })
    })
}

fn normalizations() -> impl Strategy<Value = Normalization> {
    prop_oneof![
        Just(Normalization::Euclidean),
        Just(Normalization::MinMax),
        Just(Normalization::Mean)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn never_panic(
        img in images(14),
        other in images(14),
        win_size in proptest::option::of(prop_oneof![0u64..16, Just(u64::MAX)]),
        gaussian_weights: bool,
        data_range in prop_oneof![Just(1.0), 0.0f64..300.0, Just(-1.0), Just(f64::NAN)],
        psnr_range in proptest::option::of(prop_oneof![0.0f64..300.0, Just(f64::INFINITY)]),
        normalization in normalizations(),
    ) {
        let ssim = Ssim { win_size, gaussian_weights, data_range };
        let measures = [
            compile(&ssim),
            compile(&Psnr { data_range: psnr_range }),
            compile(&Nrmse { normalization }),
            compile(&Sharpness {}),
        ];
        for m in measures.into_iter().flatten() {
            let _ = m.compute(&img, Some(&img));
            let _ = m.compute(&img, Some(&other));
            let _ = m.compute(&img, None);
        }
    }

    /// An image against itself: SSIM exactly 1, PSNR infinite, NRMSE 0.
    #[test]
    fn an_image_against_itself(img in images(20), normalization in normalizations(), gaussian_weights: bool) {
        let ssim = compile(&Ssim { win_size: Some(3), gaussian_weights, data_range: 1.0 }).unwrap();
        if img.height >= 3 && img.width >= 3 {
            prop_assert_eq!(ssim.compute(&img, Some(&img)), Ok(1.0));
        } else {
            prop_assert!(ssim.compute(&img, Some(&img)).is_err());
        }
        if !img.data.is_empty() {
            let psnr = compile(&Psnr { data_range: Some(1.0) }).unwrap();
            prop_assert_eq!(psnr.compute(&img, Some(&img)), Ok(f64::INFINITY));
            let nrmse = compile(&Nrmse { normalization }).unwrap().compute(&img, Some(&img)).unwrap();
            prop_assert!(nrmse == 0.0 || nrmse.is_nan());
        }
    }
}

#[test]
fn shapes_must_match() {
    let a = Image::from_vec(8, 8, 1, vec![0.5; 64]).unwrap();
    let b = Image::from_vec(8, 9, 1, vec![0.5; 72]).unwrap();
    let ssim = compile(&Ssim {
        win_size: None,
        gaussian_weights: false,
        data_range: 1.0,
    })
    .unwrap();
    assert!(ssim.compute(&a, Some(&b)).is_err());
    assert!(compile(&Psnr { data_range: None })
        .unwrap()
        .compute(&a, Some(&b))
        .is_err());
    assert!(compile(&Nrmse {
        normalization: Normalization::Euclidean
    })
    .unwrap()
    .compute(&a, Some(&b))
    .is_err());
}
