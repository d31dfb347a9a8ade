//! What the report shows, gathered from files a run leaves: the results table (CSV or JSON, as
//! written, or edited by hand) and its sidecar `<results>.meta.json` (the run's counts and where
//! its time went). Nothing here panics on a malformed file: a table that cannot be read is an
//! error with a message, a sidecar that cannot be read leaves its parts of the page out.

use crate::plan::{Plan, ResultsFormat};
use std::path::{Path, PathBuf};

/// One row of the results table, as the report needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableRow {
    pub index: u64,
    pub input: String,
    /// `ok`, `failed`, `not run`, `outdated` (or whatever a hand-edited table says).
    pub status: String,
    pub error: String,
    /// One per metric column of the plan (`None`: empty, or the column is missing).
    pub metrics: Vec<Option<f64>>,
    /// One per writer of the plan (empty: none).
    pub outputs: Vec<String>,
    pub elapsed_ms: Option<f64>,
}

impl TableRow {
    pub fn failed(&self) -> bool {
        self.status == "failed"
    }
}

/// The results table: the plan's metric and output columns, and every row.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub metric_columns: Vec<String>,
    pub output_columns: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Columns the plan has and the table lacks (a hand-edited or older table).
    pub missing: Vec<String>,
}

/// What the sidecar says about the run that wrote the table.
#[derive(Clone, Debug, Default)]
pub struct RunMeta {
    pub flowrun_version: String,
    pub workflow_hash: String,
    /// When the sidecar was written (seconds since the epoch).
    pub written: Option<u64>,
    /// The cores of the machine that ran it.
    pub cores: Option<u64>,
    pub selected: u64,
    pub ok: u64,
    pub failed: u64,
    pub skipped: u64,
    pub interrupted: bool,
    pub elapsed_s: f64,
    /// Seconds summed over the workers, and each phase's (name, seconds, share).
    pub workers_s: f64,
    pub phases: Vec<(String, f64, f64)>,
}

/// The sidecar's path beside the results table.
pub fn meta_path(results: &Path) -> PathBuf {
    let mut name = results.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.json");
    results.with_file_name(name)
}

/// Reads the sidecar; `Err` with a sentence when it is missing or not one flowrun wrote.
pub fn read_meta(results: &Path) -> Result<RunMeta, String> {
    let path = meta_path(results);
    let text =
        std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| format!("`{}` is not JSON: {e}", path.display()))?;
    if !v.is_object() {
        return Err(format!("`{}` is not a flowrun sidecar", path.display()));
    }
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    let run = &v["this_run"];
    let u = |k: &str| run[k].as_u64().unwrap_or(0);
    let phases = v["time"]["phases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p["phase"].as_str()?.to_string(),
                        p["s"].as_f64()?,
                        p["share"].as_f64().unwrap_or(0.0),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let written = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    Ok(RunMeta {
        flowrun_version: s("flowrun_version"),
        workflow_hash: s("workflow_blake3"),
        written,
        cores: v["machine"]["cores"].as_u64(),
        selected: u("selected"),
        ok: u("ok"),
        failed: u("failed"),
        skipped: u("skipped_up_to_date"),
        interrupted: run["interrupted"].as_bool().unwrap_or(false),
        elapsed_s: run["elapsed_s"].as_f64().unwrap_or(0.0),
        workers_s: v["time"]["workers_s"].as_f64().unwrap_or(0.0),
        phases,
    })
}

/// Reads `plan`'s results table. Bytes that are not UTF-8 are shown lossily.
pub fn read_table(plan: &Plan) -> Result<Table, String> {
    let Some(r) = &plan.results else {
        return Err("the workflow has no results table".into());
    };
    let bytes = std::fs::read(&r.path)
        .map_err(|e| format!("cannot read the results table `{}`: {e}", r.path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let records = match r.format {
        ResultsFormat::Csv => parse_csv(&text),
        ResultsFormat::Json => json_records(&text)
            .map_err(|e| format!("cannot read the results table `{}`: {e}", r.path.display()))?,
    };
    Ok(table_of(plan, records))
}

/// A cell as read: text, or a JSON number / null.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Null,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(v) => crate::sinks::results::repr_f64(*v),
            Cell::Null => String::new(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(v) => Some(*v),
            Cell::Text(s) if !s.trim().is_empty() => s.trim().parse().ok().or(Some(f64::NAN)),
            _ => None,
        }
    }
}

/// Header and records.
type Records = (Vec<String>, Vec<Vec<Cell>>);

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Records {
    let mut records: Vec<Vec<Cell>> = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(Cell::Text(std::mem::take(&mut field))),
            '\r' => {}
            '\n' => {
                record.push(Cell::Text(std::mem::take(&mut field)));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            c => field.push(c),
        }
    }
    if any {
        record.push(Cell::Text(field));
        records.push(record);
    }
    let mut it = records.into_iter();
    let header = it
        .next()
        .map(|h| h.iter().map(Cell::text).collect())
        .unwrap_or_default();
    (
        header,
        it.filter(|r| r.len() > 1 || r != &[Cell::Text(String::new())])
            .collect(),
    )
}

/// A JSON array of objects, as the results sink writes it.
fn json_records(text: &str) -> Result<Records, String> {
    // A batch run writes a JSON array; a watch appends JSON Lines (one object per line).
    let v: Vec<serde_json::Map<String, serde_json::Value>> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?
    };
    let mut header: Vec<String> = Vec::new();
    for obj in v.iter().take(1) {
        header.extend(obj.keys().cloned());
    }
    let records = v
        .iter()
        .map(|obj| {
            header
                .iter()
                .map(|k| match obj.get(k) {
                    Some(serde_json::Value::Number(n)) => {
                        Cell::Number(n.as_f64().unwrap_or(f64::NAN))
                    }
                    Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
                    Some(serde_json::Value::Bool(b)) => Cell::Text(b.to_string()),
                    Some(serde_json::Value::Null) | None => Cell::Null,
                    Some(other) => Cell::Text(other.to_string()),
                })
                .collect()
        })
        .collect();
    Ok((header, records))
}

/// Picks the plan's columns out of the records by name.
fn table_of(plan: &Plan, (header, records): Records) -> Table {
    let at = |name: &str| header.iter().position(|h| h == name);
    let metric_columns = plan.metric_columns.clone();
    let output_columns: Vec<String> = plan.writers.iter().map(|w| w.column.clone()).collect();
    let mut missing = Vec::new();
    let mut find = |name: &str| {
        let p = at(name);
        if p.is_none() {
            missing.push(name.to_string());
        }
        p
    };
    let (i_index, i_input, i_status, i_error) =
        (find("index"), find("input"), find("status"), find("error"));
    let i_metrics: Vec<Option<usize>> = metric_columns.iter().map(|c| find(c)).collect();
    let i_outputs: Vec<Option<usize>> = output_columns.iter().map(|c| find(c)).collect();
    let i_elapsed = at("elapsed_ms");
    let rows = records
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let cell = |i: Option<usize>| i.and_then(|i| r.get(i));
            let text = |i: Option<usize>| cell(i).map(Cell::text).unwrap_or_default();
            TableRow {
                index: cell(i_index)
                    .and_then(Cell::number)
                    .filter(|v| *v >= 0.0 && v.fract() == 0.0)
                    .map_or(k as u64, |v| v as u64),
                input: text(i_input),
                status: text(i_status),
                error: text(i_error),
                metrics: i_metrics
                    .iter()
                    .map(|&i| cell(i).and_then(Cell::number))
                    .collect(),
                outputs: i_outputs.iter().map(|&i| text(i)).collect(),
                elapsed_ms: cell(i_elapsed)
                    .and_then(Cell::number)
                    .filter(|v| v.is_finite()),
            }
        })
        .collect();
    Table {
        metric_columns,
        output_columns,
        rows,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_line_breaks() {
        let (h, r) = parse_csv("a,b,c\n1,\"x,\"\"y\"\"\nz\",\r\n2,,3\n");
        assert_eq!(h, ["a", "b", "c"]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][1], Cell::Text("x,\"y\"\nz".into()));
        assert_eq!(r[0][2], Cell::Text(String::new()));
        assert_eq!(r[1][2].number(), Some(3.0));
        assert_eq!(r[1][1].number(), None);
        assert!(Cell::Text("nan".into()).number().unwrap().is_nan());
        assert!(Cell::Text("oops".into()).number().unwrap().is_nan());
        let (h, r) = parse_csv("");
        assert!(h.is_empty() && r.is_empty());
        let (_, r) = parse_csv("a\n1");
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn json_rows_keep_nulls() {
        let (h, r) = json_records(r#"[{"index": 0, "input": "a", "v": null, "w": 1.5}]"#).unwrap();
        assert_eq!(h, ["index", "input", "v", "w"]);
        assert_eq!(r[0][2], Cell::Null);
        assert_eq!(r[0][3].number(), Some(1.5));
        assert!(json_records("{").is_err());
    }
}
