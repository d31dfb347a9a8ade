//! Loading a workflow: read the file, parse it (format by extension, in [`super::syntax`]), apply
//! `--set` overrides, and deserialize section by section so that every problem is reported at once.
//! Tagged sections (`source.kind`, `steps[].op`, `metrics.*.op`) are dispatched here by hand on the
//! positioned tree, so an error inside step 5 points at the key in step 5, not at `[[steps]]`.

use super::de::{from_node, Sink};
use super::overrides;
use super::syntax::{parse, Entry, Format, Kind, Node};
use super::types::*;
use crate::diag::{suggest, Diag, Pos, Report};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// A workflow as written (after overrides), possibly incomplete where sections had problems, so
/// that compile can still check everything else and report every problem at once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub name: Option<String>,
    pub description: Option<String>,
    pub source: Option<Source>,
    /// Each step that could be read, with its position in the file's `steps` list.
    pub steps: Vec<(usize, StepDecl)>,
    pub metrics: IndexMap<String, MetricDecl>,
    pub output: Output,
    pub expect: IndexMap<String, Expectation>,
}

/// A loaded workflow: the draft, the positioned tree compile uses to point at values, and the
/// problems found so far (compile adds its own and fails if there are any).
#[derive(Clone, Debug)]
pub struct Loaded {
    pub draft: Draft,
    pub tree: Node,
    /// The file's path as given (relative paths in the workflow are not resolved against it).
    pub path: PathBuf,
    pub format: Format,
    /// The file's stem: `{workflow}` in patterns and the default `name`.
    pub stem: String,
    /// The empty report for this file, ready for compile to add to.
    pub report: Report,
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "source",
    "steps",
    "metrics",
    "output",
    "expect",
];

/// Reads and loads `path`.
pub fn load_file(path: &Path, overrides: &[String]) -> Result<Loaded, Report> {
    let label = path.display().to_string();
    let fail = |msg: String, hint: Option<String>| Report {
        file: label.clone(),
        overrides: overrides.to_vec(),
        diags: vec![Diag::new(Pos::Unknown, msg).hint_opt(hint)],
        ..Report::default()
    };
    let Some(format) = Format::from_path(path) else {
        return Err(fail(
            "cannot tell the workflow format from the file name".into(),
            Some("name it `*.toml`, `*.yaml` or `*.yml`".into()),
        ));
    };
    let src = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("cannot read the workflow: {e}"), None))?;
    let mut loaded = load_str(&src, format, &label, overrides)?;
    loaded.path = path.to_path_buf();
    loaded.stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(loaded)
}

/// Loads workflow text in `format`; `label` names it in messages. Fails only when the text cannot
/// be parsed at all; other problems travel in [`Loaded::report`].
pub fn load_str(
    src: &str,
    format: Format,
    label: &str,
    overrides: &[String],
) -> Result<Loaded, Report> {
    let mut report = Report {
        file: label.to_string(),
        source: src.to_string(),
        overrides: overrides.to_vec(),
        diags: Vec::new(),
    };
    let mut tree = match parse(src, format) {
        Ok(t) => t,
        Err(diags) => {
            diags.into_iter().for_each(|d| report.push(d));
            return Err(report);
        }
    };
    for d in overrides::apply(&mut tree, overrides) {
        report.push(d);
    }
    let sink = Sink::default();
    let draft = build(&tree, &sink);
    for d in sink.into_inner() {
        report.push(d);
    }
    let stem = Path::new(label)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Loaded {
        draft,
        tree,
        path: PathBuf::from(label),
        format,
        stem,
        report,
    })
}

fn diag(sink: &Sink, d: Diag) {
    sink.borrow_mut().push(d);
}

fn build(tree: &Node, sink: &Sink) -> Draft {
    let Kind::Map(entries) = &tree.kind else {
        diag(
            sink,
            Diag::new(
                tree.pos,
                format!(
                    "a workflow must be a table of keys, got {}",
                    tree.describe()
                ),
            ),
        );
        return Draft::default();
    };
    for e in entries {
        // `x-…` keys are the user's own (YAML anchor blocks for `<<: *defaults`, as docker
        // compose allows): flowrun ignores them.
        if !TOP_KEYS.contains(&e.key.as_str()) && !e.key.starts_with("x-") {
            diag(
                sink,
                Diag::new(e.key_pos, format!("unknown top-level key `{}`", e.key)).with_hint(
                    format!(
                        "{}; keys starting with `x-` are yours and ignored",
                        suggest(&e.key, TOP_KEYS)
                    ),
                ),
            );
        }
    }
    let name = tree
        .get("name")
        .and_then(|e| from_node::<String>(&e.value, "`name`", sink));
    let description = tree
        .get("description")
        .and_then(|e| from_node::<String>(&e.value, "`description`", sink));
    let source = match tree.get("source") {
        Some(e) => load_source(&e.value, sink),
        None => {
            diag(
                sink,
                Diag::new(tree.pos, "the workflow has no `source`")
                    .with_hint("add a [source] table with `kind = \"noise\"` or `kind = \"glob\"`"),
            );
            None
        }
    };
    Draft {
        name,
        description,
        source,
        steps: tree
            .get("steps")
            .map(|e| load_steps(&e.value, sink))
            .unwrap_or_default(),
        metrics: tree
            .get("metrics")
            .map(|e| load_metrics(&e.value, sink))
            .unwrap_or_default(),
        output: tree
            .get("output")
            .and_then(|e| from_node::<Output>(&e.value, "`output`", sink))
            .unwrap_or_default(),
        expect: tree
            .get("expect")
            .map(|e| load_expect(&e.value, sink))
            .unwrap_or_default(),
    }
}

/// The tag of a tagged table (`kind`, `op`) and the table without it.
fn split_tag<'a>(
    node: &'a Node,
    tag: &str,
    what: &str,
    valid: &[&str],
    sink: &Sink,
) -> Option<(&'a str, Node)> {
    let Kind::Map(entries) = &node.kind else {
        diag(
            sink,
            Diag::new(
                node.pos,
                format!("{what} must be a table, got {}", node.describe()),
            ),
        );
        return None;
    };
    let Some(tag_entry) = entries.iter().find(|e| e.key == tag) else {
        diag(
            sink,
            Diag::new(node.pos, format!("{what} has no `{tag}`"))
                .with_hint(format!("add `{tag} = \"…\"`; {}", suggest("", valid))),
        );
        return None;
    };
    let Some(value) = tag_entry.value.as_str() else {
        diag(
            sink,
            Diag::new(
                tag_entry.value.pos,
                format!(
                    "`{tag}` must be a string, got {}",
                    tag_entry.value.describe()
                ),
            )
            .with_hint(suggest("", valid)),
        );
        return None;
    };
    if !valid.contains(&value) {
        diag(
            sink,
            Diag::new(
                tag_entry.value.pos,
                format!("unknown {tag} `{value}` in {what}"),
            )
            .with_hint(suggest(value, valid)),
        );
        return None;
    }
    let rest: Vec<Entry> = entries.iter().filter(|e| e.key != tag).cloned().collect();
    Some((value, Node::new(node.pos, Kind::Map(rest))))
}

fn load_source(node: &Node, sink: &Sink) -> Option<Source> {
    let (kind, params) = split_tag(node, "kind", "`source`", &["noise", "glob"], sink)?;
    match kind {
        "noise" => from_node(&params, "`source` (noise)", sink).map(Source::Noise),
        _ => from_node(&params, "`source` (glob)", sink).map(Source::Glob),
    }
}

fn load_steps(node: &Node, sink: &Sink) -> Vec<(usize, StepDecl)> {
    let Kind::Seq(items) = &node.kind else {
        diag(
            sink,
            Diag::new(
                node.pos,
                format!("`steps` must be a list of tables, got {}", node.describe()),
            )
            .with_hint("in TOML write each step as a [[steps]] table"),
        );
        return Vec::new();
    };
    let ops = crate::ops::names();
    let mut steps = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let label = match item.get("name").and_then(|e| e.value.as_str()) {
            Some(n) => format!("step {} `{n}`", i + 1),
            None => format!("step {}", i + 1),
        };
        let Some((op, rest)) = split_tag(item, "op", &label, &ops, sink) else {
            continue;
        };
        let Some(entry) = crate::ops::entry(op) else {
            continue;
        };
        let what = format!("{label} ({op})");
        let (common, params) = split_keys(&rest, STEP_KEYS);
        let text = |key: &str| {
            common
                .get(key)
                .and_then(|e| from_node::<String>(&e.value, &format!("`{key}` in {what}"), sink))
        };
        let (name, save, from) = (text("name"), text("save"), text("from"));
        let inputs = common
            .get("inputs")
            .and_then(|e| from_node::<Vec<String>>(&e.value, &format!("`inputs` in {what}"), sink));
        if let Some(params) = (entry.load)(&params, &what, sink) {
            steps.push((
                i,
                StepDecl {
                    op: entry.name,
                    name,
                    save,
                    from,
                    inputs,
                    params,
                },
            ));
        }
    }
    steps
}

/// A table split in two: the entries whose keys are among `keys`, and the rest.
fn split_keys(node: &Node, keys: &[&str]) -> (Node, Node) {
    let Kind::Map(entries) = &node.kind else {
        return (Node::new(node.pos, Kind::Map(Vec::new())), node.clone());
    };
    let (common, rest): (Vec<Entry>, Vec<Entry>) = entries
        .iter()
        .cloned()
        .partition(|e| keys.contains(&e.key.as_str()));
    (
        Node::new(node.pos, Kind::Map(common)),
        Node::new(node.pos, Kind::Map(rest)),
    )
}

/// The entries of a table section, or a reported problem.
fn table_entries<'a>(node: &'a Node, what: &str, sink: &Sink) -> Option<&'a [Entry]> {
    match &node.kind {
        Kind::Map(entries) => Some(entries),
        _ => {
            diag(
                sink,
                Diag::new(
                    node.pos,
                    format!("{what} must be a table, got {}", node.describe()),
                ),
            );
            None
        }
    }
}

fn load_metrics(node: &Node, sink: &Sink) -> IndexMap<String, MetricDecl> {
    let Some(entries) = table_entries(node, "`metrics`", sink) else {
        return IndexMap::new();
    };
    let names = crate::metrics::names();
    let mut out = IndexMap::new();
    for e in entries {
        let what = format!("metric `{}`", e.key);
        let Some((op, rest)) = split_tag(&e.value, "op", &what, &names, sink) else {
            continue;
        };
        let Some(entry) = crate::metrics::entry(op) else {
            continue;
        };
        let what = format!("{what} ({op})");
        let (common, params) = split_keys(&rest, METRIC_KEYS);
        let text = |key: &str| {
            common
                .get(key)
                .and_then(|c| from_node::<String>(&c.value, &format!("`{key}` in {what}"), sink))
        };
        let (on, reference, channel) = (text("on"), text("reference"), text("channel"));
        if let Some(params) = (entry.load)(&params, &what, sink) {
            out.insert(
                e.key.clone(),
                MetricDecl {
                    op: entry.name,
                    on,
                    reference,
                    channel,
                    params,
                },
            );
        }
    }
    out
}

fn load_expect(node: &Node, sink: &Sink) -> IndexMap<String, Expectation> {
    let Some(entries) = table_entries(node, "`expect`", sink) else {
        return IndexMap::new();
    };
    let mut out = IndexMap::new();
    for e in entries {
        let what = format!("`expect.{}`", e.key);
        let value = match (&e.value.kind, e.key.as_str()) {
            (_, "ok" | "failed") => from_node::<u64>(&e.value, &what, sink).map(Expectation::Count),
            (Kind::Map(_), _) => {
                from_node::<Bounds>(&e.value, &what, sink).map(Expectation::Bounds)
            }
            _ => {
                diag(
                    sink,
                    Diag::new(
                        e.value.pos,
                        format!(
                            "{what} must be a table {{ min, max }}, got {}",
                            e.value.describe()
                        ),
                    )
                    .with_hint(format!("e.g. [expect.{}] max = 1e-3", e.key)),
                );
                None
            }
        };
        if let Some(v) = value {
            out.insert(e.key.clone(), v);
        }
    }
    out
}
