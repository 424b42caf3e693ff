//! `chaosc`: chaos experiments as code.
//!
//! The pipeline is `syntax` → `check` → `plan` → `runtime`; see `ARCHITECTURE.md`.

pub mod check;
pub mod cli;
pub mod diag;
pub mod export;
pub mod fmt;
pub mod inject;
pub mod lsp;
pub mod plan;
pub mod probe;
pub mod report;
pub mod runtime;
pub mod shared;
pub mod stdlib;
pub mod syntax;
