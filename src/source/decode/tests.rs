//! Tests of decoding against skimage.io.imread and img_as_float: shared helpers, round trips,
//! size limits and the no-panic property here; each concern's tests in `tests/`.

mod convert;
mod image_crate;
mod jpeg;
mod messages;
mod pages;
mod tiff;

use super::*;
use crate::sinks::encode::{encode, write_bmp_gray, write_bmp_rgb, Dtype, ImageFormat};
use std::io::Cursor;

fn hex(parts: &[&str]) -> Vec<u8> {
    let s: String = parts.concat();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn opts(color: ColorMode) -> DecodeOptions {
    DecodeOptions {
        color,
        ..DecodeOptions::default()
    }
}

fn keep(bytes: &[u8]) -> Result<Image, DecodeError> {
    decode_bytes(bytes, &DecodeOptions::default())
}

/// Back to the 0..=255 integers (exact for 8-bit sources).
fn as_u8(img: &Image) -> Vec<u8> {
    img.data.iter().map(|v| (v * 255.0).round() as u8).collect()
}

#[test]
fn png_and_tiff_round_trips() {
    let data: Vec<f64> = (0..4 * 3 * 3).map(|i| i as f64 / 40.0).collect();
    for ch in [1, 3] {
        let img = Image::from_vec(4, 3 * 3 / ch, ch, data.clone()).unwrap();
        for (f, d) in [
            (ImageFormat::Png, Dtype::U8),
            (ImageFormat::Png, Dtype::U16),
            (ImageFormat::Tiff, Dtype::U8),
            (ImageFormat::Tiff, Dtype::U16),
        ] {
            let back = keep(&encode(&img, f, d).unwrap()).unwrap();
            assert_eq!((back.height, back.width, back.channels), (4, img.width, ch));
            // 16-bit colour PNGs load as their high byte (like Pillow): compare at 8 bits.
            let eight = d == Dtype::U8 || (f == ImageFormat::Png && ch == 3);
            let (scale, tol) = if eight { (255.0, 1.0) } else { (65535.0, 0.5) };
            for (a, b) in img.data.iter().zip(&back.data) {
                assert!(((a - b) * scale).abs() <= tol, "{f:?} {d:?} {a} {b}");
            }
        }
        // f32 TIFF comes back as the f32 value, unscaled (also out of [0, 1]).
        let mut wide = img.clone();
        wide.data[0] = -3.5;
        wide.data[1] = 0.1;
        let back = keep(&encode(&wide, ImageFormat::Tiff, Dtype::F32).unwrap()).unwrap();
        let want: Vec<f64> = wide.data.iter().map(|&v| v as f32 as f64).collect();
        assert_eq!(back.data, want);
        assert_eq!(back.data[1], 0.10000000149011612);
    }
}

#[test]
fn header_too_large_fails_fast() {
    // A PNG header claiming 100000×100000, then nothing.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&100_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0]);
    let crc = crc32(&png[12..]);
    png.extend_from_slice(&crc.to_be_bytes());
    // An empty IDAT: the decoder reads the header up to here.
    png.extend_from_slice(b"\0\0\0\0IDAT");
    png.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
    let e = keep(&png).unwrap_err();
    assert_eq!(
        e.to_string(),
        "image is 100000×100000 = 1e10 pixels, over max_pixels 268435456"
    );
    // The same through BMP and TIFF headers.
    let mut bmp = write_bmp_gray(1, 1, &[0]);
    bmp[18..22].copy_from_slice(&100_000i32.to_le_bytes());
    bmp[22..26].copy_from_slice(&100_000i32.to_le_bytes());
    // The image crate's BMP decoder refuses sides over 65535 itself.
    let e = keep(&bmp).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::TooLarge { .. } | DecodeError::Corrupt { .. }
        ),
        "{e}"
    );
    let small = DecodeOptions {
        max_pixels: 11,
        ..DecodeOptions::default()
    };
    let img = Image::zeros(3, 4, 1);
    let tif = encode(&img, ImageFormat::Tiff, Dtype::U8).unwrap();
    assert_eq!(
        decode_bytes(&tif, &small).unwrap_err().to_string(),
        "image is 4×3 = 1.2e1 pixels, over max_pixels 11"
    );
}

/// The PNG chunk CRC (for hand-made headers).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Byte offset of the IFD entry with `tag` in a little-endian classic TIFF.
fn find_tag(tif: &[u8], tag: u16) -> Option<usize> {
    let ifd = u32::from_le_bytes(tif[4..8].try_into().ok()?) as usize;
    let n = u16::from_le_bytes(tif[ifd..ifd + 2].try_into().ok()?) as usize;
    (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&p| u16::from_le_bytes([tif[p], tif[p + 1]]) == tag)
}

/// A one-page TIFF of colour type `C` written by the `tiff` crate.
fn tiff_of<C: ::tiff::encoder::colortype::ColorType>(w: u32, h: u32, data: &[C::Inner]) -> Vec<u8>
where
    [C::Inner]: ::tiff::encoder::TiffValue,
{
    let mut out = Cursor::new(Vec::new());
    let mut enc = ::tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    enc.write_image::<C>(w, h, data).unwrap();
    out.into_inner()
}

/// Sets the value of a one-SHORT IFD entry (little-endian classic TIFF).
fn patch_short(mut tif: Vec<u8>, tag: u16, value: u16) -> Vec<u8> {
    let pos = find_tag(&tif, tag).unwrap();
    tif[pos + 8..pos + 10].copy_from_slice(&value.to_le_bytes());
    tif
}

/// Renames an IFD entry (hides a tag from the decoder).
fn retag(mut tif: Vec<u8>, tag: u16, new_tag: u16) -> Vec<u8> {
    let pos = find_tag(&tif, tag).unwrap();
    tif[pos..pos + 2].copy_from_slice(&new_tag.to_le_bytes());
    tif
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// No byte string makes decoding panic: random bytes behind each magic number, and
    /// every truncation/corruption of valid files.
    #[test]
    fn never_panics(
        magic in 0usize..6,
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        cut in 0usize..400,
        flip in 0usize..400,
        byte in proptest::prelude::any::<u8>(),
    ) {
        let magics: [&[u8]; 6] = [
            b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\0", b"MM\0*", b"GIF89a",
        ];
        let mut b = magics[magic].to_vec();
        b.extend_from_slice(&tail);
        let _ = keep(&b);
        let img = Image::from_vec(5, 6, 3, (0..90).map(|i| i as f64 / 90.0).collect()).unwrap();
        for (f, d) in [
            (ImageFormat::Png, Dtype::U8),
            (ImageFormat::Png, Dtype::U16),
            (ImageFormat::Bmp, Dtype::U8),
            (ImageFormat::Jpeg, Dtype::U8),
            (ImageFormat::Tiff, Dtype::F32),
        ] {
            let mut good = encode(&img, f, d).unwrap();
            if !good.is_empty() {
                let i = flip % good.len();
                good[i] = byte;
            }
            let _ = keep(&good[..cut.min(good.len())]);
            let _ = keep(&good);
        }
    }
}

#[test]
fn options_key_names_the_readers_version() {
    // The plan key of a file source: a new way of reading files changes it, so that images
    // read the old way are recomputed.
    assert_eq!(
        serde_json::to_string(&DecodeOptions::default()).unwrap(),
        r#"{"color":"keep","max_pixels":268435456,"readers":2}"#
    );
}
