//! Tests of the threshold family against scikit-image 0.26 / numpy 2.4.6.

use super::*;
use proptest::prelude::*;

/// `a = ((np.arange(97) * 7919) % 256) / 255`.
fn spread() -> Vec<f64> {
    (0..97).map(|i| ((i * 7919) % 256) as f64 / 255.0).collect()
}

/// `b = np.concatenate([60 + (i * 37 % 31), 180 + (i * 53 % 41)]) / 255`, `i = np.arange(97)`:
/// two modes.
fn bimodal() -> Vec<f64> {
    let lo = (0..97).map(|i| (60 + (i * 37 % 31)) as f64);
    let hi = (0..97).map(|i| (180 + (i * 53 % 41)) as f64);
    lo.chain(hi).map(|v| v / 255.0).collect()
}

fn value(rule: Rule, data: &[f64]) -> Result<f64, String> {
    rule.value(data, &mut Scratch::default())
}

/// `skimage.filters.threshold_<m>(x)` for otsu, li, yen, isodata, mean, triangle, minimum.
#[test]
fn thresholds_match_scikit_image() {
    let all = |nbins| {
        [
            Rule::Otsu { nbins },
            Rule::Li {
                tolerance: None,
                initial_guess: None,
            },
            Rule::Yen { nbins },
            Rule::Isodata { nbins },
            Rule::Mean,
            Rule::Triangle { nbins },
            Rule::Minimum {
                nbins,
                max_num_iter: 10_000,
            },
        ]
    };
    let want_spread = [
        0.48977481617647056,
        0.3764080209536371,
        0.48977481617647056,
        0.4635033700980392,
        0.4948453608247423,
        0.02814797794117647,
        0.21955422794117646,
    ];
    let want_bimodal = [
        0.35416666666666663,
        0.45330867174275735,
        0.7218137254901961,
        0.5379901960784313,
        0.5382454012532847,
        0.24142156862745098,
        0.5208333333333333,
    ];
    for (data, want) in [(spread(), want_spread), (bimodal(), want_bimodal)] {
        for (rule, want) in all(256).into_iter().zip(want) {
            assert_eq!(value(rule.clone(), &data), Ok(want), "{rule:?}");
        }
    }
    assert_eq!(value(Rule::Otsu { nbins: 7 }, &spread()), Ok(0.48039215686274517));
    assert_eq!(value(Rule::Yen { nbins: 7 }, &spread()), Ok(0.48039215686274517));
}

/// A constant image: Otsu, Li and triangle return the value, Yen the first bin centre (its
/// criterion is NaN throughout), the mean rounds; isodata and minimum find none.
#[test]
fn constant_images_follow_scikit_image() {
    let c = [0.3; 10];
    assert_eq!(value(Rule::Otsu { nbins: 256 }, &c), Ok(0.3));
    let li = Rule::Li {
        tolerance: None,
        initial_guess: None,
    };
    assert_eq!(value(li, &c), Ok(0.3));
    assert_eq!(value(Rule::Yen { nbins: 256 }, &c), Ok(-0.198046875));
    assert_eq!(value(Rule::Mean, &c), Ok(0.29999999999999993));
    assert_eq!(value(Rule::Triangle { nbins: 256 }, &c), Ok(0.3));
    assert!(value(Rule::Isodata { nbins: 256 }, &c).is_err());
    let minimum = Rule::Minimum {
        nbins: 256,
        max_num_iter: 10_000,
    };
    assert!(value(minimum, &c).unwrap_err().contains("two maxima"));
}

fn compile(toml: &str) -> Result<Box<dyn Kernel>, Vec<String>> {
    let params: ThresholdParams = toml::from_str(toml).unwrap();
    let mut errors = Vec::new();
    let kernel = {
        let mut report = |k: Option<&str>, m: String, _: Option<String>| {
            errors.push(format!("{}: {m}", k.unwrap_or("-")))
        };
        params.compile(&mut ParamCx::new(&mut report, Some(1)))
    };
    kernel.ok_or(errors)
}

#[test]
fn compile_checks_every_parameter() {
    assert!(compile("value = 0.5").is_ok());
    assert!(compile("method = \"otsu\"\nnbins = 16").is_ok());
    assert!(compile("").unwrap_err()[0].contains("needs a `method` or a `value`"));
    assert!(compile("method = \"otsu\"\nvalue = 0.5").unwrap_err()[0].starts_with("value:"));
    assert!(compile("method = \"li\"\nnbins = 8").unwrap_err()[0].starts_with("nbins:"));
    assert!(compile("method = \"otsu\"\nnbins = 0").is_err());
    assert!(compile("method = \"minimum\"\nmax_num_iter = 0").is_err());
    assert!(compile("method = \"local\"\nblock_size = 4").is_err());
    assert!(compile("method = \"local\"\nblock_size = [3, 5]").is_ok());
    assert!(compile("method = \"local\"\nlocal_method = \"mean\"").is_ok());
    assert!(compile("method = \"local\"\nlocal_method = \"mean\"\nparam = 2.0").is_err());
    assert!(compile("method = \"local\"\nlocal_method = \"median\"\nblock_size = 5").is_ok());
    let huge = compile("method = \"local\"\nlocal_method = \"median\"\nblock_size = 2049");
    assert!(huge.unwrap_err()[0].starts_with("block_size:"));
    assert!(compile("method = \"fixed\"").unwrap_err()[0].contains("needs a `value`"));
    assert!(compile("method = \"li\"\ntolerance = -1.0").is_err());
}

fn image(h: usize, w: usize, c: usize, data: Vec<f64>) -> Image {
    Image::from_vec(h, w, c, data).unwrap()
}

/// `image > threshold_local(image, 3)` of a 4×5 ramp (scipy reflect, sigma 1/3).
#[test]
fn local_gaussian_matches_scikit_image() {
    let k = compile("method = \"local\"\nblock_size = 3").unwrap();
    let img = image(4, 5, 1, (0..20).map(|i| ((i * 7) % 11) as f64 / 10.0).collect());
    let mut out = Image::default();
    k.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
    assert_eq!(out.data, LOCAL_WANT);
    let rgb = image(1, 1, 3, vec![0.0; 3]);
    let err = k.apply(&[&rgb], &mut out, &mut Scratch::default());
    assert!(err.unwrap_err().contains("3 channels"));
}

/// `(a > threshold_local(a, 3)).astype(float).ravel()` for
/// `a = ((np.arange(20) * 7) % 11).reshape(4, 5) / 10`.
const LOCAL_WANT: [f64; 20] = [
    0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any image, any method: no panic; the output keeps the shape and holds only 0 and 1.
    #[test]
    fn never_panics(
        h in 0usize..6,
        w in 0usize..6,
        c in prop::sample::select(vec![1usize, 3]),
        seed in any::<u64>(),
        method in 0usize..9,
        nbins in 1u32..300,
    ) {
        let n = h * w * c;
        let mut s = seed;
        let data: Vec<f64> = (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                match s >> 60 {
                    0 => f64::NAN,
                    1 => 0.25,
                    _ => (s >> 11) as f64 / (1u64 << 53) as f64,
                }
            })
            .collect();
        let methods = ["otsu", "li", "yen", "isodata", "mean", "minimum", "triangle", "local", "fixed"];
        let m = methods[method];
        let toml = match m {
            "fixed" => "value = 0.5".to_string(),
            "li" | "mean" => format!("method = \"{m}\""),
            "local" => "method = \"local\"\nblock_size = 5".to_string(),
            _ => format!("method = \"{m}\"\nnbins = {nbins}"),
        };
        let k = compile(&toml).unwrap();
        let img = image(h, w, c, data);
        let mut out = Image::default();
        if k.apply(&[&img], &mut out, &mut Scratch::default()).is_ok() {
            prop_assert_eq!(Shape::of(&out), Shape::of(&img));
            prop_assert!(out.data.iter().all(|&x| x == 0.0 || x == 1.0));
        }
        let mut copy = img.clone();
        let _ = k.apply_in_place(&mut copy, &mut Scratch::default());
    }
}
