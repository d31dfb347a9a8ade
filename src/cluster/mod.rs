//! Scale-out over a scheduler's job array (Slurm, Kubernetes Indexed Jobs, AWS Batch): a frozen
//! [`manifest`] of the run's images, made once; [`shard`]s, each an ordinary run of one block of
//! it with its own records; [`merge`] and status from those records alone; and the [`slurm`]
//! scripts and [`k8s`] Jobs that run the shards. flowrun distributes nothing itself: images are
//! independent, so every shard is a plain `flowrun run` on one node, and the scheduler does the
//! rest. `docs/cluster.md` has the reasons.

pub mod k8s;
pub mod manifest;
pub mod merge;
pub mod shard;
pub mod slurm;
