//! img_as_float's scaling, rgb2gray and the colour modes.

use super::*;
use crate::source::decode::convert::{from_u16, u8_table};

#[test]
fn u8_and_u16_scaling_is_multiply_by_reciprocal() {
    // img_as_float(np.arange(256, dtype=np.uint8)) differs from x/255 at 24 values, e.g. 3:
    // >>> img_as_float(np.array([3, 6, 7, 12, 255], np.uint8)).tolist()
    let t = u8_table();
    let expect = [
        0.011764705882352941,
        0.023529411764705882,
        0.027450980392156862,
        0.047058823529411764,
        1.0,
    ];
    for (i, e) in [3, 6, 7, 12, 255].iter().zip(expect) {
        assert_eq!(t[*i], e);
    }
    let differ = (0..256).filter(|&i| t[i] != i as f64 / 255.0).count();
    assert_eq!(differ, 24);
    // >>> img_as_float(np.array([0,1,2,7001,32768,65535], np.uint16)).tolist()
    let img = from_u16(1, 6, 1, &[0, 1, 2, 7001, 32768, 65535]);
    assert_eq!(
        img.data,
        [
            0.0,
            1.5259021896696422e-05,
            3.0518043793392844e-05,
            0.10682841229877164,
            0.5000076295109483,
            1.0
        ]
    );
}

#[test]
fn rgb2gray_matches_skimage_bit_for_bit() {
    // >>> rgb2gray(img)[...] for these pixels inside a 60×60 uint8 image (numpy 2.4.6,
    // OpenBLAS 0.3.31 Haswell kernel); the plain `(r*a + g*b) + b*c` sum misses the last
    // five by 1 ulp. (An image one column wide takes numpy's dot-product path: see below.)
    let cases: [([u8; 3], f64); 8] = [
        ([255, 128, 0], 0.5716027450980392),
        ([10, 200, 30], 0.577913725490196),
        ([1, 2, 3], 0.007292549019607844),
        ([124, 29, 251], 0.25566156862745093),
        ([29, 108, 159], 0.37211607843137257),
        ([109, 10, 183], 0.17063058823529412),
        ([130, 251, 192], 0.8667984313725489),
        ([163, 216, 206], 0.8000647058823529),
    ];
    let t = u8_table();
    for ([r, g, b], want) in cases {
        let got = rgb_to_gray(t[r as usize], t[g as usize], t[b as usize]);
        assert_eq!(got, want, "{r},{g},{b}");
    }
}

#[test]
fn rgb2gray_of_one_column_matches_skimage() {
    // >>> px = np.array([[130,251,192],[163,216,206],[124,29,251],[29,108,159],[109,10,183],
    // ...                [7,77,200],[201,3,99],[55,180,12]], np.uint8)
    // >>> rgb2gray(img_as_float(px.reshape(8, 1, 3))).ravel()  # the (1, 8, 3) image differs
    // ...                                                       # at pixels 0 and 2
    let px: [u8; 24] = [
        130, 251, 192, 163, 216, 206, 124, 29, 251, 29, 108, 159, 109, 10, 183, 7, 77, 200, 201, 3,
        99, 55, 180, 12,
    ];
    let want = [
        0.866798431372549,
        0.8000647058823529,
        0.255661568627451,
        0.37211607843137257,
        0.17063058823529412,
        0.27840509803921565,
        0.20390823529411764,
        0.5542145098039215,
    ];
    let column = write_bmp_rgb(1, 8, &px);
    let gray = decode_bytes(&column, &opts(ColorMode::Gray)).unwrap();
    assert_eq!((gray.height, gray.width, gray.channels), (8, 1, 1));
    assert_eq!(gray.data, want);
    let row = decode_bytes(&write_bmp_rgb(8, 1, &px), &opts(ColorMode::Gray)).unwrap();
    assert_ne!(row.data[0], want[0]);
    assert_ne!(row.data[2], want[2]);
}

#[test]
fn color_modes() {
    let rgb = encode(
        &Image::from_vec(1, 2, 3, vec![1.0, 128.0 / 255.0, 0.0, 0.0, 0.0, 1.0]).unwrap(),
        ImageFormat::Png,
        Dtype::U8,
    )
    .unwrap();
    let img = keep(&rgb).unwrap();
    assert_eq!((img.height, img.width, img.channels), (1, 2, 3));
    let g = decode_bytes(&rgb, &opts(ColorMode::Gray)).unwrap();
    assert_eq!(g.channels, 1);
    assert_eq!(g.data, [0.5716027450980392, 0.0721]);
    let gray = write_bmp_gray(2, 1, &[0, 255]);
    let img = decode_bytes(&gray, &opts(ColorMode::Rgb)).unwrap();
    assert_eq!(img.channels, 3);
    assert_eq!(img.data, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    assert_eq!(
        decode_bytes(&gray, &opts(ColorMode::Gray)).unwrap().data,
        [0.0, 1.0]
    );
}
