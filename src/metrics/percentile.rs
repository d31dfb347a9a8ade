//! `op = "percentile"`: `np.percentile(image, q)` (method `linear`); also `np.median`, which
//! `op = "median"` and `rescale_intensity`'s `in_range = { percentiles = [..] }` use.

use super::{Measure, MetricSpec};
use crate::diag::ParamCx;
use crate::Image;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `np.percentile(image, q)`: numpy's default `linear` method over every sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Percentile {
    /// The percentile, between 0 and 100.
    pub q: f64,
}

impl MetricSpec for Percentile {
    const NAME: &'static str = "percentile";
    const EQUALS: &'static str = "np.percentile(image, q)";

    fn compile(&self, cx: &mut ParamCx) -> Option<Box<dyn Measure>> {
        if !(0.0..=100.0).contains(&self.q) {
            cx.err(
                "q",
                format!("`q` must be between 0 and 100, got {}", self.q),
                Some("e.g. q = 99 for the 99th percentile".into()),
            );
            return None;
        }
        Some(Box::new(self.clone()))
    }
}

impl Measure for Percentile {
    fn key(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn compute(&self, image: &Image, _: Option<&Image>) -> Result<f64, String> {
        let mut buf = Vec::new();
        np_percentile(&image.data, &[self.q], &mut buf).map(|v| v[0])
    }
}

/// `np.percentile(data, qs)` (each `q` in `[0, 100]`), numpy's `linear` method bit for bit:
/// `v = (n - 1) * (q / 100)`, the order statistics `a = s[floor(v)]` and `b = s[floor(v) + 1]`
/// (both `s[n - 1]` once `v >= n - 1`), `t = v - floor(v)`, and
/// `a + (b - a) * t` if `t < 0.5`, else `b - (b - a) * (1 - t)`. Any NaN makes every result NaN.
/// `buf` is working memory.
pub fn np_percentile(data: &[f64], qs: &[f64], buf: &mut Vec<f64>) -> Result<Vec<f64>, String> {
    let n = data.len();
    if n == 0 {
        return Err("the image is empty, so it has no percentiles".into());
    }
    if data.iter().any(|x| x.is_nan()) {
        return Ok(vec![f64::NAN; qs.len()]);
    }
    buf.clear();
    buf.extend_from_slice(data);
    let last = n - 1;
    qs.iter()
        .map(|&q| {
            let v = last as f64 * (q / 100.0);
            let (prev, next, prev_value) = if v >= last as f64 {
                (last, last, -1.0)
            } else if v < 0.0 {
                (0, 0, 0.0)
            } else {
                let f = v.floor();
                (f as usize, f as usize + 1, f)
            };
            let gamma = v - prev_value;
            let a = select(buf, prev);
            let b = if next == prev { a } else { select(buf, next) };
            let diff = b - a;
            Ok(if gamma >= 0.5 {
                b - diff * (1.0 - gamma)
            } else {
                a + diff * gamma
            })
        })
        .collect()
}

/// The `k`-th smallest value of `buf` (no NaN), reordering it.
fn select(buf: &mut [f64], k: usize) -> f64 {
    let (_, x, _) = buf.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    *x
}

/// `np.median(data)`: the middle value, or `np.mean` of the two middle values; NaN if any sample
/// is NaN or there are none. `buf` is working memory.
pub fn np_median(data: &[f64], buf: &mut Vec<f64>) -> f64 {
    let n = data.len();
    if n == 0 || data.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    buf.clear();
    buf.extend_from_slice(data);
    if n % 2 == 1 {
        super::np_mean(&[select(buf, n / 2)])
    } else {
        let a = select(buf, n / 2 - 1);
        let b = select(&mut buf[n / 2..], 0);
        super::np_mean(&[a, b])
    }
}
