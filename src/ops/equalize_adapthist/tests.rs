//! Tests of CLAHE against scikit-image 0.26.

use super::clahe::clip_histogram;
use super::*;
use proptest::prelude::*;

fn run(params: EqualizeAdapthist, img: &Image) -> Result<Image, String> {
    let mut report = |_: Option<&str>, m: String, _: Option<String>| panic!("{m}");
    let k = params
        .compile(&mut ParamCx::new(&mut report, None))
        .unwrap();
    let mut out = Image::default();
    k.apply(&[img], &mut out, &mut Scratch::default())?;
    Ok(out)
}

fn params(kernel_size: Option<KernelSize>) -> EqualizeAdapthist {
    EqualizeAdapthist {
        kernel_size,
        clip_limit: 0.01,
        nbins: 256,
    }
}

/// `equalize_adapthist(g, kernel_size=3)` of `g = ((np.arange(99) * 37) % 256 / 255)
/// .reshape(9, 11)`, its first two rows.
#[test]
fn gray_matches_scikit_image() {
    let g = Image::from_vec(9, 11, 1, (0..99).map(|i| ((i * 37) % 256) as f64 / 255.0).collect())
        .unwrap();
    let out = run(params(Some(KernelSize::Scalar(3))), &g).unwrap();
    assert_eq!(out.data[..22], GRAY);
}

const GRAY: [f64; 22] = [
    0.04001318391562294,
    0.15998681608437706,
    0.4,
    0.47996044825313117,
    0.5599868160843771,
    0.759986816084377,
    0.9199736321687542,
    0.0,
    0.2800263678312459,
    0.35998681608437705,
    0.5199736321687541,
    0.759986816084377,
    0.8799604482531311,
    1.0,
    0.04001318391562294,
    0.15998681608437706,
    0.2800263678312459,
    0.47996044825313117,
    0.6799604482531312,
    0.8799604482531311,
    1.0,
    0.11997363216875412,
];

/// `equalize_adapthist(rgb)` of `rgb = ((np.arange(90) * 53) % 256 / 255).reshape(5, 6, 3)`
/// (through HSV), its first four pixels.
#[test]
fn rgb_goes_through_hsv_like_scikit_image() {
    let rgb = Image::from_vec(5, 6, 3, (0..90).map(|i| ((i * 53) % 256) as f64 / 255.0).collect())
        .unwrap();
    let out = run(params(None), &rgb).unwrap();
    assert_eq!(out.data[..12], RGB);
}

const RGB: [f64; 12] = [
    0.0,
    0.5,
    1.0,
    0.75,
    1.0,
    0.04245283018867918,
    0.0,
    0.0,
    0.0,
    1.0,
    0.08144796380090491,
    0.32126696832579205,
];

/// `clip_histogram(h, 4)` of `h = [0, 9, 1, 0, 7, 2, 0, 1, 3, 0]` and `clip_histogram(h2, 5)` of
/// `h2 = [0, 9, 1, 0, 7, 2, 0, 1, 3, 0, 0, 0, 0]`.
#[test]
fn clips_and_redistributes_like_scikit_image() {
    let mut h = [0, 9, 1, 0, 7, 2, 0, 1, 3, 0];
    clip_histogram(&mut h, 4);
    assert_eq!(h, [1, 4, 2, 1, 4, 3, 1, 2, 4, 1]);
    let mut h = [0, 9, 1, 0, 7, 2, 0, 1, 3, 0, 0, 0, 0];
    clip_histogram(&mut h, 5);
    assert_eq!(h, [1, 5, 2, 1, 5, 3, 1, 2, 4, 1, 1, 1, 1]);
}

#[test]
fn out_of_range_and_nan_fail() {
    let img = Image::from_vec(1, 2, 1, vec![0.5, 1.5]).unwrap();
    assert!(run(params(None), &img).unwrap_err().contains("between -1 and 1"));
    let img = Image::from_vec(1, 2, 1, vec![0.5, f64::NAN]).unwrap();
    assert!(run(params(None), &img).unwrap_err().contains("NaN"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any small image and parameters: no panic, the shape kept, results in [0, 1]. (A constant
    /// image need not stay constant: scikit-image's float32 blend can truncate one sample to
    /// the level below, e.g. `[[1, 1, 1, 0]]` for a 1×4 constant image with `kernel_size =
    /// (5, 4)`, `nbins = 1`.)
    #[test]
    fn never_panics(
        h in 0usize..7,
        w in 0usize..7,
        rgb in any::<bool>(),
        seed in any::<u64>(),
        k in prop::option::of((1u32..9, 1u32..9)),
        clip_limit in -1.0f64..1.5,
        nbins in 1u32..400,
        constant in any::<bool>(),
    ) {
        let c = if rgb { 3 } else { 1 };
        let mut s = seed;
        let data: Vec<f64> = (0..h * w * c)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if constant { 0.25 } else { (s >> 11) as f64 / (1u64 << 53) as f64 }
            })
            .collect();
        let img = Image::from_vec(h, w, c, data).unwrap();
        let p = EqualizeAdapthist {
            kernel_size: k.map(|(a, b)| KernelSize::PerAxis([a, b])),
            clip_limit,
            nbins,
        };
        let out = run(p, &img).unwrap();
        prop_assert_eq!(Shape::of(&out), Shape::of(&img));
        prop_assert!(out.data.iter().all(|&x| (0.0..=1.0).contains(&x)));
    }
}
