//! `skimage.color.rgb2hsv` and `hsv2rgb` on float64 pixels (`colorconv.py`), as
//! `skimage.color.adapt_rgb.hsv_value` uses them: CLAHE of a colour image equalizes its value
//! channel `V = max(r, g, b)` and converts back.

/// `rgb2hsv` of one pixel: `(h, s, v)`.
///
/// `v = max`, `delta = max - min`, `s = delta / v` (0 where `delta == 0`); `h` from whichever
/// channel equals the maximum, the later of red, green, blue winning ties:
/// `(g - b) / delta`, `2 + (b - r) / delta`, `4 + (r - g) / delta`, then `(h / 6) mod 1`
/// (numpy's floored remainder), 0 where `delta == 0`. NaN results become 0.
pub fn rgb2hsv([r, g, b]: [f64; 3]) -> [f64; 3] {
    // np.max / np.min over the channels: NaN propagates.
    let max3 = |a: f64, b: f64, c: f64| {
        if a.is_nan() || b.is_nan() || c.is_nan() {
            f64::NAN
        } else {
            a.max(b).max(c)
        }
    };
    let v = max3(r, g, b);
    let min = if v.is_nan() { f64::NAN } else { r.min(g).min(b) };
    let delta = v - min;
    let s = if delta == 0.0 { 0.0 } else { delta / v };
    let mut h0 = f64::NAN;
    if r == v {
        h0 = (g - b) / delta;
    }
    if g == v {
        h0 = 2.0 + (b - r) / delta;
    }
    if b == v {
        h0 = 4.0 + (r - g) / delta;
    }
    let h = if delta == 0.0 { 0.0 } else { remainder1(h0 / 6.0) };
    let zero_nan = |x: f64| if x.is_nan() { 0.0 } else { x };
    [zero_nan(h), zero_nan(s), zero_nan(v)]
}

/// `np.remainder(a, 1.0)`: `fmod`, moved into `[0, 1)` when negative; `+0.0` for zero.
fn remainder1(a: f64) -> f64 {
    let m = a % 1.0;
    if m == 0.0 {
        0.0
    } else if m < 0.0 {
        m + 1.0
    } else {
        m
    }
}

/// `hsv2rgb` of one pixel.
pub fn hsv2rgb([h, s, v]: [f64; 3]) -> [f64; 3] {
    let hi = (h * 6.0).floor();
    let f = h * 6.0 - hi;
    let p = v * (1.0 - s);
    let q = v * (1.0 - f * s);
    let t = v * (1.0 - (1.0 - f) * s);
    // hi.astype(np.uint8) % 6 (h is in [0, 1], so hi in 0..=6).
    match (hi as u8) % 6 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}
