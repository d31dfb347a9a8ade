//! The steps: their names, their ops' parameters, and the graph — which earlier images each
//! step reads (`from`, `inputs`, or the previous step by default).

use super::Ctx;
use crate::config::overrides::tree_step_names;
use crate::config::syntax::{Kind, Seg};
use crate::config::{Loaded, StepDecl};
use crate::diag::{suggest, Diag, ParamCx};
use crate::plan::{NodeRef, StepPlan};
use std::collections::HashMap;
use std::sync::Arc;

/// The compiled steps (only complete when every step compiled), with every step's name as
/// written (so that names stay put when a step has problems).
pub(super) struct Steps {
    pub all_names: Vec<String>,
    pub steps: Vec<StepPlan>,
    /// Whether every step compiled.
    pub complete: bool,
}

impl Steps {
    /// The node named `name`: `Some(Some(node))`, `Some(None)` for a step that exists but did not
    /// compile (its problems are reported already), `None` for no such name.
    pub fn find(&self, name: &str) -> Option<Option<NodeRef>> {
        if name == "input" {
            return Some(Some(NodeRef::Input));
        }
        let i = self.all_names.iter().position(|s| s == name)?;
        Some((self.complete || i < self.steps.len()).then_some(NodeRef::Step(i)))
    }

    /// The last node: the result (the input when there are no steps).
    pub fn last(&self) -> NodeRef {
        match self.all_names.len() {
            0 => NodeRef::Input,
            n => NodeRef::Step(n - 1),
        }
    }

    /// Every node name, for hints.
    pub fn node_names(&self) -> Vec<&str> {
        std::iter::once("input")
            .chain(self.all_names.iter().map(String::as_str))
            .collect()
    }

    /// The name of `node`.
    pub fn name_of(&self, node: NodeRef) -> &str {
        match node {
            NodeRef::Input => "input",
            NodeRef::Step(i) => &self.all_names[i],
        }
    }
}

/// Compiles every step: names, parameters (through each op's checks) and what it reads.
/// `channels`: the source's channel count, when known.
pub(super) fn compile(cx: &mut Ctx, loaded: &Loaded, channels: Option<usize>) -> Steps {
    let items = match loaded.tree.get("steps").map(|e| &e.value.kind) {
        Some(Kind::Seq(items)) => items.as_slice(),
        _ => &[],
    };
    let all_names = tree_step_names(items);
    check_step_names(cx);
    let decls = &loaded.draft.steps;
    let complete_load = decls.len() == all_names.len();
    // What each step (by its place in the file) reads, by name; `None` where not known.
    let refs: Vec<Option<Vec<String>>> = {
        let mut refs = vec![None; all_names.len()];
        for (i, d) in decls {
            refs[*i] = Some(read_names(d, *i, &all_names));
        }
        refs
    };
    let mut steps = Vec::with_capacity(decls.len());
    let mut complete = complete_load;
    // The channels of each node's images, where known (the input's from the source).
    let mut node_channels: Vec<Option<usize>> = vec![None; all_names.len() + 1];
    node_channels[0] = channels;
    for (i, decl) in decls {
        let i = *i;
        let inputs = wire(cx, decl, i, &all_names, &refs);
        let name = all_names[i].clone();
        let mut report = |key: Option<&str>, message: String, hint: Option<String>| {
            let pos = match key {
                Some(k) => cx.pos(&[Seg::Key("steps"), Seg::Index(i), Seg::Key(k)]),
                None => cx.pos(&[Seg::Key("steps"), Seg::Index(i), Seg::Key("op")]),
            };
            cx.report.push(Diag::new(pos, message).hint_opt(hint));
        };
        let input_channels: Vec<Option<usize>> = inputs
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|n| node_channels[n.index()])
            .collect();
        let known = input_channels.first().copied().flatten();
        let kernel = decl.params.compile(&mut ParamCx::new(&mut report, known));
        if let Some(k) = &kernel {
            node_channels[i + 1] = k.output_channels(&input_channels);
        }
        match (kernel, inputs) {
            (Some(kernel), Some(inputs)) if complete && steps.len() == i => steps.push(StepPlan {
                name,
                op: decl.op,
                kernel: Arc::from(kernel),
                inputs,
            }),
            _ => complete = false,
        }
    }
    Steps {
        all_names,
        steps,
        complete,
    }
}

/// The names a step reads: `inputs`, or `from`, or the previous step (the input for the first).
fn read_names(d: &StepDecl, i: usize, all_names: &[String]) -> Vec<String> {
    if let Some(inputs) = &d.inputs {
        return inputs.clone();
    }
    match &d.from {
        Some(f) => vec![f.clone()],
        None if i == 0 => vec!["input".into()],
        None => vec![all_names[i - 1].clone()],
    }
}

/// The nodes step `i` reads, checked against its op: `from` or `inputs` as the op takes them,
/// names that exist and come before it. `None` (with the problems reported) when they do not.
fn wire(
    cx: &mut Ctx,
    decl: &StepDecl,
    i: usize,
    all_names: &[String],
    refs: &[Option<Vec<String>>],
) -> Option<Vec<NodeRef>> {
    let at = |key: &'static str| [Seg::Key("steps"), Seg::Index(i), Seg::Key(key)];
    let entry = crate::ops::entry(decl.op)?;
    let n = entry.inputs;
    let mut ok = true;
    if n == 1 && decl.inputs.is_some() {
        cx.err(
            cx.key_pos(&at("inputs")),
            format!(
                "`{}` reads one image: name it with `from`, not `inputs`",
                decl.op
            ),
            Some("e.g. from = \"input\"".to_string()),
        );
        ok = false;
    }
    if n > 1 {
        if decl.from.is_some() {
            cx.err(
                cx.key_pos(&at("from")),
                format!(
                    "`{}` reads {n} images: name them with `inputs`, not `from`",
                    decl.op
                ),
                Some(format!("e.g. inputs = {}", example_inputs(n))),
            );
            ok = false;
        }
        match &decl.inputs {
            None if decl.from.is_none() => {
                cx.err(
                    cx.pos(&at("op")),
                    format!("`{}` reads {n} images: give them as `inputs`", decl.op),
                    Some(format!("e.g. inputs = {}", example_inputs(n))),
                );
                ok = false;
            }
            Some(list) if list.len() != n => {
                cx.err(
                    cx.pos(&at("inputs")),
                    format!(
                        "`{}` reads {n} images, but `inputs` names {}",
                        decl.op,
                        list.len()
                    ),
                    Some(format!("e.g. inputs = {}", example_inputs(n))),
                );
                ok = false;
            }
            _ => {}
        }
    }
    if !ok {
        return None;
    }
    let names = read_names(decl, i, all_names);
    // Where each name was written (the `from` value, or the `inputs` list's items).
    let positions: Vec<_> = (0..names.len())
        .map(|k| match (&decl.inputs, &decl.from) {
            (Some(_), _) => cx.pos(&[
                Seg::Key("steps"),
                Seg::Index(i),
                Seg::Key("inputs"),
                Seg::Index(k),
            ]),
            (None, Some(_)) => cx.pos(&at("from")),
            (None, None) => cx.pos(&at("op")),
        })
        .collect();
    let index: HashMap<&str, usize> = all_names
        .iter()
        .enumerate()
        .map(|(j, s)| (s.as_str(), j))
        .collect();
    let mut nodes = Vec::with_capacity(names.len());
    for (k, name) in names.iter().enumerate() {
        if name == "input" {
            nodes.push(NodeRef::Input);
            continue;
        }
        let pos = positions[k];
        match index.get(name.as_str()) {
            Some(&j) if j < i => nodes.push(NodeRef::Step(j)),
            Some(&j) if j == i => {
                cx.err(
                    pos,
                    format!("step `{name}` cannot read its own image"),
                    None,
                );
                ok = false;
            }
            Some(&j) => {
                match cycle(i, j, refs, &index) {
                    Some(chain) => cx.err(
                        pos,
                        format!("a cycle: {}", chain.join(" reads ")),
                        Some("a step can only read `input` or a step above it".to_string()),
                    ),
                    None => cx.err(
                        pos,
                        format!(
                            "`{name}` is used before it is defined (step {} defines it)",
                            j + 1
                        ),
                        Some(format!("move step `{name}` above step {}", i + 1)),
                    ),
                }
                ok = false;
            }
            None => {
                let mut known = vec!["input"];
                known.extend(all_names[..i].iter().map(String::as_str));
                cx.err(
                    pos,
                    format!("step {} reads `{name}`, which is not a step", i + 1),
                    Some(suggest(name, &known)),
                );
                ok = false;
            }
        }
    }
    ok.then_some(nodes)
}

/// `["input", "bg"]`-style example of `n` names.
fn example_inputs(n: usize) -> String {
    let names: Vec<String> = ["input", "bg", "c", "d"]
        .iter()
        .cycle()
        .take(n)
        .map(|s| format!("\"{s}\""))
        .collect();
    format!("[{}]", names.join(", "))
}

/// If step `j` (after step `i`) reads step `i`, through any chain of references: the chain of
/// names `i → j → … → i`.
fn cycle(
    i: usize,
    j: usize,
    refs: &[Option<Vec<String>>],
    index: &HashMap<&str, usize>,
) -> Option<Vec<String>> {
    let name = |k: usize| {
        index
            .iter()
            .find(|(_, &v)| v == k)
            .map_or(String::new(), |(n, _)| format!("`{n}`"))
    };
    // Depth-first from j along the references, remembering the path.
    let mut path = vec![j];
    let mut seen = vec![false; refs.len()];
    fn walk(
        at: usize,
        goal: usize,
        refs: &[Option<Vec<String>>],
        index: &HashMap<&str, usize>,
        path: &mut Vec<usize>,
        seen: &mut [bool],
    ) -> bool {
        if seen[at] {
            return false;
        }
        seen[at] = true;
        for r in refs[at].iter().flatten() {
            let Some(&k) = index.get(r.as_str()) else {
                continue;
            };
            path.push(k);
            if k == goal || walk(k, goal, refs, index, path, seen) {
                return true;
            }
            path.pop();
        }
        false
    }
    walk(j, i, refs, index, &mut path, &mut seen)
        .then(|| std::iter::once(i).chain(path).map(name).collect::<Vec<_>>())
}

/// Explicit step names must be unique, non-empty and not `input` (checked on the steps as
/// written, so a step with other problems still counts).
fn check_step_names(cx: &mut Ctx) {
    let Some(Kind::Seq(items)) = cx.tree.get("steps").map(|e| &e.value.kind) else {
        return;
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(entry) = item.get("name") else {
            continue;
        };
        let Some(name) = entry.value.as_str() else {
            continue;
        };
        let p = entry.value.pos;
        if name == "input" {
            problems.push(
                Diag::new(p, "`input` is reserved for the loaded image")
                    .with_hint("pick another step name"),
            );
        } else if name.is_empty() {
            problems.push(Diag::new(p, "a step name cannot be empty"));
        } else if let Some(prev) = seen.get(name) {
            problems.push(
                Diag::new(
                    p,
                    format!("step name `{name}` is already used by step {}", prev + 1),
                )
                .with_hint("step names must be unique"),
            );
        }
        seen.entry(name).or_insert(i);
    }
    for d in problems {
        cx.report.push(d);
    }
}
