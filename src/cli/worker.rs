//! `chaosc __worker`: the hidden subcommand that runs one resource-stress worker. The
//! injectors in `inject::resource` spawn it; nobody types it. It ends when its parent
//! (the runner) is gone or closes its stdin, and otherwise runs until killed.

use clap::{Args, Subcommand};
use std::path::PathBuf;

use crate::inject::resource::{cpu, disk, memory, workers};

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(subcommand)]
    pub kind: WorkerKind,
}

/// Options every worker has.
#[derive(Debug, Args)]
pub struct Common {
    /// Identifies the step's workers (`RUN/STEP`); a revert finds them by it
    #[arg(long)]
    pub tag: String,
    /// The runner's pid: the worker exits at once if its parent is another process
    #[arg(long)]
    pub parent: i32,
}

#[derive(Debug, Subcommand)]
pub enum WorkerKind {
    /// Burn CPU at a duty cycle
    Cpu {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        load_percent: f64,
    },
    /// Hold resident memory
    Memory {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        size_bytes: u64,
        #[arg(long, default_value_t = 0)]
        ramp_ms: u64,
    },
    /// Rewrite a file
    Disk {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        size_bytes: u64,
        #[arg(long)]
        sync: bool,
    },
}

/// Runs a worker; returns only on error (exit 1, the reason on stderr).
pub fn run(args: &WorkerArgs) -> i32 {
    let common = match &args.kind {
        WorkerKind::Cpu { common, .. }
        | WorkerKind::Memory { common, .. }
        | WorkerKind::Disk { common, .. } => common,
    };
    workers::exit_with_parent(common.parent);
    let result = match &args.kind {
        WorkerKind::Cpu { load_percent, .. } => cpu::run(*load_percent),
        WorkerKind::Memory {
            size_bytes,
            ramp_ms,
            ..
        } => memory::run(*size_bytes, *ramp_ms),
        WorkerKind::Disk {
            file,
            size_bytes,
            sync,
            ..
        } => disk::run(file, *size_bytes, *sync),
    };
    match result {
        Ok(()) => super::EXIT_OK,
        Err(message) => {
            super::err(&format!("error: {message}\n"));
            super::EXIT_FAILED
        }
    }
}
