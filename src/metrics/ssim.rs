//! `op = "ssim"`: `skimage.metrics.structural_similarity(reference, image, win_size,
//! gaussian_weights, data_range, channel_axis=-1)`.

use super::psnr::py_square;
use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::numpy::pairwise::pairwise_map;
use crate::ops::boundary::BoundaryMode;
use crate::ops::gaussian::{Gaussian, GaussianScratch};
use crate::ops::ndimage::{uniform_filter, LineScratch};
use crate::ops::Shape;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `skimage.metrics.structural_similarity(reference, image, win_size=win_size,
/// gaussian_weights=gaussian_weights, data_range=data_range)`: the mean structural similarity
/// (1 for equal images), with scikit-image's defaults (`K1 = 0.01`, `K2 = 0.03`, sample
/// covariance); for a colour image the mean over its channels (`channel_axis=-1`). Needs
/// `reference`, an image of the same shape, at least `win_size` pixels a side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ssim {
    /// The side of the sliding window, odd and at least 3; none: 7, or 11 with
    /// `gaussian_weights`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_size: Option<u64>,
    /// `true`: the window's means and variances are weighted by a Gaussian of sigma 1.5
    /// (truncated at 3.5 sigma), as Wang et al.; `false`: a uniform window.
    #[serde(default)]
    pub gaussian_weights: bool,
    /// The range of possible values (`max - min`). scikit-image requires it for float images;
    /// flowrun's images are floats in [0, 1] for 8- and 16-bit files, hence the default 1.0
    /// (which also equals scikit-image's 255 on the 8-bit arrays, up to rounding).
    #[serde(default = "one")]
    pub data_range: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for Ssim {
    fn default() -> Self {
        Ssim {
            win_size: None,
            gaussian_weights: false,
            data_range: 1.0,
        }
    }
}

/// The largest window accepted.
const MAX_WIN: u64 = 10_001;

impl MetricSpec for Ssim {
    const NAME: &'static str = "ssim";
    const EQUALS: &'static str = "skimage.metrics.structural_similarity(reference, image, win_size=win_size, gaussian_weights=gaussian_weights, data_range=data_range, channel_axis=-1)";
    const REFERENCE: bool = true;

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        let mut ok = true;
        if let Some(w) = self.win_size.filter(|w| w % 2 == 0 || *w < 3 || *w > MAX_WIN) {
            cx.err(
                "win_size",
                format!("`win_size` must be odd, from 3 to {MAX_WIN}, got {w}"),
                Some("the default is 7 (11 with gaussian_weights)".into()),
            );
            ok = false;
        }
        if !(self.data_range.is_finite() && self.data_range > 0.0) {
            cx.err(
                "data_range",
                format!("`data_range` must be a finite number > 0, got {}", self.data_range),
                Some("1.0 for images in [0, 1]".into()),
            );
            ok = false;
        }
        ok.then(|| Box::new(self.clone()) as Box<dyn Measure>)
    }
}

/// The Gaussian of `gaussian_weights`: sigma 1.5, truncate 3.5, `reflect` (radius 5: 11 taps).
const GAUSS: Gaussian = Gaussian {
    sigma: [1.5, 1.5],
    mode: BoundaryMode::Reflect,
    cval: 0.0,
    truncate: 3.5,
};

thread_local! {
    /// Each worker thread's working images, kept from image to image (metrics have no scratch
    /// of their own).
    static WORK: std::cell::RefCell<Work> = std::cell::RefCell::new(Work::default());
}

/// Working images of one SSIM.
#[derive(Default)]
struct Work {
    line: LineScratch,
    gauss: Option<GaussianScratch>,
    product: Image,
    filtered: [Image; 5],
    chunk: Vec<f64>,
    s: Vec<f64>,
}

impl Ssim {
    fn win(&self) -> usize {
        match self.win_size {
            Some(w) => w as usize,
            // `2 * int(3.5 * 1.5 + 0.5) + 1`
            None if self.gaussian_weights => 11,
            None => 7,
        }
    }

    /// `filter_func(img)` into `out`.
    fn filter(&self, img: &Image, out: &mut Image, work_line: &mut LineScratch, gauss: &mut Option<GaussianScratch>) {
        if self.gaussian_weights {
            GAUSS.apply_into(img, out, gauss.get_or_insert_with(GaussianScratch::default));
        } else {
            let w = self.win();
            // `w` is checked at compile time; the filter cannot fail on a consistent image.
            let _ = uniform_filter(img, out, [w, w, 1], BoundaryMode::Reflect, 0.0, work_line);
        }
    }

    /// The mean SSIM of one channel (`x` the reference, `y` the image; both one channel).
    fn plane(&self, x: &Image, y: &Image, work: &mut Work) -> Result<f64, String> {
        let win = self.win();
        if x.height < win || x.width < win {
            return Err(format!(
                "`ssim`'s window ({win} × {win}) is larger than the image ({}): give a smaller \
                 odd `win_size`",
                Shape::of(x).text()
            ));
        }
        let Work {
            line,
            gauss,
            product,
            filtered,
            chunk,
            s,
        } = work;
        let [ux, uy, uxx, uyy, uxy] = filtered;
        self.filter(x, ux, line, gauss);
        self.filter(y, uy, line, gauss);
        for (out, (a, b)) in [(&mut *uxx, (x, x)), (&mut *uyy, (y, y)), (&mut *uxy, (x, y))] {
            // `im1 * im2`, element by element.
            product.height = a.height;
            product.width = a.width;
            product.channels = 1;
            product.data.clear();
            product
                .data
                .extend(a.data.iter().zip(&b.data).map(|(&p, &q)| p * q));
            self.filter(product, out, line, gauss);
        }
        let np = (win * win) as f64;
        let cov_norm = np / (np - 1.0);
        let r = self.data_range;
        let c1 = py_square(0.01 * r);
        let c2 = py_square(0.03 * r);
        s.clear();
        s.extend((0..x.data.len()).map(|i| {
            let (mx, my) = (ux.data[i], uy.data[i]);
            let vx = cov_norm * (uxx.data[i] - mx * mx);
            let vy = cov_norm * (uyy.data[i] - my * my);
            let vxy = cov_norm * (uxy.data[i] - mx * my);
            let a1 = 2.0 * mx * my + c1;
            let a2 = 2.0 * vxy + c2;
            let b1 = mx * mx + my * my + c1;
            let b2 = vx + vy + c2;
            (a1 * a2) / (b1 * b2)
        }));
        Ok(cropped_mean(s, (x.height, x.width), (win - 1) / 2, chunk))
    }
}

/// `crop(S, pad).mean(dtype=np.float64)` for an `h × w` array: numpy reduces the cropped view
/// (not contiguous) in chunks of `max(1, 8192 // cols)` whole rows, each chunk a pairwise sum,
/// the chunks' sums added in order from 0.0.
fn cropped_mean(s: &[f64], (h, w): (usize, usize), pad: usize, chunk: &mut Vec<f64>) -> f64 {
    let (rows, cols) = (h - 2 * pad, w - 2 * pad);
    let per_chunk = (8192 / cols).max(1);
    let mut total = 0.0;
    let mut y = 0;
    while y < rows {
        let n = per_chunk.min(rows - y);
        chunk.clear();
        for r in y..y + n {
            chunk.extend_from_slice(&s[(r + pad) * w + pad..][..cols]);
        }
        total += pairwise_map(chunk, |v| v);
        y += n;
    }
    total / (rows * cols) as f64
}

impl Measure for Ssim {
    fn key(&self) -> serde_json::Value {
        serde_json::json!({
            "win_size": self.win(),
            "gaussian_weights": self.gaussian_weights,
            "data_range": self.data_range,
        })
    }

    fn compute(&self, image: &Image, reference: Option<&Image>) -> Result<f64, String> {
        let truth = reference.ok_or("`ssim` needs a reference image")?;
        let (a, b) = (Shape::of(truth), Shape::of(image));
        if a != b {
            return Err(format!(
                "`ssim` compares images of one shape, got {} and {}",
                b.text(),
                a.text()
            ));
        }
        WORK.with(|work| {
            // A metric computed while this thread's work is borrowed cannot happen (no
            // recursion); a fresh one then would only cost allocations.
            let mut fresh = Work::default();
            let mut guard = work.try_borrow_mut();
            let work = match guard.as_deref_mut() {
                Ok(w) => w,
                Err(_) => &mut fresh,
            };
            if truth.channels == 1 {
                return self.plane(truth, image, work);
            }
            // `channel_axis=-1`: each channel alone, then `np.mean` of the channels' values.
            let mut per_channel = Vec::with_capacity(truth.channels);
            for c in 0..truth.channels {
                per_channel.push(self.plane(&truth.channel(c), &image.channel(c), work)?);
            }
            Ok(super::np_mean(&per_channel))
        })
    }
}
