use super::*;
use crate::numpy::exp::exp_svml;
use crate::numpy::random::RandomState;
use BoundaryMode::*;

fn sha(v: &[f64]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for x in v {
        h.update(x.to_le_bytes());
    }
    format!("{:x}", h.finalize())
}

/// `np.random.RandomState(seed).normal(0.5, 0.25, size=(h, w) or (h, w, c))`.
/// A scratch that never takes the AVX-512 kernels (libm `exp` kernels, as the direct
/// references use).
fn portable_scratch() -> GaussianScratch {
    let mut s = GaussianScratch::with_exp(f64::exp);
    s.avx512 = false;
    s
}

fn input(seed: u32, h: usize, w: usize, c: usize) -> Image {
    let mut rs = RandomState::new(seed);
    let data = (0..h * w * c).map(|_| rs.normal(0.5, 0.25)).collect();
    Image {
        height: h,
        width: w,
        channels: c,
        data,
    }
}

/// `g` applied with kernels built from `exp` (not this machine's [`numpy_exp`] choice).
fn apply_with(g: &Gaussian, img: &Image, exp: fn(f64) -> f64) -> Image {
    let mut out = Image {
        height: 0,
        width: 0,
        channels: 0,
        data: Vec::new(),
    };
    g.apply_into(img, &mut out, &mut GaussianScratch::with_exp(exp));
    out
}

fn close(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= 1e-15 * want.abs()
}

#[test]
fn radius_is_int_of_truncate_sigma_plus_half() {
    assert_eq!(radius(10.0, 4.0), 40);
    assert_eq!(radius(0.5, 4.0), 2);
    assert_eq!(radius(0.375, 4.0), 2); // int(2.0)
    assert_eq!(radius(0.1, 4.0), 0);
    assert_eq!(radius(1.5, 2.0), 3);
    assert_eq!(radius(-3.0, 4.0), 0);
    assert_eq!(radius(f64::NAN, 4.0), 0);
    assert_eq!(radius(f64::INFINITY, 4.0), usize::MAX);
}

/// Kernels made with libm exp, the way scipy's `_gaussian_kernel1d` does it:
/// ```text
/// r = int(truncate*sigma + 0.5); c = -0.5/(sigma*sigma)
/// phi = np.array([math.exp(c*float(k*k)) for k in range(-r, r+1)]); k = phi / phi.sum()
/// hashlib.sha256(k.astype('<f8').tobytes()).hexdigest()
/// ```
#[test]
fn kernel_matches_scipy_with_libm_exp() {
    for (sigma, len, digest) in [
        (
            0.5,
            5,
            "eff7664ab4f5b776549483e879e2df420cce1ecdb7c664f7da50170fef9e59b6",
        ),
        (
            1.0,
            9,
            "2d0bda92817277253c0adc4da95836d5f715d842d67ad3c04ea11ee1a153857a",
        ),
        (
            2.5,
            21,
            "63e720066aba25197211c0a4146c049e268067e06e430a9a89564a97474e920d",
        ),
        (
            10.0,
            81,
            "68aa20b93186fb0185f04be26b561d1e9a8f0d90a699b30951b07d1ce6f3e4b2",
        ),
    ] {
        let k = kernel_with(sigma, 4.0, f64::exp);
        assert_eq!(k.len(), len);
        assert_eq!(sha(&k), digest, "sigma {sigma}");
        // Exactly symmetric, as scipy's symmetric-kernel path assumes.
        assert!(k
            .iter()
            .zip(k.iter().rev())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    assert_eq!(kernel(0.1, 4.0), [1.0]);
    assert_eq!(kernel(f64::INFINITY, 4.0).len(), 2 * MAX_RADIUS + 1);
}

/// scipy's own kernels on an AVX-512 machine, where `np.exp` is Intel SVML:
/// ```text
/// k = scipy.ndimage._filters._gaussian_kernel1d(sigma, 0, int(4*sigma + 0.5))
/// hashlib.sha256(k.astype('<f8').tobytes()).hexdigest()   # scipy 1.17.1, numpy 2.4.6
/// ```
#[test]
fn kernel_matches_scipy_with_numpy_svml_exp() {
    for (sigma, digest) in [
        (
            0.5,
            "eff7664ab4f5b776549483e879e2df420cce1ecdb7c664f7da50170fef9e59b6",
        ),
        (
            2.0,
            "c983a8fa93fee797cb5da8261585a4735f323652a07b05ff88cc165cf8beb86b",
        ),
        (
            2.5,
            "63e720066aba25197211c0a4146c049e268067e06e430a9a89564a97474e920d",
        ),
        (
            3.7,
            "1db8068cf815f5b2e0263ad53bd8f7317438dfd787deaf1401025882ccc8721e",
        ),
        (
            10.0,
            "3cbc54cd705b37bb83f351fbbec31ada20142f95679978b477d9fc9b184cfb10",
        ),
    ] {
        assert_eq!(
            sha(&kernel_with(sigma, 4.0, exp_svml)),
            digest,
            "sigma {sigma}"
        );
    }
    // The σ = 10 kernel differs from the libm one (test above).
    assert_ne!(
        kernel_with(10.0, 4.0, exp_svml),
        kernel_with(10.0, 4.0, f64::exp)
    );
}

struct Case {
    seed: u32,
    h: usize,
    w: usize,
    c: usize,
    sigma: [f64; 2],
    mode: BoundaryMode,
    cval: f64,
    truncate: f64,
    /// sha256 of scipy's result with a libm-exp kernel (bit-exact target).
    libm_sha: &'static str,
    /// `np.var(skimage.filters.gaussian(...))` with numpy's own (SVML) exp.
    var: f64,
    /// (flat index, value) of skimage's output.
    samples: &'static [(usize, f64)],
}

/// Expected values from scipy 1.17.1 / scikit-image 0.26.0 on an AVX-512 machine:
/// ```text
/// img = np.random.RandomState(seed).normal(0.5, 0.25, size=(h, w) if c == 1 else (h, w, c))
/// ref = skimage.filters.gaussian(img, sigma=(s0, s1), mode=mode, cval=cval, truncate=truncate,
///                                channel_axis=-1 if c == 3 else None)
/// lib = img
/// for ax in (0, 1):   # scipy with a libm-exp kernel (see kernel_matches_scipy_with_libm_exp)
///     if s[ax] > 1e-15:
///         lib = ndi.correlate1d(lib, libm_kernel(s[ax], truncate)[::-1], axis=ax, mode=mode, cval=cval)
/// libm_sha = sha256(lib); var = repr(np.var(ref)); samples = [(j, repr(ref.flat[j])) ...]
/// ```
#[rustfmt::skip]
const CASES: [Case; 69] = [
    Case { seed: 0, h: 37, w: 53, c: 1, sigma: [0.5, 0.5], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "92b6fd51f3322526608aabefd57c167db3ebbf768220c363c717d6bd8995894a", var: 0.024923236592936382, samples: &[(0, 0.833307481011434), (560, 0.773490632080464), (653, 0.5852620257807604), (980, 0.5267197389565005), (1634, 0.4636831376923495), (1960, 0.4950741020723813)] },
    Case { seed: 1, h: 37, w: 53, c: 1, sigma: [1.0, 1.0], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "bf2396a9bfb39bb474531801e6ed4a437d83e1ca241d686dc92ecd0b923c1d19", var: 0.005241801089685737, samples: &[(0, 0.6539428665674336), (560, 0.4996853029021512), (653, 0.5738975335527094), (980, 0.5064357196810848), (1634, 0.5252218636419743), (1960, 0.40465808022556293)] },
    Case { seed: 2, h: 37, w: 53, c: 1, sigma: [2.5, 2.5], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "8f7ade37fca7ab4c3cf7c96cbd2409ac852255022361b522e2efbcbf3320f944", var: 0.0010565184007633533, samples: &[(0, 0.44754041538983613), (560, 0.4864762545840081), (653, 0.48177439269492894), (980, 0.48135391001927763), (1634, 0.5071236538610586), (1960, 0.4798675607407566)] },
    Case { seed: 3, h: 37, w: 53, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "3f8a08d8da4a723500e8cbd8fa866e2e22862b6a2a8fe00cd068fbdef593bb53", var: 0.000658878574141271, samples: &[(0, 0.6143677710131236), (560, 0.491026174640342), (653, 0.4968666455334595), (980, 0.49574443949645075), (1634, 0.5278097012955207), (1960, 0.6042501058339196)] },
    Case { seed: 4, h: 37, w: 53, c: 1, sigma: [0.5, 0.5], mode: Reflect, cval: 0.0, truncate: 4.0, libm_sha: "405744efd1c0c4fa17d163b3d257a5900d1eccc26393a2bdb5cbbab70aaac528", var: 0.024712244356704133, samples: &[(0, 0.520572627254655), (560, 0.4300521042999905), (653, 0.5144230077623752), (980, 0.8605766239640961), (1634, 0.5599686613907091), (1960, 0.8446981116881529)] },
    Case { seed: 5, h: 37, w: 53, c: 1, sigma: [1.0, 1.0], mode: Reflect, cval: 0.0, truncate: 4.0, libm_sha: "48ce6306f115beb3415cdbafaedb2b1aa912183beca90692256b4a02544ee620", var: 0.005160882603482054, samples: &[(0, 0.5136203086092936), (560, 0.5253375918156737), (653, 0.44323490142424893), (980, 0.5590951656846838), (1634, 0.5839972581299759), (1960, 0.5457462548249172)] },
    Case { seed: 6, h: 37, w: 53, c: 1, sigma: [2.5, 2.5], mode: Reflect, cval: 0.0, truncate: 4.0, libm_sha: "fe895610ea5965952aa34e2ba123d49584c12054d6b177ff0c08c873b0cec132", var: 0.000900137966048532, samples: &[(0, 0.5057796111259685), (560, 0.44857575492105134), (653, 0.5046224760513801), (980, 0.5030399159336192), (1634, 0.46720492532625724), (1960, 0.51450640082887)] },
    Case { seed: 7, h: 37, w: 53, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.0, truncate: 4.0, libm_sha: "9b28b824c12a210e7c945a5bae00d474f84f0d8de35d5fa4ceffb45cf23b1c84", var: 4.529239882439837e-05, samples: &[(0, 0.49458911196738525), (560, 0.49064818775211283), (653, 0.49458002406763674), (980, 0.4975320149522589), (1634, 0.4966249602787349), (1960, 0.49595872422312004)] },
    Case { seed: 8, h: 37, w: 53, c: 1, sigma: [0.5, 0.5], mode: Mirror, cval: 0.0, truncate: 4.0, libm_sha: "5506a7b376a1e13f64b8285c389880b0a8d4b8d4240dba45b7689dcf6c2827f8", var: 0.025793341238699363, samples: &[(0, 0.5205051257425749), (560, 0.43823414714732095), (653, 0.4788117806735024), (980, 0.6559937422620034), (1634, 0.41254556669837816), (1960, 0.29472577424708807)] },
    Case { seed: 9, h: 37, w: 53, c: 1, sigma: [1.0, 1.0], mode: Mirror, cval: 0.0, truncate: 4.0, libm_sha: "deb7f874d995abf4ff0d0cfe61950704c0b83d18f008f159455e66a3c566e202", var: 0.00550825786038241, samples: &[(0, 0.24826547317585207), (560, 0.588233475278567), (653, 0.43291988770039247), (980, 0.3999686648992966), (1634, 0.6560522111049962), (1960, 0.4882459217070046)] },
    Case { seed: 10, h: 37, w: 53, c: 1, sigma: [2.5, 2.5], mode: Mirror, cval: 0.0, truncate: 4.0, libm_sha: "a2888478302dd7f7d85a16e2692e2aaeb3977082acd02cb8f377357ea470bf9b", var: 0.0008976638832041572, samples: &[(0, 0.5720671110625013), (560, 0.4912318330532337), (653, 0.4579021037970694), (980, 0.4601889186991899), (1634, 0.46935258033856764), (1960, 0.36588878224044075)] },
    Case { seed: 11, h: 37, w: 53, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.0, truncate: 4.0, libm_sha: "57d55a245192e36857c6caad6bc717100f8e30abcae9dfecdf2a92ef82c6e355", var: 2.3180344405407623e-05, samples: &[(0, 0.5051155505433473), (560, 0.49677173331592334), (653, 0.5052057877950705), (980, 0.5003253327353345), (1634, 0.5051245859235052), (1960, 0.5054710973205158)] },
    Case { seed: 12, h: 37, w: 53, c: 1, sigma: [0.5, 0.5], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "0d52b220438788dce7ea8e25def0bc43774ffcb0cedbe962a721f5efdbaab177", var: 0.026049311515711267, samples: &[(0, 0.5655301833962285), (560, 0.598059463752319), (653, 0.8361254111133641), (980, 0.3459544393448428), (1634, 0.5762906549434887), (1960, 0.49889216559623933)] },
    Case { seed: 13, h: 37, w: 53, c: 1, sigma: [1.0, 1.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "4007b7727792b6ff00db6eb71cf1af6b54b54aa369f4860714628ae11448a867", var: 0.004518902459430544, samples: &[(0, 0.3944615774810797), (560, 0.4437633671315856), (653, 0.5668662383727663), (980, 0.48481808088063505), (1634, 0.5203142696689163), (1960, 0.40218255991096047)] },
    Case { seed: 14, h: 37, w: 53, c: 1, sigma: [2.5, 2.5], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "96dd52d16cad8935224bc02519eb2302ff7b6362458d0408fc3cc2a95ef2088b", var: 0.0014941095310575876, samples: &[(0, 0.37166630800317685), (560, 0.4862697204222087), (653, 0.494984147617506), (980, 0.4724608918949954), (1634, 0.45662995873522116), (1960, 0.35744327735107095)] },
    Case { seed: 15, h: 37, w: 53, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "b822798f6c50ef7a235aeac313bcc98f36401a257a715357bf1310d090a7b155", var: 0.0010475680139630183, samples: &[(0, 0.3553140997653327), (560, 0.4623040666949295), (653, 0.46611289782519816), (980, 0.48300767651798093), (1634, 0.41243760756389836), (1960, 0.35056834893193434)] },
    Case { seed: 16, h: 37, w: 53, c: 1, sigma: [0.5, 0.5], mode: Wrap, cval: 0.0, truncate: 4.0, libm_sha: "96515eedd65361e0162ad4c01dc970d189b1c5232eef001a16c63ac81a058fa2", var: 0.026318393258834935, samples: &[(0, 0.5119219322676908), (560, 0.34354984468177685), (653, 0.5077102790915528), (980, 0.40294260679650484), (1634, 0.22453944508853785), (1960, 0.5576520883786177)] },
    Case { seed: 17, h: 37, w: 53, c: 1, sigma: [1.0, 1.0], mode: Wrap, cval: 0.0, truncate: 4.0, libm_sha: "4de82e118ea53f222d429d6afbf9013c555886954bf4cdc4d4682d0ae880968d", var: 0.004926118514552038, samples: &[(0, 0.49760672408959866), (560, 0.45394146979524114), (653, 0.5663448299930434), (980, 0.605315240485466), (1634, 0.5184451059775886), (1960, 0.534924512590973)] },
    Case { seed: 18, h: 37, w: 53, c: 1, sigma: [2.5, 2.5], mode: Wrap, cval: 0.0, truncate: 4.0, libm_sha: "961db02202462bfdc52dc5e91157e8bbe24eafbe52d54059c14e3ca42ddd0583", var: 0.0010517838676382056, samples: &[(0, 0.5211040363202387), (560, 0.5345422808570794), (653, 0.49254040324771065), (980, 0.48402039278144676), (1634, 0.5322489306005215), (1960, 0.53318394703928)] },
    Case { seed: 19, h: 37, w: 53, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.0, truncate: 4.0, libm_sha: "729cc4cb7597ff502bba3d2c4b29553cfa395dd755163f55fcdbeb328adaee02", var: 2.268350750767776e-05, samples: &[(0, 0.4922217603183503), (560, 0.49766582333681575), (653, 0.5023522594691018), (980, 0.4996825901453133), (1634, 0.4936589463288001), (1960, 0.49259078977926307)] },
    Case { seed: 20, h: 37, w: 53, c: 1, sigma: [2.0, 0.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "c4cb7a5732266e2a6ae5899e4eb5a5c32fc16147a8063e6dca84f53786ee7cfe", var: 0.009978780868010611, samples: &[(0, 0.6514706738183187), (560, 0.5903461067293015), (653, 0.5344120981960744), (980, 0.4856067498537795), (1634, 0.49037093358901473), (1960, 0.5160867955447705)] },
    Case { seed: 21, h: 37, w: 53, c: 1, sigma: [0.0, 2.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "fdd9c793f8f3fa4f981e4fc8e3ca18fcca35de9de2964271a8a44b4f9fcb0f63", var: 0.010824462771444209, samples: &[(0, 0.4996404621143888), (560, 0.32178667972257047), (653, 0.3453290364173297), (980, 0.49871891205942964), (1634, 0.29418342438164985), (1960, 0.6004249166441225)] },
    Case { seed: 22, h: 37, w: 53, c: 1, sigma: [1.5, 3.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "daf7837a528e568845679f8a7aff82d4a3cdb213fd233d56f97c3ad4306a16f4", var: 0.0012648104393799472, samples: &[(0, 0.4993229286858901), (560, 0.4971122492692994), (653, 0.5042299043484794), (980, 0.4963954073981005), (1634, 0.5092306414324321), (1960, 0.5991796367881443)] },
    Case { seed: 23, h: 37, w: 53, c: 1, sigma: [3.0, 3.0], mode: Nearest, cval: 0.3, truncate: 2.0, libm_sha: "348dc1d95bddd94abdc4d03dedfc1995b9078858ee6ee7115f75ff07bd7387ac", var: 0.0008353382553294963, samples: &[(0, 0.5107086241780368), (560, 0.47744531795911677), (653, 0.46461203735121803), (980, 0.5120645719774607), (1634, 0.526524422728629), (1960, 0.5067008176256)] },
    Case { seed: 24, h: 37, w: 53, c: 1, sigma: [2.0, 0.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "87013598f3959e3081120e34397c0d729cbf2a3c336ccff21339f7fbddbad389", var: 0.009620147468430899, samples: &[(0, 0.6376612568789517), (560, 0.6733418620850902), (653, 0.3918970609741407), (980, 0.4720175348920447), (1634, 0.776478370100411), (1960, 0.5297223240906632)] },
    Case { seed: 25, h: 37, w: 53, c: 1, sigma: [0.0, 2.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "e00a685575e026c6e027eff429e314a3030a8d8a9116b8981078ad4e31ff4640", var: 0.008996832243400995, samples: &[(0, 0.5357544197953223), (560, 0.4302536880965889), (653, 0.4720157205820726), (980, 0.5145699515394235), (1634, 0.5604170612844621), (1960, 0.5492972175557762)] },
    Case { seed: 26, h: 37, w: 53, c: 1, sigma: [1.5, 3.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "a54cf704c45efaaff1899586b7d9bc8c58222ad243c901e5af4458031154edb0", var: 0.0012805676927984098, samples: &[(0, 0.4251391058116364), (560, 0.47440489813775566), (653, 0.5168518367349821), (980, 0.5175141988382781), (1634, 0.4966015397036302), (1960, 0.39632451839138083)] },
    Case { seed: 27, h: 37, w: 53, c: 1, sigma: [3.0, 3.0], mode: Reflect, cval: 0.3, truncate: 2.0, libm_sha: "ff65ae386746a12f6dfdc7f687d9300880910d6567b28eefe298786fbdfd17e6", var: 0.0007574485060411449, samples: &[(0, 0.5478993377990335), (560, 0.4786472985988918), (653, 0.49677534248191757), (980, 0.49106537216000856), (1634, 0.49761826840661494), (1960, 0.5247596488562151)] },
    Case { seed: 28, h: 37, w: 53, c: 1, sigma: [2.0, 0.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "3b6090b02556054215fb2db4e33906eccfdb285028841b17c9f787f12a304d63", var: 0.008854039317595402, samples: &[(0, 0.5467724104131275), (560, 0.45036951181633883), (653, 0.43727096655415776), (980, 0.701634095621164), (1634, 0.6023220583931752), (1960, 0.38941470903179964)] },
    Case { seed: 29, h: 37, w: 53, c: 1, sigma: [0.0, 2.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "7528bb14ccde3a34c1567ba06460cb633c5c4204fc510455624e236552b3c84e", var: 0.008904517752063438, samples: &[(0, 0.45988827297684454), (560, 0.5478541409716979), (653, 0.5960853786076932), (980, 0.5956088674043), (1634, 0.6744563348729073), (1960, 0.3411193541606766)] },
    Case { seed: 30, h: 37, w: 53, c: 1, sigma: [1.5, 3.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "454fcaaed2830799865cbbbd24e9fe9a4a421ea4378249b74f8c10b68fce4d16", var: 0.0016121267472113247, samples: &[(0, 0.3701034345046589), (560, 0.4784624587223046), (653, 0.5499485861598759), (980, 0.4805617354917615), (1634, 0.5129103675608346), (1960, 0.38733457993742554)] },
    Case { seed: 31, h: 37, w: 53, c: 1, sigma: [3.0, 3.0], mode: Constant, cval: 0.3, truncate: 2.0, libm_sha: "c8d4b9caf280c9dcf7ea94959d3019b75b947d02845e2489db5e85c49e830c53", var: 0.002121697253105625, samples: &[(0, 0.35447339789926785), (560, 0.504429973892377), (653, 0.5394460481342909), (980, 0.5034064682480478), (1634, 0.5353800410791986), (1960, 0.35686533783752017)] },
    Case { seed: 32, h: 1, w: 1, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "ad03b3ea2066f1d38e953a9f6a265606712fbf1707b9ce691d424957ceeafdcc", var: 0.0, samples: &[(0, 0.41277638725264365)] },
    Case { seed: 33, h: 3, w: 1, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "fe64d1f31c9b4665063d4b604877278c67c5d98a6add8722355c1167fb0fa028", var: 9.763663326788606e-05, samples: &[(0, 0.2736346276734243), (1, 0.2614991604998026), (2, 0.24943094423379486)] },
    Case { seed: 34, h: 1, w: 3, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "9f102cfc4968e291aebb963af2583821da7a36a2bcfa94a5cb381c602672beca", var: 0.00021500301102284135, samples: &[(0, 0.35241091044584816), (1, 0.33444809004771603), (2, 0.31649408931412465)] },
    Case { seed: 35, h: 5, w: 40, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "c91867329616405718ac1cc216eb2634debc981001f7c7c9ea9ab058fec28e57", var: 0.00024270682400484364, samples: &[(0, 0.43753405135070605), (57, 0.5055487061477375), (66, 0.5107113920781106), (100, 0.5103545016458124), (166, 0.5032341093910438), (199, 0.5086779208050908)] },
    Case { seed: 36, h: 2, w: 2, c: 1, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "d2675b419c0b3a67a3e78d8980ad872d280e2f5f8d5984af688a3f50341719ee", var: 5.4192666626705265e-05, samples: &[(0, 0.6749579797850905), (1, 0.6872966262922283), (2, 0.6670195988498778), (3, 0.6796835055770464)] },
    Case { seed: 37, h: 9, w: 11, c: 3, sigma: [1.5, 3.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "891e1a3e75c099ccd7b8ec41fd6906ef0696eea99252c89557f960adc91f3a21", var: 0.0022690074237290787, samples: &[(0, 0.3966923261004627), (84, 0.5133129279909204), (99, 0.43062547482832075), (148, 0.4798360859734524), (247, 0.518676518989123), (296, 0.4989089907079201)] },
    Case { seed: 38, h: 4, w: 2, c: 3, sigma: [10.0, 10.0], mode: Nearest, cval: 0.3, truncate: 4.0, libm_sha: "4f338e050ab2114a018160a17536a6011e264d83b4edd455a6eb544245026670", var: 0.0013957021552208134, samples: &[(0, 0.5727849418401906), (6, 0.5643221064662399), (8, 0.6391222087383647), (12, 0.5557793629070962), (20, 0.629019471130935), (23, 0.6315372711477186)] },
    Case { seed: 39, h: 1, w: 1, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "39f2dc00ed0dc4beebd4f924305084509623b1cbafdaeae98536be345d22d1e3", var: 0.0, samples: &[(0, 0.8512098915054738)] },
    Case { seed: 40, h: 3, w: 1, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "6a59f7aacae80bb892cc096f47572e0dacd3cf4a6052bd6d831db8aa020e08de", var: 3.043582650432329e-14, samples: &[(0, 0.381808880734805), (1, 0.3818092505881326), (2, 0.38180925104649066)] },
    Case { seed: 41, h: 1, w: 3, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "cd1b7bd2e6aef92bf813c0ffae34550a2b32af267ed452bb1e338d1586e7ad21", var: 1.046092752876717e-12, samples: &[(0, 0.5070565342598351), (1, 0.5070553226588458), (2, 0.507054029397817)] },
    Case { seed: 42, h: 5, w: 40, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "0ccf240a643f805fd287ad739938d11212b20e8c75f1b725995755b225a8e2cb", var: 0.0001016354329492691, samples: &[(0, 0.5105143025845866), (57, 0.4858768249553131), (66, 0.4826473403426132), (100, 0.48386649593078296), (166, 0.5041083841733512), (199, 0.48050277551370923)] },
    Case { seed: 43, h: 2, w: 2, c: 1, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "47fedca151d99e4b89cbd5444b15e13151ce8d2179d94454e5848b052d14455c", var: 4.836715269295665e-13, samples: &[(0, 0.40221955424590566), (1, 0.40221818989894087), (2, 0.4022192835586664), (3, 0.40221791922889655)] },
    Case { seed: 44, h: 9, w: 11, c: 3, sigma: [1.5, 3.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "fff3de5ff7eea9782ee197cf3aa20ed32c3a0ed9e1adb59b3f1ff7fd1dd56d37", var: 0.0016162143991207056, samples: &[(0, 0.4867537490190681), (84, 0.5343360752391212), (99, 0.49212676822654094), (148, 0.45362165015396544), (247, 0.484177237928654), (296, 0.5682107664012288)] },
    Case { seed: 45, h: 4, w: 2, c: 3, sigma: [10.0, 10.0], mode: Reflect, cval: 0.3, truncate: 4.0, libm_sha: "a5947f67b4185445f252222a70cb649c09b0cf95425c08ee8b3917cee7b6618d", var: 0.0007618623725534807, samples: &[(0, 0.42384808714934813), (6, 0.42385077005100597), (8, 0.3644344728275182), (12, 0.4238480715946904), (20, 0.36443198879737665), (23, 0.3644321844894836)] },
    Case { seed: 46, h: 1, w: 1, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "385c15f3d938d68a5c00a2fcb71befde2a16fbe2b091d5ab1bf2f511fddedc8c", var: 0.0, samples: &[(0, 0.6462189599676293)] },
    Case { seed: 47, h: 3, w: 1, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "90de27769e6358249889416694f2477e323f228146e503de10b87229254ebb94", var: 4.802083169900851e-12, samples: &[(0, 0.6679971704770847), (1, 0.6680024017486247), (2, 0.6680008276131288)] },
    Case { seed: 48, h: 1, w: 3, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "286cfa7e9a706fcb5276f6b7676f43fc411bf6ae3dc8fb5692ec63f6d27d0c07", var: 1.8781925349774533e-13, samples: &[(0, 0.26509316242268516), (1, 0.26509286488463285), (2, 0.2650938961444359)] },
    Case { seed: 49, h: 5, w: 40, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "ea0e1be5aa2c68a5ca7fee4d85c0bd0da36b78b9b84dc8df8662fece7ba570d3", var: 0.00010998456381217797, samples: &[(0, 0.5071207278524653), (57, 0.5067849556593423), (66, 0.49451084917897187), (100, 0.5036398813214632), (166, 0.5081372841168021), (199, 0.4803599677306273)] },
    Case { seed: 50, h: 2, w: 2, c: 1, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "ce404e709052c944034a507c6b053033d83d28bc58bdedef5bf2f1b6de9e5489", var: 3.21647773326662e-13, samples: &[(0, 0.27019745763335096), (1, 0.27019837788251055), (2, 0.2701967944967478), (3, 0.27019771467753134)] },
    Case { seed: 51, h: 9, w: 11, c: 3, sigma: [1.5, 3.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "0570bcdb1f3c0da281af2ea9316d97758478f12d2c16e1c90a47a95c53f70ab4", var: 0.0010002974452538382, samples: &[(0, 0.4518257555572296), (84, 0.4734609374432269), (99, 0.45636080699787207), (148, 0.5263013846312339), (247, 0.4634755489393267), (296, 0.47390302522700506)] },
    Case { seed: 52, h: 4, w: 2, c: 3, sigma: [10.0, 10.0], mode: Mirror, cval: 0.3, truncate: 4.0, libm_sha: "d6ed55f3d2a6ba0b76e8aa9f60a60d7e6dda40413f96dcb6c91fd66668abd006", var: 0.005312169549599457, samples: &[(0, 0.6107869977722848), (6, 0.6107909873475124), (8, 0.591726986799013), (12, 0.6107898722674354), (20, 0.5917276800161988), (23, 0.5917277853079812)] },
    Case { seed: 53, h: 1, w: 1, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "7bd3319bfdd15b8b7b13e2b9eb8932d0caf6dd7dbacd32872836b8abec132588", var: 0.0, samples: &[(0, 0.30040026161946265)] },
    Case { seed: 54, h: 3, w: 1, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "b843c3500f0b8095ae82abda416c80b21320f09eba392e4301975ba3734da1eb", var: 3.875415532281028e-11, samples: &[(0, 0.29981271878980914), (1, 0.29981942837369346), (2, 0.2998279323258681)] },
    Case { seed: 55, h: 1, w: 3, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "707ba864276d4f54c422eacdc709d8ab8d8c1cd57dee9c9d935667b00a1d4c0f", var: 1.4327456781922952e-12, samples: &[(0, 0.2995548010111131), (1, 0.2995518690366824), (2, 0.2995533349516806)] },
    Case { seed: 56, h: 5, w: 40, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "d1bf9c935b8fcc202d4ed77d44b8713f0c484a7a606281d434091c63af49749b", var: 3.334518283545477e-05, samples: &[(0, 0.31950700283671407), (57, 0.33791543151890396), (66, 0.33674821066974375), (100, 0.3385903253833004), (166, 0.3280378101768517), (199, 0.3204610604788803)] },
    Case { seed: 57, h: 2, w: 2, c: 1, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "989ca633bc4819776f55ceb40ae9d4e56216e55950e2a75ed78327736113d38b", var: 5.2099328230161e-12, samples: &[(0, 0.3001532639128331), (1, 0.30015489460601213), (2, 0.30014899710009246), (3, 0.3001506373483733)] },
    Case { seed: 58, h: 9, w: 11, c: 3, sigma: [1.5, 3.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "d81d1b0045e95d02d13f8c3b2224192d917bbbfb659ef8869e4813a25e251201", var: 0.002227771020026726, samples: &[(0, 0.3704773734799446), (84, 0.501888118841194), (99, 0.4096888305418804), (148, 0.46960759783521805), (247, 0.4100590181748701), (296, 0.35385373713732093)] },
    Case { seed: 59, h: 4, w: 2, c: 3, sigma: [10.0, 10.0], mode: Constant, cval: 0.3, truncate: 4.0, libm_sha: "671e9c288b33e0ed01bc677bc55a79aef1e6a8e046539fcfcea4889e2f8376dd", var: 8.45380116659537e-07, samples: &[(0, 0.30002838264570614), (6, 0.30006020550748774), (8, 0.30160110252920636), (12, 0.30009182919452143), (20, 0.30159515436112), (23, 0.30159701513018233)] },
    Case { seed: 60, h: 1, w: 1, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "75049b88495279fc92544d57f2a4f315fe7a1a9d646cd376ff68b0f044d3385b", var: 0.0, samples: &[(0, 0.26955725169672784)] },
    Case { seed: 61, h: 3, w: 1, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "9283b2f8b727f094c038731d3b73b1d4c78862e0f5db6cb52eb8ea3c87a9de0a", var: 1.595113688045302e-14, samples: &[(0, 0.5005513606245506), (1, 0.5005516699823833), (2, 0.5005515134556359)] },
    Case { seed: 62, h: 1, w: 3, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "5ecbee1bad6a1e34a55eb8dcb334bb24128bbf19de49e05a43774ad731c2bdbf", var: 5.5922509595319285e-15, samples: &[(0, 0.431041957469127), (1, 0.43104177443589586), (2, 0.43104185968700703)] },
    Case { seed: 63, h: 5, w: 40, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "c97fefd50148cfb9102c4505aa8c1ba3aef1f09d4f0316cea8432676bb6cb55c", var: 0.000148131492075476, samples: &[(0, 0.5035736487102095), (57, 0.533852103006385), (66, 0.5165912916508126), (100, 0.5307165131325177), (166, 0.5177674845504561), (199, 0.5020243162561389)] },
    Case { seed: 64, h: 2, w: 2, c: 1, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "a86e5cf5ccc560428082f451de9aa6d7fe476136cc482bf6431767e10c0585ff", var: 1.6987707408620191e-12, samples: &[(0, 0.5100211820890188), (1, 0.5100215311963505), (2, 0.5100237652390469), (3, 0.5100241145315401)] },
    Case { seed: 65, h: 9, w: 11, c: 3, sigma: [1.5, 3.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "09452745159c4881093483c9533cf80584f6dcaa21fde4aa88e3c6f27734f42f", var: 0.0005538866451284735, samples: &[(0, 0.46680731650334184), (84, 0.44669405555383973), (99, 0.4494854508306857), (148, 0.47463826292302264), (247, 0.5015430563555875), (296, 0.4954053971959181)] },
    Case { seed: 66, h: 4, w: 2, c: 3, sigma: [10.0, 10.0], mode: Wrap, cval: 0.3, truncate: 4.0, libm_sha: "91e7ceba066a456eb9640e5f795061b12d287d663f20ed77801aca1413fcac19", var: 0.0029975320761346136, samples: &[(0, 0.46777749152403697), (6, 0.46777334658640907), (8, 0.5316104912058552), (12, 0.467777962113328), (20, 0.5316077890668616), (23, 0.5316090555404616)] },
    Case { seed: 67, h: 37, w: 53, c: 1, sigma: [0.1, 0.1], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "03e3f9f0125f09606a5da799b919d535ecd5a24ce697efede1e12623190c9d12", var: 0.0632521863120847, samples: &[(0, 0.7821305380550527), (560, 0.36326647052172867), (653, 0.512243687137119), (980, 0.41837274585856554), (1634, 0.3779997190869791), (1960, 0.5386158208304577)] },
    Case { seed: 68, h: 37, w: 53, c: 1, sigma: [0.0, 0.0], mode: Nearest, cval: 0.0, truncate: 4.0, libm_sha: "5dec530855273e2c5ceaa2c27f86f768812917c7db92501f89bc085a708c72e1", var: 0.06349897613191369, samples: &[(0, 0.26388090890708527), (560, 0.17101649900965477), (653, 0.3317746088316475), (980, 0.42980202874350554), (1634, 0.6560806317894718), (1960, 0.20062690596065708)] },
];

#[test]
fn matches_scipy_and_skimage() {
    let mut scratch = GaussianScratch::with_exp(f64::exp);
    let mut out = Image {
        height: 9,
        width: 9,
        channels: 1,
        data: vec![7.0; 81],
    };
    for case in &CASES {
        let img = input(case.seed, case.h, case.w, case.c);
        let g = Gaussian {
            sigma: case.sigma,
            mode: case.mode,
            cval: case.cval,
            truncate: case.truncate,
        };
        let what = format!(
            "seed {} {}x{}x{} sigma {:?} {:?} truncate {}",
            case.seed, case.h, case.w, case.c, case.sigma, case.mode, case.truncate
        );
        let got = apply_with(&g, &img, f64::exp);
        assert_eq!(
            (got.height, got.width, got.channels),
            (case.h, case.w, case.c)
        );
        // Bit-exact against scipy with the same (libm) exp.
        assert_eq!(sha(&got.data), case.libm_sha, "{what}");
        // Within 1e-15 relative of skimage with numpy's SVML exp.
        for &(j, want) in case.samples {
            assert!(
                close(got.data[j], want),
                "{what}: [{j}] {:e} vs {want:e}",
                got.data[j]
            );
        }
        // The variance of a nearly flat image (r ≫ n) is a tiny difference of nearly equal
        // values and amplifies the 1-ulp exp differences, so it is held to 1e-12 of
        // max(var, mean²) (it is bit-exact against the libm target, via the sha above).
        let var = crate::metrics::np_var(&got.data);
        let mean = crate::metrics::np_mean(&got.data);
        let scale = case.var.max(mean * mean);
        assert!(
            (var - case.var).abs() <= 1e-12 * scale,
            "{what}: var {var:e} vs {:e}",
            case.var
        );
        // The buffer-reusing variant, with a scratch shared across all cases, agrees.
        g.apply_into(&img, &mut out, &mut scratch);
        assert_eq!(out, got, "{what}");
        // With numpy's SVML exp, as skimage ran: bit-exact samples and variance.
        let svml = apply_with(&g, &img, exp_svml);
        for &(j, want) in case.samples {
            assert_eq!(svml.data[j].to_bits(), want.to_bits(), "{what}: svml [{j}]");
        }
        let var = crate::metrics::np_var(&svml.data);
        assert_eq!(var.to_bits(), case.var.to_bits(), "{what}: svml var");
    }
}

/// The blocked passes equal a direct scalar transcription of `NI_Correlate1D` (axis 0, then
/// axis 1) bit for bit, over shapes that exercise full and partial strips, paired and
/// unpaired rows, interior and edge strips, channels and every boundary mode.
#[test]
fn equals_direct_scalar_correlation() {
    fn direct(img: &Image, g: &Gaussian) -> Vec<f64> {
        let (h, w, c) = (img.height, img.width, img.channels);
        let mut cur = img.data.clone();
        for axis in 0..2 {
            if g.sigma[axis] <= SIGMA_EPS {
                continue;
            }
            let full = kernel_with(g.sigma[axis], g.truncate, f64::exp);
            let r = full.len() / 2;
            let wk = &full[r..];
            let n = if axis == 0 { h } else { w };
            let at =
                |v: &[f64], y: usize, x: usize, ch: usize, p: isize| match g.mode.map_index(p, n) {
                    Some(i) if axis == 0 => v[(i * w + x) * c + ch],
                    Some(i) => v[(y * w + i) * c + ch],
                    None => g.cval,
                };
            let mut next = vec![0.0; cur.len()];
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..c {
                        let i = if axis == 0 { y } else { x } as isize;
                        let mut acc = at(&cur, y, x, ch, i) * wk[0];
                        for k in (1..=r).rev() {
                            let k = k as isize;
                            acc += (at(&cur, y, x, ch, i - k) + at(&cur, y, x, ch, i + k))
                                * wk[k as usize];
                        }
                        next[(y * w + x) * c + ch] = acc;
                    }
                }
            }
            cur = next;
        }
        cur
    }
    // With the AVX-512 kernels where the CPU has them, and the portable code everywhere.
    let mut scratches = [GaussianScratch::with_exp(f64::exp), portable_scratch()];
    let mut out = Image::zeros(1, 1, 1);
    for mode in BoundaryMode::ALL {
        for (h, w, c, sigma) in [
            (7, 200, 1, [2.0, 3.0]),
            (8, 203, 1, [1.5, 10.0]),
            (33, 150, 3, [3.0, 2.5]),
            (64, 97, 2, [10.0, 0.0]),
            (9, 300, 1, [0.0, 4.0]),
            (5, 40, 1, [30.0, 30.0]),
            // Rows under NARROW samples take the transposed axis-1 path.
            (12, 20, 3, [2.0, 5.0]),
            (3, 63, 1, [1.0, 2.0]),
            (6, 64, 1, [1.0, 3.0]),
            (40, 1, 1, [0.0, 2.0]),
            (2, 31, 2, [0.0, 10.0]),
            // Axis-1 bands (r >= BANDS_MIN_RADIUS): full and partial bands of 32 lines,
            // widths with and without a tail of w % 8 columns, channels, r close to w, and
            // r beyond 4w + 64 (back to the row strips).
            (64, 96, 1, [0.0, 20.0]),
            (70, 130, 3, [2.0, 6.0]),
            (40, 67, 1, [1.0, 40.0]),
            (33, 64, 2, [0.0, 4.0]),
            (3, 64, 1, [0.0, 200.0]),
            // One-channel images through `gray_bands` (both sigmas, r1 >= 16): partial
            // last bands, column tails, exact multiples, r0 near its limit, and r0 past
            // it (back to the two passes).
            (100, 130, 1, [5.0, 5.0]),
            (64, 64, 1, [10.0, 10.0]),
            (33, 97, 1, [30.0, 4.0]),
            (40, 64, 1, [2.0, 16.0]),
            (5, 100, 1, [30.0, 10.0]),
            (31, 64, 1, [0.5, 4.0]),
            // ... r1 past w (the bands are per group, not per image), up to 4w + 64, and a
            // last band of one row.
            (40, 64, 1, [3.0, 40.0]),
            (20, 64, 1, [2.0, 80.0]),
            (65, 80, 1, [4.0, 30.0]),
            // Panels copied 4 at a time: a full copy, then one of 2, then a tail.
            (40, 200, 1, [3.0, 20.0]),
            // Several groups of one band, written back in place (or, in wrap mode, into
            // the spare buffer).
            (140, 2100, 1, [10.0, 10.0]),
        ] {
            let img = input(7, h, w, c);
            let g = Gaussian {
                sigma,
                mode,
                cval: 0.3,
                truncate: 4.0,
            };
            let want = direct(&img, &g);
            for scratch in &mut scratches {
                g.apply_into(&img, &mut out, scratch);
                assert!(
                    out.data
                        .iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{h}x{w}x{c} sigma {sigma:?} {mode:?} avx512 {}",
                    scratch.avx512
                );
            }
        }
    }
}

/// Every path calls `input_read` in increasing counts that end with all of the input, and
/// overwrites no sample until it lies more than 128 before the largest count passed: at each
/// call, the samples from 128 before the previous count on are the input's, and a pairwise
/// sum advanced at each call is the input's sum. The result is the same as without, and
/// the output sum is the result's.
#[test]
fn input_read_sees_every_sample_before_it_changes() {
    let mut scratches = [GaussianScratch::with_exp(f64::exp), portable_scratch()];
    for (h, w, c, sigma, mode) in [
        // Gray bands in place: one group, 10 groups of one band (rows written back two
        // groups later), tiny r0 (written back at once), and wrap mode (through the spare
        // buffer: the last groups read the first rows).
        (100, 130, 1, [5.0, 5.0], BoundaryMode::Reflect),
        (300, 2100, 1, [10.0, 10.0], BoundaryMode::Reflect),
        (200, 2100, 1, [0.1, 10.0], BoundaryMode::Nearest),
        (300, 2100, 1, [10.0, 10.0], BoundaryMode::Wrap),
        (33, 150, 3, [3.0, 2.5], BoundaryMode::Reflect), // channels: the two passes
        (12, 20, 1, [2.0, 5.0], BoundaryMode::Reflect),  // narrow
        (9, 300, 1, [0.0, 4.0], BoundaryMode::Reflect),  // one axis
        (5, 6, 1, [0.0, 0.0], BoundaryMode::Reflect),    // nothing to do
    ] {
        let img = input(3, h, w, c);
        let g = Gaussian {
            sigma,
            mode,
            cval: 0.0,
            truncate: 4.0,
        };
        let what = format!("{h}x{w}x{c} {sigma:?} {mode:?}");
        // The portable code runs the two passes one after the other, out of place.
        let mut want = img.clone();
        g.apply_in_place(&mut want, &mut portable_scratch());
        for scratch in &mut scratches {
            let mut got = img.clone();
            let mut seen = vec![0usize];
            let mut sum = PairwiseStream::new(img.data.len());
            let mut check = |src: &[f64], k: usize| {
                let from = seen.last().unwrap().saturating_sub(128);
                assert!(src[from..k] == img.data[from..k], "{what}: at {k}");
                sum.advance(src, k);
                seen.push(k);
            };
            let out_sum = g.apply_in_place_along(&mut got, scratch, &mut check, true);
            assert!(seen.is_sorted(), "{what}: {seen:?}");
            assert_eq!(seen.last(), Some(&img.data.len()), "{what}");
            assert_eq!(sum.sum(), Some(pairwise_sum(&img.data)), "{what}");
            assert_eq!(sha(&got.data), sha(&want.data), "{what}");
            if let Some(s) = out_sum {
                assert_eq!(s.to_bits(), pairwise_sum(&got.data).to_bits(), "{what}");
            }
        }
    }
}

/// At σ = 10 (r0 = 40) a group waits only while the next groups read its rows: one group
/// of 192 rows (512²) or 96 rows (1024²), two of 32 rows (2048²). So 2, 2 and 3 slots are
/// held, not [`RING`].
#[cfg(target_arch = "x86_64")]
#[test]
fn write_back_waits_while_rows_are_read() {
    let map = |mode: BoundaryMode, h: usize, r: usize| -> Vec<Option<usize>> {
        (0..h + 2 * r)
            .map(|p| mode.map_index(p as isize - r as isize, h))
            .collect()
    };
    for (h, w, gr, slots) in [(512, 512, 192, 2), (1024, 1024, 96, 2), (2048, 2048, 32, 3)] {
        for mode in [Reflect, Mirror, Nearest, Constant] {
            let release = write_back_schedule(&map(mode, h, 40), (h, w), gr, 40).unwrap();
            let groups = h.div_ceil(gr);
            let want: Vec<usize> = (0..groups)
                .map(|g| (g + slots - 1).min(groups - 1))
                .collect();
            assert_eq!(release, want, "{h}x{w} {mode:?}");
        }
        // Wrap: the first rows are read by the last group, so every group waits for it.
        let all_wait = (h.div_ceil(gr) <= RING).then(|| vec![h.div_ceil(gr) - 1; h.div_ceil(gr)]);
        assert_eq!(
            write_back_schedule(&map(Wrap, h, 40), (h, w), gr, 40),
            all_wait
        );
    }
    // r0 = 0: a group is written once the next one has been read (its sums have taken
    // it in), the last one at the end.
    let release = write_back_schedule(&map(Reflect, 100, 0), (100, 64), 32, 0);
    assert_eq!(release, Some(vec![1, 2, 3, 3]));
}

/// `skimage.filters.gaussian(np.ones((30, 45)), s) == 1.0` exactly for s in {1, 2, 3, 5, 10, 20}
/// with numpy's SVML exp. With libm exp (ours) the σ = 2 kernel sums to one ulp above 1, and
/// scipy then gives `1.0000000000000002` everywhere, as we do:
/// ```text
/// libm_gauss(np.ones((30, 45)), (2.0, 2.0), 'nearest', 0.0, 4.0)  # all 0x1.0000000000001p+0
/// ```
#[test]
fn ones_stay_one() {
    let ones = Image {
        height: 30,
        width: 45,
        channels: 1,
        data: vec![1.0; 30 * 45],
    };
    for (sigma, want) in [
        (1.0, 1.0),
        (2.0, 1.0000000000000002),
        (3.0, 1.0),
        (5.0, 1.0),
        (10.0, 1.0),
        (20.0, 1.0),
    ] {
        let g = Gaussian {
            sigma: [sigma; 2],
            mode: Nearest,
            cval: 0.0,
            truncate: 4.0,
        };
        let out = apply_with(&g, &ones, f64::exp);
        assert!(out.data.iter().all(|&v| v == want), "sigma {sigma}");
        let out = apply_with(&g, &ones, exp_svml);
        assert!(out.data.iter().all(|&v| v == 1.0), "sigma {sigma} (svml)");
    }
}

#[test]
fn degenerate_shapes_never_panic() {
    let mut scratch = GaussianScratch::default();
    for mode in BoundaryMode::ALL {
        let g = Gaussian {
            sigma: [3.0, 2.0],
            mode,
            cval: 0.3,
            truncate: 4.0,
        };
        for (h, w, c) in [
            (0, 0, 1),
            (0, 5, 1),
            (5, 0, 1),
            (3, 4, 0),
            (0, 3, 3),
            (1, 1, 3),
            (1, 200, 1),
            (200, 1, 1),
        ] {
            let img = input(1, h, w, c);
            let mut out = Image {
                height: 1,
                width: 1,
                channels: 1,
                data: vec![1.0],
            };
            g.apply_into(&img, &mut out, &mut scratch);
            assert_eq!(
                (out.height, out.width, out.channels, out.data.len()),
                (h, w, c, h * w * c)
            );
            assert!(out.data.iter().all(|v| v.is_finite()));
        }
        // data inconsistent with the shape: copied through.
        let bad = Image {
            height: 3,
            width: 3,
            channels: 1,
            data: vec![0.5; 4],
        };
        assert_eq!(g.apply(&bad), bad);
        // Absurd parameters (which compile refuses) still do not panic in apply().
        let huge = Gaussian {
            sigma: [f64::NAN, -1.0],
            ..g.clone()
        };
        assert_eq!(huge.apply(&input(2, 4, 4, 1)), input(2, 4, 4, 1));
    }
}

/// The problems compile reports for `params`, as `key: message`.
fn problems(params: GaussianParams) -> Vec<String> {
    let mut found = Vec::new();
    let mut report = |key: Option<&str>, m: String, _: Option<String>| {
        found.push(format!("{}: {m}", key.unwrap_or("-")));
    };
    let built = OpSpec::compile(&params, &mut ParamCx::new(&mut report, None));
    assert_eq!(built.is_some(), found.is_empty());
    found
}

#[test]
fn compile_checks_the_parameters() {
    let p = |sigma: Sigma, truncate: f64| GaussianParams {
        sigma,
        mode: Nearest,
        cval: 0.0,
        truncate,
    };
    assert!(problems(p(Sigma::Scalar(0.0), 0.0)).is_empty());
    assert!(problems(p(Sigma::PerAxis([0.0, 3.0]), 4.0)).is_empty());
    assert_eq!(
        problems(p(Sigma::Scalar(1e30), 4.0)),
        ["sigma: the kernel radius would be 1000000000000000000 pixels (over 100000)"]
    );
    assert_eq!(
        problems(p(Sigma::PerAxis([f64::NAN, -1.0]), f64::INFINITY)),
        [
            "sigma: `sigma` must be finite numbers >= 0, got [NaN, -1]",
            "truncate: `truncate` must be a finite number >= 0, got inf"
        ]
    );
    let mut cval = p(Sigma::Scalar(1.0), 4.0);
    cval.cval = f64::NAN;
    assert_eq!(problems(cval), ["cval: `cval` must be finite, got NaN"]);
}

/// The tutorial's 1024² image: clipped noise of index 0, blurred with sigma 10.
/// ```text
/// img = np.clip(np.random.RandomState(0).normal(loc=1/255, scale=20/255, size=(1024, 1024)), 0, 1)
/// repr(np.var(skimage.filters.gaussian(img, 10)))  -> 2.2798787358306425e-06
/// sha256 of the libm-exp scipy result             -> 60867df1...
/// ```
#[test]
fn tutorial_1024() {
    let spec = crate::source::noise::NoiseSpec {
        height: 1024,
        width: 1024,
        seed_offset: 0,
        loc: crate::source::noise::NoiseLoc::Index { max_index: 255 },
        scale: 20.0 / 255.0,
        clip: Some((0.0, 1.0)),
        rng: crate::source::noise::RngKind::Numpy,
    };
    let img = crate::source::noise::noise_image(&spec, 0);
    let g = Gaussian {
        sigma: [10.0; 2],
        mode: Nearest,
        cval: 0.0,
        truncate: 4.0,
    };
    let out = apply_with(&g, &img, f64::exp);
    assert_eq!(
        sha(&out.data),
        "60867df1aca323bf10dd84c73c59249604de141267a3dd535ce163ae63abc8fb"
    );
    let var = crate::metrics::np_var(&out.data);
    assert_eq!(var.to_bits(), 2.2798787358306425e-06_f64.to_bits());
    let out = apply_with(&g, &img, exp_svml);
    let var = crate::metrics::np_var(&out.data);
    assert_eq!(var.to_bits(), 2.2798787358306425e-06_f64.to_bits());
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn f(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

/// The AVX-512 kernels (`horizontal_bands`, `gray_bands`, four-row kernel, register
/// transposes) against the portable code on random shapes around the band/tile/strip edges
/// (h < 32, w in 60..72, r near w and near 4w + 64, 1..4 channels), every mode, and
/// non-finite data and cval. NaNs compare equal whatever their sign or payload: which NaN
/// operand an addition propagates depends on the compiler's operand order in each kernel
/// (and in scipy's C code), so NaN bits are not reproducible. `PROBE_ITERS=N` runs more.
#[test]
fn avx512_matches_portable_random() {
    let mut rng = Lcg(12345);
    let mut fast = GaussianScratch::with_exp(f64::exp);
    let mut portable = portable_scratch();
    let (mut a, mut b) = (Image::zeros(1, 1, 1), Image::zeros(1, 1, 1));
    let iters: usize = std::env::var("PROBE_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    for it in 0..iters {
        let h = match rng.below(4) {
            0 => 1 + rng.below(8),
            1 => 1 + rng.below(40),
            2 => 28 + rng.below(10),
            _ => 1 + rng.below(140),
        } as usize;
        let w = match rng.below(4) {
            0 => 1 + rng.below(10),
            1 => 60 + rng.below(12),
            2 => 1 + rng.below(200),
            _ => 30 + rng.below(70),
        } as usize;
        let c = 1 + rng.below(4) as usize;
        let c = if rng.below(2) == 0 { 1 } else { c };
        let mode = BoundaryMode::ALL[rng.below(5) as usize];
        let mut sig = |n: usize| match rng.below(6) {
            0 => 0.0,
            1 => rng.f() * 3.0,
            2 => 4.0 + rng.f() * 10.0,
            3 => (n as f64) + rng.f() * 20.0 - 10.0,
            4 => (4 * n + 64) as f64 / 4.0 + rng.f() * 2.0 - 1.0,
            _ => rng.f() * 60.0,
        };
        let sigma = [sig(h).max(0.0), sig(w).max(0.0)];
        let cval = match rng.below(4) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => -0.0,
            _ => 0.3,
        };
        let mut data: Vec<f64> = (0..h * w * c).map(|_| rng.f() - 0.5).collect();
        if rng.below(4) == 0 {
            let n = data.len();
            for _ in 0..3 {
                let i = rng.below(n as u64) as usize;
                data[i] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0][rng.below(4) as usize];
            }
        }
        let img = Image {
            height: h,
            width: w,
            channels: c,
            data,
        };
        let g = Gaussian {
            sigma,
            mode,
            cval,
            truncate: 4.0,
        };
        g.apply_into(&img, &mut a, &mut fast);
        g.apply_into(&img, &mut b, &mut portable);
        let bad = a
            .data
            .iter()
            .zip(&b.data)
            .position(|(x, y)| x.to_bits() != y.to_bits() && !(x.is_nan() && y.is_nan()));
        assert!(bad.is_none(), "iter {it}: {h}x{w}x{c} sigma {sigma:?} {mode:?} cval {cval} first diff at {bad:?}: {} vs {}", a.data[bad.unwrap()], b.data[bad.unwrap()]);
    }
}

/// scikit-image accepts sigma 0 (that axis is left alone) and truncate 0 (a one-tap kernel
/// of weight 1): both are the identity, bit for bit, NaN and -0.0 included.
#[test]
fn zero_sigma_and_zero_truncate_are_the_identity() {
    let mut img = input(7, 11, 70, 1);
    img.data[3] = f64::NAN;
    img.data[5] = -0.0;
    img.data[9] = f64::INFINITY;
    let bits = |i: &Image| i.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for (sigma, truncate) in [([0.0, 0.0], 4.0), ([3.0, 3.0], 0.0), ([0.0, 20.0], 0.0)] {
        for mode in [
            BoundaryMode::Nearest,
            BoundaryMode::Constant,
            BoundaryMode::Wrap,
        ] {
            let g = Gaussian {
                sigma,
                mode,
                cval: 0.5,
                truncate,
            };
            assert_eq!(
                bits(&g.apply(&img)),
                bits(&img),
                "{sigma:?} {truncate} {mode:?}"
            );
        }
    }
}
