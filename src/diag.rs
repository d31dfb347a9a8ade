//! Diagnostics: every problem found in a workflow, each with where it is (file, line, column — or
//! the `--set` override it came from), what is wrong, and a hint. Rendered once, at the top.

use std::fmt::Write as _;

/// Where a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pos {
    /// 1-based line and column in the workflow file (columns count characters).
    File { line: u32, col: u32 },
    /// The n-th `--set KEY=VALUE` override (0-based).
    Set(u32),
    /// Not tied to a place (e.g. a whole-file problem).
    Unknown,
}

impl Pos {
    pub fn file(line: u32, col: u32) -> Pos {
        Pos::File { line, col }
    }
}

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub pos: Pos,
    pub message: String,
    pub hint: Option<String>,
}

impl Diag {
    pub fn new(pos: Pos, message: impl Into<String>) -> Diag {
        Diag {
            pos,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diag {
        self.hint = Some(hint.into());
        self
    }

    pub fn hint_opt(mut self, hint: Option<String>) -> Diag {
        self.hint = hint;
        self
    }
}

/// How [`ParamCx`] hands a problem on: `(parameter key, message, hint)`.
pub type ReportFn<'a> = dyn FnMut(Option<&str>, String, Option<String>) + 'a;

/// Where the checks of one op's or metric's parameters report their problems: at the key of the
/// parameter (or at the step or metric itself), through the compiler that asked.
pub struct ParamCx<'a> {
    report: &'a mut ReportFn<'a>,
    /// The number of channels of the images the op reads, when the source fixes it.
    pub channels: Option<usize>,
}

impl<'a> ParamCx<'a> {
    /// Reports through `report(key, message, hint)`.
    pub fn new(report: &'a mut ReportFn<'a>, channels: Option<usize>) -> ParamCx<'a> {
        ParamCx { report, channels }
    }

    /// A problem with the parameter `key`.
    pub fn err(&mut self, key: &str, message: impl Into<String>, hint: impl Into<Option<String>>) {
        (self.report)(Some(key), message.into(), hint.into());
    }

    /// A problem with the parameters as a whole (reported at the op or metric).
    pub fn err_here(&mut self, message: impl Into<String>, hint: impl Into<Option<String>>) {
        (self.report)(None, message.into(), hint.into());
    }
}

/// Every problem found in one workflow, with what is needed to render them.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The workflow file's path as the user gave it.
    pub file: String,
    /// The file's text (for source excerpts).
    pub source: String,
    /// The `--set` overrides, in order.
    pub overrides: Vec<String>,
    pub diags: Vec<Diag>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.diags.is_empty()
    }

    /// Adds a problem unless one is already reported at the same place (a value that failed to
    /// parse is not reported again by the checks that run on its placeholder).
    pub fn push(&mut self, diag: Diag) {
        if diag.pos != Pos::Unknown && self.diags.iter().any(|d| d.pos == diag.pos) {
            return;
        }
        self.diags.push(diag);
    }

    /// Diagnostics in file order (line, column), overrides after the file.
    pub fn sorted(&self) -> Vec<&Diag> {
        let mut v: Vec<&Diag> = self.diags.iter().collect();
        v.sort_by_key(|d| d.pos);
        v
    }

    /// The one-line location prefix: `file:line:col` or `--set KEY=VALUE`.
    pub fn location(&self, pos: Pos) -> String {
        match pos {
            Pos::File { line, col } => format!("{}:{line}:{col}", self.file),
            Pos::Set(i) => format!(
                "--set {}",
                self.overrides
                    .get(i as usize)
                    .map(String::as_str)
                    .unwrap_or("?")
            ),
            Pos::Unknown => self.file.clone(),
        }
    }

    /// Renders every problem: `file:line:col: error: message`, the source line with a caret, and
    /// the hint; then a count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            let _ = writeln!(out, "{}: error: {}", self.location(d.pos), d.message);
            if let Pos::File { line, col } = d.pos {
                if let Some(text) = self.source.lines().nth(line as usize - 1) {
                    let (text, col) = excerpt(text, col);
                    let text = text.as_str();
                    let num = line.to_string();
                    let pad = " ".repeat(num.len());
                    let caret_pad: String = text
                        .chars()
                        .take(col as usize - 1)
                        .map(|c| if c == '\t' { '\t' } else { ' ' })
                        .collect();
                    let _ = writeln!(out, "{pad} |");
                    let _ = writeln!(out, "{num} | {text}");
                    let _ = writeln!(out, "{pad} | {caret_pad}^");
                }
            }
            if let Some(h) = &d.hint {
                let _ = writeln!(out, "  = hint: {h}");
            }
        }
        let n = self.diags.len();
        let _ = writeln!(
            out,
            "{}: {n} problem{} found; nothing was run",
            self.file,
            if n == 1 { "" } else { "s" }
        );
        out
    }
}

/// Widest source line quoted under a message.
const EXCERPT_CHARS: usize = 120;

/// The part of `line` to quote around column `col` (at most [`EXCERPT_CHARS`] characters, `…`
/// marking cuts), and the column within it.
fn excerpt(line: &str, col: u32) -> (String, u32) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= EXCERPT_CHARS {
        return (line.to_string(), col);
    }
    let at = (col as usize).saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(EXCERPT_CHARS / 2);
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    text.extend(&chars[start..end]);
    if end < chars.len() {
        text.push('…');
    }
    (text, (at - start) as u32 + 1 + u32::from(start > 0))
}

/// "did you mean `x`?" for the closest of `candidates` to `word`, if one is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    let w = word.to_lowercase();
    for c in candidates {
        let lc = c.to_lowercase();
        let mut score = strsim::jaro_winkler(&w, &lc);
        if w.chars().count() >= 3 && strsim::damerau_levenshtein(&w, &lc) <= 2 {
            score = score.max(0.81);
        }
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// A hint listing the valid names, with a did-you-mean first when one is close.
pub fn suggest(word: &str, candidates: &[&str]) -> String {
    let mut unique: Vec<&str> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if !unique.contains(c) {
            unique.push(c);
        }
    }
    let candidates = &unique;
    let list = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match did_you_mean(word, candidates.iter().copied()) {
        Some(dym) => format!("{dym} (valid: {list})"),
        None => format!("valid: {list}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_picks_the_closest() {
        assert_eq!(
            did_you_mean("sigmaa", ["sigma", "mode", "truncate"]),
            Some("did you mean `sigma`?".into())
        );
        assert_eq!(did_you_mean("zzz", ["sigma", "mode"]), None);
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(500) + "BAD" + &"y".repeat(500);
        let (text, col) = excerpt(&line, 501);
        assert_eq!(text.chars().count(), EXCERPT_CHARS + 2);
        assert_eq!(text.chars().nth(col as usize - 1), Some('B'));
        assert_eq!(excerpt("short", 3), ("short".to_string(), 3));
    }

    #[test]
    fn render_points_at_the_column() {
        let r = Report {
            file: "w.toml".into(),
            source: "a = 1\nsigmaa = 2\n".into(),
            overrides: vec![],
            diags: vec![Diag::new(Pos::file(2, 1), "unknown key `sigmaa`")
                .with_hint("did you mean `sigma`?")],
        };
        assert_eq!(
            r.render(),
            "w.toml:2:1: error: unknown key `sigmaa`\n  |\n2 | sigmaa = 2\n  | ^\n  = hint: did you mean `sigma`?\nw.toml: 1 problem found; nothing was run\n"
        );
    }
}
