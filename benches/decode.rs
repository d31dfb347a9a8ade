//! JPEG decoding, file bytes to f64 samples: flowrun's decoder (libjpeg-turbo, as Pillow) against
//! the `image` crate's (zune-jpeg) plus the same `img_as_float` table, and zune-jpeg alone (u8
//! out). Run `cargo bench --bench decode`; CI only builds it (`--no-run`).
//!
//! The files: every `*.jpg` in `$FLOWRUN_BENCH_JPEGS` when set (e.g. real 1024² photos), else
//! one synthetic 1024² RGB image written by the `image` crate's encoder.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flowrun::sinks::encode::{encode, Dtype, ImageFormat};
use flowrun::source::decode::{decode_bytes, DecodeOptions};

fn inputs() -> Vec<(String, Vec<u8>)> {
    if let Some(dir) = std::env::var_os("FLOWRUN_BENCH_JPEGS") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("FLOWRUN_BENCH_JPEGS is a readable folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
            .collect();
        files.sort();
        return files
            .into_iter()
            .map(|p| {
                let name = p.file_stem().unwrap_or_default().to_string_lossy().into();
                (name, std::fs::read(&p).expect("readable file"))
            })
            .collect();
    }
    // A smooth scene with some texture, so the entropy-coded data is photo-like in size.
    let n = 1024usize;
    let mut data = Vec::with_capacity(n * n * 3);
    let mut state = 12345u32;
    for y in 0..n {
        for x in 0..n {
            for c in 0..3 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let noise = f64::from((state >> 16) & 31) / 255.0;
                let v = 0.5
                    + 0.3 * ((x as f64 / 37.0 + c as f64).sin() * (y as f64 / 53.0).cos())
                    + noise
                    - 0.06;
                data.push(v.clamp(0.0, 1.0));
            }
        }
    }
    let img = flowrun::Image::from_vec(n, n, 3, data).expect("shape");
    vec![(
        "synthetic_1024".into(),
        encode(&img, ImageFormat::Jpeg, Dtype::U8).expect("encode"),
    )]
}

fn decoders(c: &mut Criterion) {
    let mut group = c.benchmark_group("jpeg decode");
    group.sample_size(10);
    let opts = DecodeOptions::default();
    let table: Vec<f64> = (0..256).map(|i| f64::from(i) * (1.0 / 255.0)).collect();
    for (name, bytes) in inputs() {
        let pixels = decode_bytes(&bytes, &opts).map_or(0, |i| i.pixels());
        group.throughput(Throughput::Elements(pixels as u64));
        group.bench_function(BenchmarkId::new("libjpeg-turbo f64", &name), |b| {
            b.iter(|| decode_bytes(black_box(&bytes), &opts).expect("decodes"))
        });
        group.bench_function(BenchmarkId::new("zune-jpeg f64", &name), |b| {
            b.iter(|| {
                let img = image::load_from_memory_with_format(
                    black_box(&bytes),
                    image::ImageFormat::Jpeg,
                )
                .expect("decodes");
                let samples: Vec<f64> = img.as_bytes().iter().map(|&v| table[v as usize]).collect();
                samples
            })
        });
        group.bench_function(BenchmarkId::new("zune-jpeg u8", &name), |b| {
            b.iter(|| {
                image::load_from_memory_with_format(black_box(&bytes), image::ImageFormat::Jpeg)
                    .expect("decodes")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decoders);
criterion_main!(benches);
