//! BMP files exactly as Pillow writes them (what `imageio.imwrite` makes): 8-bit palettised gray
//! and 24-bit RGB, bottom-up, with Pillow's header fields (docs/exactness.md, "BMP output").

/// The 14-byte file header plus the 40-byte BITMAPINFOHEADER, as Pillow writes them.
pub(super) fn bmp_headers(
    out: &mut Vec<u8>,
    width: usize,
    height: usize,
    bits: u16,
    stride: usize,
    colors: u32,
) {
    let offset = 14 + 40 + 4 * colors;
    let image_size = (stride * height) as u32;
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(offset + image_size).to_le_bytes()); // file size
    out.extend_from_slice(&0u32.to_le_bytes()); // reserved
    out.extend_from_slice(&offset.to_le_bytes()); // pixel data offset
    out.extend_from_slice(&40u32.to_le_bytes()); // header size
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(height as u32).to_le_bytes()); // positive: bottom-up
    out.extend_from_slice(&1u16.to_le_bytes()); // planes
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // BI_RGB
    out.extend_from_slice(&image_size.to_le_bytes());
    out.extend_from_slice(&3780u32.to_le_bytes()); // x px/m = int(96 * 39.3701 + 0.5)
    out.extend_from_slice(&3780u32.to_le_bytes()); // y px/m
    out.extend_from_slice(&colors.to_le_bytes()); // colours used
    out.extend_from_slice(&colors.to_le_bytes()); // colours important
}

/// Appends the rows bottom-up, each `row_len` bytes filled by `fill_row(y, dst)` for image row
/// `y`, then zero padding to `stride`.
pub(super) fn bmp_rows(
    out: &mut Vec<u8>,
    row_len: usize,
    height: usize,
    stride: usize,
    mut fill_row: impl FnMut(usize, &mut [u8]),
) {
    if stride == 0 {
        return;
    }
    let start = out.len();
    out.resize(start + stride * height, 0);
    // In image order (the file's rows run backwards): the source is read front to back, which
    // the hardware prefetchers follow far better than a backwards walk of a large image.
    for (i, dst) in out[start..].chunks_exact_mut(stride).enumerate().rev() {
        fill_row(height - 1 - i, &mut dst[..row_len]);
    }
}

/// Row `y` of a row-major `pixels` array with `row_len`-byte rows, copied by `map_row` into
/// `dst`; rows missing from a short `pixels` are left as they are (zeros).
pub(super) fn copy_row(
    pixels: &[u8],
    row_len: usize,
    y: usize,
    dst: &mut [u8],
    map_row: impl Fn(&[u8], &mut [u8]),
) {
    if let Some(src) = pixels.get(y * row_len..(y + 1) * row_len) {
        map_row(src, dst);
    }
}

/// An 8-bit grey BMP exactly as Pillow writes mode `L` (docs/exactness.md, "BMP files"):
/// palettised with the identity grey palette, bottom-up, rows padded to 4 bytes, 3780 px/m, 256
/// colours used/important. `pixels` is row-major, `width * height` bytes (missing bytes are
/// written as 0). Sizes must fit the 32-bit header fields ([`encode`] checks this).
pub fn write_bmp_gray(width: usize, height: usize, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    bmp_gray_into(&mut out, width, height, |y, dst| {
        copy_row(pixels, width, y, dst, |s, d| d.copy_from_slice(s))
    });
    out
}

/// [`write_bmp_gray`] appended to `out`, with each row's `width` bytes written by
/// `fill_row(y, dst)`.
pub(super) fn bmp_gray_into(
    out: &mut Vec<u8>,
    width: usize,
    height: usize,
    fill_row: impl FnMut(usize, &mut [u8]),
) {
    let stride = (width + 3) & !3;
    crate::mem::reserve_huge(out, out.len() + 1078 + stride * height);
    bmp_headers(out, width, height, 8, stride, 256);
    for i in 0..=255u8 {
        out.extend_from_slice(&[i, i, i, 0]);
    }
    bmp_rows(out, width, height, stride, fill_row);
}

/// A 24-bit BMP exactly as Pillow writes mode `RGB`: no palette, pixels stored B, G, R,
/// bottom-up, rows padded to 4 bytes, 3780 px/m. `pixels_rgb` is row-major interleaved R, G, B,
/// `3 * width * height` bytes (missing bytes are written as 0). Sizes must fit the 32-bit
/// header fields ([`encode`] checks this).
pub fn write_bmp_rgb(width: usize, height: usize, pixels_rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    bmp_rgb_into(&mut out, width, height, pixels_rgb);
    out
}

/// [`write_bmp_rgb`] appended to `out`.
pub(super) fn bmp_rgb_into(out: &mut Vec<u8>, width: usize, height: usize, pixels_rgb: &[u8]) {
    let stride = (3 * width + 3) & !3;
    crate::mem::reserve_huge(out, out.len() + 54 + stride * height);
    bmp_headers(out, width, height, 24, stride, 0);
    bmp_rows(out, 3 * width, height, stride, |y, dst| {
        copy_row(pixels_rgb, 3 * width, y, dst, |src, dst| {
            for (s, d) in src.chunks_exact(3).zip(dst.chunks_exact_mut(3)) {
                d.copy_from_slice(&[s[2], s[1], s[0]]);
            }
        })
    });
}
