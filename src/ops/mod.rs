//! Filter steps: one file per op (params, the pure function and its tests); this file holds only
//! the closed enum the plan dispatches on.
pub mod boundary;
pub mod gaussian;

use crate::Image;

/// A compiled, validated op.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Gaussian(gaussian::Gaussian),
}

/// Reusable working memory for every op, kept per worker thread so images of the same size
/// allocate nothing.
#[derive(Default)]
pub struct OpScratch {
    gaussian: gaussian::GaussianScratch,
}

impl Op {
    /// Applies the op to `img`, returning a new image.
    pub fn apply(&self, img: &Image) -> Image {
        match self {
            Op::Gaussian(g) => g.apply(img),
        }
    }

    /// Applies the op to `img` into `out` (resized as needed), reusing `scratch`.
    pub fn apply_into(&self, img: &Image, out: &mut Image, scratch: &mut OpScratch) {
        match self {
            Op::Gaussian(g) => g.apply_into(img, out, &mut scratch.gaussian),
        }
    }

    /// Applies the op to `img` in place (what the runner does: a step's input is not needed
    /// once its output exists), reusing `scratch`.
    pub fn apply_in_place(&self, img: &mut Image, scratch: &mut OpScratch) {
        self.apply_in_place_along(img, scratch, &mut |_, _| {}, false);
    }

    /// [`Op::apply_in_place`], with work for the caller done along the way, while the samples
    /// are in cache:
    /// - `input_read(input, k)` is called as the first `k` input samples are about to be read,
    ///   in increasing `k` and ending with all of them (every op must call it so); a sample is
    ///   overwritten only once it lies more than 128 samples (numpy's pairwise block) before the
    ///   largest `k` passed, so a [`crate::metrics::PairwiseStream`] advanced to each `k` takes in
    ///   every sample before it changes;
    /// - with `sum`, the op returns `np.sum` of its result ([`crate::metrics::pairwise_sum`],
    ///   bit-identical) if it took it along the way; `None` means the caller must sum the result
    ///   itself.
    pub fn apply_in_place_along(
        &self,
        img: &mut Image,
        scratch: &mut OpScratch,
        input_read: &mut dyn FnMut(&[f64], usize),
        sum: bool,
    ) -> Option<f64> {
        match self {
            Op::Gaussian(g) => g.apply_in_place_along(img, &mut scratch.gaussian, input_read, sum),
        }
    }

    /// The op's name as written in workflows.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Gaussian(_) => "gaussian",
        }
    }

    /// Parameters for display (`plan`), e.g. `sigma=10 mode=nearest`.
    pub fn describe(&self) -> String {
        match self {
            Op::Gaussian(g) => {
                let sigma = if g.sigma[0] == g.sigma[1] {
                    format!("{}", g.sigma[0])
                } else {
                    format!("[{}, {}]", g.sigma[0], g.sigma[1])
                };
                format!("sigma={sigma} mode={:?} truncate={}", g.mode, g.truncate).to_lowercase()
            }
        }
    }
}
