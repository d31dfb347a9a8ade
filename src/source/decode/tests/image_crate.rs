//! PNG, BMP and GIF as Pillow (so skimage.io.imread) reads them.

use super::*;
use crate::source::decode::image_crate::header_dimensions;

#[test]
fn bmp_gray_palette_loads_as_one_channel() {
    let px: Vec<u8> = (0..7 * 5).map(|i| (i * 7) as u8).collect();
    let img = keep(&write_bmp_gray(7, 5, &px)).unwrap();
    assert_eq!((img.height, img.width, img.channels), (5, 7, 1));
    assert_eq!(as_u8(&img), px);
    let rgb: Vec<u8> = (0..3 * 4 * 3).map(|i| (i * 11) as u8).collect();
    let img = keep(&write_bmp_rgb(4, 3, &rgb)).unwrap();
    assert_eq!((img.height, img.width, img.channels), (3, 4, 3));
    assert_eq!(as_u8(&img), rgb);
    // A non-grey palette expands to RGB (Pillow mode "P" -> imageio RGB).
    let mut bmp = write_bmp_gray(2, 1, &[0, 1]);
    bmp[54 + 4..54 + 7].copy_from_slice(&[10, 20, 30]); // palette[1] = B,G,R
    let img = keep(&bmp).unwrap();
    assert_eq!(img.channels, 3);
    assert_eq!(as_u8(&img), [0, 0, 0, 30, 20, 10]);
}

#[test]
fn png_16_bit_colour_keeps_high_byte_like_pillow() {
    // >>> a = np.array([[[0,7001,0x80FF],[65535,256,255]],
    // ...               [[1000,2000,3000],[40000,50000,60000]]], '>u2')  (RGB, 16-bit)
    // >>> skimage.io.imread('rgb16.png').ravel().tolist()
    let rgb16 = hex(&[
        "89504e470d0a1a0a0000000d4948445200000002000000021002000000ad4446300000002349444154789c63",
        "6060908e6cf8ffff3f2303c37f06e617ec17b877cc71381cf02a01007da10ab0a1ff6a180000000049454e44",
        "ae426082",
    ]);
    let img = keep(&rgb16).unwrap();
    assert_eq!((img.height, img.width, img.channels), (2, 2, 3));
    assert_eq!(
        as_u8(&img),
        [0, 27, 128, 255, 1, 0, 3, 7, 11, 156, 195, 234]
    );
    // Grey+alpha 16-bit [[0x1234, a], [0xABCD, a]] -> Pillow RGBA8 [18,18,18,255, 171,...]
    let la16 = hex(&[
        "89504e470d0a1a0a0000000d49484452000000020000000110040000000ebb6b420000001149444154789c63",
        "1032f9ff7ff559060600120d03bd37d5a59e0000000049454e44ae426082",
    ]);
    let img = keep(&la16).unwrap();
    assert_eq!((img.height, img.width, img.channels), (1, 2, 3));
    assert_eq!(as_u8(&img), [18, 18, 18, 171, 171, 171]);

    // Each reading is noted, for the run's one-time warning.
    let with_notes = |b: &[u8]| decode_bytes_with_notes(b, &DecodeOptions::default()).unwrap();
    let (img, notes) = with_notes(&rgb16);
    assert_eq!(img, keep(&rgb16).unwrap());
    assert_eq!(
        notes,
        Notes {
            png16_colour_as_8bit: true,
            ..Notes::default()
        }
    );
    assert_eq!(
        notes.warnings().collect::<Vec<_>>(),
        [
            "16-bit colour PNGs are read as 8-bit (the high byte of each sample), as Pillow \
          and so skimage.io.imread read them"
        ]
    );
    let (_, la_notes) = with_notes(&la16);
    assert!(la_notes.png16_gray_alpha_as_8bit_rgb && !la_notes.png16_colour_as_8bit);
    assert_eq!(
        la_notes.warnings().collect::<Vec<_>>(),
        [
            "16-bit gray+alpha PNGs are read as 8-bit RGB (the high byte of the gray sample in \
          each of R, G and B), as Pillow and so skimage.io.imread read them"
        ]
    );
    let mut all = Notes::default();
    assert!(all.is_empty() && all.warnings().next().is_none());
    all |= notes;
    all |= la_notes;
    assert_eq!(all, notes | la_notes);
    assert_eq!(all.warnings().count(), 2);
    // Files read as their header says carry no note: 8-bit colour, 16-bit gray PNG, TIFF.
    let rgb = Image::from_vec(1, 2, 3, vec![0.0, 0.25, 0.5, 0.75, 1.0, 0.0]).unwrap();
    let gray = Image::from_vec(1, 2, 1, vec![0.0, 0.5]).unwrap();
    for (img, f, d) in [
        (&rgb, ImageFormat::Png, Dtype::U8),
        (&gray, ImageFormat::Png, Dtype::U16),
        (&rgb, ImageFormat::Tiff, Dtype::U16),
    ] {
        let (_, n) = with_notes(&encode(img, f, d).unwrap());
        assert!(n.is_empty(), "{f:?} {d:?}");
    }
}

#[test]
fn zero_dimensions_from_the_header() {
    // The image crate refuses these headers itself, with misleading messages ("dimensions
    // (2x0) are too large"); the header check names the problem.
    let mut bmp = write_bmp_gray(2, 2, &[0; 4]);
    bmp[22..26].copy_from_slice(&0i32.to_le_bytes());
    assert_eq!(keep(&bmp).unwrap_err().to_string(), "image has zero rows");
    bmp[18..22].copy_from_slice(&0i32.to_le_bytes());
    assert_eq!(keep(&bmp).unwrap_err().to_string(), "image has zero rows");
    let mut bmp = write_bmp_gray(2, 2, &[0; 4]);
    bmp[18..22].copy_from_slice(&0i32.to_le_bytes());
    assert_eq!(
        keep(&bmp).unwrap_err().to_string(),
        "image has zero columns"
    );
    // A top-down BMP (negative height) still reads.
    let mut td = write_bmp_gray(2, 1, &[10, 20]);
    td[22..26].copy_from_slice(&(-1i32).to_le_bytes());
    assert_eq!(header_dimensions(&td, Format::Bmp), Some((2, 1)));
    assert!(keep(&td).is_ok());
    let png = encode(&Image::zeros(3, 5, 1), ImageFormat::Png, Dtype::U8).unwrap();
    assert_eq!(header_dimensions(&png, Format::Png), Some((5, 3)));
    let mut png0 = png.clone();
    png0[20..24].copy_from_slice(&0u32.to_be_bytes());
    assert_eq!(keep(&png0).unwrap_err().to_string(), "image has zero rows");
    let gif = hex(&[
        "47494638376103000100810000ff7f0080407f0000ff0000002c0000000003000100000806000108081010003b",
    ]);
    assert_eq!(header_dimensions(&gif, Format::Gif), Some((3, 1)));
    let mut gif0 = gif.clone();
    gif0[8..10].copy_from_slice(&[0, 0]);
    assert_eq!(keep(&gif0).unwrap_err().to_string(), "image has zero rows");
    assert_eq!(header_dimensions(&png[..18], Format::Png), None);
}

#[test]
fn gif_first_frame() {
    // >>> a = np.array([[255, 0, 128]], np.uint8)
    // >>> PIL.Image.fromarray(np.stack([a, a // 2, 255 - a], -1)).save(f, format='GIF')
    // >>> skimage.io.imread(f)[0].ravel().tolist()  # shape (1, 1, 3, 3): frames first
    let gif = hex(&[
        "47494638376103000100810000ff7f0080407f0000ff0000002c0000000003000100000806000108081010003b",
    ]);
    let img = keep(&gif).unwrap();
    assert_eq!((img.height, img.width, img.channels), (1, 3, 3));
    assert_eq!(as_u8(&img), [255, 127, 0, 0, 0, 255, 128, 64, 127]);
}
