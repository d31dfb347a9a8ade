//! `op = "gray2rgb"`: `skimage.color.gray2rgb(image)`, i.e. `np.stack((image,) * 3, axis=-1)`.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.color.gray2rgb(image)`: a gray image as RGB with R = G = B. A colour image is
/// refused (scikit-image would stack it into a 4-D array).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gray2Rgb {}

impl OpSpec for Gray2Rgb {
    const NAME: &'static str = "gray2rgb";
    const EQUALS: &'static str = "skimage.color.gray2rgb(image)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if let Some(c) = cx.channels.filter(|&c| c != 1) {
            cx.err_here(
                format!("`gray2rgb` needs gray images, and these have {c} channels"),
                Some("remove the step, or put `rgb2gray` before it".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

impl Kernel for Gray2Rgb {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn describe(&self) -> String {
        String::new()
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("gray2rgb takes one image".into());
        };
        if s.channels != 1 {
            return Err(format!(
                "gray2rgb needs a gray image, got {} channels",
                s.channels
            ));
        }
        Ok(Shape { channels: 3, ..*s })
    }

    fn output_channels(&self, _: &[Option<usize>]) -> Option<usize> {
        Some(3)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("gray2rgb takes one image".into());
        };
        let shape = self.output_shape(&[Shape::of(img)])?;
        shape_like(out, shape);
        for (px, &v) in out.data.chunks_exact_mut(3).zip(&img.data) {
            px.fill(v);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_three_times_and_refuses_colour() {
        let k = Gray2Rgb {};
        let gray = Image::from_vec(1, 2, 1, vec![0.5, -0.0]).unwrap();
        let mut out = Image::default();
        k.apply(&[&gray], &mut out, &mut Scratch::default()).unwrap();
        assert_eq!(out.channels, 3);
        assert_eq!(
            out.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            [0.5, 0.5, 0.5, -0.0, -0.0, -0.0].map(f64::to_bits)
        );
        let err = k.apply(&[&out.clone()], &mut out, &mut Scratch::default()).unwrap_err();
        assert!(err.contains("3 channels"), "{err}");
    }
}
