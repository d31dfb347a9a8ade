//! `op = "flip"`: `np.flip(image, axis)`.

use super::elementwise::shape_like;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.flip(image, axis)`: the image reversed along `axis` — 0 up/down (`np.flipud`), 1
/// left/right (`np.fliplr`); without `axis`, along every axis, as numpy's default (which also
/// reverses the channel order of a colour image).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flip {
    /// 0 (rows: up/down) or 1 (columns: left/right); none: every axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<i64>,
}

impl OpSpec for Flip {
    const NAME: &'static str = "flip";
    const EQUALS: &'static str = "np.flip(image, axis)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        if let Some(a) = self.axis.filter(|a| !(0..=1).contains(a)) {
            cx.err(
                "axis",
                format!("`axis` must be 0 (up/down) or 1 (left/right), got {a}"),
                Some("leave it out to flip along every axis".to_string()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

impl Kernel for Flip {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        self.axis.map(|a| format!("axis={a}")).unwrap_or_default()
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, scratch: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("flip takes one image".into());
        };
        shape_like(out, Shape::of(img));
        out.data.copy_from_slice(&img.data);
        self.apply_in_place(out, scratch).unwrap_or(Ok(()))
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        let row = img.width * img.channels;
        match self.axis {
            // Every axis of a C-ordered array: the samples in reverse.
            None => img.data.reverse(),
            Some(0) if row > 0 => {
                let h = img.height;
                for y in 0..h / 2 {
                    let (top, bottom) = img.data.split_at_mut((h - 1 - y) * row);
                    top[y * row..(y + 1) * row].swap_with_slice(&mut bottom[..row]);
                }
            }
            Some(_) if row > 0 => {
                let c = img.channels;
                for line in img.data.chunks_exact_mut(row) {
                    let w = line.len() / c;
                    for x in 0..w / 2 {
                        let (left, right) = line.split_at_mut((w - 1 - x) * c);
                        left[x * c..(x + 1) * c].swap_with_slice(&mut right[..c]);
                    }
                }
            }
            Some(_) => {}
        }
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `np.flip(a, axis)` of `a = np.arange(12.).reshape(2, 3, 2)`.
    #[test]
    fn flips_like_numpy() {
        let a = Image::from_vec(2, 3, 2, (0..12).map(f64::from).collect()).unwrap();
        let flip = |axis| {
            let mut img = a.clone();
            Flip { axis }
                .apply_in_place(&mut img, &mut Scratch::default())
                .unwrap()
                .unwrap();
            img.data
        };
        assert_eq!(flip(Some(0)), [6., 7., 8., 9., 10., 11., 0., 1., 2., 3., 4., 5.]);
        assert_eq!(flip(Some(1)), [4., 5., 2., 3., 0., 1., 10., 11., 8., 9., 6., 7.]);
        assert_eq!(flip(None), [11., 10., 9., 8., 7., 6., 5., 4., 3., 2., 1., 0.]);
    }
}
