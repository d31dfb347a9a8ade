//! The source: how many images there are and where their inputs come from.

use super::Ctx;
use crate::config::syntax::Seg;
use crate::config::{Clip, GlobSource, NoiseSource, RngChoice, Source};
use crate::plan::places::real_path;
use crate::plan::{Page, SourcePlan};
use crate::source::decode::{frame_count, ColorMode, DecodeOptions, Frames, MAX_PAGES};
use crate::source::noise::{NoiseLoc, NoiseSpec, RngKind};
use crate::state::StatePaths;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Largest image a noise source may generate, and the default `max_pixels` of a glob source.
pub const MAX_PIXELS: u64 = 1 << 28;
/// Largest noise `count`: compile renders and checks every image's outputs, so an unbounded
/// count would make `flowrun check` run for minutes.
pub const MAX_COUNT: u64 = 1 << 20;

/// A compiled source, and what compile learned from listing its files.
pub(super) struct Compiled {
    pub plan: SourcePlan,
    /// The inputs that are symbolic links.
    pub links: Vec<PathBuf>,
    /// How many channels every image has, when the source fixes it.
    pub channels: Option<usize>,
}

/// The source section, checked; `None` (with the problems reported) when it cannot be used.
pub(super) fn compile(
    cx: &mut Ctx,
    source: &Source,
    cwd: &Path,
    allow_empty: bool,
    warnings: &mut Vec<String>,
) -> Option<Compiled> {
    match source {
        Source::Noise(n) => noise_source(cx, n).map(|plan| Compiled {
            plan,
            links: Vec::new(),
            channels: Some(1),
        }),
        Source::Glob(g) => glob_source(cx, g, cwd, allow_empty, warnings),
    }
}

fn glob_source(
    cx: &mut Ctx,
    g: &GlobSource,
    cwd: &Path,
    allow_empty: bool,
    warnings: &mut Vec<String>,
) -> Option<Compiled> {
    let pattern_path = [Seg::Key("source"), Seg::Key("pattern")];
    let mut decode = DecodeOptions {
        color: g.color,
        frames: g.frames,
        ..DecodeOptions::default()
    };
    if let Some(mp) = g.max_pixels {
        if mp == 0 {
            cx.err(
                cx.pos(&[Seg::Key("source"), Seg::Key("max_pixels")]),
                "`max_pixels` must be at least 1",
                None,
            );
        }
        decode.max_pixels = mp;
    }
    match crate::source::glob::expand(&g.pattern, &g.exclude, cwd) {
        Ok(m) if m.files.is_empty() && !allow_empty => {
            cx.err(
                cx.pos(&pattern_path),
                format!("`{}` matches no files", g.pattern),
                Some(format!(
                    "relative patterns resolve against the current directory ({}); hidden files are skipped unless the pattern names them",
                    cwd.display()
                )),
            );
            None
        }
        Ok(m) => {
            // A relative pattern gives paths relative to the current directory, as written.
            let shown = |p: &Path| -> PathBuf {
                if Path::new(&g.pattern).is_relative() {
                    p.strip_prefix(cwd)
                        .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
                } else {
                    p.to_path_buf()
                }
            };
            for ex in &m.unused_excludes {
                warnings.push(format!(
                    "`source.exclude` pattern `{ex}` leaves out no file (excludes are globs relative to the current directory, spelled like `source.pattern`)"
                ));
            }
            let links = m.links.iter().map(|f| shown(f)).collect();
            let files: Vec<PathBuf> = m.files.iter().map(|f| shown(f)).collect();
            let root = shown(&m.root);
            let channels = match g.color {
                ColorMode::Keep => None,
                ColorMode::Gray => Some(1),
                ColorMode::Rgb => Some(3),
            };
            Some(Compiled {
                plan: SourcePlan::Files {
                    root,
                    files: files.into(),
                    decode,
                    pages: None,
                },
                links,
                channels,
            })
        }
        Err(e) => {
            cx.err(cx.pos(&pattern_path), e.to_string(), None);
            None
        }
    }
}

fn noise_source(cx: &mut Ctx, n: &NoiseSource) -> Option<SourcePlan> {
    let at = |k: &'static str| [Seg::Key("source"), Seg::Key(k)];
    let before = cx.report.diags.len();
    if n.count == 0 {
        cx.err(cx.pos(&at("count")), "`count` must be at least 1", None);
    }
    let (h, w) = match n.shape.as_slice() {
        [h, w] if *h > 0 && *w > 0 => (*h, *w),
        _ => {
            cx.err(
                cx.pos(&at("shape")),
                format!(
                    "`shape` must be [height, width] with both > 0, got {:?}",
                    n.shape
                ),
                Some("e.g. shape = [1024, 1024]".into()),
            );
            (0, 0)
        }
    };
    if h.checked_mul(w).is_none_or(|p| p > MAX_PIXELS) {
        cx.err(
            cx.pos(&at("shape")),
            format!("{h}×{w} is over {MAX_PIXELS} pixels per image"),
            None,
        );
    }
    if n.max_index == 0 {
        cx.err(
            cx.pos(&at("max_index")),
            "`max_index` must be at least 1",
            None,
        );
    }
    if !(n.scale.is_finite() && n.scale >= 0.0) {
        cx.err(
            cx.pos(&at("scale")),
            format!("`scale` must be a finite number >= 0, got {}", n.scale),
            None,
        );
    }
    if let Some(l) = n.loc.filter(|l| !l.is_finite()) {
        cx.err(
            cx.pos(&at("loc")),
            format!("`loc` must be finite, got {l}"),
            None,
        );
    }
    let clip = match n.clip {
        Clip::Range([lo, hi]) => {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                cx.err(
                    cx.pos(&at("clip")),
                    format!("`clip` must be [lo, hi] with finite lo <= hi, got [{lo}, {hi}]"),
                    None,
                );
            }
            Some((lo, hi))
        }
        Clip::Enabled(true) => Some((0.0, 1.0)),
        Clip::Enabled(false) => None,
    };
    let rng = match n.rng {
        RngChoice::Numpy => RngKind::Numpy,
        RngChoice::Fast => RngKind::Fast,
    };
    let last_seed = n.seed_offset.checked_add(n.count.saturating_sub(1));
    if rng == RngKind::Numpy && last_seed.is_none_or(|s| s > u64::from(u32::MAX)) {
        cx.err(
            cx.pos(&at("seed_offset")),
            format!(
                "numpy seeds must be below 2^32, but image {} would get seed {}",
                n.count.saturating_sub(1),
                n.seed_offset as u128 + n.count.saturating_sub(1) as u128
            ),
            Some("lower `seed_offset` or `count`".into()),
        );
    }
    if n.count > MAX_COUNT {
        cx.err(
            cx.pos(&at("count")),
            format!("`count` must be at most {MAX_COUNT}"),
            None,
        );
    }
    if cx.report.diags.len() != before {
        return None;
    }
    let spec = NoiseSpec {
        height: h as usize,
        width: w as usize,
        seed_offset: n.seed_offset,
        loc: match n.loc {
            Some(l) => NoiseLoc::Fixed(l),
            None => NoiseLoc::Index {
                max_index: n.max_index,
            },
        },
        scale: n.scale,
        clip,
        rng,
    };
    Some(SourcePlan::Noise {
        spec,
        count: n.count,
    })
}

/// With `frames = "each"`, the source's images: every page of every file, counted from each
/// file's chain of TIFF directories (no pixels are read). A file that cannot be read counts as
/// one image, which then fails when it runs, as with `frames = "first"`. Labels `path#frame`
/// (the resume state's keys) stay distinct: the frame is the digits after the last `#`.
pub(super) fn count_pages(
    cx: &mut Ctx,
    plan: &mut SourcePlan,
    cwd: &Path,
    warnings: &mut Vec<String>,
) {
    let SourcePlan::Files {
        files,
        decode,
        pages,
        ..
    } = plan
    else {
        return;
    };
    if decode.frames != Frames::Each {
        return;
    }
    let mut all = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let n = frame_count(&cwd.join(f), Frames::Each).unwrap_or(1);
        if n >= MAX_PAGES {
            warnings.push(format!(
                "`{}` has {MAX_PAGES} pages or more; only the first {MAX_PAGES} are read",
                f.display()
            ));
        }
        let Ok(file) = u32::try_from(i) else {
            cx.err(
                cx.pos(&[Seg::Key("source"), Seg::Key("pattern")]),
                format!("more than {} files", u32::MAX),
                None,
            );
            return;
        };
        // `n` ≤ MAX_PAGES, far below u32::MAX.
        all.extend((0..n as u32).map(|frame| Page { file, frame }));
    }
    *pages = Some(all.into());
}

/// The listed `files` without those this workflow's earlier runs wrote (by its resume state), if
/// any output folder lies below the pattern's folder `root` (else `None`: nothing to do). Paths
/// are compared by their real folders, so outputs written through a symlinked folder count.
pub(super) fn without_own_outputs(
    files: &[PathBuf],
    root: &Path,
    output_dirs: &[&Path],
    state: &StatePaths,
    cwd: &Path,
) -> std::io::Result<Option<Vec<PathBuf>>> {
    let root = real_path(cwd, root);
    let below = output_dirs
        .iter()
        .any(|d| real_path(cwd, d).starts_with(&root));
    if !below || !state.log.exists() {
        return Ok(None);
    }
    let mut dirs: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut key = |p: &Path| {
        let parent = p.parent().unwrap_or(Path::new("")).to_path_buf();
        let dir = dirs
            .entry(parent)
            .or_insert_with_key(|parent| real_path(cwd, parent));
        let real = dir.join(p.file_name().unwrap_or_default());
        xxhash_rust::xxh3::xxh3_128(real.as_os_str().as_encoded_bytes())
    };
    let mut written = HashSet::new();
    crate::state::each_entry(&state.log, |e| {
        for (p, _) in e.outputs.iter().chain(&e.orphans) {
            written.insert(key(Path::new(p)));
        }
    })?;
    if written.is_empty() {
        return Ok(None);
    }
    let kept: Vec<PathBuf> = files
        .iter()
        .filter(|f| !written.contains(&key(f)))
        .cloned()
        .collect();
    Ok((kept.len() != files.len()).then_some(kept))
}
