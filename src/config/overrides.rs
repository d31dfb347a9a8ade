//! `--set KEY=VALUE`: edits of the parsed tree before it is deserialized, so an override is checked
//! exactly like the file. KEY is a dotted path (`source.count`, `steps.blur.sigma`,
//! `steps.0.sigma`, `output.images`); a list element is picked by index or by its step name.
//! VALUE is parsed as a TOML value (`5`, `2.5`, `[37, 53]`, `"x"`, `false`); if that fails it is
//! taken as a plain string (`reflect`, `out/x_{index:02}.bmp`).

use super::syntax::{parse, Entry, Format, Kind, Node};
use super::types::step_names;
use crate::diag::{Diag, Pos};

/// Applies every override in order; returns the problems (each at `Pos::Set(i)`).
pub fn apply(tree: &mut Node, overrides: &[String]) -> Vec<Diag> {
    let mut diags = Vec::new();
    for (i, text) in overrides.iter().enumerate() {
        let pos = Pos::Set(i as u32);
        let Some((key, raw)) = text.split_once('=') else {
            diags.push(Diag::new(pos, "expected KEY=VALUE").with_hint("e.g. --set source.count=5"));
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            diags.push(
                Diag::new(pos, format!("invalid key `{key}`"))
                    .with_hint("a dotted path such as `steps.blur.sigma`"),
            );
            continue;
        }
        let value = parse_value(raw, pos);
        let path: Vec<&str> = key.split('.').collect();
        if let Err(msg) = set(tree, &path, value, pos) {
            diags.push(Diag::new(pos, msg));
        }
    }
    diags
}

/// A TOML value, else the raw text as a string.
fn parse_value(raw: &str, pos: Pos) -> Node {
    let parsed = parse(&format!("v = {raw}"), Format::Toml)
        .ok()
        .and_then(|n| n.get("v").map(|e| e.value.clone()));
    let mut node = parsed.unwrap_or_else(|| Node::new(pos, Kind::Str(raw.to_string())));
    relabel(&mut node, pos);
    node
}

fn relabel(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.kind {
        Kind::Seq(items) => items.iter_mut().for_each(|n| relabel(n, pos)),
        Kind::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_pos = pos;
            relabel(&mut e.value, pos);
        }),
        _ => {}
    }
}

fn set(node: &mut Node, path: &[&str], value: Node, pos: Pos) -> Result<(), String> {
    let (first, rest) = path.split_first().ok_or("empty key")?;
    match &mut node.kind {
        Kind::Map(entries) => {
            let idx = match entries.iter().position(|e| e.key == *first) {
                Some(i) => i,
                None if *first == "steps" && !rest.is_empty() => {
                    return Err(format!(
                        "no step named `{}`: the workflow has no steps",
                        rest[0]
                    ));
                }
                None => {
                    let empty = if rest.is_empty() {
                        Node::new(pos, Kind::Null)
                    } else {
                        Node::new(pos, Kind::Map(Vec::new()))
                    };
                    entries.push(Entry {
                        key: first.to_string(),
                        key_pos: pos,
                        value: empty,
                    });
                    entries.len() - 1
                }
            };
            if rest.is_empty() {
                entries[idx].value = value;
                Ok(())
            } else {
                set(&mut entries[idx].value, rest, value, pos)
            }
        }
        Kind::Seq(items) => {
            let idx = match first.parse::<usize>() {
                Ok(i) if i < items.len() => i,
                Ok(i) => {
                    return Err(format!(
                        "index {i} is out of range: the list has {} items",
                        items.len()
                    ))
                }
                Err(_) => find_named(items, first)?,
            };
            if rest.is_empty() {
                items[idx] = value;
                Ok(())
            } else {
                set(&mut items[idx], rest, value, pos)
            }
        }
        _ => Err(format!("cannot set `{first}` inside {}", node.describe())),
    }
}

/// The names of the steps in a `steps` list as written (explicit, or the default made from `op`).
pub fn tree_step_names(items: &[Node]) -> Vec<String> {
    let pairs: Vec<(Option<&str>, &str)> = items
        .iter()
        .map(|n| {
            (
                n.get("name").and_then(|e| e.value.as_str()),
                n.get("op").and_then(|e| e.value.as_str()).unwrap_or("step"),
            )
        })
        .collect();
    step_names(&pairs)
}

/// The list item whose step name is `name`.
fn find_named(items: &[Node], name: &str) -> Result<usize, String> {
    let names = tree_step_names(items);
    names.iter().position(|n| n == name).ok_or_else(|| {
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        format!(
            "no step named `{name}`; {}",
            crate::diag::suggest(name, &known)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Node {
        parse(
            "[source]\nkind = \"noise\"\ncount = 20\n[[steps]]\nop = \"gaussian\"\nname = \"blur\"\n[[steps]]\nop = \"gaussian\"\n",
            Format::Toml,
        )
        .unwrap()
    }

    #[test]
    fn sets_values_by_path_and_step_name() {
        let mut t = tree();
        let d = apply(
            &mut t,
            &[
                "source.count=5".into(),
                "steps.blur.sigma=2.5".into(),
                "steps.gaussian.mode=reflect".into(),
                "source.shape=[37, 53]".into(),
                "output.images=out/x_{index:02}.bmp".into(),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
        let src = &t.get("source").unwrap().value;
        assert_eq!(src.get("count").unwrap().value.kind, Kind::Int(5));
        assert_eq!(src.get("shape").unwrap().value.pos, Pos::Set(3));
        let Kind::Seq(steps) = &t.get("steps").unwrap().value.kind else {
            panic!()
        };
        assert_eq!(steps[0].get("sigma").unwrap().value.kind, Kind::Float(2.5));
        assert_eq!(
            steps[1].get("mode").unwrap().value.kind,
            Kind::Str("reflect".into())
        );
        let out = &t.get("output").unwrap().value;
        assert_eq!(
            out.get("images").unwrap().value.kind,
            Kind::Str("out/x_{index:02}.bmp".into())
        );
    }

    #[test]
    fn unknown_step_is_reported() {
        let mut t = tree();
        let d = apply(&mut t, &["steps.blurr.sigma=2".into(), "nokey".into()]);
        assert_eq!(d[0].pos, Pos::Set(0));
        assert_eq!(
            d[0].message,
            "no step named `blurr`; did you mean `blur`? (valid: `blur`, `gaussian`)"
        );
        assert_eq!(d[1].message, "expected KEY=VALUE");
    }
}
