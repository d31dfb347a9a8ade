//! TIFF through the `tiff` crate: any page, every sample type `img_as_float` converts, and
//! white-is-zero files read as tifffile reads them.

use std::io::Cursor;

use super::convert::{build, from_f32, from_u16, from_u8};
use super::messages::{map_tiff_error, sample_words, tiff_colour_words};
use super::pages::directories;
use super::{check_dimensions, DecodeError, DecodeOptions};
use crate::Image;

/// TIFF page `page` (0: the first) through the `tiff` crate (which, unlike `image`, reads grey
/// f32 and signed samples), as `tifffile.imread(path, key=page)`. Every sample type
/// `img_as_float` converts is read: unsigned and signed 8/16/32/64-bit integers and 16/32/64-bit
/// floats (see the `decode` module docs for each formula).
pub(super) fn decode_tiff(
    bytes: &[u8],
    opts: &DecodeOptions,
    page: usize,
) -> Result<Image, DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::{SampleFormat, Tag};
    use tiff::ColorType;
    let mut limits = tiff::decoder::Limits::default();
    // Whole image at once: at most 4 samples of 8 bytes per pixel.
    limits.decoding_buffer_size = usize::try_from(opts.max_pixels.saturating_mul(32))
        .unwrap_or(usize::MAX)
        .max(1 << 20);
    let black_is_zero = white_is_zero_as_black_is_zero(bytes, page);
    let bytes = black_is_zero.as_deref().unwrap_or(bytes);
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(map_tiff_error)?
        .with_limits(limits);
    if page > 0 {
        dec.seek_to_image(page).map_err(|e| match e {
            tiff::TiffError::FormatError(tiff::TiffFormatError::ImageFileDirectoryNotFound) => {
                DecodeError::NoFrame { frame: page }
            }
            other => map_tiff_error(other),
        })?;
    }
    let (width, height) = dec.dimensions().map_err(map_tiff_error)?;
    check_dimensions(width, height, opts.max_pixels)?;
    let unsupported = |what: String| DecodeError::Unsupported {
        format: "tiff",
        what,
    };
    let planar = dec
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(map_tiff_error)?;
    if planar == Some(2) {
        return Err(unsupported("planar (separate-plane) layout".into()));
    }
    let color = dec.colortype().map_err(map_tiff_error)?;
    let bits = match color {
        ColorType::Gray(b) | ColorType::GrayA(b) | ColorType::RGB(b) | ColorType::RGBA(b) => b,
        // Gray with one extra sample (alpha, or unspecified): the extra sample is dropped.
        ColorType::Multiband {
            bit_depth,
            num_samples: 2,
        } => bit_depth,
        ColorType::Multiband {
            bit_depth,
            num_samples,
        } => {
            return Err(unsupported(format!(
                "{bit_depth}-bit gray images with {num_samples} samples per pixel"
            )))
        }
        other => return Err(unsupported(format!("{} images", tiff_colour_words(other)))),
    };
    // Interleaved samples per pixel, extra samples included (RGB + an unspecified extra sample
    // is `RGB` to the crate, with 4 samples per pixel in the buffer).
    let samples_per_pixel = dec
        .find_tag_unsigned::<u16>(Tag::SamplesPerPixel)
        .map_err(map_tiff_error)?
        .unwrap_or(1);
    let sample_format = dec
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(map_tiff_error)?
        .and_then(|v| v.first().copied())
        .map_or(SampleFormat::Uint, SampleFormat::from_u16_exhaustive);
    let readable = matches!(
        (sample_format, bits),
        (SampleFormat::Uint | SampleFormat::Int, 8 | 16 | 32 | 64)
            | (SampleFormat::IEEEFP, 16 | 32 | 64)
    );
    if !readable {
        return Err(unsupported(sample_words(sample_format, bits)));
    }
    let (h, w, spp) = (
        height as usize,
        width as usize,
        usize::from(samples_per_pixel),
    );
    let result = dec.read_image().map_err(map_tiff_error)?;
    let len = match &result {
        DecodingResult::U8(v) => v.len(),
        DecodingResult::U16(v) => v.len(),
        DecodingResult::U32(v) => v.len(),
        DecodingResult::U64(v) => v.len(),
        DecodingResult::I8(v) => v.len(),
        DecodingResult::I16(v) => v.len(),
        DecodingResult::I32(v) => v.len(),
        DecodingResult::I64(v) => v.len(),
        DecodingResult::F16(v) => v.len(),
        DecodingResult::F32(v) => v.len(),
        DecodingResult::F64(v) => v.len(),
    };
    if spp == 0 || len != h * w * spp {
        return Err(DecodeError::Corrupt {
            format: "tiff",
            message: format!(
                "the decoded image has {len} samples where {width}×{height} pixels of \
                 {samples_per_pixel} samples need {}",
                h * w * spp
            ),
        });
    }
    // img_as_float: unsigned x * (1 / max); signed max(x * (1 / max), -1); floats as they are.
    Ok(match result {
        DecodingResult::U8(v) => from_u8(h, w, spp, &v),
        DecodingResult::U16(v) => from_u16(h, w, spp, &v),
        DecodingResult::U32(v) => build(h, w, spp, &v, |x| f64::from(x) * (1.0 / 4_294_967_295.0)),
        DecodingResult::U64(v) => build(h, w, spp, &v, |x| {
            x as f64 * (1.0 / 18_446_744_073_709_551_615.0)
        }),
        DecodingResult::I8(v) => build(h, w, spp, &v, |x| (f64::from(x) * (1.0 / 127.0)).max(-1.0)),
        DecodingResult::I16(v) => build(h, w, spp, &v, |x| {
            (f64::from(x) * (1.0 / 32_767.0)).max(-1.0)
        }),
        DecodingResult::I32(v) => build(h, w, spp, &v, |x| {
            (f64::from(x) * (1.0 / 2_147_483_647.0)).max(-1.0)
        }),
        DecodingResult::I64(v) => build(h, w, spp, &v, |x| {
            (x as f64 * (1.0 / 9_223_372_036_854_775_807.0)).max(-1.0)
        }),
        DecodingResult::F16(v) => build(h, w, spp, &v, |x| x.to_f64()),
        DecodingResult::F32(v) => from_f32(h, w, spp, &v),
        DecodingResult::F64(v) => build(h, w, spp, &v, |x| x),
    })
}

/// tifffile (so `skimage.io.imread`) returns the samples of a white-is-zero (MinIsWhite) TIFF as
/// they are stored, where the `tiff` crate inverts them (and refuses signed ones). For a file
/// whose page `page` is white-is-zero, this is a copy that says black-is-zero there instead, so
/// the crate returns the stored samples; `None` for any other file, or a header too damaged to
/// read (the decoder then reports it).
pub(super) fn white_is_zero_as_black_is_zero(bytes: &[u8], page: usize) -> Option<Vec<u8>> {
    let (layout, offsets) = directories(&mut Cursor::new(bytes), page.checked_add(1)?)?;
    let ifd = usize::try_from(*offsets.get(page)?).ok()?;
    let uint = |at: usize, n: usize| -> Option<u64> {
        Some(layout.uint(bytes.get(at..at.checked_add(n)?)?))
    };
    // An entry: tag (2), type (2), count (4 or 8), then the value (at +8, or +12 in BigTIFF).
    let count_len = layout.count_len() as usize;
    let entry_len = layout.entry_len() as usize;
    let value_at = if layout.big { 12 } else { 8 };
    let count = uint(ifd, count_len)?;
    let first = ifd.checked_add(count_len)?;
    for i in 0..count {
        let entry = usize::try_from(i)
            .ok()?
            .checked_mul(entry_len)?
            .checked_add(first)?;
        // PhotometricInterpretation (262), one SHORT (type 3) of value 0.
        if uint(entry, 2)? == 262 {
            let value = entry + value_at;
            if uint(entry + 2, 2)? != 3 || uint(value, 2)? != 0 {
                return None;
            }
            let mut patched = bytes.to_vec();
            let one = if layout.little { [1, 0] } else { [0, 1] };
            patched[value..value + 2].copy_from_slice(&one);
            return Some(patched);
        }
    }
    None
}
