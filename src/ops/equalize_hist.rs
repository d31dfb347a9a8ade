//! `op = "equalize_hist"`: `skimage.exposure.equalize_hist(image, nbins)` on float images:
//!
//! ```text
//! hist, centres = np.histogram(image, nbins)          (int64 counts, the image's range)
//! cdf = np.cumsum(hist) / float(cdf[-1])
//! out = np.interp(image, centres, cdf)
//! ```
//!
//! `np.interp` (`compiled_base.c`, `arr_interp`): for `x` below the first centre `cdf[0]`, at or
//! above the last `cdf[-1]`, equal to a centre its `cdf` value, else
//! `slope * (x - c[j]) + cdf[j]` with `slope = (cdf[j+1] - cdf[j]) / (c[j+1] - c[j])` and
//! `c[j] <= x < c[j+1]`. Each sample's bin from the histogram pass gives `j` up to one step,
//! which the comparisons with the centres settle exactly as numpy's search does.
//!
//! Colour images are equalized as one array (scikit-image flattens them).

use super::elementwise::shape_like;
use super::threshold::histogram::Bins;
use super::threshold::check_nbins;
use super::{Kernel, OpSpec, Scratch, Shape};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.exposure.equalize_hist(image, nbins)`: each sample replaced by the fraction of the
/// image at or below its histogram bin (linearly interpolated between bin centres).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EqualizeHist {
    /// Histogram bins (1 to 1048576).
    #[serde(default = "default_nbins")]
    pub nbins: u32,
}

fn default_nbins() -> u32 {
    256
}

impl OpSpec for EqualizeHist {
    const NAME: &'static str = "equalize_hist";
    const EQUALS: &'static str = "skimage.exposure.equalize_hist(image, nbins)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Kernel>> {
        check_nbins(Some(self.nbins), cx)?;
        Some(Box::new(self.clone()))
    }
}

/// The interpolation table of one image: bins, centres, cdf and slopes.
struct Table {
    bins: Bins,
    centres: Vec<f64>,
    cdf: Vec<f64>,
    slopes: Vec<f64>,
}

impl Table {
    fn new(data: &[f64], nbins: usize) -> Result<Table, String> {
        let bins = Bins::of(data, nbins)?;
        let counts = bins.count(data);
        let centres = bins.centres();
        let mut total = 0u64;
        let cumulative: Vec<u64> = counts
            .iter()
            .map(|&c| {
                total += c;
                total
            })
            .collect();
        let last = total as f64;
        let cdf: Vec<f64> = cumulative.iter().map(|&c| c as f64 / last).collect();
        let slopes = (0..nbins.saturating_sub(1))
            .map(|i| (cdf[i + 1] - cdf[i]) / (centres[i + 1] - centres[i]))
            .collect();
        Ok(Table {
            bins,
            centres,
            cdf,
            slopes,
        })
    }

    /// `np.interp(x, centres, cdf)`.
    #[inline]
    fn interp(&self, x: f64) -> f64 {
        let (c, f) = (&self.centres, &self.cdf);
        let n = c.len();
        if n == 1 {
            return f[0];
        }
        // The last centre at or below x: near the bin's own centre.
        let b = self.bins.index(x);
        let mut j = b as isize - isize::from(x < c[b]);
        while j + 1 < n as isize && c[(j + 1) as usize] <= x {
            j += 1;
        }
        while j >= 0 && c[j as usize] > x {
            j -= 1;
        }
        if j < 0 {
            return f[0];
        }
        let j = j as usize;
        if j == n - 1 || c[j] == x {
            return f[j];
        }
        self.slopes[j] * (x - c[j]) + f[j]
    }
}

impl EqualizeHist {
    fn equalize(&self, data: &mut [f64]) -> Result<(), String> {
        if data.is_empty() {
            return Ok(());
        }
        let table = Table::new(data, self.nbins as usize)?;
        for x in data {
            *x = table.interp(*x);
        }
        Ok(())
    }
}

impl Kernel for EqualizeHist {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!("nbins={}", self.nbins)
    }

    fn apply(&self, inputs: &[&Image], out: &mut Image, _: &mut Scratch) -> Result<(), String> {
        let [img] = inputs else {
            return Err("equalize_hist takes one image".into());
        };
        shape_like(out, Shape::of(img));
        out.data.copy_from_slice(&img.data);
        self.equalize(&mut out.data)
    }

    fn apply_in_place(&self, img: &mut Image, _: &mut Scratch) -> Option<Result<(), String>> {
        Some(self.equalize(&mut img.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `skimage.exposure.equalize_hist(a, nbins=4)` of `a = [0, 0.1, 0.25, 0.5, 0.7, 1]`.
    #[test]
    fn equalizes_like_scikit_image() {
        let mut a = [0.0, 0.1, 0.25, 0.5, 0.7, 1.0];
        EqualizeHist { nbins: 4 }.equalize(&mut a).unwrap();
        assert_eq!(a, WANT);
    }

    const WANT: [f64; 6] = [
        0.3333333333333333,
        0.3333333333333333,
        0.41666666666666663,
        0.6666666666666667,
        0.8833333333333333,
        1.0,
    ];
}
