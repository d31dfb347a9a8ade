//! The per-image task graph, printed (`flowrun plan`): text, Graphviz dot, or Mermaid. Each image
//! is load → steps in order, with metrics and image writes hanging off the node they read; an
//! image is dropped as soon as the next step and its readers are done, so at most two images per
//! job are alive at once.

use super::{NodeRef, Plan};
use std::fmt::Write as _;

/// Output syntax of `flowrun plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
}

struct ImageGraph {
    index: u64,
    /// (id, label, kind) — kind: "load", "step", "metric", "write"
    nodes: Vec<(String, String, &'static str)>,
    edges: Vec<(String, String)>,
}

fn node_id(index: u64, node: NodeRef) -> String {
    match node {
        NodeRef::Input => format!("i{index}_load"),
        NodeRef::Step(s) => format!("i{index}_s{s}"),
    }
}

fn build(plan: &Plan, job_pos: usize) -> ImageGraph {
    let job = plan.job(job_pos);
    let i = job.index;
    let mut g = ImageGraph {
        index: i,
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let mut nodes = vec![NodeRef::Input];
    nodes.extend((0..plan.steps.len()).map(NodeRef::Step));
    for (k, &node) in nodes.iter().enumerate() {
        let id = node_id(i, node);
        match node {
            NodeRef::Input => {
                g.nodes
                    .push((id.clone(), format!("load {}", job.input_label()), "load"))
            }
            NodeRef::Step(s) => {
                let st = &plan.steps[s];
                g.nodes.push((
                    id.clone(),
                    format!("{}: {} {}", st.name, st.op.name(), st.op.describe()),
                    "step",
                ));
                g.edges.push((node_id(i, nodes[k - 1]), id.clone()));
            }
        }
        for (m, metric) in plan
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| m.on == node)
        {
            let mid = format!("i{i}_m{m}");
            g.nodes.push((
                mid.clone(),
                format!("{} = {}", metric.column, metric.kind.name()),
                "metric",
            ));
            g.edges.push((id.clone(), mid));
        }
        for (w, _) in plan
            .writers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.node == node)
        {
            if let Some(path) = job.outputs.get(w) {
                let wid = format!("i{i}_w{w}");
                g.nodes
                    .push((wid.clone(), format!("write {}", path.display()), "write"));
                g.edges.push((id.clone(), wid));
            }
        }
    }
    g
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
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
                    let _ = match *kind {
                        "load" => writeln!(out, "  {label}"),
                        "step" => writeln!(out, "  -> {label}"),
                        "metric" => writeln!(out, "       metric {label}"),
                        _ => writeln!(out, "       {label}"),
                    };
                }
            }
        }
        GraphFormat::Dot => {
            let _ = writeln!(out, "digraph flowrun {{");
            let _ = writeln!(
                out,
                "  label=\"{}\";\n  node [fontname=\"Helvetica\"];",
                escape(&plan.name)
            );
            for g in &graphs {
                let _ = writeln!(
                    out,
                    "  subgraph cluster_{} {{\n    label=\"image {}\";",
                    g.index, g.index
                );
                for (id, label, kind) in &g.nodes {
                    let shape = match *kind {
                        "load" => "box",
                        "step" => "box, style=rounded",
                        "metric" => "ellipse",
                        _ => "note",
                    };
                    let _ = writeln!(
                        out,
                        "    {id} [label=\"{}\", shape={shape}];",
                        escape(label)
                    );
                }
                for (a, b) in &g.edges {
                    let _ = writeln!(out, "    {a} -> {b};");
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
                    let _ = match *kind {
                        "metric" => writeln!(out, "    {id}([\"{label}\"])"),
                        "write" => writeln!(out, "    {id}[/\"{label}\"/]"),
                        _ => writeln!(out, "    {id}[\"{label}\"]"),
                    };
                }
                for (a, b) in &g.edges {
                    let _ = writeln!(out, "    {a} --> {b}");
                }
                let _ = writeln!(out, "  end");
            }
        }
    }
    out
}
