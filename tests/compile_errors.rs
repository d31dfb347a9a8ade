//! Every compile error, with its full rendered message: location, text and hint. Nothing runs and
//! the exit code is 2.

mod common;
use common::*;

/// Checks `text` as `name` and returns stderr, asserting exit code 2 and that nothing was written.
fn check_fails(name: &str, text: &str) -> String {
    let dir = with_file(name, text);
    let out = flowrun(dir.path(), &["check", name]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let run = flowrun(dir.path(), &["run", name]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        !dir.path().join("out").exists(),
        "a failed compile must not write anything"
    );
    stderr(&out)
}

const HEAD: &str = "[source]\nkind = \"noise\"\ncount = 2\nshape = [8, 8]\n";

#[test]
fn unknown_key_in_second_step_points_at_the_key() {
    let text = format!("{HEAD}\n[[steps]]\nop = \"gaussian\"\n\n[[steps]]\nop = \"gaussian\"\nname = \"b\"\nsigmaa = 3\n");
    assert_eq!(
        check_fails("w.toml", &text),
        "w.toml:12:1: error: unknown key `sigmaa` in step 2 `b` (gaussian)
   |
12 | sigmaa = 3
   | ^
  = hint: did you mean `sigma`? (valid: `name`, `save`, `from`, `sigma`, `mode`, `cval`, `truncate`)
w.toml: 1 problem found; nothing was run
"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "name = \"bad\"
bogus = 1

[source]
kind = \"noise\"
count = 0
shape = []

[[steps]]
op = \"gaussian\"
name = \"blur\"
sigma = \"wide\"

[[steps]]
op = \"gausian\"

[[steps]]
op = \"gaussian\"
name = \"blur\"
sigma = -1.5
truncate = -0.5
mode = \"nearst\"

[[steps]]
op = \"gaussian\"
sigma = nan

[metrics]
v = { op = \"variance\", on = \"blurr\" }
w = { op = \"varience\" }

[output]
images = \"out/{idx}.bmp\"
results = \"out/results.txt\"
";
    // The lists of valid names are the registry's (adding an op must not change this test).
    let list = |names: Vec<&str>| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let want = r#"w.toml:2:1: error: unknown top-level key `bogus`
  |
2 | bogus = 1
  | ^
  = hint: valid: `name`, `description`, `source`, `steps`, `metrics`, `output`, `expect`; keys starting with `x-` are yours and ignored
w.toml:6:9: error: `count` must be at least 1
  |
6 | count = 0
  |         ^
w.toml:7:9: error: `shape` must be [height, width] with both > 0, got []
  |
7 | shape = []
  |         ^
  = hint: e.g. shape = [1024, 1024]
w.toml:12:9: error: `sigma` in step 1 `blur` (gaussian) must be a number, or a list [sigma_rows, sigma_columns], got the string "wide"
   |
12 | sigma = "wide"
   |         ^
w.toml:15:6: error: unknown op `gausian` in step 2
   |
15 | op = "gausian"
   |      ^
  = hint: did you mean `gaussian`? (valid: OPS)
w.toml:19:8: error: step name `blur` is already used by step 1
   |
19 | name = "blur"
   |        ^
  = hint: step names must be unique
w.toml:20:9: error: `sigma` must be a finite number >= 0, got -1.5
   |
20 | sigma = -1.5
   |         ^
  = hint: e.g. sigma = 2.0; 0 leaves the image as it is
w.toml:21:12: error: `truncate` must be a finite number >= 0, got -0.5
   |
21 | truncate = -0.5
   |            ^
  = hint: the default is 4.0
w.toml:22:8: error: unknown value "nearst" for `mode` in step 3 `blur` (gaussian)
   |
22 | mode = "nearst"
   |        ^
  = hint: did you mean `nearest`? (valid: `nearest`, `reflect`, `mirror`, `constant`, `wrap`)
w.toml:26:9: error: `sigma` must be a finite number >= 0, got NaN
   |
26 | sigma = nan
   |         ^
  = hint: e.g. sigma = 2.0; 0 leaves the image as it is
w.toml:29:29: error: metric `v` reads `blurr`, which is not a step
   |
29 | v = { op = "variance", on = "blurr" }
   |                             ^
  = hint: did you mean `blur`? (valid: `input`, `blur`, `gausian`, `gaussian`)
w.toml:30:12: error: unknown op `varience` in metric `w`
   |
30 | w = { op = "varience" }
   |            ^
  = hint: did you mean `variance`? (valid: METRICS)
w.toml:33:15: error: unknown placeholder `{idx}`
   |
33 | images = "out/{idx}.bmp"
   |               ^
  = hint: did you mean `index`? (valid: `index`, `frame`, `stem`, `ext`, `dir`, `name`, `workflow`, `step`)
w.toml:34:11: error: cannot tell the results format of `out/results.txt`
   |
34 | results = "out/results.txt"
   |           ^
  = hint: end the file name in `.csv` or `.json`
w.toml: 14 problems found; nothing was run
"#
    .replace("OPS", &list(flowrun::ops::names()))
    .replace("METRICS", &list(flowrun::metrics::names()));
    assert_eq!(check_fails("w.toml", text), want);
}

#[test]
fn yaml_errors_carry_line_and_column() {
    let text = "source:\n  kind: noise\n  count: 2\n  shape: [8, 8]\nsteps:\n  - op: gaussian\n    sigma: -1\n  - op: gaussian\n    truncate: [1]\n    sigmaa: 2\n";
    assert_eq!(
        check_fails("w.yaml", text),
        "w.yaml:7:12: error: `sigma` must be a finite number >= 0, got -1
  |
7 |     sigma: -1
  |            ^
  = hint: e.g. sigma = 2.0; 0 leaves the image as it is
w.yaml:9:15: error: `truncate` in step 2 (gaussian) must be a number, got a list
  |
9 |     truncate: [1]
  |               ^
w.yaml:10:5: error: unknown key `sigmaa` in step 2 (gaussian)
   |
10 |     sigmaa: 2
   |     ^
  = hint: did you mean `sigma`? (valid: `name`, `save`, `from`, `sigma`, `mode`, `cval`, `truncate`)
w.yaml: 3 problems found; nothing was run
"
    );
}

#[test]
fn yaml_syntax_error_has_a_location() {
    let err = check_fails("w.yaml", "source:\n  kind: noise\n  shape: [8, 8\n");
    assert!(err.starts_with("w.yaml:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
}

#[test]
fn toml_syntax_error_has_a_location() {
    let err = check_fails("w.toml", "[source]\nkind = \"noise\"\ncount = \n");
    assert!(err.starts_with("w.toml:3:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn two_images_on_one_path() {
    let text = format!("{HEAD}[output]\nimages = \"out/image.bmp\"\n");
    assert_eq!(
        check_fails("w.toml", &text),
        "w.toml:6:10: error: image 1 and image 0 would both be written to `out/image.bmp`
  |
6 | images = \"out/image.bmp\"
  |          ^
  = hint: make the pattern unique per image, e.g. with `{index}` or `{stem}`
w.toml: 1 problem found; nothing was run
"
    );
}

#[test]
fn a_save_and_the_output_on_one_path() {
    let text = format!("{HEAD}[[steps]]\nop = \"gaussian\"\nsave = \"out/{{index}}.png\"\n[output]\nimages = \"out/{{index}}.png\"\n");
    let err = check_fails("w.toml", &text);
    assert!(
        err.starts_with("w.toml:9:10: error: image 0 and image 0's `save_gaussian` would both be written to `out/0.png`"),
        "{err}"
    );
}

#[test]
fn two_writers_meet_across_images() {
    // Each pattern alone is unique per image, but image 0's `out/x10.bmp` (the output) is image
    // 10's save.
    let text = "[source]\nkind = \"noise\"\ncount = 12\nshape = [8, 8]\n[[steps]]\nop = \"gaussian\"\nsave = \"out/x{index}.bmp\"\n[output]\nimages = \"out/x1{index}.bmp\"\n";
    assert_eq!(
        check_fails("w.toml", text),
        "w.toml:7:8: error: image 10 and image 0's `output` would both be written to `out/x10.bmp`
  |
7 | save = \"out/x{index}.bmp\"
  |        ^
  = hint: make the pattern unique per image, e.g. with `{index}` or `{stem}`
w.toml: 1 problem found; nothing was run
"
    );
}

#[test]
fn output_over_an_input_is_refused() {
    let dir = with_file(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"in/*.png\"\n[output]\nimages = \"in/{stem}.png\"\n",
    );
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::write(dir.path().join("in/a.png"), b"not really a png").unwrap();
    let out = flowrun(dir.path(), &["check", "w.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "w.toml:5:10: error: image 0 would be written over input file `in/a.png`
  |
5 | images = \"in/{stem}.png\"
  |          ^
  = hint: write the outputs to a folder of their own, e.g. `images = \"out/{stem}.png\"`
w.toml: 1 problem found; nothing was run
"
    );
}

#[test]
fn glob_without_matches() {
    let err = check_fails(
        "w.toml",
        "[source]\nkind = \"glob\"\npattern = \"nothing/*.png\"\n",
    );
    let first = err.lines().next().unwrap();
    assert_eq!(
        first,
        "w.toml:3:11: error: `nothing/*.png` matches no files"
    );
    assert!(
        err.contains("= hint: relative patterns resolve against the current directory"),
        "{err}"
    );
}

#[test]
fn unknown_kind_and_missing_source() {
    let err = check_fails("w.toml", "[source]\nkind = \"nosie\"\n");
    assert!(
        err.starts_with("w.toml:2:8: error: unknown kind `nosie` in `source`\n"),
        "{err}"
    );
    assert!(
        err.contains("= hint: did you mean `noise`? (valid: `noise`, `glob`)"),
        "{err}"
    );
    let err = check_fails("w.toml", "name = \"x\"\n");
    assert!(
        err.starts_with("w.toml:1:1: error: the workflow has no `source`\n"),
        "{err}"
    );
}

#[test]
fn missing_required_key() {
    let err = check_fails("w.toml", "[source]\nkind = \"noise\"\nshape = [4, 4]\n");
    assert!(
        err.starts_with(
            "w.toml:1:1: error: `source` (noise) is missing the required key `count`\n"
        ) || err.contains("is missing the required key `count`"),
        "{err}"
    );
}

#[test]
fn expectations_are_checked_at_compile_time() {
    let text = format!("{HEAD}[metrics]\nv = {{ op = \"variance\" }}\n[expect]\nok = 5\n[expect.w]\nmax = 1\n[expect.v]\nmin = 2\nmax = 1\n");
    let err = check_fails("w.toml", &text);
    assert!(
        err.contains("w.toml:8:6: error: `expect.ok = 5` but the source has only 2 images"),
        "{err}"
    );
    assert!(
        err.contains("w.toml:9:9: error: `expect.w` names no metric"),
        "{err}"
    );
    assert!(err.contains("error: `expect.v` has min 2 > max 1"), "{err}");
}

#[test]
fn bad_override_is_a_usage_error() {
    let dir = with_file("w.toml", HEAD);
    let out = flowrun(
        dir.path(),
        &[
            "check",
            "w.toml",
            "--set",
            "steps.blur.sigma=2",
            "--set",
            "source.count=-1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(
        err,
        "--set steps.blur.sigma=2: error: no step named `blur`: the workflow has no steps
--set source.count=-1: error: `count` in `source` (noise) must be a non-negative whole number, got -1
w.toml: 2 problems found; nothing was run
"
    );
}

#[test]
fn numpy_seeds_must_fit_in_32_bits() {
    let text = "[source]\nkind = \"noise\"\ncount = 2\nshape = [8, 8]\nseed_offset = 4294967295\n";
    let err = check_fails("w.toml", text);
    assert!(err.starts_with("w.toml:5:15: error: numpy seeds must be below 2^32, but image 1 would get seed 4294967296\n"), "{err}");
}

#[test]
fn outputs_may_not_leave_their_folder() {
    let text = "name = \"../../elsewhere\"\n[source]\nkind = \"noise\"\ncount = 2\nshape = [4, 4]\n[output]\nimages = \"out/{name}/{index}.bmp\"\n";
    assert_eq!(
        check_fails("w.toml", text),
        "w.toml:7:10: error: image 0's output `out/../../elsewhere/0.bmp` lands outside the pattern's folder `out`
  |
7 | images = \"out/{name}/{index}.bmp\"
  |          ^
  = hint: placeholders must not lead out of the output folder (`..`, absolute paths); set `output.allow_outside = true` to allow it
w.toml: 1 problem found; nothing was run
"
    );
    let dir = with_file("w.toml", text);
    let ok = flowrun(
        dir.path(),
        &["check", "w.toml", "--set", "output.allow_outside=true"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}
