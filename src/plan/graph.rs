//! The per-image task graph, printed (`flowrun plan`): text, Graphviz dot, or Mermaid. Each image
//! is its input, then every step with the images it reads, with metrics and image writes hanging
//! off the images they read; the memory a worker needs — the most images alive at once — closes
//! the listing.

use super::{NodeRef, Plan};
use std::fmt::Write as _;

/// Output syntax of `flowrun plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Load,
    Step,
    Metric,
    Write,
}

struct ImageGraph {
    index: u64,
    /// (id, label, kind)
    nodes: Vec<(String, String, Kind)>,
    /// (from, to, dashed)
    edges: Vec<(String, String, bool)>,
}

fn node_id(index: u64, node: NodeRef) -> String {
    match node {
        NodeRef::Input => format!("i{index}_load"),
        NodeRef::Step(s) => format!("i{index}_s{s}"),
    }
}

fn node_name(plan: &Plan, node: NodeRef) -> &str {
    match node {
        NodeRef::Input => "input",
        NodeRef::Step(s) => &plan.steps[s].name,
    }
}

/// The step's label: `name: op params`, and what it reads when that is not the previous image.
fn step_label(plan: &Plan, s: usize) -> String {
    let st = &plan.steps[s];
    let mut label = format!("{}: {}", st.name, st.op);
    let params = st.kernel.describe();
    if !params.is_empty() {
        label.push(' ');
        label.push_str(&params);
    }
    let previous = [if s == 0 {
        NodeRef::Input
    } else {
        NodeRef::Step(s - 1)
    }];
    if st.inputs != previous {
        let names: Vec<&str> = st.inputs.iter().map(|&n| node_name(plan, n)).collect();
        label.push_str(&format!(" (reads {})", names.join(", ")));
    }
    label
}

fn build(plan: &Plan, job_pos: usize) -> ImageGraph {
    let job = plan.job(job_pos);
    let i = job.index;
    let mut g = ImageGraph {
        index: i,
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    for t in 0..=plan.steps.len() {
        let node = NodeRef::at(t);
        let id = node_id(i, node);
        match node {
            NodeRef::Input => g.nodes.push((
                id.clone(),
                format!("load {}", job.input_label()),
                Kind::Load,
            )),
            NodeRef::Step(s) => {
                g.nodes.push((id.clone(), step_label(plan, s), Kind::Step));
                for &from in &plan.steps[s].inputs {
                    g.edges.push((node_id(i, from), id.clone(), false));
                }
            }
        }
        for (m, metric) in plan
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.on == node)
        {
            let mid = format!("i{i}_m{m}");
            let mut label = format!("{} = {}", metric.column, metric.op);
            if let Some(r) = metric.reference {
                label.push_str(&format!(" against {}", node_name(plan, r)));
                g.edges.push((node_id(i, r), mid.clone(), true));
            }
            g.nodes.push((mid.clone(), label, Kind::Metric));
            g.edges.push((id.clone(), mid, false));
        }
        for (w, _) in plan
            .writers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.node == node)
        {
            if let Some(path) = job.outputs.get(w) {
                let wid = format!("i{i}_w{w}");
                g.nodes.push((
                    wid.clone(),
                    format!("write {}", path.display()),
                    Kind::Write,
                ));
                g.edges.push((id.clone(), wid, false));
            }
        }
    }
    g
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `memory per worker: 2 images at the widest point (while `flat` runs)`.
pub fn memory_line(plan: &Plan) -> String {
    let (n, t) = plan.schedule.widest;
    let at = if n <= 1 {
        String::new()
    } else {
        format!(" (at `{}`)", node_name(plan, NodeRef::at(t)))
    };
    format!(
        "memory per worker: {n} image{} at the widest point{at}",
        if n == 1 { "" } else { "s" }
    )
}

/// Renders the graphs of the jobs at `positions` (see [`Plan::job`]).
pub fn render(plan: &Plan, positions: &[usize], format: GraphFormat) -> String {
    let graphs: Vec<ImageGraph> = positions.iter().map(|&p| build(plan, p)).collect();
    let mut out = String::new();
    match format {
        GraphFormat::Text => {
            for g in &graphs {
                let _ = writeln!(out, "image {}", g.index);
                for (_, label, kind) in &g.nodes {
                    let _ = match kind {
                        Kind::Load => writeln!(out, "  {label}"),
                        Kind::Step => writeln!(out, "  -> {label}"),
                        Kind::Metric => writeln!(out, "       metric {label}"),
                        Kind::Write => writeln!(out, "       {label}"),
                    };
                }
            }
            let _ = writeln!(out, "{}", memory_line(plan));
        }
        GraphFormat::Dot => {
            let _ = writeln!(out, "digraph flowrun {{");
            let _ = writeln!(
                out,
                "  label=\"{}\\n{}\";\n  node [fontname=\"Helvetica\"];",
                escape(&plan.name),
                escape(&memory_line(plan))
            );
            for g in &graphs {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{} {{\n    label=\"image {}\";",
                    g.index, g.index
                );
                for (id, label, kind) in &g.nodes {
                    let shape = match kind {
                        Kind::Load => "box",
                        Kind::Step => "box, style=rounded",
                        Kind::Metric => "ellipse",
                        Kind::Write => "note",
                    };
                    let _ = writeln!(
                        out,
                        "    {id} [label=\"{}\", shape={shape}];",
                        escape(label)
                    );
                }
                for (a, b, dashed) in &g.edges {
                    let style = if *dashed { " [style=dashed]" } else { "" };
                    let _ = writeln!(out, "    {a} -> {b}{style};");
                }
                let _ = writeln!(out, "  }}");
            }
            let _ = writeln!(out, "}}");
        }
        GraphFormat::Mermaid => {
            let _ = writeln!(out, "flowchart TD");
            for g in &graphs {
                let _ = writeln!(out, "  subgraph img{}[\"image {}\"]", g.index, g.index);
                for (id, label, kind) in &g.nodes {
                    let label = label.replace('"', "#quot;");
                    let _ = match kind {
                        Kind::Metric => writeln!(out, "    {id}([\"{label}\"])"),
                        Kind::Write => writeln!(out, "    {id}[/\"{label}\"/]"),
                        _ => writeln!(out, "    {id}[\"{label}\"]"),
                    };
                }
                for (a, b, dashed) in &g.edges {
                    let arrow = if *dashed { "-.->" } else { "-->" };
                    let _ = writeln!(out, "    {a} {arrow} {b}");
                }
                let _ = writeln!(out, "  end");
            }
        }
    }
    out
}
