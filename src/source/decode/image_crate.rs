//! PNG, BMP and GIF through the `image` crate, read as Pillow (so `skimage.io.imread`) reads
//! them: header checks before any pixel buffer, the BMP details Pillow decides differently, and
//! the 16-bit PNG readings noted in [`Notes`]. (JPEG has its own decoder: `jpeg`.)

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use super::convert::{first_channel, from_f32, from_u16, from_u8, gray_to_rgb};
use super::messages::{colour_type_words, map_image_error};
use super::{check_dimensions, DecodeError, DecodeOptions, Format, Notes};
use crate::Image;

/// PNG, BMP and GIF through the `image` crate, with limits, dimensions checked first.
pub(super) fn decode_with_image(
    bytes: &[u8],
    format: Format,
    opts: &DecodeOptions,
) -> Result<(Image, Notes), DecodeError> {
    // Zero or oversized dimensions get their own message even where the decoder would refuse the
    // header first (with e.g. "dimensions (2x0) are too large" for a BMP with 0 rows).
    if let Some((width, height)) = header_dimensions(bytes, format) {
        check_dimensions(width, height, opts.max_pixels)?;
    }
    let side = u32::try_from(opts.max_pixels).unwrap_or(u32::MAX);
    let mut limits = Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    // The output buffer (at most 8 bytes per pixel: RGBA16) plus room for decoder internals.
    limits.max_alloc = Some(opts.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits);
    let err = |e| map_image_error(format, e);
    let decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, opts.max_pixels)?;
    let img = DynamicImage::from_decoder(decoder).map_err(err)?;
    let (h, w) = (height as usize, width as usize);
    let mut notes = Notes::default();
    let img = match img {
        DynamicImage::ImageLuma8(b) => from_u8(h, w, 1, &b),
        DynamicImage::ImageLumaA8(b) => from_u8(h, w, 2, &b),
        DynamicImage::ImageRgb8(b) if format == Format::Bmp && bmp_is_gray(bytes) => {
            first_channel(from_u8(h, w, 3, &b))
        }
        DynamicImage::ImageRgba8(b) if format == Format::Bmp && bmp_is_gray(bytes) => {
            first_channel(from_u8(h, w, 4, &b))
        }
        DynamicImage::ImageRgb8(b) => from_u8(h, w, 3, &b),
        DynamicImage::ImageRgba8(b) => from_u8(h, w, 4, &b),
        DynamicImage::ImageLuma16(b) => from_u16(h, w, 1, &b),
        // Pillow reads 16-bit colour PNGs as 8-bit (high byte); see the module docs.
        DynamicImage::ImageLumaA16(b) if format == Format::Png => {
            notes.png16_gray_alpha_as_8bit_rgb = true;
            let hi: Vec<u8> = b.chunks_exact(2).map(|p| (p[0] >> 8) as u8).collect();
            gray_to_rgb(from_u8(h, w, 1, &hi))
        }
        DynamicImage::ImageRgb16(b) if format == Format::Png => {
            notes.png16_colour_as_8bit = true;
            let hi: Vec<u8> = b.iter().map(|&v| (v >> 8) as u8).collect();
            from_u8(h, w, 3, &hi)
        }
        DynamicImage::ImageRgba16(b) if format == Format::Png => {
            notes.png16_colour_as_8bit = true;
            let hi: Vec<u8> = b.iter().map(|&v| (v >> 8) as u8).collect();
            from_u8(h, w, 4, &hi)
        }
        DynamicImage::ImageLumaA16(b) => from_u16(h, w, 2, &b),
        DynamicImage::ImageRgb16(b) => from_u16(h, w, 3, &b),
        DynamicImage::ImageRgba16(b) => from_u16(h, w, 4, &b),
        DynamicImage::ImageRgb32F(b) => from_f32(h, w, 3, &b),
        DynamicImage::ImageRgba32F(b) => from_f32(h, w, 4, &b),
        other => {
            return Err(DecodeError::Unsupported {
                format: format.name(),
                what: format!("{} images", colour_type_words(other.color())),
            })
        }
    };
    Ok((img, notes))
}

/// `(width, height)` from the fixed-position header fields of PNG (IHDR), BMP and GIF (logical
/// screen), where present; `None` for other formats or a header too short to hold them.
pub(super) fn header_dimensions(bytes: &[u8], format: Format) -> Option<(u32, u32)> {
    let le16 = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let le32 = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let be32 = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match format {
        Format::Png if bytes.get(12..16) == Some(b"IHDR") => Some((be32(16)?, be32(20)?)),
        Format::Bmp => match le32(14)? {
            12 => Some((le16(18)?, le16(20)?)),
            _ => {
                // A negative height means rows stored top-down; a negative width is invalid (the
                // decoder says so).
                let w = u32::try_from(le32(18)?).ok()?;
                Some((w, le32(22)?.unsigned_abs()))
            }
        },
        Format::Gif => Some((le16(6)?, le16(8)?)),
        _ => None,
    }
}

/// Whether Pillow would open this BMP as grey (mode `L` or `1`): a palettised image (≤ 8 bits
/// per pixel) whose palette entries are exactly `(i, i, i)`, or `(0,0,0), (255,255,255)` for two
/// colours (PIL/BmpImagePlugin.py, "Check if grayscale and ignore palette if so").
fn bmp_is_gray(bytes: &[u8]) -> bool {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(header_size) = u32_at(14) else {
        return false;
    };
    let (bits, colors, entry) = if header_size == 12 {
        let Some(bits) = u16_at(24) else { return false };
        (bits, 0, 3usize)
    } else {
        let (Some(bits), Some(colors)) = (u16_at(28), u32_at(46)) else {
            return false;
        };
        (bits, colors, 4usize)
    };
    if bits == 0 || bits > 8 {
        return false;
    }
    let colors = if colors == 0 { 1u32 << bits } else { colors };
    if colors > 256 {
        return false;
    }
    let palette_start = 14 + header_size as usize;
    (0..colors as usize).all(|i| {
        let val = if colors == 2 { [0u8, 255][i] } else { i as u8 };
        let o = palette_start + i * entry;
        bytes.get(o..o + 3) == Some(&[val, val, val][..])
    })
}
