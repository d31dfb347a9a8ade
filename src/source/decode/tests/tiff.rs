//! TIFF sample types as tifffile and img_as_float read them, and the TIFFs refused.

use super::*;
use crate::source::decode::tiff::white_is_zero_as_black_is_zero;

/// Colour types the `tiff` crate's encoder lacks: signed gray+alpha, RGB and RGBA, and
/// 16-bit float gray (written as its bit pattern).
macro_rules! tiff_colour_type {
    ($name:ident, $inner:ty, $photometric:ident, $bits:expr, $format:ident) => {
        struct $name;
        impl ::tiff::encoder::colortype::ColorType for $name {
            type Inner = $inner;
            const TIFF_VALUE: ::tiff::tags::PhotometricInterpretation =
                ::tiff::tags::PhotometricInterpretation::$photometric;
            const BITS_PER_SAMPLE: &'static [u16] = $bits;
            const SAMPLE_FORMAT: &'static [::tiff::tags::SampleFormat] =
                &[::tiff::tags::SampleFormat::$format; $bits.len()];
            fn horizontal_predict(row: &[$inner], result: &mut Vec<$inner>) {
                result.extend_from_slice(row);
            }
        }
    };
}
tiff_colour_type!(GrayAI16, i16, BlackIsZero, &[16, 16], Int);
tiff_colour_type!(RgbI16, i16, RGB, &[16, 16, 16], Int);
tiff_colour_type!(RgbaI16, i16, RGB, &[16, 16, 16, 16], Int);
tiff_colour_type!(GrayF16, u16, BlackIsZero, &[16], IEEEFP);

/// A TIFF with an ExtraSamples tag (2: unassociated alpha) for gray+alpha.
fn tiff_gray_alpha_i16(w: u32, h: u32, data: &[i16]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = ::tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    let mut img = enc.new_image::<GrayAI16>(w, h).unwrap();
    img.encoder()
        .write_tag(::tiff::tags::Tag::ExtraSamples, 2u16)
        .unwrap();
    img.write_data(data).unwrap();
    out.into_inner()
}

#[test]
fn signed_tiff_samples_like_img_as_float() {
    use ::tiff::encoder::colortype as ct;
    // img_as_float(int16): max(x * (1/32767), -1) in float64 (skimage/util/dtype.py, _convert).
    let i16_formula = |x: i16| (f64::from(x) * (1.0 / 32767.0)).max(-1.0);
    let px: [i16; 6] = [-32768, -32767, -12345, 0, 7001, 32767];
    let img = keep(&tiff_of::<ct::GrayI16>(3, 2, &px)).unwrap();
    assert_eq!((img.height, img.width, img.channels), (2, 3, 1));
    assert_eq!(img.data, px.map(i16_formula));
    // >>> img_as_float(skimage.io.imread(f)).ravel().tolist()  (tifffile int16, 1×6)
    assert_eq!(
        img.data,
        [
            -1.0,
            -1.0,
            -0.37675099948118534,
            0.0,
            0.21366008484145635,
            1.0
        ]
    );
    // Gray+alpha drops alpha; RGB keeps 3 channels; RGBA drops alpha.
    let ga: Vec<i16> = px.iter().flat_map(|&x| [x, 123]).collect();
    let img = keep(&tiff_gray_alpha_i16(3, 2, &ga)).unwrap();
    assert_eq!(img.channels, 1);
    assert_eq!(img.data, px.map(i16_formula));
    let rgb: Vec<i16> = (0..18).map(|i| (i * 3641 - 32768) as i16).collect();
    let img = keep(&tiff_of::<RgbI16>(3, 2, &rgb)).unwrap();
    assert_eq!(img.channels, 3);
    assert_eq!(
        img.data,
        rgb.iter().map(|&x| i16_formula(x)).collect::<Vec<_>>()
    );
    let rgba: Vec<i16> = rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], -1]).collect();
    let img = keep(&tiff_of::<RgbaI16>(3, 2, &rgba)).unwrap();
    assert_eq!(img.channels, 3);
    assert_eq!(
        img.data,
        rgb.iter().map(|&x| i16_formula(x)).collect::<Vec<_>>()
    );

    // int8: max(x * (1/127), -1); int32: max(x * (1/2147483647), -1);
    // int64: max(float64(x) * (1/9223372036854775807), -1).
    let img = keep(&tiff_of::<ct::GrayI8>(4, 1, &[-128, -127, 63, 127])).unwrap();
    assert_eq!(img.data, [-1.0, -1.0, 0.49606299212598426, 1.0]);
    let i32s = [i32::MIN, -123_456_789, 1_000_003, i32::MAX];
    let img = keep(&tiff_of::<ct::GrayI32>(4, 1, &i32s)).unwrap();
    assert_eq!(
        img.data,
        [-1.0, -0.05748904731939037, 0.00046566268450844227, 1.0]
    );
    let i64s = [i64::MIN, -1, (1 << 53) + 1, i64::MAX];
    let img = keep(&tiff_of::<ct::GrayI64>(4, 1, &i64s)).unwrap();
    assert_eq!(img.data, [-1.0, -1.0842021724855044e-19, 0.0009765625, 1.0]);
}

#[test]
fn wide_and_float_tiff_samples_like_img_as_float() {
    use ::tiff::encoder::colortype as ct;
    // img_as_float(uint32) = x * (1/4294967295); uint64 likewise with 1/18446744073709551615.
    let u32s = [0, 1, 123_456_789, 1 << 31, u32::MAX];
    let img = keep(&tiff_of::<ct::Gray32>(5, 1, &u32s)).unwrap();
    assert_eq!(
        img.data,
        [
            0.0,
            2.3283064370807974e-10,
            0.028744523653002577,
            0.5000000001164153,
            1.0
        ]
    );
    let u64s = [0, 1, (1 << 53) + 1, 1 << 63, u64::MAX];
    let img = keep(&tiff_of::<ct::Gray64>(5, 1, &u64s)).unwrap();
    assert_eq!(
        img.data,
        [0.0, 5.421010862427522e-20, 0.00048828125, 0.5, 1.0]
    );
    let rgb32: Vec<u32> = (0..6).map(|i| i * 700_000_000).collect();
    let img = keep(&tiff_of::<ct::RGB32>(2, 1, &rgb32)).unwrap();
    assert_eq!(
        img.data,
        rgb32
            .iter()
            .map(|&x| f64::from(x) * (1.0 / 4294967295.0))
            .collect::<Vec<_>>()
    );
    // Floats are kept as they are (img_as_float returns float64 and float16 unchanged).
    let f64s = [-3.5, 0.1, 1e300, std::f64::consts::PI];
    let img = keep(&tiff_of::<ct::Gray64Float>(4, 1, &f64s)).unwrap();
    assert_eq!(img.data, f64s);
    let rgba = [0.25, -2.0, 7.5, 0.0, 1.0, 0.5, 0.125, 1.0];
    let img = keep(&tiff_of::<ct::RGBA64Float>(2, 1, &rgba)).unwrap();
    assert_eq!(img.data, [0.25, -2.0, 7.5, 1.0, 0.5, 0.125]);
    // float16 -3.5, 0.0999755859375, 1.0, 65504 as bit patterns.
    let f16s = [0xC300, 0x2E66, 0x3C00, 0x7BFF];
    let img = keep(&tiff_of::<GrayF16>(4, 1, &f16s)).unwrap();
    assert_eq!(img.data, [-3.5, 0.0999755859375, 1.0, 65504.0]);
}

tiff_colour_type!(WhiteU16, u16, WhiteIsZero, &[16], Uint);
tiff_colour_type!(WhiteI16, i16, WhiteIsZero, &[16], Int);
tiff_colour_type!(WhiteF32, f32, WhiteIsZero, &[32], IEEEFP);

/// A big-endian classic TIFF of 8-bit gray, one strip, built by hand.
fn tiff_be_gray8(w: u16, h: u16, photometric: u16, px: &[u8]) -> Vec<u8> {
    let entries: [(u16, u16, u32); 8] = [
        (256, 3, u32::from(w)),
        (257, 3, u32::from(h)),
        (258, 3, 8),
        (259, 3, 1),
        (262, 3, u32::from(photometric)),
        (273, 4, 8 + 2 + 8 * 12 + 4), // the strip follows the IFD
        (278, 3, u32::from(h)),
        (279, 4, px.len() as u32),
    ];
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&(entries.len() as u16).to_be_bytes());
    for (tag, ty, value) in entries {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&ty.to_be_bytes());
        t.extend_from_slice(&1u32.to_be_bytes());
        if ty == 3 {
            t.extend_from_slice(&(value as u16).to_be_bytes());
            t.extend_from_slice(&[0, 0]);
        } else {
            t.extend_from_slice(&value.to_be_bytes());
        }
    }
    t.extend_from_slice(&[0; 4]); // no next IFD
    t.extend_from_slice(px);
    t
}

#[test]
fn white_is_zero_tiff_keeps_the_stored_samples_like_tifffile() {
    // >>> tifffile.imwrite(f, a, photometric='miniswhite'); skimage.io.imread(f) == a
    // (tifffile does not invert; the tiff crate would.)
    let px = [0u8, 10, 200, 255];
    let want: Vec<f64> = px.iter().map(|&x| f64::from(x) * (1.0 / 255.0)).collect();
    assert_eq!(keep(&tiff_be_gray8(4, 1, 0, &px)).unwrap().data, want);
    assert_eq!(keep(&tiff_be_gray8(4, 1, 1, &px)).unwrap().data, want);
    let u16s = [0u16, 1, 5000, 65535];
    let want: Vec<f64> = u16s
        .iter()
        .map(|&x| f64::from(x) * (1.0 / 65535.0))
        .collect();
    let classic = tiff_of::<WhiteU16>(2, 2, &u16s);
    assert_eq!(keep(&classic).unwrap().data, want);
    let mut big = Cursor::new(Vec::new());
    ::tiff::encoder::TiffEncoder::new_big(&mut big)
        .unwrap()
        .write_image::<WhiteU16>(2, 2, &u16s)
        .unwrap();
    let big = big.into_inner();
    assert_eq!(&big[..4], b"II\x2b\0");
    assert_eq!(keep(&big).unwrap().data, want);
    // Signed and float samples too (the crate refuses to invert the first, and its `1 - x`
    // of the second is not the stored value).
    let img = keep(&tiff_of::<WhiteI16>(2, 1, &[-32768, 7001])).unwrap();
    assert_eq!(img.data, [-1.0, 0.21366008484145635]);
    let img = keep(&tiff_of::<WhiteF32>(2, 1, &[0.1, -3.0])).unwrap();
    assert_eq!(img.data, [f64::from(0.1f32), -3.0]);
    // Only the copy is changed, and only for white-is-zero.
    assert!(white_is_zero_as_black_is_zero(&tiff_be_gray8(4, 1, 1, &px), 0).is_none());
    assert!(white_is_zero_as_black_is_zero(b"II*\0\xff\xff\xff\xff", 0).is_none());
}

#[test]
fn unsupported_tiff_samples_are_named() {
    use ::tiff::encoder::colortype as ct;
    let i16tif = tiff_of::<ct::GrayI16>(2, 1, &[-1, 2]);
    let gray8 = tiff_of::<ct::Gray8>(2, 1, &[1, 2]);
    for (tif, want) in [
        (
            patch_short(i16tif.clone(), 258, 12),
            "unsupported tiff: signed 12-bit integer samples",
        ),
        (
            patch_short(gray8.clone(), 258, 12),
            "unsupported tiff: unsigned 12-bit integer samples",
        ),
        (
            patch_short(gray8.clone(), 258, 1),
            "unsupported tiff: 1-bit samples",
        ),
        (
            patch_short(gray8.clone(), 339, 3),
            "unsupported tiff: 8-bit floating-point samples",
        ),
        (
            patch_short(gray8.clone(), 339, 4),
            "unsupported tiff: 8-bit samples of format untyped (void)",
        ),
        (
            patch_short(gray8.clone(), 262, 3),
            "unsupported tiff: 8-bit palette (colour-mapped) images with 1 sample per pixel",
        ),
        (
            tiff_of::<ct::CMYK16>(1, 1, &[1; 4]),
            "unsupported tiff: 16-bit CMYK images",
        ),
        (
            tiff_of::<ct::YCbCr8>(1, 1, &[1; 3]),
            "unsupported tiff: 8-bit YCbCr images",
        ),
        (
            patch_short(gray8.clone(), 277, 3),
            "unsupported tiff: 8-bit gray images with 3 samples per pixel",
        ),
        (
            patch_short(gray8.clone(), 259, 99),
            "unsupported tiff: compression method 99",
        ),
        (
            patch_short(gray8.clone(), 259, 3),
            "unsupported tiff: CCITT group 3 fax compression",
        ),
        (
            retag(gray8.clone(), 256, 65000),
            "truncated or corrupt tiff: the required ImageWidth tag (256) is missing",
        ),
        (
            retag(gray8, 273, 65000),
            "truncated or corrupt tiff: the strip or tile tags are missing or mixed",
        ),
    ] {
        assert_eq!(keep(&tif).unwrap_err().to_string(), want);
    }
}
