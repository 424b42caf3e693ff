//! Resource stress on the host: `cpu_stress`, `memory_stress`, `disk_stress`, each run
//! by `chaosc __worker` processes (no stress-ng). See `docs/injectors.md`.
//!
//! - [`workers`]: spawning workers that die with the runner, reaping them with their
//!   resource usage, finding and killing them by tag from any process.
//! - [`cpu`], [`memory`], [`disk`]: the worker loops, the preflight checks and the
//!   evidence of each kind.

pub mod cpu;
pub mod disk;
pub mod memory;
pub mod workers;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{Active, Context, Evidence, InjectError, Prepared, Revert};
use crate::plan::{Fault, Step, Target};
use workers::Worker;

/// What a stress step does, resolved.
#[derive(Debug, Clone, PartialEq)]
enum Spec {
    Cpu {
        workers: u32,
        load_percent: f64,
    },
    Memory {
        size_bytes: u64,
        ramp_ms: u64,
    },
    Disk {
        workers: u32,
        folder: PathBuf,
        size_bytes: u64,
        sync: bool,
    },
}

/// A resource stress ready to start.
pub struct Stress {
    spec: Spec,
    tag: String,
    exe: PathBuf,
}

/// A resource stress running: its workers and when they started.
pub struct Running {
    spec: Spec,
    tag: String,
    workers: Vec<Worker>,
    started: Instant,
}

/// The tag of a step's workers: unique per run and step.
pub fn tag(run_id: &str, step: &str) -> String {
    format!("{run_id}/{step}")
}

/// Prepares `cpu_stress`, `memory_stress` or `disk_stress` (other kinds are refused).
pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    check_target(step)?;
    let spec = match &step.fault {
        Fault::CpuStress {
            workers,
            load_percent,
        } => {
            let workers = match workers {
                Some(n) => *n,
                None => std::thread::available_parallelism()
                    .map(|n| n.get() as u32)
                    .unwrap_or(1),
            };
            Ok(Spec::Cpu {
                workers,
                load_percent: *load_percent,
            })
        }
        Fault::MemoryStress {
            size_bytes,
            ramp_ms,
        } => memory::available()
            .and_then(|available| memory::preflight(*size_bytes, available))
            .map(|()| Spec::Memory {
                size_bytes: *size_bytes,
                ramp_ms: *ramp_ms,
            }),
        Fault::DiskStress {
            workers,
            path,
            size_bytes,
            sync,
        } => disk_spec(step, ctx, *workers, path.as_ref(), *size_bytes, *sync),
        other => {
            return Err(InjectError::new(format!(
                "`{}` is not a resource stress",
                other.kind()
            )))
        }
    };
    Ok(Box::new(Stress {
        spec: spec?,
        tag: tag(&ctx.run_id, &step.name),
        exe: ctx.worker_exe.clone(),
    }))
}

fn disk_spec(
    step: &Step,
    ctx: &Context,
    workers: u32,
    path: Option<&crate::plan::Text>,
    size_bytes: u64,
    sync: bool,
) -> Result<Spec, InjectError> {
    let parent = match path {
        Some(text) => PathBuf::from(
            crate::probe::check::resolve(text).map_err(|e| InjectError::new(e.to_string()))?,
        ),
        None => std::env::temp_dir(),
    };
    let folder = parent.join(disk::folder_name(&ctx.run_id, &step.name));
    disk::preflight(&parent, &folder, workers, size_bytes)?;
    Ok(Spec::Disk {
        workers,
        folder,
        size_bytes,
        sync,
    })
}

/// Only the host for now: stress inside a container or a process's cgroup comes later.
fn check_target(step: &Step) -> Result<(), InjectError> {
    let kind = step.fault.kind();
    let what = match &step.target {
        Target::Host => return Ok(()),
        Target::Container { .. } => "a container",
        Target::Process { .. } => "a process",
        Target::Proxy { .. } => "a proxy",
        Target::Interface { .. } => "an interface",
        Target::Pods { .. } => "kubernetes pods",
    };
    Err(
        InjectError::new(format!("`{kind}` on {what} is not supported yet")).with_help(format!(
            "stress the host instead: leave the target out of `{kind}(…)` (or write `host()`)"
        )),
    )
}

impl Prepared for Stress {
    fn revert_record(&self) -> Revert {
        Revert::Workers {
            tag: self.tag.clone(),
            temp_dir: match &self.spec {
                Spec::Disk { folder, .. } => Some(folder.clone()),
                _ => None,
            },
        }
    }

    fn target_description(&self) -> String {
        "host".to_string()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let Stress { spec, tag, exe } = *self;
        let started = Instant::now();
        let workers = match &spec {
            Spec::Cpu {
                workers,
                load_percent,
            } => {
                let args = [
                    OsString::from("--load-percent"),
                    load_percent.to_string().into(),
                ];
                spawn_n(&exe, "cpu", &tag, *workers, |_| args.to_vec())?
            }
            Spec::Memory {
                size_bytes,
                ramp_ms,
            } => {
                let args = vec![
                    OsString::from("--size-bytes"),
                    size_bytes.to_string().into(),
                    "--ramp-ms".into(),
                    ramp_ms.to_string().into(),
                ];
                spawn_n(&exe, "memory", &tag, 1, |_| args.clone())?
            }
            Spec::Disk {
                workers,
                folder,
                size_bytes,
                sync,
            } => {
                disk::create_folder(folder)?;
                let spawned = spawn_n(&exe, "disk", &tag, *workers, |i| {
                    let mut args = vec![
                        OsString::from("--file"),
                        disk::worker_file(folder, i).into_os_string(),
                        "--size-bytes".into(),
                        size_bytes.to_string().into(),
                    ];
                    if *sync {
                        args.push("--sync".into());
                    }
                    args
                });
                match spawned {
                    Ok(w) => w,
                    Err(e) => {
                        let _ = disk::remove_folder(folder);
                        return Err(e);
                    }
                }
            }
        };
        Ok(Box::new(Running {
            spec,
            tag,
            workers,
            started,
        }))
    }
}

/// Spawns `n` workers; if one fails, the others are killed before returning.
fn spawn_n(
    exe: &Path,
    kind: &str,
    tag: &str,
    n: u32,
    args: impl Fn(u32) -> Vec<OsString>,
) -> Result<Vec<Worker>, InjectError> {
    let mut spawned = Vec::new();
    for i in 0..n {
        match Worker::spawn(exe, kind, tag, &args(i)) {
            Ok(w) => spawned.push(w),
            Err(e) => {
                workers::kill_all(spawned);
                return Err(e);
            }
        }
    }
    Ok(spawned)
}

impl Active for Running {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let Running {
            spec,
            tag,
            workers,
            started,
        } = *self;
        let seconds = started.elapsed().as_secs_f64();
        let ended = workers::kill_all(workers);
        // Anything that escaped (it cannot: they were our children) goes too.
        workers::kill_tagged_all(&tag)?;
        Ok(match &spec {
            Spec::Cpu { load_percent, .. } => cpu::evidence(&ended, seconds, *load_percent),
            Spec::Memory {
                size_bytes,
                ramp_ms,
            } => memory::evidence(&ended, seconds, *size_bytes, *ramp_ms),
            Spec::Disk { folder, sync, .. } => {
                let tmpfs = disk::on_tmpfs(folder);
                disk::remove_folder(folder)?;
                disk::evidence(&ended, seconds, *sync, tmpfs)
            }
        })
    }
}

/// `Revert::Workers`: kills every worker with this tag (from any process) and removes
/// the folder; idempotent.
pub fn revert(tag: &str, temp_dir: Option<&Path>) -> Result<(), InjectError> {
    let killed = workers::kill_tagged_all(tag);
    // The folder goes even if a worker is stuck: its open file is freed when it dies.
    let removed = temp_dir.map_or(Ok(()), disk::remove_folder);
    killed.and(removed)
}
