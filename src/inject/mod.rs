//! Fault injectors: one module per fault family behind one blocking interface.
//!
//! The life of a fault (driven by `runtime`):
//!
//! 1. [`prepare`] resolves the step's target against the real host (the process exists,
//!    the path is writable, the size fits in memory …) without changing anything, and
//!    says how the fault will be reverted: a [`Revert`] record.
//! 2. The runtime writes that record to the journal, *then* calls [`Prepared::apply`].
//! 3. For a sustained fault, the runtime calls [`Active::finish`] at the planned end
//!    (or on abort, interrupt, max_duration): it reverts and returns the [`Evidence`].
//!    For an instant action, `finish` returns the evidence measured when it ran.
//!
//! A [`Revert`] record is enough on its own: the guard process and `chaosc recover`
//! revert from the journal after the runner died ([`Revert::revert`], idempotent).
//!
//! Threads: `apply` and `finish` are called from one thread that lives as long as the
//! fault, so worker processes spawned in `apply` may use `PR_SET_PDEATHSIG` (the signal
//! follows the *thread* that spawned the child, not the process).

pub mod container;
pub mod evidence;
pub mod exec;
pub mod files;
pub mod hold;
pub mod journal;
pub mod kernel;
pub mod lock;
pub mod network;
pub mod process;
pub mod procfs;
pub mod resource;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

use crate::plan::{Fault, Step, Target};

pub use evidence::{Evidence, Measurements};

/// What an injector needs from the run.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The `chaosc` executable that runs stress workers (`chaosc __worker …`).
    pub worker_exe: PathBuf,
    /// Identifies this run; worker tags and temporary folders carry it.
    pub run_id: String,
    /// The run's seed, for any random decision an injector makes.
    pub seed: u64,
    /// The pid of every `service` the run started, by name.
    pub services: HashMap<String, u32>,
    /// `allow_targets` globs on process names; empty means no restriction.
    pub allow_targets: Vec<String>,
    /// Where the run writes its reports (an injector may put logs there).
    pub report_dir: PathBuf,
    /// The fault proxies running now (those of the current scenario), by listen address.
    pub proxies: network::proxy::Registry,
}

/// A fault that could not be prepared, applied or reverted.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectError {
    /// One lowercase sentence, user input in backticks, no trailing period.
    pub message: String,
    /// What to do about it, if known.
    pub help: Option<String>,
}

impl InjectError {
    pub fn new(message: impl Into<String>) -> InjectError {
        InjectError {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> InjectError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for InjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InjectError {}

/// A process identified so that a reused pid is never touched: the pid and its start
/// time (field 22 of `/proc/PID/stat`, in clock ticks since boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProcessId {
    pub pid: i32,
    pub start_time: u64,
}

/// How to undo a fault, from this record alone (in another process, after a crash).
/// Every variant's revert is idempotent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Revert {
    /// An instant action: nothing to undo.
    Nothing,
    /// SIGKILL every `chaosc __worker` process whose command line carries `--tag TAG`,
    /// then remove `temp_dir` (a folder the injector created) if set.
    Workers {
        tag: String,
        temp_dir: Option<PathBuf>,
    },
    /// SIGCONT to each process that still has that pid and start time.
    Continue { processes: Vec<ProcessId> },
    /// Run this command (argv, no shell), killed after the timeout.
    Exec { argv: Vec<String>, timeout_ms: u64 },
    /// Undo a shaping fault on an interface (`latency`, `bandwidth`); boxed, it is the
    /// largest record.
    Qdisc(Box<kernel::QdiscRecord>),
    /// Delete the nftables table chaosc created (its name starts with `chaosc_`).
    NftTable {
        netns: Option<String>,
        family: String,
        table: String,
    },
    /// Start each of these containers (full ids) that still exists and is not running.
    ContainerStart {
        docker_host: String,
        ids: Vec<String>,
    },
    /// Unpause each of these containers (full ids) that is still paused.
    ContainerUnpause {
        docker_host: String,
        ids: Vec<String>,
    },
}

/// A step resolved against the host, ready to apply.
pub trait Prepared: Send {
    /// How the fault will be reverted; journaled before [`Prepared::apply`].
    fn revert_record(&self) -> Revert;
    /// What the fault acts on, in words (`host`, `process 4242 (python3)`).
    fn target_description(&self) -> String;
    /// Injects the fault. On error nothing must be left applied.
    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError>;
    /// The targets this fault holds while it is applied ([`lock`]): by default, what
    /// its revert record names.
    fn lock_keys(&self) -> Vec<String> {
        lock_keys_of(&self.revert_record())
    }
}

/// The lock keys of the targets a revert record acts on.
fn lock_keys_of(revert: &Revert) -> Vec<String> {
    match revert {
        Revert::Continue { processes } => processes
            .iter()
            .map(|p| format!("process-{}-{}", p.pid, p.start_time))
            .collect(),
        Revert::ContainerStart { ids, .. } | Revert::ContainerUnpause { ids, .. } => {
            ids.iter().map(|id| format!("container-{id}")).collect()
        }
        Revert::Qdisc(record) => vec![interface_key(record.netns.as_deref(), &record.device)],
        Revert::Nothing
        | Revert::Workers { .. }
        | Revert::Exec { .. }
        | Revert::NftTable { .. } => Vec::new(),
    }
}

/// The lock key of an interface in a network namespace (or the host's).
pub(crate) fn interface_key(netns: Option<&str>, device: &str) -> String {
    format!("interface-{}-{device}", netns.unwrap_or("host"))
}

/// A fault that has been applied.
pub trait Active: Send {
    /// Reverts a sustained fault (idempotent) and returns the evidence measured while it
    /// was applied; for an instant action, the evidence measured when it ran.
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError>;
}

/// Resolves `step` against the host without changing anything.
pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    match &step.fault {
        Fault::CpuStress { .. } | Fault::MemoryStress { .. } | Fault::DiskStress { .. } => {
            match step.target {
                Target::Container { .. } => container::stress::prepare(step, ctx),
                _ => resource::prepare(step, ctx),
            }
        }
        Fault::ProcessKill { signal, restart } => {
            process::kill::prepare(step, ctx, signal, restart.as_deref())
        }
        Fault::ProcessPause => process::pause::prepare(step, ctx),
        Fault::ContainerKill { .. }
        | Fault::ContainerRestart { .. }
        | Fault::ContainerStop { .. }
        | Fault::ContainerPause => container::prepare(step, ctx),
        Fault::Latency { .. }
        | Fault::PacketLoss { .. }
        | Fault::Bandwidth { .. }
        | Fault::Blackhole { .. }
        | Fault::Reset { .. }
            if matches!(step.target, Target::Proxy { .. }) =>
        {
            network::proxy::prepare(step, ctx)
        }
        Fault::Exec {
            run,
            revert,
            timeout_ms,
        } => exec::prepare(step, ctx, run, revert.as_deref(), *timeout_ms),
        Fault::Latency { .. }
        | Fault::PacketLoss { .. }
        | Fault::Bandwidth { .. }
        | Fault::Blackhole { .. }
            if matches!(step.target, Target::Interface { .. }) =>
        {
            kernel::prepare(step, ctx)
        }
        _ => Err(InjectError::new(format!(
            "`{}` faults cannot be injected by this build",
            step.fault.kind()
        ))),
    }
}

impl Revert {
    /// Undoes what this record describes; safe to call any number of times.
    pub fn revert(&self) -> Result<(), InjectError> {
        match self {
            Revert::Nothing => Ok(()),
            Revert::Continue { processes } => process::pause::revert_record(processes),
            Revert::Exec { argv, timeout_ms } => exec::revert_record(argv, *timeout_ms),
            Revert::Workers { tag, temp_dir } => resource::revert(tag, temp_dir.as_deref()),
            Revert::Qdisc(record) => kernel::revert_qdisc(record),
            Revert::NftTable {
                netns,
                family,
                table,
            } => kernel::revert_table(netns.as_deref(), family, table),
            Revert::ContainerStart { docker_host, ids } => {
                container::revert_start(docker_host, ids)
            }
            Revert::ContainerUnpause { docker_host, ids } => {
                container::revert_unpause(docker_host, ids)
            }
        }
    }
}
