//! Compiling a workflow into a validated per-image plan.
