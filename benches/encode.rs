//! Criterion benchmarks of the output side: `img_as_ubyte` + Pillow-identical BMP, PNG (8-bit) and
//! the per-image file write (temp file + rename). Run `cargo bench --bench encode`; CI only builds
//! them (`--no-run`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flowrun::sinks::atomic::write_atomic;
use flowrun::sinks::encode::{encode, Dtype, ImageFormat};
use flowrun::source::noise::{noise_image, NoiseSpec};
use std::hint::black_box;

fn image(n: usize) -> flowrun::Image {
    noise_image(&NoiseSpec::seed_job(n, n), 0)
}

fn encoders(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    group.sample_size(20);
    for n in [32usize, 1024] {
        let img = image(n);
        group.throughput(Throughput::Elements((n * n) as u64));
        for (name, format) in [("bmp", ImageFormat::Bmp), ("png", ImageFormat::Png)] {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| encode(black_box(&img), format, Dtype::U8))
            });
        }
    }
    group.finish();
}

fn writes(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("flowrun-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bytes = encode(&image(32), ImageFormat::Bmp, Dtype::U8).expect("encode");
    let mut k = 0u64;
    c.bench_function("write_atomic 32² bmp", |b| {
        b.iter(|| {
            k += 1;
            write_atomic(
                &dir.join(format!("img_{}.bmp", k % 1000)),
                black_box(&bytes),
            )
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, encoders, writes);
criterion_main!(benches);
