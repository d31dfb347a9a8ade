//! Thumbnails: an image shrunk to at most [`SIDE`] pixels a side by averaging the pixels each
//! thumbnail pixel covers (area averaging, so noise shows as its mean, not as aliasing; in large
//! images over two rows of each band), stretched to its own range (min → black, max → white),
//! PNG-encoded with the
//! `image` crate flowrun already uses for PNG files.
//!
//! A run makes them in its workers, from the images already in memory ([`Shots`]), for an even
//! sample of the images ([`SAMPLE`]); `flowrun report` and the images the sample misses (outliers,
//! failures) make them from the files: the input file (or the generated image) and the output.

use crate::image::Image;
use crate::plan::{NodeRef, Plan, SourcePlan};
use crate::source::decode::{decode_file, DecodeOptions};
use std::collections::BTreeMap;
use std::path::Path;

/// The longest side of a thumbnail, in pixels.
pub const SIDE: usize = 48;
/// How many images, spread evenly over the run, get thumbnails while they run.
pub const SAMPLE: usize = 100;

/// The nodes whose images are thumbnailed: the input, and the graph's result (the last step),
/// when there is one.
pub fn nodes(plan: &Plan) -> [Option<usize>; 2] {
    [
        Some(0),
        (!plan.steps.is_empty()).then_some(plan.steps.len()),
    ]
}

/// One image's thumbnails (PNG bytes): of its input and of its result.
pub type Pair = [Option<Vec<u8>>; 2];

/// The thumbnails made so far, by image index.
#[derive(Clone, Debug, Default)]
pub struct Shots {
    pub by_index: BTreeMap<u64, Pair>,
}

impl Shots {
    /// Adds every thumbnail of `other` (watch mode gathers its small runs' thumbnails).
    pub fn merge(&mut self, other: Shots) {
        for (i, pair) in other.by_index {
            self.add(i, pair);
        }
    }

    /// Adds an image's thumbnails (kept where it has none).
    pub fn add(&mut self, index: u64, pair: Pair) {
        if pair.iter().any(Option::is_some) {
            let e = self.by_index.entry(index).or_default();
            for (slot, png) in e.iter_mut().zip(pair) {
                if png.is_some() {
                    *slot = png;
                }
            }
        }
    }
}

/// `img` as a thumbnail PNG; `None` for an empty image.
pub fn make(img: &Image) -> Option<Vec<u8>> {
    let (h, w, c) = (img.height, img.width, img.channels);
    if h == 0 || w == 0 || !(c == 1 || c == 3) || img.data.len() != h * w * c {
        return None;
    }
    let scale = (h.max(w) as f64 / SIDE as f64).max(1.0);
    let th = ((h as f64 / scale).round() as usize).clamp(1, h);
    let tw = ((w as f64 / scale).round() as usize).clamp(1, w);
    // Thumbnail column `tx` covers source columns `start[tx]..start[tx + 1]`, and row `ty` the
    // rows `y * th / h == ty`.
    let start: Vec<usize> = (0..=tw).map(|tx| (tx * w).div_ceil(tw)).collect();
    let mut acc = vec![0.0f64; th * tw * c];
    let mut rows_in = vec![0u32; th];
    let clip = |v: f64| if v.is_finite() { v } else { 0.0 };
    // A thumbnail row covering 2k or more rows averages every k-th of them (two rows of its
    // band, all their columns): the memory read, which is the cost, stays small on large images
    // (a thumbnail is made while the workers run), still dozens of samples per thumbnail pixel.
    let step = (h / th / 2).max(1);
    for y in (0..h).step_by(step) {
        let ty = y * th / h;
        rows_in[ty] += 1;
        let row = &img.data[y * w * c..(y + 1) * w * c];
        let out = &mut acc[ty * tw * c..(ty + 1) * tw * c];
        for tx in 0..tw {
            let span = &row[start[tx] * c..start[tx + 1] * c];
            if c == 1 {
                // Four independent sums, so the adds do not wait on each other.
                let mut s = [0.0f64; 4];
                let mut chunks = span.chunks_exact(4);
                for q in &mut chunks {
                    for l in 0..4 {
                        s[l] += clip(q[l]);
                    }
                }
                let rest: f64 = chunks.remainder().iter().map(|&v| clip(v)).sum();
                out[tx] += (s[0] + s[1]) + (s[2] + s[3]) + rest;
            } else {
                for p in span.chunks_exact(c) {
                    for k in 0..c {
                        out[tx * c + k] += clip(p[k]);
                    }
                }
            }
        }
    }
    let count = |i: usize| {
        let (ty, tx) = (i / c / tw, i / c % tw);
        f64::from(rows_in[ty]) * (start[tx + 1] - start[tx]) as f64
    };
    for (i, v) in acc.iter_mut().enumerate() {
        *v /= count(i).max(1.0);
    }
    // Stretched to the thumbnail's own range, so that faint structure (an image of small values,
    // a blur's residue) shows; a flat image stays mid-grey.
    let (lo, hi) = acc
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let px: Vec<u8> = acc
        .iter()
        .map(|&v| {
            if hi > lo {
                ((v - lo) / (hi - lo) * 255.0).round().clamp(0.0, 255.0) as u8
            } else {
                128
            }
        })
        .collect();
    let color = if c == 3 {
        image::ExtendedColorType::Rgb8
    } else {
        image::ExtendedColorType::L8
    };
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &px,
        tw as u32,
        th as u32,
        color,
    )
    .ok()?;
    Some(png)
}

/// Image `pos`'s thumbnails made from files: its input (decoded, or generated again) and its
/// result (the output file of a writer of the last step, if there is one and it decodes).
pub fn from_files(plan: &Plan, pos: usize, outputs: &[String]) -> Pair {
    let input = match &plan.source {
        SourcePlan::Noise { spec, .. } => {
            let mut data = Vec::new();
            crate::source::noise::noise_into(spec, pos as u64, &mut data);
            Image::from_vec(spec.height, spec.width, 1, data)
        }
        SourcePlan::Files { files, decode, .. } => {
            files.get(pos).and_then(|f| decode_file(f, decode).ok())
        }
    };
    let last = NodeRef::at(plan.steps.len());
    let output = (!plan.steps.is_empty())
        .then(|| {
            plan.writers
                .iter()
                .enumerate()
                .filter(|(_, w)| w.node == last)
                .filter_map(|(k, _)| outputs.get(k).filter(|p| !p.is_empty()))
                .find_map(|p| decode_file(Path::new(p), &DecodeOptions::default()).ok())
        })
        .flatten();
    [
        input.as_ref().and_then(make),
        output.as_ref().and_then(make),
    ]
}

/// `png` as a `data:` URI.
pub fn data_uri(png: &[u8]) -> String {
    use base64::Engine as _;
    let mut s = String::from("data:image/png;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(png, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_average_and_size() {
        // 4 × 96 columns of 0 and 1 alternating: every thumbnail pixel averages to 0.5, a flat
        // image, shown mid-grey.
        let data = (0..96 * 4).map(|i| (i % 2) as f64).collect();
        let img = Image::from_vec(4, 96, 1, data).unwrap();
        let png = make(&img).unwrap();
        let d = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!((d.width(), d.height()), (48, 2));
        assert!(d.pixels().all(|p| p.0[0] == 128));
        // Small images keep their size; values are stretched to their range, NaN taken as 0.
        let img = Image::from_vec(1, 2, 3, vec![-1.0, 3.0, f64::NAN, 0.0, 1.0, 2.0]).unwrap();
        let d = image::load_from_memory(&make(&img).unwrap())
            .unwrap()
            .to_rgb8();
        assert_eq!(d.get_pixel(0, 0).0, [0, 255, 64]);
        assert_eq!(d.get_pixel(1, 0).0, [64, 128, 191]);
        assert_eq!(make(&Image::default()), None);
    }

    #[test]
    fn data_uris() {
        assert_eq!(data_uri(b"abc"), "data:image/png;base64,YWJj");
    }
}
