//! Decoded samples to f64 as `img_as_float` converts them, alpha and extra samples dropped, and
//! the [`ColorMode`] applied.

use super::ColorMode;
use crate::Image;

/// `x * (1/255)` for every u8 value, computed once.
pub(super) fn u8_table() -> &'static [f64; 256] {
    static TABLE: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| i as f64 * (1.0 / 255.0)))
}

/// Builds an image from interleaved samples with `src_channels` per pixel (1–4), dropping alpha
/// (the 2nd of 2 or the 4th of 4 channels). Panics never: a short buffer yields fewer pixels,
/// which the decoders rule out.
pub(super) fn build<T: Copy>(
    height: usize,
    width: usize,
    src_channels: usize,
    src: &[T],
    f: impl Fn(T) -> f64,
) -> Image {
    let channels = if src_channels >= 3 { 3 } else { 1 };
    let n = height * width;
    let mut data = Vec::with_capacity(n * channels);
    if src_channels == channels {
        data.extend(src[..(n * channels).min(src.len())].iter().map(|&v| f(v)));
    } else {
        for px in src.chunks_exact(src_channels).take(n) {
            data.extend(px[..channels].iter().map(|&v| f(v)));
        }
    }
    data.resize(n * channels, 0.0);
    Image {
        height,
        width,
        channels,
        data,
    }
}

pub(super) fn from_u8(height: usize, width: usize, src_channels: usize, src: &[u8]) -> Image {
    let table = u8_table();
    build(height, width, src_channels, src, |v| table[v as usize])
}

pub(super) fn from_u16(height: usize, width: usize, src_channels: usize, src: &[u16]) -> Image {
    build(height, width, src_channels, src, |v| {
        f64::from(v) * (1.0 / 65535.0)
    })
}

pub(super) fn from_f32(height: usize, width: usize, src_channels: usize, src: &[f32]) -> Image {
    build(height, width, src_channels, src, f64::from)
}

/// RGB → the R channel only (for grey-palette BMPs, where R = G = B = the index).
pub(super) fn first_channel(img: Image) -> Image {
    if img.channels == 1 {
        return img;
    }
    let data = img.data.chunks_exact(img.channels).map(|p| p[0]).collect();
    Image {
        channels: 1,
        data,
        ..img
    }
}

/// Grey → RGB with R = G = B.
pub(super) fn gray_to_rgb(img: Image) -> Image {
    if img.channels == 3 {
        return img;
    }
    let data = img.data.iter().flat_map(|&v| [v, v, v]).collect();
    Image {
        channels: 3,
        data,
        ..img
    }
}

/// scikit-image `rgb2gray` on one pixel: `0.2125 R + 0.7154 G + 0.0721 B`.
///
/// skimage computes `arr @ [0.2125, 0.7154, 0.0721]`, which numpy hands to OpenBLAS; its FMA
/// kernel evaluates `fma(b, 0.0721, fma(r, 0.2125, g * 0.7154))`, reproduced here bit for bit
/// (checked against numpy 2.4.6 / OpenBLAS 0.3.31 on 3 600 random pixels; the plain
/// `(r*0.2125 + g*0.7154) + b*0.0721` differs from it by 1 ulp on ~15 % of pixels). A numpy
/// linked to another BLAS may differ from this by 1 ulp.
pub fn rgb_to_gray(r: f64, g: f64, b: f64) -> f64 {
    b.mul_add(0.0721, r.mul_add(0.2125, g * 0.7154))
}

/// scikit-image `rgb2gray` on one pixel of an image one column wide. numpy multiplies each
/// `(1, 3)` row by the weights as a dot product, not through the matrix kernel of
/// [`rgb_to_gray`]; OpenBLAS's dot kernel accumulates in order, with FMA:
/// `fma(b, 0.0721, fma(g, 0.7154, r * 0.2125))` (checked against numpy 2.4.6 / OpenBLAS 0.3.31:
/// bit-identical on every pixel of `(h, 1, 3)` images, where [`rgb_to_gray`] misses some).
pub fn rgb_to_gray_one_column(r: f64, g: f64, b: f64) -> f64 {
    b.mul_add(0.0721, g.mul_add(0.7154, r * 0.2125))
}

/// `rgb2gray` of interleaved RGB samples (`width` pixels per row) into `out`, one sample per
/// pixel, with the product numpy's matmul picks for that width.
pub fn rgb_to_gray_into(rgb: &[f64], width: usize, out: &mut [f64]) {
    let f = if width == 1 {
        rgb_to_gray_one_column
    } else {
        rgb_to_gray
    };
    for (o, p) in out.iter_mut().zip(rgb.chunks_exact(3)) {
        *o = f(p[0], p[1], p[2]);
    }
}

/// Applies the requested [`ColorMode`] to a decoded 1- or 3-channel image.
pub(super) fn apply_color(img: Image, mode: ColorMode) -> Image {
    match (mode, img.channels) {
        (ColorMode::Gray, 3) => {
            let mut data = vec![0.0; img.data.len() / 3];
            rgb_to_gray_into(&img.data, img.width, &mut data);
            Image {
                channels: 1,
                data,
                ..img
            }
        }
        (ColorMode::Rgb, 1) => gray_to_rgb(img),
        _ => img,
    }
}
