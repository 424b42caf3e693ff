//! `cpu_stress`, `memory_stress` and `disk_stress` inside a container: the host's
//! stress workers (`chaosc __worker`, see `resource`), moved into the container's
//! cgroups right after they start, so that they count against the container's CPU
//! quota, memory limit and I/O accounting; `disk_stress` writes into the container's
//! own filesystem (`/proc/PID/root/PATH`). Evidence adds the container's own
//! accounting (its cgroup's CPU time and memory) and that every worker was seen in
//! the container's cgroups at the end.

use std::time::Instant;

use super::cgroup::Cgroups;
use super::resolve::{describe, Resolved};
use crate::inject::evidence::InContainer as ContainerFigures;
use crate::inject::resource::{self, workers};
use crate::inject::{Active, Context, Evidence, InjectError, Measurements, Prepared, Revert};
use crate::plan::{Fault, Step, Target, Text};
use crate::shared::Bytes;

pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    let kind = step.fault.kind();
    let (_client, targets) = super::resolve::resolve(&step.target, ctx, kind)?;
    let [target] = targets.as_slice() else {
        return Err(InjectError::new(format!(
            "`{kind}` acts on one container, and the label selects {}",
            targets.len()
        ))
        .with_help("select one container by name, or a label only it carries"));
    };
    let pid = target.state.pid;
    if pid <= 0 {
        return Err(InjectError::new(format!(
            "docker reports no main process for container `{}`",
            target.name
        )));
    }
    if let Fault::MemoryStress { ramp_ms: 0, .. } = step.fault {
        return Err(InjectError::new(format!(
            "`memory_stress` in container `{}` needs a ramp",
            target.name
        ))
        .with_help("add `ramp: 2s` (or longer): the worker joins the container's cgroups just after it starts, and memory it touched before stays charged to the host"));
    }
    let cgroups = Cgroups::of_pid(pid)?;
    cgroups.check_writable()?;
    // The same step on the host, with `disk_stress`'s folder inside the container.
    let mut host_step = step.clone();
    host_step.target = Target::Host;
    if let Fault::DiskStress { path, .. } = &mut host_step.fault {
        let inside = match path {
            Some(text) => crate::inject::process::resolve::text(text, "path")?,
            None => "/tmp".to_string(),
        };
        *path = Some(Text::Literal(format!(
            "/proc/{pid}/root/{}",
            inside.trim_start_matches('/')
        )));
    }
    let inner = resource::prepare(&host_step, ctx)?;
    Ok(Box::new(InContainer {
        inner,
        cgroups,
        target: target.clone(),
        tag: resource::tag(&ctx.run_id, &step.name),
        fault: step.fault.clone(),
    }))
}

struct InContainer {
    inner: Box<dyn Prepared>,
    cgroups: Cgroups,
    target: Resolved,
    tag: String,
    fault: Fault,
}

impl Prepared for InContainer {
    fn revert_record(&self) -> Revert {
        // The workers are found by tag wherever they are; the folder by its path.
        self.inner.revert_record()
    }

    fn target_description(&self) -> String {
        describe(std::slice::from_ref(&self.target))
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let InContainer {
            inner,
            cgroups,
            target,
            tag,
            fault,
        } = *self;
        let active = inner.apply()?;
        let pids = workers::find_tagged(&tag);
        let moved = if pids.is_empty() {
            Err(InjectError::new(
                "no stress worker was found after starting them",
            ))
        } else {
            pids.iter().try_for_each(|pid| cgroups.join(*pid))
        };
        if let Err(e) = moved {
            // Nothing may stay applied.
            let _ = active.finish();
            return Err(e);
        }
        Ok(Box::new(Running {
            active,
            cpu_before: cgroups.cpu_seconds(),
            memory_before: cgroups.memory_bytes(),
            cgroups,
            target,
            pids,
            fault,
            started: Instant::now(),
        }))
    }
}

struct Running {
    active: Box<dyn Active>,
    cgroups: Cgroups,
    target: Resolved,
    pids: Vec<i32>,
    fault: Fault,
    cpu_before: Option<f64>,
    /// Measured right after the workers were moved: what they touched before the move
    /// is in it, and stays charged to the host's cgroup (no cgroup moves charges).
    memory_before: Option<u64>,
    started: Instant,
}

impl Active for Running {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let Running {
            active,
            cgroups,
            target,
            pids,
            fault,
            cpu_before,
            memory_before,
            started,
        } = *self;
        // Measured before the workers are killed.
        let inside = pids.iter().filter(|p| cgroups.contains(**p)).count();
        let memory = cgroups.memory_bytes();
        let cpu_used = cgroups
            .cpu_seconds()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let seconds = started.elapsed().as_secs_f64();
        let mut evidence = active.finish()?;
        let limit = cgroups.cpu_limit();
        let mut in_container = ContainerFigures {
            workers_in_container_cgroups: inside as u64,
            container_memory_bytes: memory,
            container_cpu_seconds: cpu_used,
            container_cpu_limit: limit,
            container_memory_growth_bytes: None,
        };
        let all_inside = inside == pids.len() && !pids.is_empty();
        let mut notes = vec![format!(
            "{inside} of {} workers in the cgroups of {}",
            pids.len(),
            describe(std::slice::from_ref(&target))
        )];
        let took_effect = match &fault {
            Fault::CpuStress { load_percent, .. } => {
                // Judged by the container's own accounting against what it may use:
                // a container limited to 0.5 CPU is stressed when it burns 0.5 CPU.
                let asked = pids.len() as f64 * load_percent / 100.0;
                let allowed = limit.map_or(asked, |cpus| cpus.min(asked));
                let used = cpu_used.unwrap_or(0.0);
                notes.push(format!(
                    "the container burnt {used:.2} CPU-seconds in {seconds:.2} s ({:.2} CPUs; {allowed:.2} possible)",
                    used / seconds.max(1e-9)
                ));
                all_inside && cpu_used.is_some() && used >= 0.5 * allowed * seconds
            }
            Fault::MemoryStress { .. } => {
                // Judged by the container's own accounting too: the memory touched
                // after the move must show up in the container's cgroup.
                let expected = match &evidence.measurements {
                    Measurements::MemoryStress(m) => m.expected_bytes as f64,
                    _ => 0.0,
                };
                let grew = memory
                    .zip(memory_before)
                    .map(|(after, before)| after as i64 - before as i64);
                in_container.container_memory_growth_bytes = grew;
                if let Some(grew) = grew {
                    let by = Bytes(grew.unsigned_abs());
                    notes.push(if grew >= 0 {
                        format!("the container's memory grew by {by} while it ran")
                    } else {
                        format!("the container's memory shrank by {by} while it ran")
                    });
                }
                all_inside
                    && evidence.took_effect
                    && grew.is_some_and(|g| g as f64 >= 0.5 * expected)
            }
            _ => all_inside && evidence.took_effect,
        };
        match &mut evidence.measurements {
            Measurements::CpuStress(m) => m.container = Some(in_container),
            Measurements::MemoryStress(m) => m.container = Some(in_container),
            Measurements::DiskStress(m) => m.container = Some(in_container),
            other => {
                return Err(InjectError::new(format!(
                    "a stress on a container measured {other:?}, not a stress"
                )))
            }
        }
        evidence.took_effect = took_effect;
        evidence.summary = format!("{}; {}", evidence.summary, notes.join("; "));
        Ok(evidence)
    }
}
