//! Fuzzing `check`: thousands of mutated workflow files go through the loader and the compiler
//! in process (`config::load_str` then `plan::compile`), and a few hostile files through the real
//! `flowrun check`. Every input must give either a plan or a non-empty report — never a panic,
//! never a hang, never unbounded memory.
//!
//! The mutator is seeded and hand-rolled (no shrinking needed: a failing case prints its input).
//! `FUZZ_CASES=N` and `FUZZ_SEED=S` change the run; defaults are 12 000 cases, seed 1.

mod common;
use common::*;

use flowrun::config::{load_str, Format};
use flowrun::plan::compile;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// A small deterministic RNG (splitmix64).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ---------------------------------------------------------------------------------------------
// The grammar: plausible keys and values, and hostile ones.

const KEYS: &[&str] = &[
    "name",
    "description",
    "source",
    "kind",
    "count",
    "shape",
    "seed_offset",
    "max_index",
    "scale",
    "loc",
    "clip",
    "rng",
    "pattern",
    "exclude",
    "color",
    "max_pixels",
    "steps",
    "op",
    "sigma",
    "mode",
    "cval",
    "truncate",
    "save",
    "metrics",
    "on",
    "output",
    "images",
    "dtype",
    "results",
    "expect",
    "ok",
    "failed",
    "min",
    "max",
    "input_variance",
    "output_variance",
    "blur",
    "input",
    "index",
    "status",
    "error",
    "elapsed_ms",
    "save_blur",
    "sigmaa",
    "Kind",
    "ü",
    "a b",
    "\"quoted key\"",
    "'lit'",
    "x.y",
    "0",
    "-1",
    "<<",
];

/// Values valid in both TOML and YAML flow syntax (or at least plausible in either).
const VALUES: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "3",
    "20",
    "255",
    "1024",
    "65535",
    "4294967295",
    "4294967296",
    "1048577",
    "268435456",
    "268435457",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "0x7fffffffffffffff",
    "0o777",
    "0b101",
    "1_000",
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "10.0",
    "1e-3",
    "1e400",
    "-1e400",
    "1e-400",
    "1e308",
    "4.9e-324",
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    ".nan",
    ".inf",
    "-.inf",
    "NaN",
    "true",
    "false",
    "yes",
    "no",
    "~",
    "null",
    "\"\"",
    "''",
    "\"noise\"",
    "\"glob\"",
    "\"gaussian\"",
    "\"variance\"",
    "\"mean\"",
    "\"std\"",
    "\"min\"",
    "\"max\"",
    "\"sum\"",
    "\"input\"",
    "\"blur\"",
    "\"nearest\"",
    "\"reflect\"",
    "\"mirror\"",
    "\"constant\"",
    "\"wrap\"",
    "\"numpy\"",
    "\"fast\"",
    "\"keep\"",
    "\"gray\"",
    "\"rgb\"",
    "\"u8\"",
    "\"u16\"",
    "\"f32\"",
    "\"u64\"",
    "\"out/{stem}.bmp\"",
    "\"out/{index:02}.png\"",
    "\"out/{index:99999999999999999999}.bmp\"",
    "\"out/{index:2}.tif\"",
    "\"out/{name}.csv\"",
    "\"out/{workflow}.json\"",
    "\"out/{index}.csv\"",
    "\"out/x.bmp\"",
    "\"out/{\"",
    "\"}\"",
    "\"{{}}\"",
    "\"{bogus}\"",
    "\"{stem:-3}\"",
    "\"{dir}/{ext}/{step}.jpg\"",
    "\"out/.bmp\"",
    "\"out/{stem}\"",
    "\"*.png\"",
    "\"**/*.png\"",
    "\"*.{png,jpg}\"",
    "\"[\"",
    "\"{a,\"",
    "\"sub/*.png\"",
    "\"\\u0000\"",
    "\"\\t\\n\"",
    "\"é\u{301}🦀\"",
    "\"\u{202e}rtl\"",
    "[]",
    "{}",
    "[1]",
    "[1024, 1024]",
    "[0, 0]",
    "[0, 5]",
    "[-1, 5]",
    "[1, 2, 3]",
    "[1e400, 1]",
    "[nan, nan]",
    "[0.0, 1.0]",
    "[1.0, 0.0]",
    "[\"a\", 1]",
    "[[1, 2]]",
    "{ op = \"variance\" }",
    "{ op = \"variance\", on = \"nope\" }",
    "{ min = 1, max = 0 }",
    "{ kind = \"noise\" }",
    "1979-05-27T07:32:00Z",
    "1979-05-27",
    "07:32:00",
    "\"\"\"multi\nline\"\"\"",
];

fn long_string(rng: &mut Rng) -> String {
    let n = [100, 10_000, 200_000][rng.below(3)];
    let c = rng.pick(&["x", "{", "é", "\\\\", "{index}"]);
    format!("\"{}\"", c.repeat(n / c.len()))
}

fn nested(rng: &mut Rng, format: Format) -> String {
    let n = [10, 64, 200, 1000, 10_000][rng.below(5)];
    match (rng.below(3), format) {
        (0, _) => format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        (1, Format::Toml) => format!("{}1{}", "{ a = ".repeat(n), " }".repeat(n)),
        (1, Format::Yaml) => format!("{}1{}", "{a: ".repeat(n), "}".repeat(n)),
        _ => format!("{}{}", "[".repeat(n), "]".repeat(n / 2)),
    }
}

fn random_value(rng: &mut Rng, format: Format) -> String {
    match rng.below(20) {
        0 => long_string(rng),
        1 => nested(rng, format),
        2 => format!("{}", rng.next() as i64),
        3 => format!("{:e}", f64::from_bits(rng.next())),
        4 => format!("\"{}\"", random_text(rng, 12).replace(['"', '\\'], "")),
        _ => rng.pick(VALUES).to_string(),
    }
}

fn random_key(rng: &mut Rng) -> String {
    if rng.chance(10) {
        random_text(rng, 6)
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else {
        rng.pick(KEYS).to_string()
    }
}

/// Random characters: ASCII, syntax, control characters and some non-ASCII.
fn random_text(rng: &mut Rng, max: usize) -> String {
    const EXTRA: &[char] = &[
        '\0', '\t', '\n', '\r', '\u{7f}', '\u{85}', '\u{feff}', '\u{2028}', 'é', 'ß', '🦀', '"',
        '\'', '\\', '[', ']', '{', '}', '=', ':', '#', '&', '*', '!', '|', '>', '-', '?', ',', '%',
        '@', '`',
    ];
    let n = rng.below(max) + 1;
    (0..n)
        .map(|_| {
            if rng.chance(50) {
                (b' ' + rng.below(95) as u8) as char
            } else {
                EXTRA[rng.below(EXTRA.len())]
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Mutations, on the text (so they reach the parsers too) and line-aware (so most inputs still
// parse and reach the deserializer and the compiler).

fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte range of the value on a `key = value` / `key: value` line, if any.
fn value_range(line: &str, format: Format) -> Option<(usize, usize)> {
    let sep = match format {
        Format::Toml => line.find(" = ").map(|i| i + 3),
        Format::Yaml => line.find(": ").map(|i| i + 2),
    }?;
    let end = line.find(" #").filter(|&e| e > sep).unwrap_or(line.len());
    Some((sep, end))
}

fn mutate(rng: &mut Rng, src: &str, format: Format) -> String {
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let l = rng.below(n);
    let yaml = format == Format::Yaml;
    match rng.below(16) {
        // truncate at a random byte offset
        0 => {
            let joined = lines.join("\n");
            let cut = char_floor(&joined, rng.below(joined.len() + 1));
            return joined[..cut].to_string();
        }
        1 => {
            lines.remove(l);
        }
        // duplicate (→ duplicate keys, repeated tables)
        2 => {
            let dup = lines[l].clone();
            lines.insert(rng.below(n + 1), dup);
        }
        3..=5 => {
            // replace a value (and thereby often its type)
            if let Some((a, b)) = value_range(&lines[l], format) {
                let v = random_value(rng, format);
                lines[l].replace_range(a..b, &v);
            }
        }
        6 => {
            // replace a key
            let line = &lines[l];
            let indent = line.len() - line.trim_start().len();
            let key_end = line
                .find(if yaml { ":" } else { " =" })
                .filter(|&e| e >= indent);
            if let Some(e) = key_end {
                let k = random_key(rng);
                lines[l].replace_range(indent..e, &k);
            }
        }
        7 | 8 => {
            // insert a `key = value` line, sometimes indented (YAML) or as a new table (TOML)
            let k = random_key(rng);
            let v = random_value(rng, format);
            let line = if yaml {
                let indent = " ".repeat(2 * rng.below(4));
                let dash = if rng.chance(20) { "- " } else { "" };
                format!("{indent}{dash}{k}: {v}")
            } else if rng.chance(20) {
                let t = [
                    format!("[{k}]"),
                    format!("[[{k}]]"),
                    format!("[{k}.{}]", random_key(rng)),
                ];
                t[rng.below(3)].clone()
            } else {
                format!("{k} = {v}")
            };
            lines.insert(rng.below(n + 1), line);
        }
        9 => {
            // random characters at a random place
            let s = lines[l].clone();
            let at = char_floor(&s, rng.below(s.len() + 1));
            lines[l] = format!("{}{}{}", &s[..at], random_text(rng, 8), &s[at..]);
        }
        10 => {
            // swap two lines
            let m = rng.below(n);
            lines.swap(l, m);
        }
        11 => {
            // re-indent a line (YAML structure changes; TOML tolerates it)
            let d = rng.below(9);
            lines[l] = format!("{}{}", " ".repeat(d), lines[l].trim_start());
        }
        12 if yaml => {
            // anchors and aliases: anchor one value, alias it elsewhere, maybe merge it
            if let Some((a, _)) = value_range(&lines[l], format) {
                lines[l].insert_str(a, "&A ");
                let m = rng.below(n + 1);
                let k = random_key(rng);
                let alias = match rng.below(3) {
                    0 => format!("{k}: *A"),
                    1 => "<<: *A".to_string(),
                    _ => format!("{k}: *Z"), // an undefined alias
                };
                let indent = " ".repeat(2 * rng.below(3));
                lines.insert(m, format!("{indent}{alias}"));
            }
        }
        12 => {
            // TOML: an inline table replacing a value, or a dotted key
            if let Some((a, b)) = value_range(&lines[l], format) {
                let k = random_key(rng);
                let v = random_value(rng, format);
                lines[l].replace_range(a..b, &format!("{{ {k} = {v} }}"));
            }
        }
        13 => {
            // a deeply nested value
            if let Some((a, b)) = value_range(&lines[l], format) {
                let v = nested(rng, format);
                lines[l].replace_range(a..b, &v);
            }
        }
        14 => {
            // YAML tags / TOML array-of-tables mix-ups
            if yaml {
                if let Some((a, _)) = value_range(&lines[l], format) {
                    let tag = rng.pick(&[
                        "!!str ",
                        "!!int ",
                        "!!float ",
                        "!!binary ",
                        "!custom ",
                        "!!map ",
                        "!!seq ",
                        "? ",
                    ]);
                    lines[l].insert_str(a, tag);
                }
            } else {
                lines.insert(
                    rng.below(n + 1),
                    rng.pick(&[
                        "[[steps]]",
                        "[source]",
                        "[metrics]",
                        "[[metrics]]",
                        "[output]",
                        "[expect]",
                        "steps = []",
                        "[[source]]",
                    ])
                    .to_string(),
                );
            }
        }
        _ => {
            // a document-level oddity
            let odd = if yaml {
                rng.pick(&["---", "...", "%YAML 1.2", "- a", "? x", "!!map", "*A", "&A"])
                    .to_string()
            } else {
                rng.pick(&[
                    "[",
                    "]]",
                    "=",
                    "a.b.c = 1",
                    "\"\" = 1",
                    "[a.\"\"]",
                    "'' = ''",
                ])
                .to_string()
            };
            lines.insert(rng.below(n + 1), odd);
        }
    }
    let mut out = lines.join("\n");
    if rng.chance(80) {
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Seeds: the shipped workflows plus a few more covering the other keys.

fn seeds() -> Vec<(Format, String)> {
    let mut seeds = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        if let Some(f) = Format::from_path(&p) {
            seeds.push((f, std::fs::read_to_string(&p).unwrap()));
        }
    }
    assert!(
        seeds.len() >= 3,
        "the workflows/ folder has the example workflows"
    );
    seeds.push((
        Format::Toml,
        r#"name = "g"
description = "glob"

[source]
kind = "glob"
pattern = "in/*.png"
exclude = ["in/skip*"]
color = "gray"
max_pixels = 1000000

[[steps]]
op = "gaussian"
name = "a"
sigma = [1.0, 2.0]
mode = "constant"
cval = 0.5
truncate = 3.0
save = "out/{dir}{stem}_{step}.png"

[[steps]]
op = "gaussian"
sigma = 2.0

[metrics]
m = { op = "mean", on = "a" }
s = { op = "std" }
lo = { op = "min", on = "input" }
hi = { op = "max" }
t = { op = "sum" }

[output]
images = "out/{index:03}_{stem:8}.tif"
dtype = "u16"
results = "out/{name}-{workflow}.json"

[expect]
ok = 2
failed = 0

[expect.m]
min = 0.0
max = 1.0
"#
        .to_string(),
    ));
    seeds.push((
        Format::Yaml,
        r#"name: anchors
source: &src
  kind: noise
  count: 3
  shape: &shape [16, 16]
  seed_offset: 7
  max_index: 10
  scale: 0.1
  loc: 0.5
  clip: false
  rng: fast
steps:
  - &g {op: gaussian, sigma: 1.0, mode: mirror}
  - op: gaussian
    name: two
    sigma: [0, 2]
metrics:
  v: {op: variance, on: input}
  w: {op: variance}
output:
  images: out/{index:02}.png
  results: out/r.csv
expect:
  ok: 3
  w: {max: 1.0}
"#
        .to_string(),
    ));
    seeds
}

/// One case: load, compile; returns whether it compiled. Panics on a broken contract.
fn check_one(src: &str, format: Format, overrides: &[String], cwd: &Path) -> bool {
    let label = match format {
        Format::Toml => "w.toml",
        Format::Yaml => "w.yaml",
    };
    let report = match load_str(src, format, label, overrides) {
        Ok(loaded) => match compile(&loaded, cwd) {
            Ok(_) => return true,
            Err(r) => r,
        },
        Err(r) => r,
    };
    assert!(!report.diags.is_empty(), "an error report without problems");
    assert!(
        !report.render().trim().is_empty(),
        "an error report renders empty"
    );
    false
}

fn random_override(rng: &mut Rng, format: Format) -> String {
    let key = match rng.below(6) {
        0 => format!("{}.{}", random_key(rng), random_key(rng)),
        1 => format!("steps.{}.{}", rng.below(4), random_key(rng)),
        2 => format!("steps.blur.{}", random_key(rng)),
        3 => random_text(rng, 10),
        4 => "source.count".into(),
        _ => random_key(rng),
    };
    let value = match rng.below(3) {
        0 => random_text(rng, 10),
        _ => random_value(rng, format),
    };
    if rng.chance(5) {
        key
    } else {
        format!("{key}={value}")
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_workflows_never_panic_or_hang() {
    let cases: usize = env_or("FUZZ_CASES", 12_000);
    let seed: u64 = env_or("FUZZ_SEED", 1);
    // A folder for glob sources to find something in.
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "in/a.png",
        "in/b.png",
        "in/skip1.png",
        "in/sub/c.png",
        "x.png",
    ] {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"not really a png").unwrap();
    }
    let cwd = dir.path().to_path_buf();

    // The cases run on a worker with the binary's main-thread stack; this thread is the watchdog.
    let current = Arc::new(Mutex::new(String::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let (cur, dn) = (current.clone(), done.clone());
    let worker = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            // Keep the default hook quiet for the panics we catch and report ourselves.
            std::panic::set_hook(Box::new(|_| {}));
            let seeds = seeds();
            let mut rng = Rng(seed);
            let (mut compiled, mut slowest) = (0usize, (Duration::ZERO, String::new()));
            let mut failures: Vec<String> = Vec::new();
            for case in 0..cases {
                let (format, base) = &seeds[case % seeds.len()];
                let mut src = base.clone();
                for _ in 0..1 + rng.below(4) {
                    src = mutate(&mut rng, &src, *format);
                }
                let overrides: Vec<String> = if rng.chance(10) {
                    (0..1 + rng.below(3)).map(|_| random_override(&mut rng, *format)).collect()
                } else {
                    Vec::new()
                };
                *cur.lock().unwrap() = format!("{format:?} case {case}, overrides {overrides:?}:\n{src}");
                let t = Instant::now();
                let r = std::panic::catch_unwind(|| check_one(&src, *format, &overrides, &cwd));
                let el = t.elapsed();
                if el > slowest.0 {
                    let shown: String = src.escape_debug().to_string().chars().take(300).collect();
                    slowest = (el, format!("{format:?} case {case}: {shown}"));
                }
                match r {
                    Ok(ok) => compiled += ok as usize,
                    Err(p) => {
                        let msg = p
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        failures.push(format!(
                            "PANIC `{msg}` on {format:?} case {case}, overrides {overrides:?}:\n{src:?}"
                        ));
                    }
                }
                dn.fetch_add(1, Ordering::Relaxed);
            }
            let _ = std::panic::take_hook();
            (compiled, slowest, failures)
        })
        .unwrap();

    let start = Instant::now();
    let (mut last, mut last_change) = (0, Instant::now());
    while !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
        let now = done.load(Ordering::Relaxed);
        if now != last {
            (last, last_change) = (now, Instant::now());
        } else if last_change.elapsed() > Duration::from_secs(10) {
            let input = current.lock().unwrap().clone();
            panic!(
                "check hangs (> 10 s) on {:.2000}",
                input.escape_debug().to_string()
            );
        }
    }
    let (compiled, slowest, failures) = worker.join().unwrap();
    let elapsed = start.elapsed();
    let peak = peak_rss_kb();
    println!(
        "fuzz_check: {cases} mutated workflows (seed {seed}) in {:.2} s: {compiled} compiled, {} rejected with a report, {} panicked; slowest case {:.1} ms ({}); peak RSS {} MB",
        elapsed.as_secs_f64(),
        cases - compiled - failures.len(),
        failures.len(),
        slowest.0.as_secs_f64() * 1e3,
        slowest.1,
        peak / 1024,
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases panicked; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(cases >= 10_000 || std::env::var("FUZZ_CASES").is_ok());
    assert!(
        compiled > 0,
        "no mutated case compiled: the mutator is too destructive"
    );
    assert!(
        slowest.0 < Duration::from_secs(5),
        "a case took {:?}: {}",
        slowest.0,
        slowest.1
    );
    assert!(peak < 2 << 20, "peak RSS {peak} kB");
}

/// This process's peak resident memory (kB), from /proc (0 where there is none).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the fuzzer, and hostile inputs that must be refused quickly.

/// Load + compile in process, expecting a report mentioning `phrase`, within `limit`.
fn refused(src: &str, format: Format, phrase: &str, limit: Duration) {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let label = if format == Format::Toml {
        "w.toml"
    } else {
        "w.yaml"
    };
    let report = match load_str(src, format, label, &[]) {
        Ok(l) => match compile(&l, dir.path()) {
            Ok(_) => panic!("compiled: {src:.300}"),
            Err(r) => r,
        },
        Err(r) => r,
    };
    let el = t.elapsed();
    let text = report.render();
    assert!(text.contains(phrase), "{phrase:?} not in:\n{text:.2000}");
    assert!(el < limit, "took {el:?}");
}

#[test]
fn huge_noise_count_is_refused_not_allocated() {
    // Regression: count = 2^32 passed the checks, then compile built 2^32 jobs (~330 bytes each):
    // `flowrun check` ran for minutes and took many GB. Now `count` is capped at 2^20.
    for count in ["4294967296", "4294967295", "100000000", "1048577"] {
        let src = format!(
            "[source]\nkind = \"noise\"\ncount = {count}\nshape = [1, 1]\nrng = \"fast\"\n[output]\nimages = \"o/{{index}}.bmp\"\n"
        );
        refused(
            &src,
            Format::Toml,
            "`count` must be at most 1048576",
            Duration::from_secs(2),
        );
    }
}

/// Runs `flowrun check FILE` in `dir` with a 10 s timeout and a 2 GB address-space limit
/// (`ulimit -v`, so a blow-up fails instead of swapping); returns (exit code, stderr).
fn check_bounded(dir: &Path, file: &str) -> (Option<i32>, String, Duration) {
    let err_path = dir.join(format!("{file}.stderr"));
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000 && exec \"$0\" check \"$1\"")
        .arg(BIN)
        .arg(file)
        .current_dir(dir)
        .env_remove("FLOWRUN_LOG")
        .stdout(Stdio::null())
        // To a file, not a pipe: a report quoting a 10 000-character line is bigger than a pipe
        // buffer, and an unread pipe would block the child.
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err = std::fs::read(&err_path).unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&err).into_owned(),
                start.elapsed(),
            );
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`flowrun check {file}` still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn billion_laughs() -> String {
    let mut src = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        src.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    src.push_str("source: {kind: noise, count: 1, shape: *a9}\n");
    src
}

#[test]
fn hostile_files_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let deep = 10_000;
    let cases: Vec<(&str, String, &str)> = vec![
        ("laughs.yaml", billion_laughs(), "invalid YAML"),
        (
            "deep_array.toml",
            format!("a = {}1{}\n", "[".repeat(deep), "]".repeat(deep)),
            "invalid TOML",
        ),
        (
            "deep_table.toml",
            format!("source = {}1{}\n", "{ a = ".repeat(deep), " }".repeat(deep)),
            "invalid TOML",
        ),
        (
            "deep_unclosed.toml",
            format!("a = {}\n", "[".repeat(100_000)),
            "invalid TOML",
        ),
        (
            "deep_flow.yaml",
            format!("a: {}1{}\n", "[".repeat(deep), "]".repeat(deep)),
            "invalid YAML",
        ),
        (
            "deep_block.yaml",
            (0..deep).map(|i| format!("{}a:\n", " ".repeat(i))).collect(),
            "invalid YAML",
        ),
        (
            "huge_count.toml",
            "[source]\nkind = \"noise\"\ncount = 4294967296\nshape = [1, 1]\nrng = \"fast\"\n[output]\nimages = \"o/{index}.bmp\"\n".into(),
            "`count` must be at most",
        ),
        (
            "numbers.toml",
            "[source]\nkind = \"noise\"\ncount = 99999999999999999999999\nshape = [1e400, nan]\nscale = inf\n".into(),
            "out of range",
        ),
        (
            "long.yaml",
            format!("name: \"{}\"\nsource: {{kind: nope}}\n", "x".repeat(5_000_000)),
            "unknown kind",
        ),
    ];
    for (name, text, phrase) in &cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let (code, err, took) = check_bounded(dir.path(), name);
        println!(
            "flowrun check {name}: exit {code:?} in {:.3} s",
            took.as_secs_f64()
        );
        assert_eq!(code, Some(2), "{name}: stderr {err:.2000}");
        assert!(
            err.contains(phrase),
            "{name}: {phrase:?} not in {err:.2000}"
        );
        assert!(
            err.contains(name),
            "{name}: the message names the file: {err:.2000}"
        );
        assert!(!err.contains("panicked"), "{name}: {err:.2000}");
    }
    assert!(!dir.path().join("o").exists(), "check writes nothing");
}
