//! The median against a direct selection: every window gathered through the boundary map,
//! sorted, and its sample of rank `n / 2` taken.

use super::*;
use crate::ops::footprint::FootprintSpec;
use proptest::prelude::*;

fn compile(params: &Median) -> Option<Box<dyn Kernel>> {
    let mut report = |_: Option<&str>, _: String, _: Option<String>| {};
    OpSpec::compile(params, &mut ParamCx::new(&mut report, None))
}

/// `scipy.ndimage.median_filter(a, footprint=fp, mode=mode, cval=cval)` directly: `fp` is
/// `(rows, cols, chans, mask)`, a window across `chans` neighbouring channels.
fn direct(img: &Image, fp: (usize, usize, usize, &[bool]), mode: BoundaryMode, cval: f64) -> Vec<f64> {
    let (rows, cols, chans, mask) = fp;
    let (h, w, c) = (img.height, img.width, img.channels);
    let (cy, cx, cc) = ((rows / 2) as isize, (cols / 2) as isize, (chans / 2) as isize);
    let mut out = Vec::with_capacity(img.data.len());
    let mut window = Vec::new();
    for y in 0..h as isize {
        for x in 0..w as isize {
            for ch in 0..c as isize {
                window.clear();
                for (k, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
                    let dy = (k / (cols * chans)) as isize - cy;
                    let dx = (k / chans % cols) as isize - cx;
                    let dc = (k % chans) as isize - cc;
                    let at = mode.map_index(y + dy, h).and_then(|sy| {
                        let sx = mode.map_index(x + dx, w)?;
                        let sc = mode.map_index(ch + dc, c)?;
                        Some(img.data[(sy * w + sx) * c + sc])
                    });
                    window.push(at.unwrap_or(cval));
                }
                window.sort_by(|a, b| a.partial_cmp(b).unwrap());
                out.push(window[window.len() / 2]);
            }
        }
    }
    out
}

fn footprints() -> impl Strategy<Value = Option<FootprintSpec>> {
    prop_oneof![
        Just(None),
        (0u32..6).prop_map(|r| Some(FootprintSpec::Disk(r))),
        (0u32..5).prop_map(|r| Some(FootprintSpec::Diamond(r))),
        (1u32..8).prop_map(|n| Some(FootprintSpec::Square(n))),
        (1u32..7, 1u32..12).prop_map(|(h, w)| Some(FootprintSpec::Rectangle([h, w]))),
    ]
}

fn modes() -> impl Strategy<Value = BoundaryMode> {
    proptest::sample::select(BoundaryMode::ALL.to_vec())
}

/// Images of 0 to 9 pixels a side, gray or colour, with few distinct values (ties) or many.
fn images() -> impl Strategy<Value = Image> {
    (0usize..10, 0usize..10, prop_oneof![Just(1usize), Just(3)], 1u32..300).prop_flat_map(
        |(h, w, c, levels)| {
            proptest::collection::vec(0..levels, h * w * c).prop_map(move |v| Image {
                height: h,
                width: w,
                channels: c,
                data: v.into_iter().map(|k| f64::from(k) / f64::from(levels)).collect(),
            })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn selects_as_scipy(img in images(), footprint in footprints(), mode in modes(), cval in 0.0f64..1.0) {
        let params = Median { footprint, mode, cval };
        let kernel = compile(&params).unwrap();
        let mut out = Image::default();
        kernel.apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
        prop_assert_eq!(Shape::of(&out), Shape::of(&img));
        let want = match footprint {
            Some(spec) => {
                let f = spec.build();
                direct(&img, (f.rows, f.cols, 1, &f.mask), mode, cval)
            }
            None if img.channels == 1 => direct(&img, (3, 3, 1, &[true; 9]), mode, cval),
            None => direct(&img, (3, 3, 3, &[true; 27]), mode, cval),
        };
        prop_assert_eq!(out.data, want);
    }

    #[test]
    fn constant_stays_constant(h in 0usize..40, w in 0usize..40, v in 0.0f64..1.0, footprint in footprints(), mode in modes()) {
        let img = Image { height: h, width: w, channels: 1, data: vec![v; h * w] };
        let params = Median { footprint, mode, cval: v };
        let mut out = Image::default();
        compile(&params).unwrap().apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
        prop_assert!(out.data.iter().all(|&x| x == v));
    }
}

/// Larger windows than the networks take, on a plane with more distinct values than the rank
/// dictionary hashes (the sorted dictionary).
#[test]
fn large_windows_and_many_values() {
    let (h, w) = (23, 71);
    let mut s = 12345u64;
    let data: Vec<f64> = (0..h * w)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let img = Image::from_vec(h, w, 1, data).unwrap();
    for spec in [FootprintSpec::Disk(4), FootprintSpec::Rectangle([2, 17])] {
        for mode in BoundaryMode::ALL {
            let params = Median { footprint: Some(spec), mode, cval: 0.25 };
            let mut out = Image::default();
            compile(&params).unwrap().apply(&[&img], &mut out, &mut Scratch::default()).unwrap();
            let f = spec.build();
            assert_eq!(out.data, direct(&img, (f.rows, f.cols, 1, &f.mask), mode, 0.25));
        }
    }
}
