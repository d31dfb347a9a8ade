//! The binary morphology ops (`skimage.morphology.binary_erosion`, `binary_dilation`,
//! `binary_opening`, `binary_closing`, deprecated in scikit-image 0.26 but still there), as
//! scipy's `binary_erosion` / `binary_dilation` compute them on the image flowrun holds:
//!
//! - a pixel is set where the sample is non-zero (`image != 0`, NaN included — scipy's own test
//!   on a float array), and the result is 0.0 / 1.0;
//! - the footprint is padded at the end of an even side ([`Window::binary`]);
//! - `binary_erosion`: set where every cell of the window is set; `binary_dilation`: set where
//!   any cell of the **mirrored** window is (a true dilation, unlike the grey `dilation`);
//! - `binary_opening` = dilation of the erosion, `binary_closing` the other way round, both with
//!   the same footprint;
//! - `mode`: past the edges the image is set for an erosion unless `min`, and for a dilation only
//!   with `max` (`ignore`, the default, never lets the edge decide).
//!
//! Set / unset are u8 1 / 0, so an erosion is a min filter and a dilation a max filter
//! ([`super::filter`], exact for any grouping).

use super::filter::{self, Edge, FilterScratch};
use super::window::Window;
use crate::diag::ParamCx;
use crate::ops::elementwise::shape_like;
use crate::ops::footprint::FootprintSpec;
use crate::ops::{Kernel, Scratch, Shape};
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the binary ops assume past the image's edges (scikit-image's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BinaryMode {
    /// The edge never decides: set for an erosion, unset for a dilation (the default).
    #[default]
    Ignore,
    /// Set past the edges.
    Max,
    /// Unset past the edges.
    Min,
}

impl BinaryMode {
    pub fn name(self) -> &'static str {
        match self {
            BinaryMode::Ignore => "ignore",
            BinaryMode::Max => "max",
            BinaryMode::Min => "min",
        }
    }

    /// scipy's `border_value` for an erosion and for a dilation.
    fn borders(self) -> (u8, u8) {
        match self {
            BinaryMode::Ignore => (1, 0),
            BinaryMode::Max => (1, 1),
            BinaryMode::Min => (0, 0),
        }
    }
}

/// Which binary op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Erosion,
    Dilation,
    Opening,
    Closing,
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Erosion => "binary_erosion",
            BinaryOp::Dilation => "binary_dilation",
            BinaryOp::Opening => "binary_opening",
            BinaryOp::Closing => "binary_closing",
        }
    }
}

/// A compiled binary op.
#[derive(Clone, Debug, PartialEq)]
pub struct Binary {
    pub op: BinaryOp,
    pub footprint: Option<FootprintSpec>,
    pub window: Window,
    pub mode: BinaryMode,
}

/// The checks every binary op makes, and the compiled op.
pub fn compile(
    op: BinaryOp,
    footprint: Option<FootprintSpec>,
    mode: BinaryMode,
    cx: &mut ParamCx,
) -> Option<Box<dyn Kernel>> {
    let ok = super::refuse_colour(op.name(), cx);
    let window = match footprint {
        None => Window::cross(),
        Some(f) => Window::binary(&f.compile("footprint", cx)?),
    };
    ok.then(|| {
        Box::new(Binary {
            op,
            footprint,
            window,
            mode,
        }) as Box<dyn Kernel>
    })
}

/// A worker's buffers for the binary ops.
#[derive(Default)]
pub struct BinaryScratch {
    filter: FilterScratch<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
}

impl Binary {
    /// The op over the gray plane `src` (`h × w`, set where non-zero) into `out` (0.0 / 1.0).
    pub fn run(&self, src: &[f64], hw: (usize, usize), out: &mut [f64], s: &mut BinaryScratch) {
        s.a.clear();
        s.a.extend(src.iter().map(|&v| u8::from(v != 0.0)));
        self.write(hw, out, s);
    }

    /// [`Binary::run`] over `data`, in place.
    pub fn run_in_place(&self, data: &mut [f64], hw: (usize, usize), s: &mut BinaryScratch) {
        s.a.clear();
        s.a.extend(data.iter().map(|&v| u8::from(v != 0.0)));
        self.write(hw, data, s);
    }

    /// The op over the bit plane `s.a`, written to `out` as 0.0 / 1.0.
    fn write(&self, hw: (usize, usize), out: &mut [f64], s: &mut BinaryScratch) {
        let (bits, tmp, f) = (&mut s.a, &mut s.b, &mut s.filter);
        let (erode, dilate) = self.mode.borders();
        let (erode, dilate) = (Edge::Value(erode), Edge::Value(dilate));
        let win = &self.window;
        let mirrored = &win.mirrored();
        // u8 samples have no NaN and one zero: the returned `Seen` is always empty.
        match self.op {
            BinaryOp::Erosion => {
                filter::min_max::<u8, true>(bits, hw, win, erode, tmp, f);
            }
            BinaryOp::Dilation => {
                filter::min_max::<u8, false>(bits, hw, mirrored, dilate, tmp, f);
            }
            BinaryOp::Opening => {
                filter::min_max::<u8, true>(bits, hw, win, erode, tmp, f);
                filter::min_max::<u8, false>(tmp, hw, mirrored, dilate, bits, f);
                std::mem::swap(bits, tmp);
            }
            BinaryOp::Closing => {
                filter::min_max::<u8, false>(bits, hw, mirrored, dilate, tmp, f);
                filter::min_max::<u8, true>(tmp, hw, win, erode, bits, f);
                std::mem::swap(bits, tmp);
            }
        }
        for (o, &b) in out.iter_mut().zip(tmp.iter()) {
            *o = f64::from(b);
        }
    }
}

impl Kernel for Binary {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({ "footprint": self.footprint, "mode": self.mode })
    }

    fn describe(&self) -> String {
        let fp = self
            .footprint
            .map_or("cross".to_string(), FootprintSpec::describe);
        format!("footprint={fp} mode={}", self.mode.name())
    }

    fn apply(
        &self,
        inputs: &[&Image],
        out: &mut Image,
        scratch: &mut Scratch,
    ) -> Result<(), String> {
        let [img] = inputs else {
            return Err(format!("`{}` takes one image", self.op.name()));
        };
        super::gray_only(self.op.name(), img.channels)?;
        shape_like(out, Shape::of(img));
        let hw = (img.height, img.width);
        self.run(&img.data, hw, &mut out.data, scratch.get::<BinaryScratch>());
        Ok(())
    }

    fn apply_in_place(&self, img: &mut Image, scratch: &mut Scratch) -> Option<Result<(), String>> {
        if let Err(e) = super::gray_only(self.op.name(), img.channels) {
            return Some(Err(e));
        }
        let hw = (img.height, img.width);
        self.run_in_place(&mut img.data, hw, scratch.get::<BinaryScratch>());
        Some(Ok(()))
    }
}

/// Declares a binary op's parameters (`footprint`, `mode`) and its [`OpSpec`].
///
/// [`OpSpec`]: crate::ops::OpSpec
macro_rules! binary_op {
    ($(#[$doc:meta])* $name:ident, $op_name:literal, $equals:literal, $op:expr) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize,
            schemars::JsonSchema,
        )]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// The neighbourhood: `{ disk = r }`, `{ square = n }`, `{ rectangle = [rows,
            /// columns] }` or `{ diamond = r }`; without it, the 3 × 3 cross (scikit-image's
            /// default). An even side is padded at its end, as scikit-image's binary ops do
            /// (offsets `-n/2 ..= n/2 - 1`, one pixel apart from the grey ops).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub footprint: Option<$crate::ops::footprint::FootprintSpec>,
            /// Past the edges: `ignore` (default: the edge never decides), `max` (set) or
            /// `min` (unset).
            #[serde(default)]
            pub mode: $crate::ops::morphology::binary::BinaryMode,
        }

        impl $crate::ops::OpSpec for $name {
            const NAME: &'static str = $op_name;
            const EQUALS: &'static str = $equals;

            fn compile(
                &self,
                cx: &mut $crate::diag::ParamCx,
            ) -> Option<Box<dyn $crate::ops::Kernel>> {
                $crate::ops::morphology::binary::compile($op, self.footprint, self.mode, cx)
            }
        }
    };
}
pub(crate) use binary_op;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::footprint::FootprintSpec::*;
    use proptest::prelude::*;

    fn binary(op: BinaryOp, footprint: Option<FootprintSpec>, mode: BinaryMode) -> Binary {
        let window = footprint.map_or(Window::cross(), |f| Window::binary(&f.build()));
        Binary {
            op,
            footprint,
            window,
            mode,
        }
    }

    fn run(b: &Binary, hw: (usize, usize), src: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; src.len()];
        b.run(src, hw, &mut out, &mut BinaryScratch::default());
        out
    }

    /// `b = np.arange(20.).reshape(4, 5)` thresholded; `binary_dilation(b > 12, rect((2, 2)))`,
    /// `binary_erosion(b > 2, rect((2, 2)))` with modes `ignore` and `min`,
    /// `binary_dilation(b > 17, mode='max')`: the even footprint covers offsets {-1, 0}, and
    /// the dilation mirrors it.
    #[test]
    fn as_scikit_image() {
        let b: Vec<f64> = (0..20).map(f64::from).collect();
        let above = |t: f64| {
            b.iter()
                .map(|&v| f64::from(u8::from(v > t)))
                .collect::<Vec<_>>()
        };
        let r = |op, fp, mode, t| run(&binary(op, fp, mode), (4, 5), &above(t));
        let ignore = BinaryMode::Ignore;
        assert_eq!(
            r(BinaryOp::Dilation, Some(Square(2)), ignore, 12.0),
            [0., 0., 0., 0., 0., 0., 0., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]
        );
        assert_eq!(
            r(BinaryOp::Erosion, Some(Square(2)), ignore, 2.0),
            [0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]
        );
        assert_eq!(
            r(BinaryOp::Erosion, Some(Square(2)), BinaryMode::Min, 2.0),
            [0., 0., 0., 0., 0., 0., 0., 0., 0., 1., 0., 1., 1., 1., 1., 0., 1., 1., 1., 1.]
        );
        assert_eq!(
            r(BinaryOp::Dilation, None, BinaryMode::Max, 17.0),
            [1., 1., 1., 1., 1., 1., 0., 0., 0., 1., 1., 0., 0., 1., 1., 1., 1., 1., 1., 1.]
        );
    }

    #[test]
    fn set_means_non_zero_nan_included() {
        let g = binary(BinaryOp::Erosion, Some(Square(1)), BinaryMode::Ignore);
        assert_eq!(
            run(&g, (1, 4), &[0.0, -0.0, f64::NAN, -3.0]),
            [0., 0., 1., 1.]
        );
        let mut img = Image::from_vec(1, 4, 1, vec![0.0, 0.5, 0.0, 0.0]).unwrap();
        binary(BinaryOp::Dilation, None, BinaryMode::Ignore)
            .apply_in_place(&mut img, &mut Scratch::default())
            .unwrap()
            .unwrap();
        assert_eq!(img.data, [1., 1., 1., 0.]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Opening is below the image, closing above it; all-set and all-unset images stay so
        /// under `ignore`; the shape is kept.
        #[test]
        fn properties(
            h in 0usize..7,
            w in 0usize..7,
            r in 0u32..3,
            n in 1u32..5,
            set in proptest::collection::vec(any::<bool>(), 49),
            constant in any::<bool>(),
        ) {
            let src: Vec<f64> = if constant {
                vec![f64::from(u8::from(set[0])); h * w]
            } else {
                set[..h * w].iter().map(|&b| f64::from(u8::from(b))).collect()
            };
            for fp in [Some(Disk(r)), Some(Square(n)), Some(Rectangle([n, 2])), None] {
                let open = run(&binary(BinaryOp::Opening, fp, BinaryMode::Ignore), (h, w), &src);
                let close = run(&binary(BinaryOp::Closing, fp, BinaryMode::Ignore), (h, w), &src);
                prop_assert_eq!(open.len(), h * w);
                for ((o, c), s) in open.iter().zip(&close).zip(&src) {
                    prop_assert!(o <= s && s <= c);
                }
                if constant {
                    for op in [BinaryOp::Erosion, BinaryOp::Dilation] {
                        let out = run(&binary(op, fp, BinaryMode::Ignore), (h, w), &src);
                        prop_assert_eq!(&out, &src);
                    }
                }
            }
        }
    }
}
