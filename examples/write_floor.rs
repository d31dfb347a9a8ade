//! The cost of a batch's output files alone: `N` BMPs of an `H × W` gray image written into
//! `DIR` by `J` threads, with no other work, so that the benchmark (`bench/run.sh`) can show how
//! much of a row's time no pipeline could save.
//!
//! ```text
//! cargo run --release --example write_floor -- DIR N H W J [--plain]
//! ```
//!
//! Files are named `image_{i:02}.bmp`, as in the benchmark's runs, and hold the BMP flowrun writes
//! for that shape. By default each goes through flowrun's own atomic writer
//! ([`write_atomic_in`]: an unnamed inode linked into place); `--plain` instead creates and writes
//! each file under its name, as the seed script (imageio / Pillow) does. Threads claim 16 files at a
//! time, like flowrun's workers. Prints the wall time in seconds.

use flowrun::sinks::atomic::{write_atomic_in, Folders};
use flowrun::sinks::encode::{encode, Dtype, ImageFormat};
use flowrun::Image;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Files a thread claims at a time.
const CLAIM: usize = 16;

struct Args {
    dir: PathBuf,
    count: usize,
    shape: (usize, usize),
    jobs: usize,
    plain: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let plain = args.iter().any(|a| a == "--plain");
    let pos: Vec<&String> = args.iter().filter(|a| *a != "--plain").collect();
    let [dir, n, h, w, j] = pos.as_slice() else {
        return Err("usage: write_floor DIR N H W J [--plain]".into());
    };
    let num = |s: &str, what: &str| {
        s.parse::<usize>()
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("{what} must be a positive integer, got `{s}`"))
    };
    Ok(Args {
        dir: PathBuf::from(dir.as_str()),
        count: num(n, "N")?,
        shape: (num(h, "H")?, num(w, "W")?),
        jobs: num(j, "J")?,
        plain,
    })
}

/// Writes `bytes` to `path` the way the seed does: create (truncating), write, close.
fn write_plain(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::File::create(path)?.write_all(bytes)
}

fn run(a: &Args) -> Result<f64, String> {
    let (h, w) = a.shape;
    let bytes = encode(&Image::zeros(h, w, 1), ImageFormat::Bmp, Dtype::U8)
        .map_err(|e| format!("cannot encode a {h}×{w} BMP: {e}"))?;
    std::fs::create_dir_all(&a.dir)
        .map_err(|e| format!("cannot create {}: {e}", a.dir.display()))?;
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..a.jobs)
            .map(|_| {
                s.spawn(|| -> Result<(), String> {
                    let mut folders = Folders::default();
                    loop {
                        let first = next.fetch_add(CLAIM, Ordering::Relaxed);
                        if first >= a.count {
                            return Ok(());
                        }
                        for i in first..(first + CLAIM).min(a.count) {
                            let path = a.dir.join(format!("image_{i:02}.bmp"));
                            let done = if a.plain {
                                write_plain(&path, &bytes)
                            } else {
                                write_atomic_in(&mut folders, &path, &bytes)
                            };
                            done.map_err(|e| format!("{}: {e}", path.display()))?;
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|t| {
            t.join()
                .map_err(|_| "a writer thread panicked".to_string())?
        })
    })?;
    Ok(start.elapsed().as_secs_f64())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("write_floor: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&parsed) {
        Ok(secs) => {
            println!("{secs:.6}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("write_floor: {e}");
            ExitCode::FAILURE
        }
    }
}
