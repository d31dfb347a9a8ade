//! Which images a run takes (`--only`): sorted, disjoint ranges of positions, so selecting all
//! of a million images costs one range.

use std::ops::Range;

/// A set of image positions, as sorted ranges that neither overlap nor touch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Each range, with how many positions come before it.
    ranges: Vec<(usize, Range<usize>)>,
}

impl Selection {
    /// Every position below `count`.
    pub fn all(count: usize) -> Selection {
        Selection::from_ranges(std::iter::once(0..count))
    }

    /// The positions in any of `ranges` (in any order; they may overlap).
    pub fn from_ranges(ranges: impl IntoIterator<Item = Range<usize>>) -> Selection {
        let mut sorted: Vec<Range<usize>> = ranges.into_iter().filter(|r| !r.is_empty()).collect();
        sorted.sort_unstable_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
        for r in sorted {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut before = 0;
        let ranges = merged
            .into_iter()
            .map(|r| {
                let start = before;
                before += r.len();
                (start, r)
            })
            .collect();
        Selection { ranges }
    }

    /// How many positions.
    pub fn len(&self) -> usize {
        self.ranges.last().map_or(0, |(before, r)| before + r.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th position, in increasing order.
    pub fn get(&self, k: usize) -> Option<usize> {
        let i = self.ranges.partition_point(|(before, _)| *before <= k);
        let (before, r) = self.ranges.get(i.checked_sub(1)?)?;
        let p = r.start + (k - before);
        (p < r.end).then_some(p)
    }

    /// Every position, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.ranges.iter().flat_map(|(_, r)| r.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_index() {
        let s = Selection::from_ranges([7..9, 0..2, 1..3, 3..4, 5..5]);
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 1, 2, 3, 7, 8]);
        assert_eq!(s.len(), 6);
        let got: Vec<_> = (0..7).map(|k| s.get(k)).collect();
        assert_eq!(
            got,
            [Some(0), Some(1), Some(2), Some(3), Some(7), Some(8), None]
        );
        assert_eq!(s.ranges.len(), 2, "touching ranges are one");
        let all = Selection::all(1 << 20);
        assert_eq!(
            (all.len(), all.get(12345), all.get(1 << 20)),
            (1 << 20, Some(12345), None)
        );
        assert!(Selection::all(0).is_empty() && Selection::all(0).get(0).is_none());
    }
}
