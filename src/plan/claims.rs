//! Output collisions: no two outputs (of any images and writers), and no output and the results
//! table, may share a path. Compile renders every output once and claims its normalised path.
//! Claims are remembered (as 128-bit hashes) only when outputs could collide, so checking a
//! million outputs of one `{index}` writer keeps nothing per image.
//!
//! **Distinct by construction.** Take a writer whose pattern, with its fixed fields filled in,
//! has no per-image placeholders but `{index}` and — for noise images, whose `{stem}` is
//! `noise_<index>` and whose `{ext}` and `{dir}` are empty — `{stem}`. For an index of `d`
//! digits, each such placeholder renders as padding and the decimal number (`{index}`, any
//! width, zero or space padding), or as `noise_`, the number and padding (`{stem}`), in
//! `max(width, c + d)` characters (`c` = 0 or 6), which never shrinks as `d` grows. Suppose two
//! indices render the same text. Then the lengths match; as each placeholder's length is
//! non-decreasing in `d`, they all match, so the first placeholder sits at the same place with
//! the same length in both texts, and that text — a padded number — gives back the index: the
//! indices are equal. Normalising the path keeps this: [`Pattern::rewrite`] normalises the
//! pattern itself, which is exact for placeholders that are never empty, hold no `/` and always
//! hold a digit, as long as every placeholder survives (`x{index}/..` drops one: not covered).
//! (A noise image's `{frame}` is 0: it is filled in like `{ext}` and `{dir}`.)
//!
//! Two such writers can still meet (`x{index}` and `x1{index}` at `x10`). They cannot when their
//! normalised patterns begin with literal texts neither of which is a prefix of the other, or
//! end with texts neither of which is a suffix of the other. Anything else — other
//! placeholders, writers not provably apart — claims a hash of every path.

use super::paths::normalize;
use super::pattern::{Field, Pattern, Vars};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Who a path was claimed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Holder {
    /// The results table.
    Results,
    /// Image `index`'s output from writer `writer`.
    Output { writer: usize, index: u64 },
}

/// The paths claimed so far.
pub(super) struct Claims {
    /// The results table's normalised path.
    results: Option<PathBuf>,
    /// Every output claimed, by a 128-bit hash of its normalised path (small for a million
    /// outputs); `None` when outputs are distinct by construction.
    outputs: Option<HashMap<u128, Holder>>,
}

impl Claims {
    /// No claims yet. `distinct`: outputs are distinct by construction (see the module docs), so
    /// only the results table is checked.
    pub(super) fn new(distinct: bool, results: Option<PathBuf>) -> Claims {
        Claims {
            results,
            outputs: (!distinct).then(HashMap::new),
        }
    }

    /// Whether claiming output `path` (as rendered; its normalised form ends in the same file
    /// name, as an output's file name has an extension) could fail: outputs are claimed one by
    /// one, or the results table has that file name.
    pub(super) fn may_refuse(&self, path: &Path) -> bool {
        self.outputs.is_some()
            || self
                .results
                .as_deref()
                .is_some_and(|r| r.file_name() == path.file_name())
    }

    /// Claims the normalised path `key` for image `index`'s output from `writer`; returns who
    /// had it when it was taken (the claim then fails).
    pub(super) fn claim(&mut self, key: &Path, writer: usize, index: u64) -> Option<Holder> {
        if self.results.as_deref() == Some(key) {
            return Some(Holder::Results);
        }
        let outputs = self.outputs.as_mut()?;
        let h = blake3::hash(key.as_os_str().as_encoded_bytes());
        let id = u128::from_le_bytes(h.as_bytes()[..16].try_into().unwrap_or_default());
        match outputs.get(&id) {
            Some(holder) => Some(*holder),
            None => {
                outputs.insert(id, Holder::Output { writer, index });
                None
            }
        }
    }
}

/// Whether distinct (image, writer) pairs always render distinct normalised paths (see the
/// module docs). `patterns`: each writer's pattern, its fixed fields filled in; `noise`: the
/// images are generated (`{stem}` is `noise_<index>`, `{ext}` and `{dir}` are empty, `{frame}`
/// is 0).
pub(super) fn distinct_by_construction(patterns: &[Pattern], noise: bool, cwd: &Path) -> bool {
    let forms: Option<Vec<Pattern>> = patterns.iter().map(|p| index_form(p, noise, cwd)).collect();
    let Some(forms) = forms else {
        return false;
    };
    forms
        .iter()
        .enumerate()
        .all(|(i, a)| forms[..i].iter().all(|b| apart(a, b)))
}

/// A writer's pattern as a function of the index alone, normalised against `cwd`: `None` when
/// a placeholder other than `{index}` (or a noise image's `{stem}`) remains, when normalising
/// drops one, or when there is none.
fn index_form(pattern: &Pattern, noise: bool, cwd: &Path) -> Option<Pattern> {
    let pattern = if noise {
        pattern.fill(&Vars::default(), |f| {
            matches!(f, Field::Ext | Field::Dir | Field::Frame)
        })
    } else {
        pattern.clone()
    };
    let by_index = |f: Field| f == Field::Index || (noise && f == Field::Stem);
    if !pattern.fields().all(|(f, _)| by_index(f)) {
        return None;
    }
    let form = pattern.rewrite(|text| {
        let normal = normalize(cwd, Path::new(text));
        normal.into_os_string().into_string().ok()
    })?;
    let has_index = form.fields().next().is_some();
    has_index.then_some(form)
}

/// Whether two index forms can never render the same text: their heads or their tails differ
/// outright.
fn apart(a: &Pattern, b: &Pattern) -> bool {
    let (ha, hb) = (a.head(), b.head());
    let (ta, tb) = (a.tail(), b.tail());
    !(ha.starts_with(hb) || hb.starts_with(ha)) || !(ta.ends_with(tb) || tb.ends_with(ta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ImageNames;
    use std::collections::{BTreeSet, HashSet};

    fn parse(p: &str) -> Pattern {
        Pattern::parse(p).unwrap()
    }

    fn distinct(patterns: &[&str], noise: bool) -> bool {
        let patterns: Vec<Pattern> = patterns.iter().map(|p| parse(p)).collect();
        distinct_by_construction(&patterns, noise, Path::new("/cwd"))
    }

    fn noise_vars(names: &ImageNames) -> Vars<'_> {
        Vars {
            index: names.index,
            stem: &names.stem,
            ..Vars::default()
        }
    }

    fn noise_names(index: u64) -> ImageNames {
        ImageNames {
            index,
            frame: 0,
            stem: format!("noise_{index}"),
            ext: String::new(),
            dir: String::new(),
        }
    }

    /// Indices around every change in the number of digits, up to 10^7, and the largest.
    fn indices() -> BTreeSet<u64> {
        let mut v: BTreeSet<u64> = (0..1200).collect();
        for p in 3..=7u32 {
            let t = 10u64.pow(p);
            v.extend(t - 3..t + 3);
        }
        v.insert(u64::MAX);
        v
    }

    #[test]
    fn one_index_writer_is_distinct_by_construction() {
        for p in [
            "out/x{index}.bmp",
            "out/x{index:03}.bmp",
            "out/x{index:3}.bmp",
            "out/{index:2}/{index:05}.png",
            "{index}.bmp",
            "out/{stem}.bmp",
            "out/{stem:12}|{index:4}.bmp",
            "out/{ext}{dir}/{stem}.bmp",
            "/abs/./a//{index}/b.bmp/",
        ] {
            assert!(distinct(&[p], true), "{p}");
            // The argument, checked: distinct indices render distinct normalised paths.
            let pattern = parse(p);
            let mut seen = HashSet::new();
            for i in indices() {
                let names = noise_names(i);
                let key = normalize(
                    Path::new("/cwd"),
                    Path::new(&pattern.render(&noise_vars(&names))),
                );
                assert!(seen.insert(key), "{p}: index {i} repeats a path");
            }
        }
        // Glob images: `{stem}`, `{ext}` and `{dir}` come from the files.
        assert!(distinct(&["out/{index:04}.png"], false));
        for p in [
            "out/{stem}.png",
            "out/{index}{ext}.png",
            "out/{dir}/{index}.png",
        ] {
            assert!(!distinct(&[p], false), "{p}");
        }
    }

    #[test]
    fn patterns_that_drop_or_lack_the_index_are_not() {
        // (The last is distinct, but `..` drops one `{index}`: the proof does not cover it.)
        for p in [
            "out/x.bmp",
            "out/x{index}/../y.bmp",
            "out/{ext}.bmp",
            "/a/{index}/../b/{index}.bmp",
        ] {
            assert!(!distinct(&[p], true), "{p}");
        }
    }

    #[test]
    fn the_index_form_renders_the_normalised_path() {
        for p in [
            "out/../a/./x{index:3}//y{stem}.bmp",
            "./{index}.bmp",
            "../../../../{index}/.",
            "/a/{index}x/b/../{index:2}.bmp",
        ] {
            let form = index_form(&parse(p), true, Path::new("/cwd/sub")).unwrap();
            for i in [0, 7, 12345] {
                let names = noise_names(i);
                let vars = noise_vars(&names);
                let want = normalize(Path::new("/cwd/sub"), Path::new(&parse(p).render(&vars)));
                assert_eq!(Path::new(&form.render(&vars)), want, "{p} at {i}");
            }
        }
    }

    #[test]
    fn several_writers_need_different_heads_or_tails() {
        assert!(distinct(&["out/a_{index}.png", "out/b_{index}.png"], true));
        assert!(distinct(&["out/{index}_a.png", "out/{index}_b.png"], true));
        assert!(distinct(
            &["a/{index}.png", "b/{stem}.png", "c/{index}.tif"],
            true
        ));
        // x{index} and x1{index} meet at x12; ./ and out/.. change nothing.
        assert!(!distinct(&["x{index}.bmp", "x1{index}.bmp"], true));
        assert!(!distinct(&["x{index}.bmp", "./x{index}.bmp"], true));
        assert!(!distinct(&["out/../x{index}.bmp", "x{index:02}.bmp"], true));
        assert!(!distinct(&["a/{index}.png", "a/{index}_.png"], true));
    }

    #[test]
    fn writers_that_meet_are_caught() {
        // As compile claims them: image by image, writer by writer.
        let writers = [parse("x{index}.bmp"), parse("x1{index}.bmp")];
        let mut claims = Claims::new(false, None);
        let mut hit = None;
        'images: for i in 0..100 {
            let names = noise_names(i);
            for (w, p) in writers.iter().enumerate() {
                let key = normalize(Path::new("/cwd"), Path::new(&p.render(&noise_vars(&names))));
                if let Some(holder) = claims.claim(&key, w, i) {
                    hit = Some((i, w, holder));
                    break 'images;
                }
            }
        }
        // Image 0's `x10` (writer 1) comes back as image 10's (writer 0).
        let first = Holder::Output {
            writer: 1,
            index: 0,
        };
        assert_eq!(hit, Some((10, 0, first)));
    }

    #[test]
    fn distinct_outputs_keep_nothing_but_still_meet_the_results_table() {
        let results = PathBuf::from("/cwd/out/x7.bmp");
        let mut claims = Claims::new(true, Some(results.clone()));
        for i in 0..10_000u64 {
            if i != 7 {
                let key = PathBuf::from(format!("/cwd/out/x{i}.bmp"));
                assert_eq!(claims.claim(&key, 0, i), None);
            }
        }
        assert!(claims.outputs.is_none(), "nothing is stored per image");
        assert_eq!(claims.claim(&results, 0, 7), Some(Holder::Results));
        let mut hashed = Claims::new(false, None);
        assert_eq!(hashed.claim(&results, 0, 0), None);
        assert_eq!(
            hashed.claim(&results, 1, 3),
            Some(Holder::Output {
                writer: 0,
                index: 0
            })
        );
        assert_eq!(hashed.outputs.map(|o| o.len()), Some(1));
    }
}
