//! When each image of an image's graph is made, read and dropped. Images are made in node order
//! (the input, then each step); at each node's *visit*, right after it is made, its outputs are
//! encoded and the metrics it completes are computed. An image is kept exactly until its last
//! reader and its buffer reused afterwards; a step that is its input's last reader works on that
//! buffer in place. The widest point — the most images alive at once — is a worker's memory.

use super::{MetricPlan, NodeRef, StepPlan, Writer};

/// When an image is used: during the step of node `time` (`visit = false`), or at the visit of
/// node `time` (`visit = true`), which comes after.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    pub time: usize,
    pub visit: bool,
}

/// The lifetimes of one plan's images, and what follows from them.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    /// Per node (by [`NodeRef::index`]): its last use.
    pub last_use: Vec<Use>,
    /// Per node: the metrics (indexes into the plan's) computed at its visit.
    pub metrics_at: Vec<Vec<usize>>,
    /// Per step: whether it works in place on its only input, which nothing reads after it.
    pub in_place: Vec<bool>,
    /// Per node: whether its metrics — moment metrics only (see
    /// [`crate::metrics::Measure::moments`]), a variance among them, no output written from it —
    /// are taken while its last reader, an in-place step that streams
    /// ([`crate::ops::Streaming`]), reads it, instead of in a pass of their own.
    pub rides: Vec<bool>,
    /// The most images alive at once, and the node at which that happens.
    pub widest: (usize, usize),
}

impl Schedule {
    pub fn new(steps: &[StepPlan], metrics: &[MetricPlan], writers: &[Writer]) -> Schedule {
        let nodes = steps.len() + 1;
        let mut last_use: Vec<Use> = (0..nodes)
            .map(|t| Use {
                time: t,
                visit: true,
            })
            .collect();
        let mut used = |n: NodeRef, u: Use| {
            let l = &mut last_use[n.index()];
            *l = (*l).max(u);
        };
        for (s, step) in steps.iter().enumerate() {
            for &n in &step.inputs {
                used(
                    n,
                    Use {
                        time: s + 1,
                        visit: false,
                    },
                );
            }
        }
        let mut metrics_at = vec![Vec::new(); nodes];
        for (k, m) in metrics.iter().enumerate() {
            let t = m.node().index();
            metrics_at[t].push(k);
            let at = Use {
                time: t,
                visit: true,
            };
            used(m.on, at);
            if let Some(r) = m.reference {
                used(r, at);
            }
        }
        let in_place: Vec<bool> = steps
            .iter()
            .enumerate()
            .map(|(s, step)| match step.inputs.as_slice() {
                [n] => {
                    last_use[n.index()]
                        == Use {
                            time: s + 1,
                            visit: false,
                        }
                }
                _ => false,
            })
            .collect();
        let rides = (0..nodes)
            .map(|m| {
                let node = NodeRef::at(m);
                let Some(reader) = last_reader(steps, &last_use, m) else {
                    return false;
                };
                let ms: Vec<&MetricPlan> = metrics_at[m].iter().map(|&k| &metrics[k]).collect();
                in_place[reader]
                    && steps[reader].kernel.streaming().is_some()
                    && !writers.iter().any(|w| w.node == node)
                    && !ms.is_empty()
                    && ms.iter().all(|mp| {
                        mp.on == node
                            && mp.reference.is_none()
                            && !mp.each
                            && mp.measure.moments().is_some()
                    })
                    && ms
                        .iter()
                        .any(|mp| mp.measure.moments().is_some_and(|mo| mo.needs_var))
            })
            .collect();
        let widest = widest(steps, &last_use, &in_place);
        Schedule {
            last_use,
            metrics_at,
            in_place,
            rides,
            widest,
        }
    }

    /// Whether node `m`'s image is still needed after `u`.
    pub fn needed_after(&self, m: usize, u: Use) -> bool {
        self.last_use[m] > u
    }
}

/// The step that reads node `m` last, if its last use is a step's.
fn last_reader(steps: &[StepPlan], last_use: &[Use], m: usize) -> Option<usize> {
    let u = last_use[m];
    (!u.visit && u.time > 0)
        .then_some(u.time - 1)
        .filter(|&s| steps[s].inputs.iter().any(|n| n.index() == m))
}

/// The most images alive at once: during each step (its inputs and everything still needed
/// later, plus its output unless it works in place) and at each visit.
fn widest(steps: &[StepPlan], last_use: &[Use], in_place: &[bool]) -> (usize, usize) {
    let alive = |upto: usize, u: Use| (0..=upto).filter(|&m| last_use[m] >= u).count();
    let mut best = (
        alive(
            0,
            Use {
                time: 0,
                visit: true,
            },
        ),
        0,
    );
    for (s, _) in steps.iter().enumerate() {
        let t = s + 1;
        let during = alive(
            t - 1,
            Use {
                time: t,
                visit: false,
            },
        ) + usize::from(!in_place[s]);
        let visit = alive(
            t,
            Use {
                time: t,
                visit: true,
            },
        );
        for n in [during, visit] {
            if n > best.0 {
                best = (n, t);
            }
        }
    }
    best
}
