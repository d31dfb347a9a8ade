//! Kubernetes: an Indexed Job whose pod `i` runs shard `i` of the manifest
//! (`JOB_COMPLETION_INDEX`), with a retry budget per index and a `podFailurePolicy` that follows
//! flowrun's exit codes, and a merge Job to apply once it completes. Both read and write a shared
//! volume (a PersistentVolumeClaim) mounted as the working folder.

use serde_json::{json, Value};
use std::fmt::Write as _;

/// What the Jobs run and how.
#[derive(Clone, Debug, Default)]
pub struct K8sSpec {
    /// The workflow's name (made into DNS-label Job names).
    pub name: String,
    /// The container image, holding `flowrun` on its PATH.
    pub image: String,
    pub tasks: u64,
    pub parallelism: u64,
    /// CPUs per pod (also `-j`).
    pub cpus: u32,
    /// The claim mounted at `workdir`, where the workflow, manifest, inputs and outputs are.
    pub claim: String,
    pub workdir: String,
    /// Paths inside `workdir`.
    pub workflow: String,
    pub manifest: String,
    /// Retries per index for a fault of the machine (exit 75) or a lost pod.
    pub retries: u64,
}

/// A DNS-label name from `text`: lowercase letters, digits and dashes, at most `max` long.
pub fn dns_label(text: &str, max: usize) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(max);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "flowrun".into()
    } else {
        s
    }
}

impl K8sSpec {
    fn job_name(&self) -> String {
        format!("flowrun-{}", dns_label(&self.name, 40))
    }

    fn pod(&self, command: Vec<String>, env: Value) -> Value {
        json!({
            "restartPolicy": "Never",
            "containers": [{
                "name": "flowrun",
                "image": self.image,
                "workingDir": self.workdir,
                "command": command,
                "env": env,
                "resources": {
                    "requests": { "cpu": self.cpus.to_string() },
                    "limits": { "cpu": self.cpus.to_string() },
                },
                "volumeMounts": [{ "name": "data", "mountPath": self.workdir }],
            }],
            "volumes": [{
                "name": "data",
                "persistentVolumeClaim": { "claimName": self.claim },
            }],
        })
    }

    /// The Indexed Job.
    pub fn indexed_job(&self) -> Value {
        let command: Vec<String> = [
            "flowrun",
            "run",
            &self.workflow,
            "--manifest",
            &self.manifest,
            "--shard",
            "auto",
            "--shard-count",
            &self.tasks.to_string(),
            "-j",
            &self.cpus.to_string(),
            "--progress",
            "never",
        ]
        .map(String::from)
        .to_vec();
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": self.job_name(),
                "labels": { "app.kubernetes.io/name": "flowrun" },
            },
            "spec": {
                "completionMode": "Indexed",
                "completions": self.tasks,
                "parallelism": self.parallelism.min(self.tasks),
                "backoffLimitPerIndex": self.retries,
                "maxFailedIndexes": self.tasks,
                "podFailurePolicy": {
                    "rules": [
                        {
                            // A workflow or manifest problem: the same on every retry.
                            "action": "FailIndex",
                            "onExitCodes": { "containerName": "flowrun", "operator": "In", "values": [2] },
                        },
                        {
                            // Some image failed: the failure is data in the shard's records;
                            // retrying computes the same.
                            "action": "FailIndex",
                            "onExitCodes": { "containerName": "flowrun", "operator": "In", "values": [1] },
                        },
                        {
                            // A fault of the machine (disk full, folder unwritable): retry.
                            "action": "Count",
                            "onExitCodes": { "containerName": "flowrun", "operator": "In", "values": [75] },
                        },
                        {
                            // The pod was evicted or preempted: retry without counting it.
                            "action": "Ignore",
                            "onPodConditions": [{ "type": "DisruptionTarget", "status": "True" }],
                        },
                    ],
                },
                "template": {
                    "metadata": { "labels": { "app.kubernetes.io/name": "flowrun" } },
                    "spec": self.pod(command, json!([
                        { "name": "FLOWRUN_SHARD_COUNT", "value": self.tasks.to_string() },
                    ])),
                },
            },
        })
    }

    /// The merge Job (apply it when the Indexed Job is complete).
    pub fn merge_job(&self) -> Value {
        let command: Vec<String> = [
            "flowrun",
            "merge",
            &self.workflow,
            "--manifest",
            &self.manifest,
        ]
        .map(String::from)
        .to_vec();
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": format!("{}-merge", self.job_name()),
                "labels": { "app.kubernetes.io/name": "flowrun" },
            },
            "spec": {
                "backoffLimit": 2,
                "template": {
                    "metadata": { "labels": { "app.kubernetes.io/name": "flowrun" } },
                    "spec": self.pod(command, json!([])),
                },
            },
        })
    }

    /// Both Jobs as one YAML stream.
    pub fn yaml(&self) -> String {
        let mut out = String::from("# flowrun: the Indexed Job of the shards, then the merge Job.\n# kubectl apply -f this file's first document; when `kubectl wait --for=condition=complete job/<name>` returns, apply the second.\n");
        out.push_str("---\n");
        out.push_str(&to_yaml(&self.indexed_job()));
        out.push_str("---\n");
        out.push_str(&to_yaml(&self.merge_job()));
        out
    }
}

/// `v` as block-style YAML (strings double-quoted JSON style, which YAML reads the same).
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    }
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, val) in m {
                if is_scalar(val) {
                    let _ = writeln!(out, "{pad}{k}: {}", scalar(val));
                } else {
                    let _ = writeln!(out, "{pad}{k}:");
                    emit(val, indent + 2, out);
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for item in a {
                if is_scalar(item) {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                } else {
                    // The item's first line follows the dash; the rest align under it.
                    let mut inner = String::new();
                    emit(item, indent + 2, &mut inner);
                    let trimmed = inner.trim_start_matches(' ');
                    let _ = write!(out, "{pad}- {trimmed}");
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_reads_back_as_the_same_value() {
        let spec = K8sSpec {
            name: "Blur run".into(),
            image: "registry.example/flowrun:1".into(),
            tasks: 8,
            parallelism: 3,
            cpus: 2,
            claim: "data".into(),
            workdir: "/work".into(),
            workflow: "workflows/blur.toml".into(),
            manifest: "run.manifest".into(),
            retries: 3,
        };
        let job = spec.indexed_job();
        let back: Value = serde_saphyr::from_str(&to_yaml(&job)).unwrap();
        assert_eq!(back, job);
        assert_eq!(job["metadata"]["name"], "flowrun-blur-run");
        assert_eq!(job["spec"]["completionMode"], "Indexed");
        let merge = spec.merge_job();
        let back: Value = serde_saphyr::from_str(&to_yaml(&merge)).unwrap();
        assert_eq!(back, merge);
    }

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(dns_label("My_Workflow.v2", 40), "my-workflow-v2");
        assert_eq!(dns_label("---", 40), "flowrun");
    }
}
