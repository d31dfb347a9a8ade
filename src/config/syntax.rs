//! The workflow file as a tree of values, each with the position it came from. TOML and YAML both
//! parse into this one tree ([`parse`] picks the format by extension, the only place that knows), so
//! everything downstream — overrides, deserialization, compile checks — points at exact lines and
//! columns whatever the format.

use crate::diag::{Diag, Pos};
use serde::Deserialize;

/// A value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

/// One entry of a mapping: the key with its own position, and the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

impl Node {
    pub fn new(pos: Pos, kind: Kind) -> Node {
        Node { pos, kind }
    }

    /// The entry for `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A short description of the type, for messages: "a string \"wide\"", "an integer 5", …
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Null => "null".into(),
            Kind::Bool(b) => format!("the boolean {b}"),
            Kind::Int(i) => format!("the integer {i}"),
            Kind::Float(f) => format!("the number {f}"),
            Kind::Str(s) => format!("the string {s:?}"),
            Kind::Seq(_) => "a list".into(),
            Kind::Map(_) => "a table".into(),
        }
    }
}

/// The file formats a workflow can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

impl Format {
    /// By extension: `.toml`, `.yaml`/`.yml`.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

/// Parses `src` in `format`; syntax errors come back with their positions.
pub fn parse(src: &str, format: Format) -> Result<Node, Vec<Diag>> {
    match format {
        Format::Toml => parse_toml(src),
        Format::Yaml => parse_yaml(src),
    }
}

/// Byte offset → 1-based (line, character column).
pub struct LineIndex<'a> {
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { src, starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.src.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self
            .src
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos::file(line as u32 + 1, col as u32 + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// TOML

fn parse_toml(src: &str) -> Result<Node, Vec<Diag>> {
    use toml::de::DeTable;
    let index = LineIndex::new(src);
    let (table, errors) = DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| {
                let pos = e.span().map_or(Pos::Unknown, |s| index.pos(s.start));
                Diag::new(pos, format!("invalid TOML: {}", e.message().trim()))
            })
            .collect());
    }
    let span = table.span();
    let mut node = Node::new(index.pos(span.start), Kind::Null);
    node.kind = toml_table(table.get_ref(), &index)?;
    // the document itself starts at the top of the file
    node.pos = Pos::file(1, 1);
    Ok(node)
}

fn toml_table(table: &toml::de::DeTable<'_>, index: &LineIndex) -> Result<Kind, Vec<Diag>> {
    let mut entries = Vec::with_capacity(table.len());
    for (k, v) in table.iter() {
        entries.push(Entry {
            key: k.get_ref().to_string(),
            key_pos: index.pos(k.span().start),
            value: toml_value(v, index)?,
        });
    }
    Ok(Kind::Map(entries))
}

fn toml_value(
    v: &toml::Spanned<toml::de::DeValue<'_>>,
    index: &LineIndex,
) -> Result<Node, Vec<Diag>> {
    use toml::de::DeValue;
    let pos = index.pos(v.span().start);
    let kind = match v.get_ref() {
        DeValue::String(s) => Kind::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let (neg, body) = match digits.strip_prefix('-') {
                Some(b) => (true, b.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let body = body
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b");
            match i64::from_str_radix(body, i.radix()) {
                Ok(n) => Kind::Int(if neg { -n } else { n }),
                Err(_) => {
                    return Err(vec![Diag::new(
                        pos,
                        format!("integer `{}` is out of range", i.as_str()),
                    )])
                }
            }
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|c| *c != '_').collect();
            let value = match text.trim_start_matches('+') {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" | "-nan" => f64::NAN,
                t => t.parse::<f64>().map_err(|_| {
                    vec![Diag::new(pos, format!("invalid number `{}`", f.as_str()))]
                })?,
            };
            Kind::Float(value)
        }
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(d) => Kind::Str(d.to_string()),
        DeValue::Array(a) => Kind::Seq(
            a.iter()
                .map(|x| toml_value(x, index))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => toml_table(t, index)?,
    };
    Ok(Node::new(pos, kind))
}

// ---------------------------------------------------------------------------------------------
// YAML (serde-saphyr: pure Rust, alias/size budget on by default, duplicate keys rejected)

struct YamlNode(Node);

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<YamlKind>::deserialize(d)?;
        let loc = s.referenced;
        Ok(YamlNode(Node::new(
            Pos::file(loc.line() as u32, loc.column() as u32),
            s.value.0,
        )))
    }
}

struct YamlKind(Kind);

impl<'de> Deserialize<'de> for YamlKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> serde::de::Visitor<'de> for YamlVisitor {
    type Value = YamlKind;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Int(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<YamlKind, E> {
        i64::try_from(v)
            .map(|v| YamlKind(Kind::Int(v)))
            .map_err(|_| E::custom(format!("integer {v} is out of range")))
    }
    fn visit_f64<E>(self, v: f64) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Null))
    }
    fn visit_none<E>(self) -> Result<YamlKind, E> {
        Ok(YamlKind(Kind::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<YamlKind, D::Error> {
        YamlKind::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<YamlKind, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlNode(n)) = seq.next_element()? {
            items.push(n);
        }
        Ok(YamlKind(Kind::Seq(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<YamlKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<String>>()? {
            let YamlNode(value) = map.next_value()?;
            entries.push(Entry {
                key: key.value,
                key_pos: Pos::file(key.referenced.line() as u32, key.referenced.column() as u32),
                value,
            });
        }
        Ok(YamlKind(Kind::Map(entries)))
    }
}

fn parse_yaml(src: &str) -> Result<Node, Vec<Diag>> {
    if src.trim().is_empty() {
        return Ok(Node::new(Pos::file(1, 1), Kind::Map(Vec::new())));
    }
    // Non-finite numbers pass through as numbers, as in TOML, so that the checks of compile
    // say what is wrong with them where it matters (`sigma = nan`).
    let options = serde_saphyr::options! {
        non_finite_float_policy: serde_saphyr::options::NonFiniteFloatPolicy::PassThrough,
    };
    match serde_saphyr::from_str_with_options::<YamlNode>(src, options) {
        Ok(YamlNode(mut n)) => {
            if matches!(n.kind, Kind::Map(_)) {
                n.pos = Pos::file(1, 1);
            }
            Ok(n)
        }
        Err(e) => {
            let pos = e.location().map_or(Pos::Unknown, |l| {
                Pos::file(l.line() as u32, l.column() as u32)
            });
            let mut inner = &e;
            while let serde_saphyr::Error::WithSnippet { error, .. }
            | serde_saphyr::Error::AliasError { error, .. } = inner
            {
                inner = error;
            }
            if matches!(inner, serde_saphyr::Error::MultipleDocuments { .. }) {
                return Err(vec![Diag::new(
                    pos,
                    "the file holds more than one YAML document (a `---` line starts another)",
                )
                .with_hint(
                    "a workflow is one document: remove the `---` separators, or split the file",
                )]);
            }
            let msg = yaml_message(&e);
            Err(vec![Diag::new(pos, format!("invalid YAML: {msg}"))])
        }
    }
}

/// serde-saphyr renders a source excerpt into its Display; keep only the message line, without
/// the position (the diagnostic carries it) or advice about the library's options.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("syntax error");
    let mut msg = first.trim_start_matches("error: ");
    // "line 3 column 2: …"
    if let Some(rest) = msg.strip_prefix("line ") {
        if let Some((pos, tail)) = rest.split_once(": ") {
            if pos
                .split(' ')
                .all(|w| w == "column" || w.parse::<u64>().is_ok())
            {
                msg = tail;
            }
        }
    }
    if let Some(key) = msg.strip_prefix("duplicate mapping key: ") {
        let key = key.split(", set ").next().unwrap_or(key);
        return format!("the key `{key}` appears twice in the same table");
    }
    msg.split(", set ")
        .next()
        .unwrap_or(msg)
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_positions(n: &Node) -> Vec<(String, Pos)> {
        match &n.kind {
            Kind::Map(es) => es.iter().map(|e| (e.key.clone(), e.key_pos)).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn toml_positions_are_exact() {
        let src = "name = \"x\"\n[[steps]]\nop = \"gaussian\"\n  sigma = 2.5\n";
        let n = parse(src, Format::Toml).unwrap();
        let steps = &n.get("steps").unwrap().value;
        let Kind::Seq(items) = &steps.kind else {
            panic!()
        };
        let keys = key_positions(&items[0]);
        assert_eq!(keys[0], ("op".into(), Pos::file(3, 1)));
        assert_eq!(keys[1], ("sigma".into(), Pos::file(4, 3)));
        assert_eq!(
            items[0].get("sigma").unwrap().value,
            Node::new(Pos::file(4, 11), Kind::Float(2.5))
        );
    }

    #[test]
    fn yaml_positions_are_exact() {
        let src = "name: x\nsteps:\n  - op: gaussian\n    sigma: 2\n";
        let n = parse(src, Format::Yaml).unwrap();
        let steps = &n.get("steps").unwrap().value;
        let Kind::Seq(items) = &steps.kind else {
            panic!()
        };
        let keys = key_positions(&items[0]);
        assert_eq!(keys[1], ("sigma".into(), Pos::file(4, 5)));
        assert_eq!(
            items[0].get("sigma").unwrap().value,
            Node::new(Pos::file(4, 12), Kind::Int(2))
        );
    }

    #[test]
    fn toml_syntax_error_has_a_position() {
        let errs = parse("name = \n", Format::Toml).unwrap_err();
        assert!(matches!(errs[0].pos, Pos::File { line: 1, .. }), "{errs:?}");
    }

    #[test]
    fn yaml_syntax_error_has_a_position() {
        let errs = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert!(matches!(errs[0].pos, Pos::File { .. }), "{errs:?}");
    }

    #[test]
    fn yaml_billion_laughs_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&src, Format::Yaml).is_err());
    }
}

/// One step of a path into the tree.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

impl Node {
    /// The entry or element at `seg`.
    pub fn child(&self, seg: Seg) -> Option<(&Node, Pos)> {
        match (&self.kind, seg) {
            (Kind::Map(es), Seg::Key(k)) => es
                .iter()
                .find(|e| e.key == k)
                .map(|e| (&e.value, e.key_pos)),
            (Kind::Seq(items), Seg::Index(i)) => items.get(i).map(|n| (n, n.pos)),
            _ => None,
        }
    }

    /// Position of the value at `path`, or of the deepest ancestor that exists.
    pub fn pos_at(&self, path: &[Seg]) -> Pos {
        let mut node = self;
        for seg in path {
            match node.child(*seg) {
                Some((n, _)) => node = n,
                None => break,
            }
        }
        node.pos
    }

    /// Position of the key at the end of `path` (the value's position for list elements), or of
    /// the deepest ancestor that exists.
    pub fn key_pos_at(&self, path: &[Seg]) -> Pos {
        let mut node = self;
        let mut pos = self.pos;
        for seg in path {
            match node.child(*seg) {
                Some((n, p)) => {
                    node = n;
                    pos = p;
                }
                None => break,
            }
        }
        pos
    }
}
