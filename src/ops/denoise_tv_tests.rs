use super::*;

fn compile(p: &DenoiseTv) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    p.compile(&mut ParamCx::new(&mut report, None))
}

fn params(weight: f64) -> DenoiseTv {
    DenoiseTv {
        weight,
        eps: 2.0e-4,
        max_num_iter: 200,
    }
}

/// `denoise_tv_chambolle(a, weight=0.3)` from scikit-image, bit for bit.
#[test]
fn denoises_like_skimage() {
    let a = vec![
        0.0, 0.48460427045876686, 0.9990518860475728, 0.5461288009997558, 0.0037888601294415935,
        0.4233130689810678, 0.9914885348732997, 0.6069542292410366, 0.015098018673444485,
        0.3631840917249158, 0.9764764584435901, 0.6661587190229317, 0.033756080352389056,
        0.3051286198285114, 0.9542431713898231, 0.7228450002221667, 0.059480274022323226,
        0.250026509542911, 0.925125628971455, 0.7761539672758526,
    ];
    let want = [
        0.2863875576959153, 0.5586759498365363, 0.6298481008729591, 0.4449454380129616,
        0.2699658715391918, 0.535763430009434, 0.6020824556208445, 0.5403364789695688,
        0.3856096183277127, 0.36731373882719354, 0.6579845606790751, 0.5710540459126251,
        0.4046529226173685, 0.43858572234833637, 0.6431291533755628, 0.6180801242189172,
        0.40614722635875267, 0.3857663849179247, 0.6318845876445488, 0.7247928224158261,
    ];
    let img = Image::from_vec(4, 5, 1, a).unwrap();
    let mut out = Image::default();
    let k = compile(&params(0.3)).unwrap();
    k.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
    assert_eq!(out.data, want);
}

#[test]
fn refuses_bad_parameters() {
    assert!(compile(&params(0.0)).is_none());
    assert!(compile(&DenoiseTv { max_num_iter: 0, ..params(0.1) }).is_none());
    assert!(compile(&DenoiseTv { eps: -1.0, ..params(0.1) }).is_none());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// Any accepted parameters on tiny images, empty ones included: no panic, the input's
    /// shape, and a constant image left as it is.
    #[test]
    fn tv_shapes_and_constants(
        h in 0usize..6, w in 0usize..6, rgb in proptest::bool::ANY,
        weight in 0.001f64..10.0, eps in 0.0f64..0.1, iters in 1u32..30,
        v in -2.0f64..2.0, constant in proptest::bool::ANY,
    ) {
        let c = if rgb { 3 } else { 1 };
        let k = compile(&DenoiseTv { weight, eps, max_num_iter: iters }).unwrap();
        let data = (0..h * w * c).map(|i| if constant { v } else { (i as f64 * 0.77).sin() }).collect();
        let img = Image::from_vec(h, w, c, data).unwrap();
        let mut out = Image::default();
        let shape = k.output_shape(&[Shape::of(&img)]).unwrap();
        k.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
        proptest::prop_assert_eq!(shape, Shape::of(&out));
        if constant {
            proptest::prop_assert_eq!(&out, &img);
        }
    }
}
