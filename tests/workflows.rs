//! Every example workflow compiles and runs (shrunk where big); TOML and YAML versions of the same
//! job compile to the same plan; the committed JSON schema matches the config types.

mod common;
use common::*;
use flowrun::config::{load_file, schema_json};
use flowrun::plan::compile;
use std::path::{Path, PathBuf};

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("workflows"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("toml" | "yaml" | "yml")
            )
        })
        .collect();
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_example_workflow_checks_and_runs() {
    let files = workflow_files();
    assert!(
        files.len() >= 3,
        "blur.toml, blur.yaml and a glob example at least: {files:?}"
    );
    // Run from a copy of the repo layout so outputs land in a temp folder.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("workflows"), &dir.path().join("workflows"));
    for file in files {
        let rel = format!("workflows/{}", file.file_name().unwrap().to_string_lossy());
        let check = flowrun(dir.path(), &["check", &rel]);
        assert_eq!(check.status.code(), Some(0), "{rel}: {}", stderr(&check));
        let text = std::fs::read_to_string(&file).unwrap();
        let mut args = vec!["run", rel.as_str(), "--progress", "never"];
        let mut report_args = vec!["report", rel.as_str()];
        if text.contains("noise") {
            let small = ["--set", "source.count=2", "--set", "source.shape=[40, 30]"];
            args.extend(small);
            report_args.extend(small);
        }
        let run = flowrun(dir.path(), &args);
        assert_eq!(run.status.code(), Some(0), "{rel}: {}", stderr(&run));
        // Each example writes its report, and `flowrun report` rebuilds it.
        let loaded = load_file(&dir.path().join(&rel), &[]).unwrap();
        let plan = compile(&loaded, dir.path()).unwrap();
        let report = dir
            .path()
            .join(plan.report.as_ref().expect("every example has a report"));
        let page = std::fs::read_to_string(&report).unwrap();
        assert!(page.contains("id=\"tbl\""), "{rel}");
        std::fs::remove_file(&report).unwrap();
        let again = flowrun(dir.path(), &report_args);
        assert_eq!(again.status.code(), Some(0), "{rel}: {}", stderr(&again));
        assert!(report.is_file(), "{rel}");
    }
}

#[test]
fn toml_and_yaml_compile_to_the_same_plan() {
    let cwd = root();
    let toml = load_file(&root().join("workflows/blur.toml"), &[]).unwrap();
    let yaml = load_file(&root().join("workflows/blur.yaml"), &[]).unwrap();
    assert!(toml.report.is_empty() && yaml.report.is_empty());
    assert_eq!(toml.draft, yaml.draft);
    let mut a = compile(&toml, &cwd).unwrap();
    let mut b = compile(&yaml, &cwd).unwrap();
    assert_ne!(
        a.workflow_hash, b.workflow_hash,
        "the file hashes differ, of course"
    );
    assert_eq!(a.fingerprint, b.fingerprint, "the same plan");
    assert_ne!(a.state, b.state, "each file has its own state");
    for p in [&mut a, &mut b] {
        p.workflow_file.clear();
        p.workflow_hash.clear();
        p.state = flowrun::state::StatePaths::new(Path::new("."), Path::new("w"), Path::new("/"));
    }
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn committed_schema_matches_the_types() {
    let committed = std::fs::read_to_string(root().join("schemas/workflow.schema.json")).unwrap();
    assert!(
        committed == schema_json(),
        "schemas/workflow.schema.json is stale: run `cargo run -- schema > schemas/workflow.schema.json`"
    );
}

#[test]
fn schema_command_prints_it() {
    let out = flowrun(&root(), &["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "Workflow");
}
