//! `op = "crop"`: `skimage.util.crop(image, crop_width)` on the rows and columns (a colour
//! image's channels are kept: scikit-image's `((top, bottom), (left, right), (0, 0))`).

use super::elementwise::shape_like;
use super::pad::Widths;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.util.crop(image, crop_width)`: the image without `crop_width` pixels at its edges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Crop {
    /// Pixels removed: `n` from every side, `[before, after]` on both axes, or
    /// `[[top, bottom], [left, right]]`.
    pub crop_width: Widths,
}

impl OpSpec for Crop {
    const NAME: &'static str = "crop";
    const EQUALS: &'static str = "skimage.util.crop(image, crop_width) on rows and columns";

    fn compile(&self, _: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        Some(Box::new(self.clone()))
    }
}

impl Crop {
    /// The rows and columns kept: `(top, height, left, width)`, or why none can be.
    fn window(&self, s: Shape) -> Result<(usize, usize, usize, usize), String> {
        let [[t, b], [l, r]] = self.crop_width.per_axis();
        let keep = |n: usize, before: u64, after: u64, what: &str| {
            let removed = before.saturating_add(after);
            (removed <= n as u64)
                .then(|| (before as usize, n - removed as usize))
                .ok_or_else(|| {
                    format!(
                        "crop_width removes {removed} {what} from an image of {}",
                        s.text()
                    )
                })
        };
        let (top, height) = keep(s.height, t, b, "rows")?;
        let (left, width) = keep(s.width, l, r, "columns")?;
        Ok((top, height, left, width))
    }
}

impl Kernel for Crop {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "crop_width": self.crop_width.per_axis() })
    }

    fn describe(&self) -> String {
        let [[t, b], [l, r]] = self.crop_width.per_axis();
        format!("crop_width=[[{t}, {b}], [{l}, {r}]]")
    }

    fn output_shape(&self, inputs: &[Shape]) -> Result<Shape, String> {
        let [s] = inputs else {
            return Err("crop takes one image".into());
        };
        let (_, height, _, width) = self.window(*s)?;
        Ok(Shape {
            height,
            width,
            channels: s.channels,
        })
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("crop takes one image".into());
        };
        let (top, height, left, width) = self.window(Shape::of(img))?;
        let c = img.channels;
        shape_like(
            out,
            Shape {
                height,
                width,
                channels: c,
            },
        );
        if width * c > 0 {
            for (y, row) in out.data.chunks_exact_mut(width * c).enumerate() {
                let s = ((top + y) * img.width + left) * c;
                row.copy_from_slice(&img.data[s..s + width * c]);
            }
        }
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        let (top, height, left, width) = match self.window(Shape::of(img)) {
            Ok(w) => w,
            Err(e) => return Some(Err(e)),
        };
        let c = img.channels;
        // Row y moves to y * width * c, never after where it starts: earlier rows are written
        // before later ones are read, and each copy handles its own overlap.
        for y in 0..height {
            let s = ((top + y) * img.width + left) * c;
            img.data.copy_within(s..s + width * c, y * width * c);
        }
        img.data.truncate(height * width * c);
        img.height = height;
        img.width = width;
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crop(img: &Image, crop_width: Widths) -> Result<Image, String> {
        let k = Crop { crop_width };
        let mut out = Image::default();
        k.apply(&[img], &mut out, &mut Scratch::default())?;
        let mut inplace = img.clone();
        k.apply_in_place(&mut inplace, &mut Scratch::default()).unwrap()?;
        assert_eq!(inplace, out);
        Ok(out)
    }

    /// `skimage.util.crop(np.arange(24.).reshape(4, 3, 2), ((1, 2), (0, 1), (0, 0)))`.
    #[test]
    fn crops_like_skimage() {
        let a = Image::from_vec(4, 3, 2, (0..24).map(f64::from).collect()).unwrap();
        let out = crop(&a, Widths::PerAxis([[1, 2], [0, 1]])).unwrap();
        assert_eq!((out.height, out.width, out.channels), (1, 2, 2));
        assert_eq!(out.data, [6., 7., 8., 9.]);
        let all = crop(&a, Widths::All(1)).unwrap();
        assert_eq!((all.height, all.width), (2, 1));
        assert_eq!(all.data, [8., 9., 14., 15.]);
        let empty = crop(&a, Widths::PerAxis([[2, 2], [1, 2]])).unwrap();
        assert_eq!((empty.height, empty.width), (0, 0));
        let err = crop(&a, Widths::PerAxis([[3, 2], [0, 0]])).unwrap_err();
        assert_eq!(err, "crop_width removes 5 rows from an image of 4×3×2");
        assert!(crop(&a, Widths::All(u64::MAX)).is_err());
    }
}
