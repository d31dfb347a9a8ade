//! The fast filter against the definition, on every path (ring rectangles, chords, tall
//! rectangles), edge and window shape, with samples whose comparison order cannot show.

use super::*;
use crate::ops::footprint::FootprintSpec;
use proptest::prelude::*;

/// `out[y][x]` = the pick over the window's offsets of the extended image, one by one.
fn reference<T: Sample, const MIN: bool>(
    src: &[T],
    (h, w): (usize, usize),
    win: &Window,
    edge: Edge<T>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(h * w);
    for y in 0..h {
        for x in 0..w {
            let mut acc: Option<T> = None;
            for (dy, dx) in win.offsets() {
                let r = edge.map(y as isize + dy, h);
                let c = edge.map(x as isize + dx, w);
                let v = match (r, c) {
                    (Some(r), Some(c)) => src[r * w + c],
                    _ => edge.fill(),
                };
                acc = Some(acc.map_or(v, |a| pick::<T, MIN>(a, v)));
            }
            out.push(acc.unwrap_or_default());
        }
    }
    out
}

fn edges() -> Vec<Edge<f64>> {
    let mut e: Vec<Edge<f64>> = [
        BoundaryMode::Reflect,
        BoundaryMode::Mirror,
        BoundaryMode::Nearest,
        BoundaryMode::Wrap,
    ]
    .into_iter()
    .map(Edge::Mode)
    .collect();
    e.extend([0.25, f64::INFINITY, f64::NEG_INFINITY].map(Edge::Value));
    e
}

fn windows() -> Vec<Window> {
    let mut out = vec![Window::cross()];
    for spec in [
        FootprintSpec::Disk(0),
        FootprintSpec::Disk(1),
        FootprintSpec::Disk(3),
        FootprintSpec::Disk(9),
        FootprintSpec::Diamond(2),
        FootprintSpec::Square(1),
        FootprintSpec::Square(2),
        FootprintSpec::Square(5),
        FootprintSpec::Rectangle([1, 9]),
        FootprintSpec::Rectangle([4, 7]),
        FootprintSpec::Rectangle([17, 3]),
        FootprintSpec::Rectangle([40, 2]),
    ] {
        let fp = spec.build();
        out.push(Window::grey(&fp));
        out.push(Window::binary(&fp).mirrored());
    }
    out
}

fn check<T: Sample + std::fmt::Debug>(src: &[T], hw: (usize, usize), win: &Window, edge: Edge<T>) {
    let mut s = FilterScratch::default();
    let mut out = Vec::new();
    min_max::<T, true>(src, hw, win, edge, &mut out, &mut s);
    assert_eq!(
        out,
        reference::<T, true>(src, hw, win, edge),
        "min {hw:?} {win:?} {edge:?}"
    );
    min_max::<T, false>(src, hw, win, edge, &mut out, &mut s);
    assert_eq!(
        out,
        reference::<T, false>(src, hw, win, edge),
        "max {hw:?} {win:?} {edge:?}"
    );
}

#[test]
fn every_path_matches_the_definition() {
    let mut state = 7u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
        state >> 33
    };
    for (h, w) in [(1, 1), (1, 6), (5, 1), (7, 5), (23, 37), (45, 3)] {
        let f: Vec<f64> = (0..h * w).map(|_| (next() % 50) as f64 / 7.0).collect();
        let b: Vec<u8> = (0..h * w).map(|_| u8::from(next() % 3 == 0)).collect();
        for win in windows() {
            for edge in edges() {
                check(&f, (h, w), &win, edge);
            }
            for edge in [Edge::Value(0u8), Edge::Value(1u8)] {
                check(&b, (h, w), &win, edge);
            }
        }
    }
}

#[test]
fn notes_nan_and_zeros_it_reads() {
    let mut s = FilterScratch::default();
    let mut out = Vec::new();
    let win = Window::cross();
    let edge = Edge::Mode(BoundaryMode::Reflect);
    let seen = min_max::<f64, true>(&[1.0, 0.0, 2.0, -0.0], (2, 2), &win, edge, &mut out, &mut s);
    assert!(seen.order_matters() && !seen.nan);
    let seen = min_max::<f64, true>(&[1.0, f64::NAN], (1, 2), &win, edge, &mut out, &mut s);
    assert!(seen.nan);
    let seen = min_max::<f64, true>(&[1.0, 0.0, 3.0], (3, 1), &win, edge, &mut out, &mut s);
    assert!(!seen.order_matters());
}

#[test]
fn empty_planes() {
    let mut s = FilterScratch::default();
    let mut out = vec![1.0; 4];
    for hw in [(0, 0), (0, 5), (4, 0)] {
        min_max::<f64, true>(
            &[],
            hw,
            &Window::cross(),
            Edge::Value(0.0),
            &mut out,
            &mut s,
        );
        assert!(out.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_windows_match_the_definition(
        h in 0usize..9,
        w in 0usize..9,
        rows in 1usize..6,
        cols in 1usize..6,
        bits in proptest::collection::vec(any::<bool>(), 25),
        seed in any::<u64>(),
        e in 0usize..7,
    ) {
        let (rows, cols) = (rows | 1, cols | 1);
        let mut mask: Vec<bool> = bits[..rows * cols].to_vec();
        mask[(rows / 2) * cols + cols / 2] |= !mask.iter().any(|&m| m);
        let win = Window { rows, cols, mask };
        let mut state = seed;
        let src: Vec<f64> = (0..h * w)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (state >> 60) as f64 - 3.0
            })
            .collect();
        check(&src, (h, w), &win, edges()[e]);
    }
}
