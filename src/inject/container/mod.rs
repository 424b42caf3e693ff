//! Faults on Docker containers, through the Docker Engine API (bollard):
//! `container_kill`, `container_restart`, `container_stop`, `container_pause`.
//! See `docs/injectors.md` (## Containers).
//!
//! - [`client`]: a blocking client (its own current-thread runtime) for `DOCKER_HOST`,
//!   the target's `host:` or the default socket.
//! - [`resolve`]: name or label to container ids, `allow_targets`, running or not.
//! - [`actions`]: the faults and the states observed after each.
//! - [`stress`] and [`cgroup`]: `cpu_stress`, `memory_stress`, `disk_stress` inside a
//!   container, by moving the stress workers into its cgroups.
//!
//! Revert records carry the endpoint and the full ids, so the guard and `chaosc
//! recover` start or unpause the very containers the run stopped or paused.

pub mod actions;
pub mod cgroup;
pub mod client;
pub mod resolve;
pub mod stress;

use std::time::Duration;

use super::{Context, InjectError, Prepared};
use crate::plan::{Fault, Step};
use actions::{Action, ContainerFault};

/// Resolves a container fault's target (nothing changes yet).
pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    let action = match &step.fault {
        Fault::ContainerKill { signal } => Action::Kill {
            signal: signal.clone(),
        },
        Fault::ContainerRestart { timeout_ms } => Action::Restart {
            timeout: Duration::from_millis(*timeout_ms),
        },
        Fault::ContainerStop { timeout_ms } => Action::Stop {
            timeout: Duration::from_millis(*timeout_ms),
        },
        Fault::ContainerPause => Action::Pause,
        other => {
            return Err(InjectError::new(format!(
                "`{}` is not a container fault",
                other.kind()
            )))
        }
    };
    let (client, targets) = resolve::resolve(&step.target, ctx, step.fault.kind())?;
    Ok(Box::new(ContainerFault {
        client,
        targets,
        action,
    }))
}

/// [`super::Revert::ContainerStart`]: starts each container that still exists and is
/// not running; idempotent.
pub fn revert_start(docker_host: &str, ids: &[String]) -> Result<(), InjectError> {
    let client = client::Client::connect(docker_host)?;
    actions::start_all(&client, ids).map(|_| ())
}

/// [`super::Revert::ContainerUnpause`]: unpauses each container that is still paused;
/// idempotent.
pub fn revert_unpause(docker_host: &str, ids: &[String]) -> Result<(), InjectError> {
    let client = client::Client::connect(docker_host)?;
    actions::unpause_all(&client, ids).map(|_| ())
}
