//! The README's reference cannot drift from the registry: every op and metric, and every one of
//! their parameters, is documented in it.

mod common;
use common::root;

/// The text of the README between the headings `from` and `to`.
fn section(from: &str, to: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find(from)
        .unwrap_or_else(|| panic!("README has no `{from}`"));
    let end = readme[start..].find(to).map_or(readme.len(), |e| start + e);
    readme[start..end].to_string()
}

/// The parameter names of a schema (its `properties`).
fn params(schema: schemars::Schema) -> Vec<String> {
    schema
        .as_object()
        .and_then(|o| o.get("properties"))
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_readme_documents_every_op_and_its_parameters() {
    let steps = section("### Steps", "### Metrics");
    let mut generator = schemars::SchemaGenerator::default();
    for e in flowrun::ops::OPS {
        assert!(
            steps.contains(&format!("| `{}` |", e.name)),
            "README's Steps table has no row for op `{}`",
            e.name
        );
        for p in params((e.schema)(&mut generator)) {
            assert!(
                steps.contains(&format!("`{p}`")),
                "README's Steps section does not name `{p}` of op `{}`",
                e.name
            );
        }
    }
}

#[test]
fn the_readme_documents_every_metric_and_its_parameters() {
    let metrics = section("### Metrics", "### Output");
    let mut generator = schemars::SchemaGenerator::default();
    for e in flowrun::metrics::METRICS {
        assert!(
            metrics.contains(&format!("| `{}` |", e.name)),
            "README's Metrics table has no row for metric `{}`",
            e.name
        );
        for p in params((e.schema)(&mut generator)) {
            assert!(
                metrics.contains(&format!("`{p}`")),
                "README's Metrics section does not name `{p}` of metric `{}`",
                e.name
            );
        }
    }
}

/// Every placeholder the pattern parser knows is documented.
#[test]
fn the_readme_documents_every_placeholder() {
    let output = section("### Output", "### The results table");
    for (p, _) in flowrun::plan::pattern::Field::ALL {
        assert!(output.contains(&format!("`{{{p}")), "placeholder {p}");
    }
}
