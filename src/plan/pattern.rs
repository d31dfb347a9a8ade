//! Output path patterns such as `out/{stem}_{index:03}.png`, parsed once at compile time and
//! rendered per image. Placeholders follow Python's `str.format` for the subset flowrun needs:
//! `{index}`, `{index:03}` (zero-padded), `{index:3}` (space-padded like Python's `{i:3d}`),
//! `{frame}` (padded the same ways), `{stem}`, `{ext}`, `{dir}`, `{name}`, `{workflow}`,
//! `{step}`; `{{` and `}}` are literal braces.

use std::fmt::Write as _;

/// What a placeholder stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The image's index (position in the source).
    Index,
    /// The image's page of its file, from 0 (`frames = "each"`; otherwise always 0).
    Frame,
    /// The input file's name without extension (`noise_{index}` for noise images).
    Stem,
    /// The input file's extension without the dot (empty for noise images).
    Ext,
    /// The input file's folder relative to the glob's fixed prefix (empty at the top).
    Dir,
    /// The workflow's `name`.
    Name,
    /// The workflow file's name without extension.
    Workflow,
    /// The name of the step whose result is written (`input` when there are no steps).
    Step,
}

impl Field {
    pub const ALL: [(&'static str, Field); 8] = [
        ("index", Field::Index),
        ("frame", Field::Frame),
        ("stem", Field::Stem),
        ("ext", Field::Ext),
        ("dir", Field::Dir),
        ("name", Field::Name),
        ("workflow", Field::Workflow),
        ("step", Field::Step),
    ];

    pub fn name(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }

    /// Fields that differ from image to image.
    pub fn per_image(self) -> bool {
        matches!(
            self,
            Field::Index | Field::Frame | Field::Stem | Field::Ext | Field::Dir
        )
    }

    /// Fields holding a number, which take zero padding (`{index:03}`).
    fn numeric(self) -> bool {
        matches!(self, Field::Index | Field::Frame)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Lit(String),
    Field {
        field: Field,
        width: usize,
        zero: bool,
    },
}

/// A parsed pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// Literals and placeholders, never two literals in a row.
    parts: Vec<Part>,
}

/// A problem in a pattern: the character offset into the pattern text, a message and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// The values placeholders render to, for one image and one output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Vars<'a> {
    pub index: u64,
    pub frame: u64,
    pub stem: &'a str,
    pub ext: &'a str,
    pub dir: &'a str,
    pub name: &'a str,
    pub workflow: &'a str,
    pub step: &'a str,
}

impl Pattern {
    /// Parses `text`; every problem is reported.
    pub fn parse(text: &str) -> Result<Pattern, Vec<PatternError>> {
        let chars: Vec<char> = text.chars().collect();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut errors = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '{' if chars.get(i + 1) == Some(&'{') => {
                    lit.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') => {
                    lit.push('}');
                    i += 2;
                }
                '}' => {
                    errors.push(PatternError {
                        offset: i,
                        message: "unmatched `}` in pattern".into(),
                        hint: Some("write `}}` for a literal brace".into()),
                    });
                    i += 1;
                }
                '{' => {
                    let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
                        errors.push(PatternError {
                            offset: i,
                            message: "unclosed `{` in pattern".into(),
                            hint: Some(
                                "close the placeholder with `}`, or write `{{` for a literal brace"
                                    .into(),
                            ),
                        });
                        break;
                    };
                    let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                    match parse_field(&inner, i) {
                        Ok(part) => {
                            if !lit.is_empty() {
                                parts.push(Part::Lit(std::mem::take(&mut lit)));
                            }
                            parts.push(part);
                        }
                        Err(e) => errors.push(e),
                    }
                    i += len + 2;
                }
                c => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        if errors.is_empty() {
            Ok(Pattern {
                text: text.to_string(),
                parts,
            })
        } else {
            Err(errors)
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The folder part of the pattern's literal prefix (everything before the first placeholder,
    /// up to its last `/`): outputs must stay inside it.
    pub fn literal_dir(&self) -> &str {
        let prefix = match self.parts.first() {
            Some(Part::Lit(s)) => s.as_str(),
            _ => "",
        };
        // A literal part may hold an escaped brace, which does not start a placeholder.
        match prefix.rfind('/') {
            Some(0) => "/",
            Some(i) => &prefix[..i],
            None => "",
        }
    }

    /// Whether the pattern uses `field`.
    pub fn uses(&self, field: Field) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Field { field: f, .. } if *f == field))
    }

    /// Every field used, in order.
    pub fn fields(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        let mut offset = 0;
        self.parts.iter().filter_map(move |p| match p {
            Part::Field { field, .. } => {
                let o = offset;
                offset += 1;
                Some((*field, o))
            }
            Part::Lit(_) => None,
        })
    }

    /// The pattern with the fields `which` selects filled in from `vars`, as literal text (the
    /// others stay placeholders). Renders like the original for those values; the text as
    /// written is kept.
    pub fn fill(&self, vars: &Vars, which: impl Fn(Field) -> bool) -> Pattern {
        let mut parts: Vec<Part> = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let part = match part {
                Part::Field { field, .. } if which(*field) => {
                    let one = Pattern {
                        text: String::new(),
                        parts: vec![part.clone()],
                    };
                    Part::Lit(one.render(vars))
                }
                other => other.clone(),
            };
            match (parts.last_mut(), part) {
                (_, Part::Lit(s)) if s.is_empty() => {}
                (Some(Part::Lit(prev)), Part::Lit(s)) => prev.push_str(&s),
                (_, part) => parts.push(part),
            }
        }
        Pattern {
            text: self.text.clone(),
            parts,
        }
    }

    /// Rewrites the pattern's literal text with `f`, which sees each placeholder as the same
    /// opaque token (one character, not `/` or `.`) and must keep the tokens in order. `None`
    /// when `f` does, when a literal holds the token, or when `f` drops or repeats a token. A
    /// rewrite such as path normalisation, which treats the token as any other character, then
    /// holds for every rendering whose placeholders do too: non-empty, without `/`, and never
    /// a whole `.` or `..` path component.
    pub fn rewrite(&self, f: impl FnOnce(&str) -> Option<String>) -> Option<Pattern> {
        const TOKEN: char = '\u{F8FF}';
        let mut text = String::new();
        let mut fields = Vec::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) if s.contains(TOKEN) => return None,
                Part::Lit(s) => text.push_str(s),
                field => {
                    text.push(TOKEN);
                    fields.push(field.clone());
                }
            }
        }
        let out = f(&text)?;
        let pieces: Vec<&str> = out.split(TOKEN).collect();
        if pieces.len() != fields.len() + 1 {
            return None;
        }
        let mut parts = Vec::with_capacity(2 * pieces.len());
        for (k, piece) in pieces.iter().enumerate() {
            if !piece.is_empty() {
                parts.push(Part::Lit(piece.to_string()));
            }
            parts.extend(fields.get(k).cloned());
        }
        Some(Pattern {
            text: self.text.clone(),
            parts,
        })
    }

    /// The literal text before the first placeholder (all of it when there is none).
    pub fn head(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The literal text after the last placeholder (all of it when there is none).
    pub fn tail(&self) -> &str {
        match self.parts.last() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// Renders the pattern with `vars`.
    pub fn render(&self, vars: &Vars) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Field { field, width, zero } => {
                    let w = *width;
                    let _ = match field {
                        Field::Index if *zero => write!(out, "{:0w$}", vars.index),
                        Field::Index => write!(out, "{:>w$}", vars.index),
                        Field::Frame if *zero => write!(out, "{:0w$}", vars.frame),
                        Field::Frame => write!(out, "{:>w$}", vars.frame),
                        Field::Stem => write!(out, "{:<w$}", vars.stem),
                        Field::Ext => write!(out, "{:<w$}", vars.ext),
                        Field::Dir => write!(out, "{:<w$}", vars.dir),
                        Field::Name => write!(out, "{:<w$}", vars.name),
                        Field::Workflow => write!(out, "{:<w$}", vars.workflow),
                        Field::Step => write!(out, "{:<w$}", vars.step),
                    };
                }
            }
        }
        out
    }
}

fn parse_field(inner: &str, offset: usize) -> Result<Part, PatternError> {
    let (name, spec) = match inner.split_once(':') {
        Some((n, s)) => (n, Some(s)),
        None => (inner, None),
    };
    let names: Vec<&str> = Field::ALL.iter().map(|(n, _)| *n).collect();
    let Some(field) = Field::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f) else {
        return Err(PatternError {
            offset,
            message: format!("unknown placeholder `{{{name}}}`"),
            hint: Some(crate::diag::suggest(name, &names)),
        });
    };
    let (width, zero) = match spec {
        None => (0, false),
        Some(spec) => {
            let digits = spec
                .strip_suffix('d')
                .filter(|_| field.numeric())
                .unwrap_or(spec);
            let zero = digits.starts_with('0') && digits.len() > 1;
            match digits.parse::<usize>() {
                Ok(w) if !digits.is_empty() && w <= 64 && (!zero || field.numeric()) => (w, zero),
                _ => {
                    return Err(PatternError {
                        offset,
                        message: format!("invalid format `{spec}` in `{{{inner}}}`"),
                        hint: Some(
                            "use a width: `{index:03}` pads with zeros, `{index:3}` with spaces (up to 64)"
                                .into(),
                        ),
                    })
                }
            }
        }
    };
    Ok(Part::Field { field, width, zero })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars<'static> {
        Vars {
            index: 7,
            frame: 3,
            stem: "cell10",
            ext: "png",
            dir: "a/b",
            name: "blur",
            workflow: "blur_wf",
            step: "gaussian",
        }
    }

    #[test]
    fn renders_like_python_format() {
        let r = |p: &str| Pattern::parse(p).unwrap().render(&vars());
        assert_eq!(r("image_{index:2}.bmp"), "image_ 7.bmp");
        assert_eq!(r("image_{index:02}.bmp"), "image_07.bmp");
        assert_eq!(r("image_{index:2d}.bmp"), "image_ 7.bmp");
        assert_eq!(r("{index}"), "7");
        assert_eq!(r("{index:1}"), "7");
        assert_eq!(
            r("out/{name}/{dir}/{stem}_{step}.{ext}"),
            "out/blur/a/b/cell10_gaussian.png"
        );
        assert_eq!(r("{workflow}{{x}}"), "blur_wf{x}");
        assert_eq!(r("{stem:8}|"), "cell10  |");
        assert_eq!(r("{stem}_{frame}.tif"), "cell10_3.tif");
        assert_eq!(r("{stem}_{frame:03}_{frame:2d}"), "cell10_003_ 3");
    }

    #[test]
    fn reports_every_problem_with_offsets() {
        let errs = Pattern::parse("out/{idx}/{stem:03}/{index:x}}").unwrap_err();
        assert_eq!(errs.len(), 4);
        assert_eq!(
            (errs[0].offset, errs[0].message.as_str()),
            (4, "unknown placeholder `{idx}`")
        );
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `index`? (valid: `index`, `frame`, `stem`, `ext`, `dir`, `name`, `workflow`, `step`)"));
        assert_eq!(
            (errs[1].offset, errs[1].message.as_str()),
            (10, "invalid format `03` in `{stem:03}`")
        );
        assert_eq!(
            (errs[2].offset, errs[2].message.as_str()),
            (20, "invalid format `x` in `{index:x}`")
        );
        assert_eq!(
            (errs[3].offset, errs[3].message.as_str()),
            (29, "unmatched `}` in pattern")
        );
        let errs = Pattern::parse("a{index").unwrap_err();
        assert_eq!(
            (errs[0].offset, errs[0].message.as_str()),
            (1, "unclosed `{` in pattern")
        );
    }

    #[test]
    fn literal_dir_is_the_fixed_folder() {
        let d = |p: &str| Pattern::parse(p).unwrap().literal_dir().to_string();
        assert_eq!(d("out/blur/image_{index:02}.bmp"), "out/blur");
        assert_eq!(d("out/{dir}/{stem}.png"), "out");
        assert_eq!(d("{stem}.png"), "");
        assert_eq!(d("/abs/x{index}.png"), "/abs");
        assert_eq!(d("/{stem}.png"), "/");
    }

    #[test]
    fn filling_fields_renders_the_same() {
        let p = Pattern::parse("{name}/{{x}}_{step:9}_{index:03}{stem}.{ext}").unwrap();
        let filled = p.fill(&vars(), |f| !f.per_image());
        assert_eq!(filled.render(&vars()), p.render(&vars()));
        assert_eq!(filled.render(&vars()), "blur/{x}_gaussian _007cell10.png");
        assert_eq!(filled.head(), "blur/{x}_gaussian _");
        assert_eq!(filled.tail(), "");
        assert_eq!(filled.as_str(), p.as_str(), "the text as written is kept");
        let fields: Vec<Field> = filled.fields().map(|(f, _)| f).collect();
        assert_eq!(fields, [Field::Index, Field::Stem, Field::Ext]);
    }

    #[test]
    fn rewriting_keeps_the_placeholders() {
        let p = Pattern::parse("a/{index}/b/{stem}.png").unwrap();
        let upper = p.rewrite(|t| Some(t.to_uppercase())).unwrap();
        assert_eq!(upper.render(&vars()), "A/7/B/cell10.PNG");
        assert_eq!((upper.head(), upper.tail()), ("A/", ".PNG"));
        // Dropping a placeholder, or a literal holding the token, gives up.
        assert!(p.rewrite(|t| Some(t.replacen('\u{F8FF}', "", 1))).is_none());
        assert!(p.rewrite(|_| None).is_none());
        let odd = Pattern::parse("x\u{F8FF}{index}").unwrap();
        assert!(odd.rewrite(|t| Some(t.to_string())).is_none());
    }

    #[test]
    fn knows_its_fields() {
        let p = Pattern::parse("{name}/{stem}.bmp").unwrap();
        assert!(p.uses(Field::Stem) && p.uses(Field::Name) && !p.uses(Field::Index));
    }
}
