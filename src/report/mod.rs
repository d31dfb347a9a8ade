//! The run report: one self-contained HTML page (`[output] report`) to look at a run — the
//! failures first, each metric's distribution and outliers, where the time went, and every image
//! with thumbnails. It is built from what a run leaves on disk: the results table (its rows, so a
//! workflow with a report needs a results table), the table's sidecar (counts and times) and the
//! output files; a run hands over the thumbnails its workers made from images already in memory
//! ([`ReportInputs::shots`]), so the page is made without decoding the images again.
//!
//! [`write`] builds the page and writes it atomically; [`Refresher`] spaces rebuilds out. Watch
//! mode runs with [`crate::exec::RunOptions::defer_report`], keeps the thumbnails each small run
//! hands back ([`crate::exec::Summary::shots`], merged with [`Shots::merge`]) and calls [`write`]
//! when its `Refresher` is due, and once when the watch ends.

mod data;
mod html;
mod page;
pub mod stats;
mod svg;
pub mod thumbs;

pub use data::{read_meta, read_table, RunMeta, Table, TableRow};
pub use html::esc;
pub use thumbs::Shots;

use crate::plan::Plan;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a caller hands the report besides the files: thumbnails already made.
#[derive(Clone, Debug, Default)]
pub struct ReportInputs {
    /// Thumbnails by image index (the rest are made from the files, for the images shown).
    pub shots: Shots,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The results table is missing or unreadable (nothing to show).
    #[error("{0}")]
    Table(String),
    #[error("cannot write the report `{0}`: {1}")]
    Write(String, std::io::Error),
}

/// What building a page took.
#[derive(Clone, Debug, Default)]
pub struct Built {
    pub bytes: usize,
    pub rows: usize,
    /// Thumbnails shown, and how many of them had to be made from files.
    pub thumbnails: usize,
    pub from_files: usize,
    pub elapsed: Duration,
}

/// Builds the report of `plan`'s last run and writes it to `out` (default: the plan's `report`)
/// atomically: a reader sees the old page or the new one, never a partial one.
pub fn write(plan: &Plan, inputs: &ReportInputs, out: Option<&Path>) -> Result<Built, ReportError> {
    let start = Instant::now();
    let path = match out {
        Some(p) => p.to_path_buf(),
        None => default_path(plan),
    };
    let (html, mut built) = build(plan, inputs, &path)?;
    crate::sinks::atomic::write_atomic(&path, html.as_bytes())
        .map_err(|e| ReportError::Write(path.display().to_string(), e))?;
    built.elapsed = start.elapsed();
    tracing::info!(
        path = %path.display(),
        bytes = built.bytes,
        thumbnails = built.thumbnails,
        ms = built.elapsed.as_secs_f64() * 1e3,
        "report written"
    );
    Ok(built)
}

/// Where the report goes: the plan's `report`, else `report.html` beside the results table.
pub fn default_path(plan: &Plan) -> PathBuf {
    if let Some(r) = &plan.report {
        return r.clone();
    }
    plan.results
        .as_ref()
        .map(|r| crate::sinks::atomic::parent_dir(&r.path).join("report.html"))
        .unwrap_or_else(|| PathBuf::from("report.html"))
}

/// The page's HTML for a report written to `path` (links to outputs are relative to its folder).
pub fn build(
    plan: &Plan,
    inputs: &ReportInputs,
    path: &Path,
) -> Result<(String, Built), ReportError> {
    let table = read_table(plan).map_err(ReportError::Table)?;
    let results = plan
        .results
        .as_ref()
        .map(|r| r.path.clone())
        .unwrap_or_default();
    let meta = read_meta(&results);
    let html = page::render(plan, &table, meta, inputs, path);
    let built = Built {
        bytes: html.html.len(),
        rows: table.rows.len(),
        thumbnails: html.thumbnails,
        from_files: html.from_files,
        elapsed: Duration::ZERO,
    };
    Ok((html.html, built))
}

/// Spaces rebuilds out: [`Refresher::due`] says yes at most once per `every` (and always the
/// first time). Watch mode asks it after each small run, and rebuilds the page when it says yes
/// (and once more when the watch ends, so the last run is always shown).
#[derive(Clone, Debug)]
pub struct Refresher {
    pub every: Duration,
    last: Option<Instant>,
}

impl Refresher {
    /// Refreshes at most once per `every`.
    pub fn new(every: Duration) -> Refresher {
        Refresher { every, last: None }
    }

    /// Whether to rebuild now; if so, the next rebuild is due `every` from now.
    pub fn due(&mut self) -> bool {
        self.due_at(Instant::now())
    }

    fn due_at(&mut self, now: Instant) -> bool {
        match self.last {
            Some(t) if now.saturating_duration_since(t) < self.every => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

impl Default for Refresher {
    /// Every 3 seconds.
    fn default() -> Refresher {
        Refresher::new(Duration::from_secs(3))
    }
}

/// `target` as a path from a page in folder `from` (relative paths are taken from `cwd`):
/// `../images/a.png`; absolute when they share nothing.
pub fn relative_link(cwd: &Path, from: &Path, target: &Path) -> String {
    use std::path::Component;
    let abs = |p: &Path| crate::plan::paths::normalize(cwd, p);
    let (from, target) = (abs(from), abs(target));
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common <= 1 && target.is_absolute() {
        return target.to_string_lossy().into_owned();
    }
    let mut parts: Vec<String> = vec!["..".into(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresher_spaces_rebuilds() {
        let mut r = Refresher::new(Duration::from_secs(3));
        let t0 = Instant::now();
        assert!(r.due_at(t0));
        assert!(!r.due_at(t0 + Duration::from_secs(1)));
        assert!(r.due_at(t0 + Duration::from_secs(3)));
        assert!(!r.due_at(t0 + Duration::from_secs(5)));
    }

    #[test]
    fn links_are_relative_to_the_page() {
        let cwd = Path::new("/w");
        let link = |a: &str, b: &str| relative_link(cwd, Path::new(a), Path::new(b));
        assert_eq!(link("out/blur", "out/blur/a.bmp"), "a.bmp");
        assert_eq!(link("/w", "/elsewhere/a.bmp"), "/elsewhere/a.bmp");
        assert_eq!(link("out/report", "out/img/a b.png"), "../img/a b.png");
    }
}
