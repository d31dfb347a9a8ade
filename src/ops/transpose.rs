//! `op = "transpose"`: `image.T` for a gray image, `np.transpose(image, (1, 0, 2))` for a colour
//! one (rows and columns swapped, channels kept) — and the tiled axis swap that `rot90` shares.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `image.T` (gray) or `np.transpose(image, (1, 0, 2))` (colour): rows become columns, the
/// channels of each pixel are kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transpose {}

impl OpSpec for Transpose {
    const NAME: &'static str = "transpose";
    const EQUALS: &'static str = "np.transpose(image, (1, 0, 2)) (image.T for gray)";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(self.clone()))
    }
}

impl Kernel for Transpose {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("transpose takes one image".into());
        };
        Ok(Shape {
            height: s.width,
            width: s.height,
            channels: s.channels,
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("transpose takes one image".into());
        };
        swap_axes(img, out, false, false);
        Ok(())
    }
}

/// Pixels per side of the tiles the axis swap walks (a tile of the source and one of the output
/// stay in L1 together).
const TILE: usize = 32;

/// `out[i][j] = img[y][x]` with `out` of `img.width × img.height` pixels, where `y` is `j` (or
/// `height - 1 - j` with `flip_rows`) and `x` is `i` (or `width - 1 - i` with `flip_cols`): the
/// transpose, and with one flip `np.rot90` by a quarter turn. Each pixel's channels move together.
pub fn swap_axes(img: &Image, out: &mut Image, flip_rows: bool, flip_cols: bool) {
    let (h, w, c) = (img.height, img.width, img.channels);
    shape_like(
        out,
        Shape {
            height: w,
            width: h,
            channels: c,
        },
    );
    if h == 0 || w == 0 || c == 0 {
        return;
    }
    let src = &img.data;
    let dst = &mut out.data;
    for i0 in (0..w).step_by(TILE) {
        for j0 in (0..h).step_by(TILE) {
            for i in i0..(i0 + TILE).min(w) {
                let x = if flip_cols { w - 1 - i } else { i };
                let row = &mut dst[i * h * c..(i + 1) * h * c];
                for j in j0..(j0 + TILE).min(h) {
                    let y = if flip_rows { h - 1 - j } else { j };
                    let s = (y * w + x) * c;
                    row[j * c..(j + 1) * c].copy_from_slice(&src[s..s + c]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.transpose(np.arange(12.).reshape(2, 3, 2), (1, 0, 2))`.
    #[test]
    fn transposes_like_numpy() {
        let a = Image::from_vec(2, 3, 2, (0..12).map(f64::from).collect()).unwrap();
        let mut out = Image::default();
        Transpose {}
            .apply(&[&a], &mut out, &mut Scratch::default())
            .unwrap();
        assert_eq!((out.height, out.width, out.channels), (3, 2, 2));
        assert_eq!(out.data, [0., 1., 6., 7., 2., 3., 8., 9., 4., 5., 10., 11.]);
    }

    #[test]
    fn large_and_empty_images() {
        for (h, w) in [(0, 0), (0, 5), (5, 0), (1, 1), (33, 70), (70, 33)] {
            let a = Image::from_vec(h, w, 1, (0..h * w).map(|v| v as f64).collect()).unwrap();
            let mut out = Image::default();
            swap_axes(&a, &mut out, false, false);
            assert_eq!((out.height, out.width), (w, h));
            for i in 0..w {
                for j in 0..h {
                    assert_eq!(out.data[i * h + j], a.data[j * w + i]);
                }
            }
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use crate::ops::rot90::Rot90;

    proptest::proptest! {
        /// Four quarter turns, or two transposes, give the image back; one quarter turn or a
        /// transpose swaps the sides, as `output_shape` says; rot90 by 2 in place equals the
        /// copying path.
        #[test]
        fn turns_and_transposes(h in 0usize..40, w in 0usize..40, rgb in proptest::bool::ANY,
                                k in -9i64..9) {
            let c = if rgb { 3 } else { 1 };
            let img = Image::from_vec(h, w, c, (0..h * w * c).map(|i| i as f64).collect()).unwrap();
            let s = &mut Scratch::default();
            let rot = Rot90 { k };
            let mut out = Image::default();
            rot.apply(&[&img], &mut out, s).unwrap();
            proptest::prop_assert_eq!(rot.output_shape(&[Shape::of(&img)]).unwrap(), Shape::of(&out));
            let mut inplace = img.clone();
            if let Some(r) = rot.apply_in_place(&mut inplace, s) {
                r.unwrap();
                proptest::prop_assert_eq!(&inplace, &out);
            }
            let mut back = out.clone();
            for _ in 0..3 {
                let mut next = Image::default();
                rot.apply(&[&back], &mut next, s).unwrap();
                back = next;
            }
            proptest::prop_assert_eq!(&back, &img);
            let mut t = Image::default();
            Transpose {}.apply(&[&img], &mut t, s).unwrap();
            proptest::prop_assert_eq!(Transpose {}.output_shape(&[Shape::of(&img)]).unwrap(), Shape::of(&t));
            let mut tt = Image::default();
            Transpose {}.apply(&[&t], &mut tt, s).unwrap();
            proptest::prop_assert_eq!(&tt, &img);
        }
    }
}
