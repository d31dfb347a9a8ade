//! Pages of multi-page TIFFs: counted from the directory chain alone, each read as
//! `tifffile.imread(path, key=k)` reads it.

use super::*;
use crate::source::decode::pages::directories;
use ::tiff::encoder::{colortype, TiffEncoder, TiffKindBig};

/// A TIFF whose page `k` is gray 8-bit, `k + 1` wide and 2 high, filled with `10 * k + x`.
fn gray_pages(n: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out).unwrap();
    for k in 0..n {
        let w = u32::from(k) + 1;
        let px: Vec<u8> = (0..2 * w).map(|i| 10 * k + (i % w) as u8).collect();
        enc.write_image::<colortype::Gray8>(w, 2, &px).unwrap();
    }
    out.into_inner()
}

fn page(bytes: &[u8], k: usize) -> Result<Image, DecodeError> {
    decode_frame_with_notes(bytes, &DecodeOptions::default(), k).map(|(img, _)| img)
}

fn count(bytes: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.tif");
    std::fs::write(&path, bytes).unwrap();
    frame_count(&path, Frames::Each).unwrap()
}

#[test]
fn every_page_is_read_with_its_own_size() {
    let tif = gray_pages(4);
    assert_eq!(count(&tif), 4);
    for k in 0..4 {
        let img = page(&tif, k).unwrap();
        assert_eq!((img.height, img.width, img.channels), (2, k + 1, 1));
        let want: Vec<u8> = (0..2 * (k + 1))
            .map(|i| (10 * k + i % (k + 1)) as u8)
            .collect();
        assert_eq!(as_u8(&img), want, "page {k}");
    }
    assert!(matches!(
        page(&tif, 4),
        Err(DecodeError::NoFrame { frame: 4 })
    ));
    // `first` counts one image whatever the file holds; other formats hold one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.tif");
    std::fs::write(&path, &tif).unwrap();
    assert_eq!(frame_count(&path, Frames::First).unwrap(), 1);
    let png = encode(&Image::zeros(2, 3, 1), ImageFormat::Png, Dtype::U8).unwrap();
    assert_eq!(count(&png), 1);
    assert!(matches!(
        page(&png, 1),
        Err(DecodeError::NoFrame { frame: 1 })
    ));
    assert!(page(&png, 0).is_ok());
}

#[test]
fn bigtiff_pages_are_counted_and_read() {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::<_, TiffKindBig>::new_big(&mut out).unwrap();
    enc.write_image::<colortype::Gray16>(1, 1, &[65535])
        .unwrap();
    enc.write_image::<colortype::RGB8>(2, 1, &[1, 2, 3, 4, 5, 6])
        .unwrap();
    let tif = out.into_inner();
    assert_eq!(count(&tif), 2);
    assert_eq!(page(&tif, 0).unwrap().data, [1.0]);
    let rgb = page(&tif, 1).unwrap();
    assert_eq!((rgb.width, rgb.channels), (2, 3));
    assert_eq!(as_u8(&rgb), [1, 2, 3, 4, 5, 6]);
}

/// Offset of the "next directory" field after the directory at `ifd` (classic little-endian).
fn next_field(tif: &[u8], ifd: usize) -> usize {
    let n = u16::from_le_bytes([tif[ifd], tif[ifd + 1]]) as usize;
    ifd + 2 + 12 * n
}

#[test]
fn damaged_chains_count_the_pages_before_the_damage() {
    let tif = gray_pages(3);
    let (_, offsets) = directories(&mut Cursor::new(&tif), usize::MAX).unwrap();
    assert_eq!(offsets.len(), 3);
    // A cycle: the third directory points back at the first.
    let mut cyc = tif.clone();
    let at = next_field(&cyc, offsets[2] as usize);
    cyc[at..at + 4].copy_from_slice(&(offsets[0] as u32).to_le_bytes());
    assert_eq!(count(&cyc), 3);
    // A next offset past the end of the file.
    let mut past = tif.clone();
    let at = next_field(&past, offsets[1] as usize);
    past[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(count(&past), 2);
    // Cut inside the last directory; not a TIFF header at all; a first offset of 0.
    assert_eq!(count(&tif[..offsets[2] as usize + 4]), 2);
    assert_eq!(count(b"II*\0"), 1);
    assert_eq!(count(b"II*\0\0\0\0\0"), 1);
    assert!(directories(&mut Cursor::new(b"PK\x03\x04"), 10).is_none());
    // The limit stops the walk.
    let (_, two) = directories(&mut Cursor::new(&tif), 2).unwrap();
    assert_eq!(two, offsets[..2]);
}

#[test]
fn white_is_zero_pages_keep_their_stored_samples() {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out).unwrap();
    enc.write_image::<colortype::Gray8>(2, 1, &[1, 2]).unwrap();
    let mut img = enc.new_image::<colortype::Gray8>(2, 1).unwrap();
    img.encoder()
        .write_tag(::tiff::tags::Tag::PhotometricInterpretation, 0u16)
        .unwrap();
    img.write_data(&[3, 4]).unwrap();
    let tif = out.into_inner();
    assert_eq!(as_u8(&page(&tif, 0).unwrap()), [1, 2]);
    assert_eq!(as_u8(&page(&tif, 1).unwrap()), [3, 4]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// No byte string makes counting or reading a page panic.
    #[test]
    fn pages_never_panic(
        big in proptest::prelude::any::<bool>(),
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        cut in 0usize..400,
        flip in 0usize..400,
        byte in proptest::prelude::any::<u8>(),
        k in 0usize..5,
    ) {
        let mut b = if big { b"II+\0\x08\0\0\0".to_vec() } else { b"MM\0*".to_vec() };
        b.extend_from_slice(&tail);
        let _ = directories(&mut Cursor::new(&b), 8);
        let _ = page(&b, k);
        let mut good = gray_pages(3);
        let i = flip % good.len();
        good[i] = byte;
        let good = &good[..cut.min(good.len())];
        let _ = directories(&mut Cursor::new(good), 8);
        let _ = page(good, k);
    }
}

#[test]
fn each_is_in_the_options_key_and_first_is_not() {
    // Keys of workflows written before `frames` existed stay as they were.
    let each = DecodeOptions {
        frames: Frames::Each,
        ..DecodeOptions::default()
    };
    assert_eq!(
        serde_json::to_string(&each).unwrap(),
        r#"{"color":"keep","max_pixels":268435456,"frames":"each","readers":2}"#
    );
}
