//! `op = "rgb2gray"`: `skimage.color.rgb2gray(image)`, the luminance
//! `0.2125 R + 0.7154 G + 0.0721 B` with the operation order of the BLAS product numpy uses
//! for the image's width ([`rgb_to_gray_into`], shared with the source's `color = "gray"`).

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::source::decode::{rgb_to_gray, rgb_to_gray_one_column, rgb_to_gray_into};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.color.rgb2gray(image)`: an RGB image to its luminance. A gray image is refused, as
/// scikit-image refuses it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rgb2Gray {}

impl OpSpec for Rgb2Gray {
    const NAME: &'static str = "rgb2gray";
    const EQUALS: &'static str = "skimage.color.rgb2gray(image)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if let Some(c) = cx.channels.filter(|&c| c != 3) {
            cx.err_here(
                format!("`rgb2gray` needs RGB images, and these have {c} channel(s)"),
                Some("remove the step, or read the images with the source's color = \"rgb\"".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

impl Kernel for Rgb2Gray {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("rgb2gray takes one image".into());
        };
        if s.channels != 3 {
            return Err(format!(
                "rgb2gray needs an RGB image (3 channels), got {} channel(s)",
                s.channels
            ));
        }
        Ok(Shape { channels: 1, ..*s })
    }

    fn output_channels(&self, _: &[Option<usize>]) -> Option<usize> {
        Some(1)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("rgb2gray takes one image".into());
        };
        let shape = self.output_shape(&[Shape::of(img)])?;
        shape_like(out, shape);
        rgb_to_gray_into(&img.data, img.width, &mut out.data);
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        if let Err(e) = self.output_shape(&[Shape::of(img)]) {
            return Some(Err(e));
        }
        // Pixel k reads samples 3k..3k+3 and writes sample k <= 3k: nothing is read after it is
        // overwritten.
        let n = img.pixels();
        let f = if img.width == 1 {
            rgb_to_gray_one_column
        } else {
            rgb_to_gray
        };
        for k in 0..n {
            let (r, g, b) = (img.data[3 * k], img.data[3 * k + 1], img.data[3 * k + 2]);
            img.data[k] = f(r, g, b);
        }
        img.data.truncate(n);
        img.channels = 1;
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_gray_and_converts_rgb() {
        let k = Rgb2Gray {};
        let gray = Image::from_vec(1, 2, 1, vec![0.5, 0.25]).unwrap();
        let mut out = Image::default();
        let err = k.apply(&[&gray], &mut out, &mut Scratch::default()).unwrap_err();
        assert!(err.contains("1 channel"), "{err}");
        let rgb = Image::from_vec(1, 2, 3, vec![1.0, 1.0, 1.0, 0.2, 0.4, 0.6]).unwrap();
        let mut img = rgb.clone();
        k.apply(&[&rgb], &mut out, &mut Scratch::default()).unwrap();
        k.apply_in_place(&mut img, &mut Scratch::default()).unwrap().unwrap();
        assert_eq!(out, img);
        assert_eq!((out.channels, out.data.len()), (1, 2));
        assert_eq!(out.data[1], rgb_to_gray(0.2, 0.4, 0.6));
    }
}
