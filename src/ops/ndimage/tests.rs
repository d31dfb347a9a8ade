//! The primitives against direct transcriptions of `ni_filters.c` (one output sample at a time,
//! every input through the boundary map).

use super::*;
use crate::ops::Shape;
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

/// The sample at `(y, x, ch)` displaced by `d` along `axis`, as `mode` extends the line.
fn along(
    img: &Image,
    (y, x, ch): (usize, usize, usize),
    axis: usize,
    d: isize,
    mode: BoundaryMode,
    cval: f64,
) -> f64 {
    let (h, w, c) = (img.height, img.width, img.channels);
    let mut p = [y, x, ch];
    let n = [h, w, c][axis];
    match mode.map_index(p[axis] as isize + d, n) {
        Some(k) => {
            p[axis] = k;
            img.data[(p[0] * w + p[1]) * c + p[2]]
        }
        None => cval,
    }
}

/// `NI_Correlate1D` for one sample, its three summation orders written out.
fn correlate1d_direct(
    img: &Image,
    axis: usize,
    fw: &[f64],
    mode: BoundaryMode,
    cval: f64,
    origin: isize,
) -> Vec<f64> {
    let n = fw.len();
    let s1 = (n / 2) as isize;
    let s2 = n as isize - s1 - 1;
    let sym =
        n % 2 == 1 && (1..=n / 2).all(|i| (fw[n / 2 + i] - fw[n / 2 - i]).abs() <= DBL_EPSILON);
    let anti = n % 2 == 1
        && !sym
        && (1..=n / 2).all(|i| (fw[n / 2 + i] + fw[n / 2 - i]).abs() <= DBL_EPSILON);
    let mut out = Vec::new();
    for y in 0..img.height {
        for x in 0..img.width {
            for ch in 0..img.channels {
                let at = |j: isize| along(img, (y, x, ch), axis, j - origin, mode, cval);
                let mut acc;
                if sym || anti {
                    acc = at(0) * fw[n / 2];
                    for j in -s1..0 {
                        let pair = if sym { at(j) + at(-j) } else { at(j) - at(-j) };
                        acc += pair * fw[(s1 + j) as usize];
                    }
                } else {
                    acc = at(s2) * fw[n - 1];
                    for j in -s1..s2 {
                        acc += at(j) * fw[(s1 + j) as usize];
                    }
                }
                out.push(acc);
            }
        }
    }
    out
}

/// `NI_UniformFilter1D` for one sample: the window's sum from its first sample, then slid.
fn uniform1d_direct(
    img: &Image,
    axis: usize,
    size: usize,
    mode: BoundaryMode,
    cval: f64,
) -> Vec<f64> {
    let before = (size / 2) as isize;
    let n = [img.height, img.width, img.channels][axis];
    let mut out = vec![0.0; img.data.len()];
    for y in 0..img.height {
        for x in 0..img.width {
            for ch in 0..img.channels {
                let mut p = [y, x, ch];
                if p[axis] != 0 {
                    continue;
                }
                let at = |e: isize| along(img, (y, x, ch), axis, e - before, mode, cval);
                let mut s = 0.0;
                for e in 0..size as isize {
                    s += at(e);
                }
                for k in 0..n {
                    if k > 0 {
                        s += at(k as isize - 1 + size as isize) - at(k as isize - 1);
                    }
                    p[axis] = k;
                    out[(p[0] * img.width + p[1]) * img.channels + p[2]] = s / size as f64;
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn correlate1d_follows_ni_correlate1d(
        img in images(),
        axis in 0usize..3,
        kind in 0usize..3,
        weights in proptest::collection::vec(-2.0f64..2.0, 1..8),
        mode in modes(),
        cval in -1.0f64..1.0,
        origin_pick in 0usize..8,
    ) {
        let axis = axis.min(ndim(&img) - 1);
        let mut fw = weights;
        let n = fw.len();
        // Symmetric and antisymmetric kernels take their own summation order.
        if kind > 0 {
            for i in 0..n / 2 {
                fw[n - 1 - i] = if kind == 1 { fw[i] } else { -fw[i] };
            }
            if kind == 2 && n % 2 == 1 {
                fw[n / 2] = 0.0;
            }
        }
        let origin = (origin_pick % n) as isize - (n / 2) as isize;
        let mut out = Image::default();
        correlate1d(&img, &mut out, axis, &fw, mode, cval, origin, &mut LineScratch::default()).unwrap();
        prop_assert_eq!(Shape::of(&out), Shape::of(&img));
        let want = correlate1d_direct(&img, axis, &fw, mode, cval, origin);
        prop_assert_eq!(out.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }

    #[test]
    fn uniform_filter1d_follows_ni_uniform_filter1d(
        img in images(), axis in 0usize..3, size in 1usize..12, mode in modes(), cval in -1.0f64..1.0,
    ) {
        let axis = axis.min(ndim(&img) - 1);
        let mut out = Image::default();
        uniform_filter1d(&img, &mut out, axis, size, mode, cval, 0, &mut LineScratch::default()).unwrap();
        let want = uniform1d_direct(&img, axis, size, mode, cval);
        prop_assert_eq!(out.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }

    #[test]
    fn correlate_sums_the_kept_taps_in_c_order(
        img in images(), rows in 1usize..5, cols in 1usize..5, mode in modes(), cval in -1.0f64..1.0,
        seed in proptest::collection::vec(-1.0f64..1.0, 16),
    ) {
        // Some taps below DBL_EPSILON in magnitude: scipy skips them.
        let weights: Vec<f64> = (0..rows * cols)
            .map(|k| if k % 3 == 1 { seed[k] * 1e-17 } else { seed[k] })
            .collect();
        let kernel = NdKernel::planar(rows, cols, weights.clone());
        let mut out = Image::default();
        correlate(&img, &mut out, &kernel, mode, cval, &mut Padded::default()).unwrap();
        let (h, w, c) = (img.height, img.width, img.channels);
        let mut want = Vec::new();
        for y in 0..h as isize {
            for x in 0..w {
                for ch in 0..c {
                    let mut acc = 0.0;
                    for (k, &wk) in weights.iter().enumerate().filter(|(_, wk)| wk.abs() > DBL_EPSILON) {
                        let dy = (k / cols) as isize - (rows / 2) as isize;
                        let dx = (k % cols) as isize - (cols / 2) as isize;
                        let v = match mode.map_index(y + dy, h) {
                            Some(sy) => along(&img, (sy, x, ch), 1, dx, mode, cval),
                            None => cval,
                        };
                        acc += wk * v;
                    }
                    want.push(acc);
                }
            }
        }
        prop_assert_eq!(out.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }
}

#[test]
fn primitives_refuse_what_scipy_refuses() {
    let img = Image::from_vec(2, 3, 1, vec![0.0; 6]).unwrap();
    let mut out = Image::default();
    let mut s = LineScratch::default();
    assert!(correlate1d(&img, &mut out, 0, &[], Reflect, 0.0, 0, &mut s).is_err());
    assert!(correlate1d(&img, &mut out, 0, &[1.0, 2.0, 3.0], Reflect, 0.0, 2, &mut s).is_err());
    assert!(correlate1d(&img, &mut out, 2, &[1.0], Reflect, 0.0, 0, &mut s).is_err());
    assert!(uniform_filter1d(&img, &mut out, 1, 0, Reflect, 0.0, 0, &mut s).is_err());
    let bad = NdKernel {
        shape: [3, 3, 1],
        weights: vec![1.0; 8],
        origin: [0; 3],
    };
    assert!(correlate(&img, &mut out, &bad, Reflect, 0.0, &mut Padded::default()).is_err());
}

#[test]
fn convolve_flips_the_kernel() {
    let img = Image::from_vec(1, 5, 1, vec![0.0, 0.0, 1.0, 0.0, 0.0]).unwrap();
    let mut out = Image::default();
    convolve1d(
        &img,
        &mut out,
        1,
        &[1.0, 2.0, 3.0],
        Constant,
        0.0,
        0,
        &mut LineScratch::default(),
    )
    .unwrap();
    // scipy.ndimage.convolve1d([0, 0, 1, 0, 0], [1, 2, 3], mode='constant')
    assert_eq!(out.data, [0.0, 1.0, 2.0, 3.0, 0.0]);
    let k = NdKernel::planar(1, 3, vec![1.0, 2.0, 3.0]);
    convolve(&img, &mut out, &k, Constant, 0.0, &mut Padded::default()).unwrap();
    assert_eq!(out.data, [0.0, 1.0, 2.0, 3.0, 0.0]);
}
