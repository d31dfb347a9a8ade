//! What the binary tells people: every line to stderr goes through [`Ui`] (plain text, with
//! colour only on a terminal without `NO_COLOR`, or one JSON object per line with
//! `--log-format json`), and every line to stdout through [`Ui::out`], which turns a closed
//! pipe into a quiet end and any other write error into one line of error — never a panic.

use flowrun::diag::{Pos, Report};
use flowrun::exec::{plural, Observer, Summary};
use flowrun::plan::Plan;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why printing to stdout stopped.
#[derive(Debug)]
pub enum OutError {
    /// The reader went away (`flowrun … | head`): stop quietly.
    Closed,
    /// Any other write error (a full disk, `/dev/full`).
    Failed(std::io::Error),
}

impl From<std::io::Error> for OutError {
    fn from(e: std::io::Error) -> OutError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            OutError::Closed
        } else {
            OutError::Failed(e)
        }
    }
}

/// How messages are written.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    pub json: bool,
    pub quiet: bool,
    pub color: bool,
    /// `-v`: a breakdown of where the time went after the summary.
    pub verbose: bool,
}

impl Ui {
    pub fn new(json: bool, quiet: bool, verbose: bool) -> Ui {
        let color = !json
            && std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            json,
            quiet,
            color,
            verbose,
        }
    }

    /// Writes `text` to stdout.
    pub fn out(&self, text: &str) -> Result<(), OutError> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// One line to stderr (write errors are ignored: there is nowhere left to report them).
    fn line(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.write_all(b"\n");
    }

    /// A JSON line shaped like the log lines (`timestamp`, `level`, `fields`, `target`).
    fn json_line(&self, level: &str, fields: serde_json::Value) {
        let line = serde_json::json!({
            "timestamp": flowrun::timefmt::rfc3339_now(),
            "level": level,
            "fields": fields,
            "target": "flowrun",
        });
        self.line(&line.to_string());
    }

    fn label(&self, word: &str, ansi: &str) -> String {
        if self.color {
            format!("\x1b[{ansi}m{word}:\x1b[0m")
        } else {
            format!("{word}:")
        }
    }

    pub fn error(&self, msg: &str) {
        if self.json {
            self.json_line("ERROR", serde_json::json!({ "message": msg }));
        } else {
            self.line(&format!("{} {msg}", self.label("error", "1;31")));
        }
    }

    pub fn warning(&self, msg: &str) {
        if self.quiet {
            return;
        }
        if self.json {
            self.json_line("WARN", serde_json::json!({ "message": msg }));
        } else {
            self.line(&format!("{} {msg}", self.label("warning", "1;33")));
        }
    }

    pub fn note(&self, msg: &str) {
        if self.quiet {
            return;
        }
        if self.json {
            self.json_line("INFO", serde_json::json!({ "message": msg }));
        } else {
            self.line(&format!("{} {msg}", self.label("note", "1;36")));
        }
    }

    /// Every problem of a workflow that does not compile.
    pub fn diagnostics(&self, report: &Report) {
        if !self.json {
            let text = report.render();
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            return;
        }
        for d in report.sorted() {
            let (line, column) = match d.pos {
                Pos::File { line, col } => (Some(line), Some(col)),
                _ => (None, None),
            };
            self.json_line(
                "ERROR",
                serde_json::json!({
                    "message": d.message,
                    "location": report.location(d.pos),
                    "file": report.file,
                    "line": line,
                    "column": column,
                    "hint": d.hint,
                }),
            );
        }
    }

    /// The end of a run: each failure once, the failed expectations, and the summary line (on
    /// stdout; a JSON line on stderr with `--log-format json`).
    pub fn summary(&self, plan: &Plan, s: &Summary) -> Result<(), OutError> {
        const SHOWN: usize = 20;
        for (index, input, error) in s.failures.iter().take(SHOWN) {
            // Errors name the file for the results table; the line names it already.
            let error = error
                .strip_prefix(input.as_str())
                .and_then(|e| e.strip_prefix(": "))
                .unwrap_or(error);
            if self.json {
                self.json_line(
                    "ERROR",
                    serde_json::json!({
                        "message": "image failed", "index": index, "input": input, "error": error,
                    }),
                );
            } else {
                self.line(&format!(
                    "{} image {index} ({input}): {error}",
                    self.label("failed", "1;31")
                ));
            }
        }
        if s.failed > SHOWN as u64 {
            self.error(&format!(
                "… and {} more failed {} (see the results table)",
                s.failed - SHOWN as u64,
                plural(s.failed - SHOWN as u64, "image")
            ));
        }
        for e in s.expectations.iter().take(SHOWN) {
            if self.json {
                self.json_line(
                    "ERROR",
                    serde_json::json!({ "message": "expectation failed", "expectation": e }),
                );
            } else {
                self.line(&format!("{} {e}", self.label("expectation failed", "1;31")));
            }
        }
        if s.expectations_failed > SHOWN as u64 {
            self.error(&format!(
                "… and {} more failed expectations",
                s.expectations_failed - SHOWN as u64
            ));
        }
        if s.interrupted {
            self.warning(&format!(
                "interrupted: {} of {} {} done; rerun to finish (finished images are skipped)",
                s.ok + s.failed,
                s.selected,
                plural(s.selected, "image")
            ));
        }
        if self.quiet {
            return Ok(());
        }
        let secs = s.elapsed.as_secs_f64();
        let n = s.ok + s.failed;
        if self.json {
            self.json_line(
                "INFO",
                serde_json::json!({
                    "message": "run finished",
                    "workflow": plan.name,
                    "selected": s.selected,
                    "ok": s.ok,
                    "failed": s.failed,
                    "up_to_date": s.skipped,
                    "interrupted": s.interrupted,
                    "elapsed_s": secs,
                    "results": plan.results.as_ref().map(|r| r.path.display().to_string()),
                    "report": s.report.as_ref().map(|(p, _)| p.display().to_string()),
                    "table": {
                        "rows": s.table.rows(), "ok": s.table.ok, "failed": s.table.failed,
                        "not_run": s.table.not_run, "outdated": s.table.outdated,
                    },
                    "time_s": s.timing.phases(plan).into_iter()
                        .map(|(phase, ns)| (phase, serde_json::json!(ns as f64 * 1e-9)))
                        .collect::<serde_json::Map<_, _>>(),
                }),
            );
            return Ok(());
        }
        self.out(&format!("{}\n", summary_line(plan, s, n, secs)))?;
        if self.verbose {
            if let Some(line) = time_line(plan, s) {
                self.out(&format!("{line}\n"))?;
            }
            if let Some((_, b)) = &s.report {
                self.out(&format!("{}\n", report_line(b)))?;
            }
        }
        Ok(())
    }
}

/// `blur: 20 images, 20 ok (12 up to date), 0 failed in 0.812 s (24.6 images/s); results in …`
pub fn summary_line(plan: &Plan, s: &Summary, n: u64, secs: f64) -> String {
    let rows = s.table.rows();
    let images = if s.selected == rows {
        format!("{n} {}", plural(n, "image"))
    } else {
        format!("{n} of {rows} {}", plural(rows, "image"))
    };
    let skipped = if s.skipped > 0 {
        format!(" ({} up to date)", s.skipped)
    } else {
        String::new()
    };
    let mut line = format!(
        "{}: {images}, {} ok{skipped}, {} failed in {secs:.3} s ({})",
        plan.name,
        s.ok,
        s.failed,
        rate(n as f64 / secs.max(1e-9), "image")
    );
    if let Some(r) = &plan.results {
        line.push_str(&format!("; results in {}", r.path.display()));
        let t = s.table;
        if t.ok != rows {
            let mut parts = vec![format!("{} ok", t.ok)];
            for (k, what) in [
                (t.failed, "failed"),
                (t.not_run, "not run"),
                (t.outdated, "outdated"),
            ] {
                if k > 0 {
                    parts.push(format!("{k} {what}"));
                }
            }
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
    }
    if let Some((path, _)) = &s.report {
        line.push_str(&format!("; report in {}", path.display()));
    }
    line
}

/// `report: 212 kB, 40 thumbnails (0 made from files), built in 31 ms`.
pub fn report_line(b: &flowrun::report::Built) -> String {
    format!(
        "report: {} kB, {} rows, {} thumbnails ({} made from files), built in {:.0} ms",
        b.bytes.div_ceil(1000),
        b.rows,
        b.thumbnails,
        b.from_files,
        b.elapsed.as_secs_f64() * 1e3
    )
}

/// `time: generate 13% · step blur 80% · metrics 2% · encode 5% (1.62 s of work on 2 workers)`:
/// each phase that took time, by its share of the workers' total; `None` when nothing was timed.
pub fn time_line(plan: &Plan, s: &Summary) -> Option<String> {
    let total = s.timing.total();
    if total == 0 {
        return None;
    }
    let parts: Vec<String> = s
        .timing
        .phases(plan)
        .into_iter()
        .filter(|&(_, ns)| ns > 0)
        .map(|(phase, ns)| {
            let share = 100.0 * ns as f64 / total as f64;
            if share >= 9.95 {
                format!("{phase} {share:.0}%")
            } else if share >= 0.05 {
                format!("{phase} {share:.1}%")
            } else {
                format!("{phase} <0.1%")
            }
        })
        .collect();
    Some(format!(
        "time: {} ({:.3} s of work over {:.3} s)",
        parts.join(" · "),
        total as f64 * 1e-9,
        s.elapsed.as_secs_f64()
    ))
}

/// A rate with three significant digits and an SI prefix: `9.90 images/s`, `24.6 images/s`,
/// `12.3 k images/s`, `1.27 M images/s`.
pub fn rate(per_sec: f64, what: &str) -> String {
    let (v, prefix) = if per_sec >= 1e6 {
        (per_sec / 1e6, "M ")
    } else if per_sec >= 1e3 {
        (per_sec / 1e3, "k ")
    } else {
        (per_sec, "")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {prefix}{what}s/s")
}

/// Progress and notes during a run: a bar on a terminal, periodic plain (or JSON) lines
/// elsewhere when asked for, nothing otherwise.
pub struct Progress {
    ui: Ui,
    bar: Option<indicatif::ProgressBar>,
    /// Lines every so often (`--progress always` to something that is not a terminal).
    lines: bool,
    state: Mutex<(Instant, Instant)>,
}

/// How often progress lines are written.
const LINE_EVERY: Duration = Duration::from_secs(2);

impl Progress {
    /// `enabled`: progress was asked for (`always`, or `auto` on a terminal).
    pub fn new(ui: Ui, enabled: bool) -> Progress {
        let tty = std::io::stderr().is_terminal() && !ui.json;
        let now = Instant::now();
        Progress {
            ui,
            bar: None,
            lines: enabled && !tty,
            state: Mutex::new((now, now)),
        }
        .with_bar(enabled && tty)
    }

    fn with_bar(mut self, bar: bool) -> Progress {
        if bar {
            let b = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} images ({per_sec}, ETA {eta})",
            ) {
                b.set_style(style);
            }
            self.bar = Some(b);
        }
        self
    }
}

impl Observer for Progress {
    fn started(&self, images: usize) {
        if let Some(b) = &self.bar {
            b.set_length(images as u64);
        }
        if let Ok(mut s) = self.state.lock() {
            *s = (Instant::now(), Instant::now());
        }
    }

    fn progress(&self, done: usize, images: usize) {
        if let Some(b) = &self.bar {
            b.set_position(done as u64);
        }
        if !self.lines {
            return;
        }
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let (start, last) = *s;
        if last.elapsed() < LINE_EVERY || done == images {
            return;
        }
        s.1 = Instant::now();
        let secs = start.elapsed().as_secs_f64();
        let per_sec = done as f64 / secs.max(1e-9);
        let eta = if done > 0 {
            (images - done) as f64 / per_sec
        } else {
            f64::NAN
        };
        if self.ui.json {
            self.ui.json_line(
                "INFO",
                serde_json::json!({
                    "message": "progress", "done": done, "images": images,
                    "images_per_s": per_sec, "eta_s": eta,
                }),
            );
        } else {
            self.ui.line(&format!(
                "progress: {done}/{images} {} ({:.1} %), {}, ETA {}",
                plural(images as u64, "image"),
                100.0 * done as f64 / images.max(1) as f64,
                rate(per_sec, "image"),
                eta_text(eta)
            ));
        }
    }

    fn finished(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn note(&self, text: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| self.ui.note(text)),
            None => self.ui.note(text),
        }
    }

    fn waiting_for_lock(&self, holder: &str) {
        self.ui.note(&format!(
            "waiting for another flowrun run of this workflow to finish ({holder})"
        ));
    }
}

fn eta_text(secs: f64) -> String {
    if !secs.is_finite() {
        return "unknown".into();
    }
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, s / 60 % 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// What `flowrun watch` shows: one line per image on stdout (`ok`/`failed`, index, input, time
/// or error), and on a terminal a live counter on stderr.
pub struct WatchLines {
    ui: Ui,
    live: bool,
    /// The counter is on screen.
    shown: std::cell::Cell<bool>,
    last: std::cell::Cell<Option<Instant>>,
}

impl WatchLines {
    pub fn new(ui: Ui, live: bool) -> WatchLines {
        WatchLines {
            ui,
            live,
            shown: false.into(),
            last: None.into(),
        }
    }

    /// Removes the live counter.
    pub fn clear(&self) {
        if self.shown.replace(false) {
            let _ = std::io::stderr().write_all(b"\r\x1b[K");
        }
    }

    fn counter(&self, c: &flowrun::watch::Counts, force: bool) {
        if !self.live {
            return;
        }
        if !force
            && self
                .last
                .get()
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last.set(Some(Instant::now()));
        let mut text = format!("watching: {} ok", c.ok);
        if c.failed > 0 {
            text.push_str(&format!(", {} failed", c.failed));
        }
        if c.up_to_date > 0 {
            text.push_str(&format!(", {} up to date", c.up_to_date));
        }
        text.push_str(&format!(
            " · {} running, {} queued, {} settling",
            c.running, c.queued, c.settling
        ));
        let _ = write!(std::io::stderr(), "\r\x1b[K{text}");
        self.shown.set(true);
    }
}

impl flowrun::watch::WatchObserver for WatchLines {
    fn watching(&self, root: &std::path::Path, how: &str) {
        self.clear();
        self.ui
            .note(&format!("watching `{}` ({how})", root.display()));
    }

    fn image(&self, row: &flowrun::sinks::results::Row, counts: &flowrun::watch::Counts) {
        self.clear();
        if !self.ui.quiet {
            let line = match &row.error {
                None => format!(
                    "ok      {:>6}  {}  {:.1} ms\n",
                    row.index, row.input, row.elapsed_ms
                ),
                Some(e) => format!("failed  {:>6}  {}  {e}\n", row.index, row.input),
            };
            let _ = self.ui.out(&line);
        }
        self.counter(counts, true);
    }

    fn counts(&self, counts: &flowrun::watch::Counts) {
        self.counter(counts, false);
    }

    fn note(&self, text: &str) {
        self.clear();
        self.ui.note(text);
    }

    fn warning(&self, text: &str) {
        self.clear();
        self.ui.warning(text);
    }

    fn reloaded(&self, plan: &Plan) {
        self.clear();
        self.ui.note(&format!(
            "workflow reloaded (blake3 {}): it applies to the images that start from now on",
            &plan.workflow_hash[..12]
        ));
    }

    fn reload_failed(&self, report: &Report) {
        self.clear();
        self.ui.diagnostics(report);
        self.ui
            .warning("the edited workflow has errors: the previous one goes on");
    }

    fn waiting_for_lock(&self, holder: &str) {
        self.ui.note(&format!(
            "waiting for another flowrun run of this workflow to finish ({holder})"
        ));
    }
}

impl Ui {
    /// The line after a watch ends.
    pub fn watch_summary(&self, s: &flowrun::watch::WatchSummary) -> Result<(), OutError> {
        use flowrun::watch::Ended;
        if self.quiet {
            return Ok(());
        }
        let c = &s.counts;
        let why = match s.ended {
            Ended::Stopped => "stopped",
            Ended::Idle => "idle",
            Ended::MaxImages => "--max-images reached",
        };
        if self.json {
            self.json_line(
                "INFO",
                serde_json::json!({
                    "message": "watch finished", "ended": why, "ok": c.ok,
                    "failed": c.failed, "up_to_date": c.up_to_date,
                    "elapsed_s": s.elapsed.as_secs_f64(),
                }),
            );
            return Ok(());
        }
        let n = c.ok + c.failed;
        self.out(&format!(
            "watch: {n} {} ({} ok, {} failed), {} up to date, in {:.1} s ({why})\n",
            plural(n, "image"),
            c.ok,
            c.failed,
            c.up_to_date,
            s.elapsed.as_secs_f64()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_well() {
        assert_eq!(rate(9.9, "image"), "9.90 images/s");
        assert_eq!(rate(24.62, "image"), "24.6 images/s");
        assert_eq!(rate(246.2, "image"), "246 images/s");
        assert_eq!(rate(12_345.0, "image"), "12.3 k images/s");
        assert_eq!(rate(1_270_000.0, "image"), "1.27 M images/s");
        assert_eq!(eta_text(75.0), "1m 15s");
        assert_eq!(eta_text(f64::NAN), "unknown");
    }
}
