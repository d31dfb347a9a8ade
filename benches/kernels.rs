//! Criterion benchmarks of the numeric kernels: the Gaussian blur, the numpy noise generator
//! and the variance. Run `cargo bench --bench kernels`; CI only builds them (`--no-run`).

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use flowrun::metrics;
use flowrun::ops::boundary::BoundaryMode;
use flowrun::ops::gaussian::{Gaussian, GaussianScratch};
use flowrun::source::noise::{noise_image, noise_into, NoiseSpec, RngKind};
use flowrun::Image;
use std::hint::black_box;

fn spec(n: usize, rng: RngKind) -> NoiseSpec {
    NoiseSpec {
        rng,
        ..NoiseSpec::seed_job(n, n)
    }
}

fn gaussian(c: &mut Criterion) {
    let mut group = c.benchmark_group("gaussian");
    group.sample_size(10);
    for n in [32usize, 512, 1024] {
        let img = noise_image(&spec(n, RngKind::Numpy), 0);
        group.throughput(Throughput::Elements((n * n) as u64));
        for sigma in [1.0, 3.0, 10.0] {
            let g = Gaussian {
                sigma: [sigma; 2],
                mode: BoundaryMode::Nearest,
                cval: 0.0,
                truncate: 4.0,
            };
            let mut out = Image::zeros(n, n, 1);
            let mut scratch = GaussianScratch::default();
            group.bench_function(BenchmarkId::new(format!("sigma{sigma}"), n), |b| {
                b.iter(|| g.apply_into(black_box(&img), &mut out, &mut scratch))
            });
        }
    }
    group.finish();
}

fn noise(c: &mut Criterion) {
    let mut group = c.benchmark_group("noise");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1024 * 1024));
    for (name, kind) in [("numpy", RngKind::Numpy), ("fast", RngKind::Fast)] {
        let s = spec(1024, kind);
        let mut buf = Vec::new();
        let mut index = 0;
        group.bench_function(BenchmarkId::new(name, 1024), |b| {
            b.iter(|| {
                index += 1;
                noise_into(black_box(&s), index, &mut buf)
            })
        });
    }
    group.finish();
}

fn variance(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics");
    let img = noise_image(&spec(1024, RngKind::Numpy), 0);
    group.throughput(Throughput::Elements(1024 * 1024));
    type Reduction = fn(&[f64]) -> f64;
    let reductions: [(&str, Reduction); 3] = [
        ("variance", metrics::np_var),
        ("sum", metrics::pairwise_sum),
        ("max", metrics::np_max),
    ];
    for (name, f) in reductions {
        group.bench_function(BenchmarkId::new(name, 1024), |b| {
            b.iter(|| f(black_box(&img.data)))
        });
    }
    group.finish();
}

/// Seconds on a monotonic clock.
fn wall_seconds() -> f64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// The calling thread's CPU time in seconds (the wall clock where that is not available).
fn thread_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    wall_seconds()
}

/// `KERNELS_QUICK=1 cargo bench --bench kernels`: the minimum of many single runs of each
/// 1024² kernel (robust on a busy machine), instead of criterion's statistics. `KERNELS_SIZE=N`
/// runs them on N² images instead.
fn quick() {
    // KERNELS_CPU=1 times the thread's CPU time instead of the wall clock: steadier when other
    // processes share the cores (time spent preempted is not counted).
    let cpu = std::env::var_os("KERNELS_CPU").is_some();
    let now = move || {
        if cpu {
            thread_cpu_seconds()
        } else {
            wall_seconds()
        }
    };
    let min_ms = move |reps: usize, f: &mut dyn FnMut()| -> f64 {
        f();
        (0..reps)
            .map(|_| {
                let t = now();
                f();
                (now() - t) * 1e3
            })
            .fold(f64::INFINITY, f64::min)
    };
    let reps: usize = std::env::var("KERNELS_QUICK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30)
        .max(1);
    // KERNELS_ONLY=<substring> restricts the kernels run (for `perf record`).
    let only = std::env::var("KERNELS_ONLY").unwrap_or_default();
    let run = |name: &str| name.contains(only.as_str());
    let size: usize = std::env::var("KERNELS_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let img = noise_image(&spec(size, RngKind::Numpy), 0);
    let mut out = Image::zeros(size, size, 1);
    let mut scratch = GaussianScratch::default();
    // The two σ = 10 passes alone: axis 0 (vertical) and axis 1 (horizontal).
    let cases = [
        ("gaussian sigma1   ", [1.0; 2]),
        ("gaussian sigma3   ", [3.0; 2]),
        ("gaussian sigma10  ", [10.0; 2]),
        ("gaussian s10 axis0", [10.0, 0.0]),
        ("gaussian s10 axis1", [0.0, 10.0]),
    ];
    for (name, sigma) in cases {
        let g = Gaussian {
            sigma,
            mode: BoundaryMode::Nearest,
            cval: 0.0,
            truncate: 4.0,
        };
        if run(name) {
            let t = min_ms(reps, &mut || {
                g.apply_into(black_box(&img), &mut out, &mut scratch)
            });
            println!("{name} {size}²  {t:8.3} ms");
        }
    }
    // Small images: per-image times, where fixed costs and edge handling dominate.
    for n in [32usize, 64, 128] {
        let name = format!("gaussian sigma10 {n}²");
        if run(&name) {
            let img = noise_image(&spec(n, RngKind::Numpy), 0);
            let mut out = Image::zeros(n, n, 1);
            let g = Gaussian {
                sigma: [10.0; 2],
                mode: BoundaryMode::Nearest,
                cval: 0.0,
                truncate: 4.0,
            };
            let t = min_ms(reps, &mut || {
                for _ in 0..100 {
                    g.apply_into(black_box(&img), &mut out, &mut scratch)
                }
            });
            println!("{name:<24} {:8.2} µs", t * 10.0);
        }
    }
    let s = spec(size, RngKind::Numpy);
    let mut buf = Vec::new();
    if run("noise numpy") {
        // Consecutive images, as a worker takes them (their seeds are initialised together).
        let mut index = 0;
        let t = min_ms(reps, &mut || {
            index += 1;
            noise_into(black_box(&s), index, &mut buf)
        });
        println!("noise numpy      {size}²  {t:8.3} ms");
    }
    if run("variance") {
        let t = min_ms(reps, &mut || {
            black_box(metrics::np_var(black_box(&img.data)));
        });
        println!("variance         {size}²  {t:8.3} ms");
    }
}

criterion_group!(benches, gaussian, noise, variance);

fn main() {
    if std::env::var_os("KERNELS_QUICK").is_some() {
        quick();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
