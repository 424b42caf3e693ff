//! Compiling a [`Plan`](crate::plan::Plan) for engines other than `chaosc run`.
//!
//! `chaos_mesh`: Kubernetes pod targets, as Chaos Mesh `Workflow` manifests.

pub mod chaos_mesh;
