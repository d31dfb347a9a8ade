#[test]
fn rint_clip_matches_round_ties_even() {
    let mut x = 0.123_456_789_f64;
    for k in 0..200_000u32 {
        // A sweep over [-1.2, 1.2] plus every exact k + 0.5 tie.
        x = (x * 3.9 * (1.0 - x)).clamp(0.0, 1.0);
        let v = x * 2.4 - 1.2;
        for t in [v * 255.0, v * 65535.0, f64::from(k % 300) - 20.5] {
            for top in [255.0, 65535.0] {
                let want = t.round_ties_even().clamp(0.0, top);
                assert_eq!(super::rint_clip(t, top), want, "{t}"); // -0.0 == 0.0: both cast to 0
            }
        }
    }
    assert_eq!(super::rint_clip(f64::NAN, 255.0), 0.0);
}

use super::*;
use sha2::{Digest, Sha256};

fn sha(b: &[u8]) -> String {
    format!("{:x}", Sha256::digest(b))
}

/// `((y*31 + x*7 + c*85 + (x*y) % 13) % 256)`, the pattern used for the Pillow digests.
fn pattern(h: usize, w: usize, ch: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(h * w * ch);
    for y in 0..h {
        for x in 0..w {
            for c in 0..ch {
                v.push(((y * 31 + x * 7 + c * 85 + (x * y) % 13) % 256) as u8);
            }
        }
    }
    v
}

#[test]
fn bmp_is_byte_identical_to_imageio_pillow() {
    // >>> y, x = np.mgrid[:h, :w]; a = ((y*31 + x*7 + (x*y) % 13) % 256).astype(np.uint8)
    // >>> imageio.imwrite('t.bmp', a); sha256(open('t.bmp','rb').read())
    // (RGB: np.mgrid[:h, :w, :3] with + c*85.)  imageio 2.38.1, Pillow 13.0.0
    let gray = [
        (
            1,
            1,
            1082,
            "e6e2337df51b291f1db7a91ab4a9d1f9cf34cafe3141410aefda2178b37eb40d",
        ),
        (
            3,
            2,
            1090,
            "5d52433a37da080e895f79ab609308c6c2bce8d3013322cee637aa0051548235",
        ),
        (
            7,
            13,
            1190,
            "a8372f597c5acb76ab581ab0959edc1afa17466cf225cfec02177b30d8e5fffe",
        ),
        (
            64,
            80,
            6198,
            "3ac9edf3692da28952f1a748bf1b0e6ce21a16d9cb917ca92db55150ee09ce22",
        ),
        (
            37,
            53,
            3150,
            "e1c02248e0530f67b37e70e5b4d1f22f4e3a5d7422ba9ad7e449fef231efdb34",
        ),
    ];
    for (h, w, len, digest) in gray {
        let b = write_bmp_gray(w, h, &pattern(h, w, 1));
        assert_eq!((b.len(), sha(&b).as_str()), (len, digest), "gray {h}x{w}");
    }
    let rgb = [
        (
            1,
            1,
            58,
            "b630aad9d4ad9bc4711d6a6305b524dc55b45d6a5a45214c2a4c64363f31165e",
        ),
        (
            2,
            3,
            78,
            "0143b8cf70f013e88e8d00d0227c8d2cf8a54781827dd4bb03a7f610c8915af0",
        ),
        (
            5,
            7,
            174,
            "1efd0641839e5c059b0d56809ab3b5518dd3484df4a67cb6834f070e6b706653",
        ),
        (
            37,
            53,
            5974,
            "9113e95255ddf9dfe8a80ffbed30f426e8f8bba655cca9c0727222a20235ada5",
        ),
    ];
    for (h, w, len, digest) in rgb {
        let b = write_bmp_rgb(w, h, &pattern(h, w, 3));
        assert_eq!((b.len(), sha(&b).as_str()), (len, digest), "rgb {h}x{w}");
    }
    // The 2×3 RGB file in full (docs/exactness.md, "BMP files").
    let b = write_bmp_rgb(3, 2, &pattern(2, 3, 3));
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    assert_eq!(
        hex,
        "424d4e0000000000000036000000280000000300000002000000010018000000000018000000c40e0000\
         c40e00000000000000000000c9741fd17c27d9842f000000aa5500b15c07b8630e000000"
    );
    // Through `encode`, from floats k/255.
    let img = Image::from_vec(
        7,
        13,
        1,
        pattern(7, 13, 1)
            .iter()
            .map(|&v| v as f64 / 255.0)
            .collect(),
    )
    .unwrap();
    let b = encode(&img, ImageFormat::Bmp, Dtype::U8).unwrap();
    assert_eq!(sha(&b), gray[2].3);
}

#[test]
fn img_as_ubyte_and_uint_match_skimage() {
    // >>> a = np.array(xs); img_as_ubyte(a).tolist(); img_as_uint(a).tolist()
    let xs = [
        0.0,
        1.0,
        -1.0,
        -0.3,
        -1e-300,
        0.00196078431372549,
        0.0058823529411764705,
        0.00980392156862745,
        0.013725490196078431,
        0.3941176470588235,
        0.1,
        0.2,
        0.7,
        0.999,
        0.9999999999999999,
        0.5019607843137255,
        5e-324,
    ];
    assert_eq!(
        to_u8(&xs).unwrap(),
        [0, 255, 0, 0, 0, 0, 2, 2, 4, 100, 26, 51, 178, 255, 255, 128, 0]
    );
    assert_eq!(
        to_u16(&xs).unwrap(),
        [
            0, 65535, 0, 0, 0, 128, 386, 642, 900, 25828, 6554, 13107, 45874, 65469, 65535, 32896,
            0
        ]
    );
    // scikit-image's check lets NaN through (it becomes 0, with a warning); flowrun refuses
    // non-finite samples, which an integer image cannot hold.
    let e = to_u8(&[f64::NAN, 0.5]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the image holds NaN values, which u8 output cannot store (a division by zero?)"
    );
    let e = to_u16(&[f64::INFINITY, f64::NAN]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the image holds NaN and infinite values, which u16 output cannot store (a division by zero?)"
    );
    let e = to_u8(&[0.5, 1.0000000000000002]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "images of type float must be between -1 and 1 for u8 output; \
         got min 0.5, max 1.0000000000000002"
    );
    let e = to_u16(&[-1.5, 0.0]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "images of type float must be between -1 and 1 for u16 output; got min -1.5, max 0"
    );
    // An out-of-range image leaves no file behind in a reused buffer, in any format.
    let bad = Image::from_vec(2, 3, 1, vec![0.0, 0.5, 2.0, 0.1, 0.2, 0.3]).unwrap();
    for format in [ImageFormat::Bmp, ImageFormat::Png, ImageFormat::Tiff] {
        let mut out = b"stale".to_vec();
        assert!(encode_into(&bad, format, Dtype::U8, &mut out).is_err());
        assert!(out.is_empty(), "{format:?}");
    }
}

#[test]
fn formats_and_dtypes() {
    assert_eq!(ImageFormat::from_extension("JPG"), Some(ImageFormat::Jpeg));
    assert_eq!(ImageFormat::from_extension("Tif"), Some(ImageFormat::Tiff));
    assert_eq!(ImageFormat::from_extension("gif"), None);
    for ext in ImageFormat::EXTENSIONS {
        assert!(ImageFormat::from_extension(ext).is_some());
    }
    assert!(ImageFormat::Png.supports(Dtype::U16));
    assert!(!ImageFormat::Png.supports(Dtype::F32));
    assert!(!ImageFormat::Jpeg.supports(Dtype::U16));
    assert!(ImageFormat::Tiff.supports(Dtype::F32));
    let img = Image::zeros(2, 2, 1);
    assert_eq!(
        encode(&img, ImageFormat::Bmp, Dtype::U16)
            .unwrap_err()
            .to_string(),
        "bmp cannot store u16 samples (supported: u8)"
    );
    assert_eq!(
        encode(&Image::zeros(0, 5, 1), ImageFormat::Png, Dtype::U8)
            .unwrap_err()
            .to_string(),
        "cannot encode an empty image (0×5)"
    );
    assert_eq!(
        encode(&Image::zeros(2, 2, 2), ImageFormat::Png, Dtype::U8)
            .unwrap_err()
            .to_string(),
        "cannot encode an image with 2 channels (expected 1 or 3)"
    );
    let bad = Image {
        height: 2,
        width: 2,
        channels: 1,
        data: vec![0.0; 3],
    };
    assert_eq!(
        encode(&bad, ImageFormat::Tiff, Dtype::F32)
            .unwrap_err()
            .to_string(),
        "image data has 3 samples, expected 2×2×1"
    );
    // Writers never panic on short input or zero sizes.
    assert_eq!(write_bmp_gray(0, 3, &[]).len(), 1078);
    assert_eq!(write_bmp_rgb(2, 2, &[1]).len(), 54 + 16);
}

#[test]
fn png_jpeg_tiff_decode_to_the_same_pixels() {
    use crate::source::decode::{decode_bytes, DecodeOptions};
    let px = pattern(5, 6, 3);
    let img = Image::from_vec(5, 6, 3, px.iter().map(|&v| v as f64 / 255.0).collect()).unwrap();
    for f in [ImageFormat::Png, ImageFormat::Tiff, ImageFormat::Bmp] {
        let back = decode_bytes(
            &encode(&img, f, Dtype::U8).unwrap(),
            &DecodeOptions::default(),
        )
        .unwrap();
        let got: Vec<u8> = back
            .data
            .iter()
            .map(|v| (v * 255.0).round() as u8)
            .collect();
        assert_eq!(got, px, "{f:?}");
    }
    let jpg = encode(&img, ImageFormat::Jpeg, Dtype::U8).unwrap();
    assert_eq!(&jpg[..3], &[0xFF, 0xD8, 0xFF]);
    let back = decode_bytes(&jpg, &DecodeOptions::default()).unwrap();
    assert_eq!((back.height, back.width, back.channels), (5, 6, 3));
}

/// `.npy` files are byte-identical to `np.save`'s:
/// ```text
/// b = io.BytesIO(); np.save(b, np.arange(18, dtype=np.float32).reshape(2, 3, 3) / 8)
/// b.getvalue()[:10], len(b.getvalue())   -> (b'\x93NUMPY\x01\x00v\x00', 200)
/// ```
#[test]
fn npy_is_what_np_save_writes() {
    let img = Image::from_vec(2, 3, 3, (0..18).map(|v| f64::from(v) / 8.0).collect()).unwrap();
    let bytes = encode(&img, ImageFormat::Npy, Dtype::F32).unwrap();
    assert_eq!(&bytes[..10], b"\x93NUMPY\x01\x00v\x00");
    let header = std::str::from_utf8(&bytes[10..128]).unwrap();
    assert_eq!(
        header.trim_end(),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 3), }"
    );
    assert!(header.ends_with('\n'));
    assert_eq!(bytes.len(), 128 + 18 * 4);
    assert_eq!(&bytes[128 + 4..128 + 8], &0.125f32.to_le_bytes());
    let exact = encode(&img, ImageFormat::Npy, Dtype::F64).unwrap();
    assert_eq!(exact.len(), 128 + 18 * 8);
}
