//! `container_kill`, `container_restart` (instant), `container_stop`, `container_pause`
//! (sustained). The evidence of each is the state Docker reports by `inspect` after the
//! action, polled every 10 ms: `exited` after a kill or a stop, a new start time after
//! a restart, `paused` after a pause; and `running` again after the revert.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::client::{Client, State};
use super::resolve::{describe, Resolved};
use crate::inject::hold::{Held, Watch};
use crate::inject::{evidence, Active, Evidence, InjectError, Measurements, Prepared, Revert};

/// How long Docker gets to show a container in its new state once the call returned.
const OBSERVE: Duration = Duration::from_secs(2);

/// What a prepared container fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Kill { signal: String },
    Restart { timeout: Duration },
    Stop { timeout: Duration },
    Pause,
}

pub struct ContainerFault {
    pub client: Client,
    pub targets: Vec<Resolved>,
    pub action: Action,
}

/// Signals whose default action ends the container's main process. Others (`SIGHUP` to
/// a daemon that reloads on it …) are judged by Docker accepting them for a running
/// container, since its state does not change.
fn ends_the_container(signal: &str) -> bool {
    let name = signal.trim_start_matches("SIG").to_ascii_uppercase();
    matches!(name.as_str(), "KILL" | "9")
}

impl Prepared for ContainerFault {
    fn revert_record(&self) -> Revert {
        let ids = self.targets.iter().map(|t| t.id.clone()).collect();
        let docker_host = self.client.host.clone();
        match self.action {
            // A kill's effect is the point; the container's restart policy decides.
            Action::Kill { .. } => Revert::Nothing,
            // A restart that the runner's death interrupted must still end running.
            Action::Restart { .. } | Action::Stop { .. } => {
                Revert::ContainerStart { docker_host, ids }
            }
            Action::Pause => Revert::ContainerUnpause { docker_host, ids },
        }
    }

    fn target_description(&self) -> String {
        describe(&self.targets)
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let ContainerFault {
            client,
            targets,
            action,
        } = *self;
        let mut done = Vec::new();
        let mut observed = BTreeMap::new();
        let started = Instant::now();
        for target in &targets {
            let id = target.id.as_str();
            let called = Instant::now();
            let result = match &action {
                Action::Kill { signal } => client.kill(id, signal),
                Action::Restart { timeout } => client.restart(id, *timeout),
                Action::Stop { timeout } => client.stop(id, *timeout),
                Action::Pause => client.pause(id),
            };
            let call_ms = ms(called.elapsed());
            if let Err(e) = result {
                // Nothing may stay applied: the runtime reverts the record, which covers
                // every target (and is harmless for those not yet touched).
                return Err(InjectError::new(format!(
                    "cannot {} container `{}`: {e}",
                    verb(&action),
                    target.name
                )));
            }
            let seen = observe(&client, target, &action)?;
            observed.insert(target.id.clone(), (call_ms, seen));
            done.push(target.clone());
        }
        let watch = watch_sustained(&client.host, &done, &action);
        Ok(Box::new(Applied {
            client,
            targets: done,
            action,
            observed,
            applied_at: started,
            watch,
        }))
    }
}

fn verb(action: &Action) -> &'static str {
    match action {
        Action::Kill { .. } => "kill",
        Action::Restart { .. } => "restart",
        Action::Stop { .. } => "stop",
        Action::Pause => "pause",
    }
}

/// What was seen after the action on one container.
#[derive(Debug, Clone)]
struct Seen {
    /// How long after the API call returned the expected state was seen.
    after: Option<Duration>,
    state: Option<State>,
}

fn observe(client: &Client, target: &Resolved, action: &Action) -> Result<Seen, InjectError> {
    let before = &target.state;
    let expected = |state: Option<&State>| match (action, state) {
        (_, None) => matches!(action, Action::Kill { .. }),
        (Action::Kill { signal }, Some(s)) => {
            if ends_the_container(signal) {
                // Exited, or already brought back by a restart policy.
                !s.is_running() || s.started_at != before.started_at
            } else {
                true
            }
        }
        (Action::Restart { .. }, Some(s)) => s.is_running() && s.started_at != before.started_at,
        (Action::Stop { .. }, Some(s)) => s.status == "exited",
        (Action::Pause, Some(s)) => s.status == "paused",
    };
    let (after, state) = client
        .wait_state(&target.id, OBSERVE, expected)
        .map_err(|e| {
            InjectError::new(format!(
                "cannot inspect container `{}` after the {}: {e}",
                target.name,
                verb(action)
            ))
        })?;
    Ok(Seen { after, state })
}

struct Applied {
    client: Client,
    targets: Vec<Resolved>,
    action: Action,
    /// Per container id: how long the API call took, and what was seen after it.
    observed: BTreeMap<String, (f64, Seen)>,
    applied_at: Instant,
    /// Pause and stop: watches that every container stays so until the revert.
    watch: Option<Watch>,
}

/// How often a paused or stopped container's state is read while the fault lasts.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// For pause and stop, a watch that reads every container's state through its own
/// connection to docker: `Err` once one runs again (someone unpaused or started it).
fn watch_sustained(host: &str, targets: &[Resolved], action: &Action) -> Option<Watch> {
    let wanted = match action {
        Action::Pause => "paused",
        Action::Stop { .. } => "exited",
        Action::Kill { .. } | Action::Restart { .. } => return None,
    };
    let (host, targets) = (host.to_string(), targets.to_vec());
    let mut client: Option<Client> = None;
    Watch::start(WATCH_EVERY, move || {
        if client.is_none() {
            // Cannot watch without docker: the end-of-window check still runs.
            client = Client::connect(&host).ok();
        }
        let Some(c) = &client else { return Ok(()) };
        for t in &targets {
            match c.state(&t.id) {
                Ok(Some(state)) if state.status == wanted => {}
                Ok(Some(state)) => {
                    return Err(format!(
                        "container `{}` was {} again: something else undid the fault",
                        t.name, state.status
                    ))
                }
                Ok(None) => return Err(format!("container `{}` was removed", t.name)),
                // A failed inspect says nothing about the container.
                Err(_) => {}
            }
        }
        Ok(())
    })
    .ok()
}

impl Active for Applied {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let Applied {
            client,
            targets,
            action,
            observed,
            applied_at,
            watch,
        } = *self;
        // Ended before the revert, which would look like a lapse.
        let held = watch.map(Watch::end);
        let total = targets.len();
        let seen_ok = observed.values().filter(|(_, s)| s.after.is_some()).count();
        let worst_after = observed
            .values()
            .filter_map(|(_, s)| s.after)
            .max()
            .unwrap_or_default();
        let slowest_call = observed.values().map(|(c, _)| *c).fold(0.0, f64::max);
        let took_effect = total > 0 && seen_ok == total;
        let m = evidence::ContainerAction::observed(
            total as u64,
            seen_ok as u64,
            ms(worst_after),
            slowest_call,
        );
        let who = describe(&targets);
        let last = |id: &str| {
            observed
                .get(id)
                .and_then(|(_, s)| s.state.clone())
                .map(|s| s.status)
                .unwrap_or_else(|| "gone".to_string())
        };
        let summary = match &action {
            Action::Kill { signal } => {
                let codes: Vec<String> = targets
                    .iter()
                    .filter_map(|t| observed.get(&t.id).and_then(|(_, s)| s.state.clone()))
                    .filter_map(|s| s.exit_code.filter(|_| !s.is_running()))
                    .map(|c| c.to_string())
                    .collect();
                if !ends_the_container(signal) {
                    format!(
                        "{signal} delivered by docker to {who}; state afterwards: {}",
                        last(&targets[0].id)
                    )
                } else if took_effect {
                    format!(
                        "{who} observed {} {:.0} ms after {signal} (exit code {})",
                        last(&targets[0].id),
                        ms(worst_after),
                        codes.join(", ")
                    )
                } else {
                    format!(
                        "{who} still running {} ms after {signal}",
                        OBSERVE.as_millis()
                    )
                }
            }
            Action::Restart { .. } => {
                if took_effect {
                    format!(
                        "{who} restarted: running with a new start time, the restart took {slowest_call:.0} ms"
                    )
                } else {
                    format!("{who} not observed running with a new start time after the restart")
                }
            }
            Action::Stop { .. } | Action::Pause => {
                return finish_sustained(
                    &client,
                    &targets,
                    &action,
                    took_effect,
                    m,
                    applied_at,
                    held,
                )
            }
        };
        Ok(Evidence {
            took_effect,
            summary,
            measurements: Measurements::ContainerAction(m),
        })
    }
}

/// Stop and pause: the state at the end of the window, then start or unpause and wait
/// to see every container running again.
fn finish_sustained(
    client: &Client,
    targets: &[Resolved],
    action: &Action,
    took_effect: bool,
    mut m: evidence::ContainerAction,
    applied_at: Instant,
    held: Option<Held>,
) -> Result<Evidence, InjectError> {
    let wanted = match action {
        Action::Pause => "paused",
        _ => "exited",
    };
    let mut still = 0;
    for t in targets {
        if let Ok(Some(state)) = client.state(&t.id) {
            if state.status == wanted {
                still += 1;
            }
        }
    }
    let held_ms = ms(applied_at.elapsed());
    let ids: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
    let recovered = match action {
        Action::Pause => unpause_all(client, &ids)?,
        _ => start_all(client, &ids)?,
    };
    match action {
        Action::Pause => m.paused_at_end = Some(still),
        _ => m.exited_at_end = Some(still),
    }
    m.running_again_after_ms = Some(ms(recovered));
    let lapse = held.as_ref().and_then(|h| h.lapse.clone());
    // How long it held: until the lapse the watch saw, else the whole window.
    let held_ms = lapse.as_ref().map_or(held_ms, |(at, _)| ms(*at));
    m.held_ms = Some(held_ms);
    m.watched_ms = held.as_ref().map(|h| ms(h.watched));
    m.state_checks = held.as_ref().map(|h| h.checks);
    let who = describe(targets);
    if let (true, Some((at, why))) = (took_effect, &lapse) {
        return Ok(Evidence {
            took_effect: false,
            summary: format!(
                "the fault did not hold: {who} observed {wanted}, but {:.0} ms later {why} (state read every {} ms)",
                ms(*at),
                WATCH_EVERY.as_millis()
            ),
            measurements: Measurements::ContainerAction(m),
        });
    }
    let summary = if took_effect {
        let back = match action {
            Action::Pause => "unpaused",
            _ => "started again",
        };
        format!(
            "{who} observed {wanted} {:.0} ms after the call; {still} of {} still {wanted} at the end ({held_ms:.0} ms later), {back} and running after {:.0} ms",
            m.observed_after_ms,
            targets.len(),
            ms(recovered)
        )
    } else {
        format!(
            "{who} not observed {wanted} within {} ms of the call",
            OBSERVE.as_millis()
        )
    };
    Ok(Evidence {
        took_effect,
        summary,
        measurements: Measurements::ContainerAction(m),
    })
}

/// Starts every container that exists and is not running, then waits until all run.
pub fn start_all(client: &Client, ids: &[String]) -> Result<Duration, InjectError> {
    let started = Instant::now();
    for id in ids {
        match client.state(id) {
            Ok(None) => continue,
            Ok(Some(s)) if s.is_running() || s.status == "paused" => continue,
            Ok(Some(_)) => {}
            Err(e) => return Err(cannot("start", id, &e.message)),
        }
        match client.start(id) {
            // 304: already started (by its restart policy or by someone else).
            Err(e) if e.status != Some(304) => return Err(cannot("start", id, &e.message)),
            _ => {}
        }
    }
    wait_running(client, ids, "start").map(|()| started.elapsed())
}

/// Unpauses every paused container, then waits until none is paused.
pub fn unpause_all(client: &Client, ids: &[String]) -> Result<Duration, InjectError> {
    let started = Instant::now();
    for id in ids {
        match client.state(id) {
            Ok(Some(s)) if s.status == "paused" => {}
            Ok(_) => continue,
            Err(e) => return Err(cannot("unpause", id, &e.message)),
        }
        if let Err(e) = client.unpause(id) {
            // 409 "is not paused": someone else unpaused it in between.
            if e.status != Some(409) {
                return Err(cannot("unpause", id, &e.message));
            }
        }
    }
    wait_running(client, ids, "unpause").map(|()| started.elapsed())
}

fn wait_running(client: &Client, ids: &[String], what: &str) -> Result<(), InjectError> {
    for id in ids {
        let (after, state) = client
            .wait_state(id, OBSERVE, |s| s.is_none_or(State::is_running))
            .map_err(|e| cannot(what, id, &e.message))?;
        if after.is_none() {
            let status = state.map(|s| s.status).unwrap_or_default();
            return Err(InjectError::new(format!(
                "container {} is {status}, not running, {} ms after the {what}",
                super::resolve::short(id),
                OBSERVE.as_millis()
            ))
            .with_help(format!(
                "look at `docker logs {}`",
                super::resolve::short(id)
            )));
        }
    }
    Ok(())
}

fn cannot(what: &str, id: &str, why: &str) -> InjectError {
    InjectError::new(format!(
        "cannot {what} container {}: {why}",
        super::resolve::short(id)
    ))
    .with_help(format!(
        "do it by hand: `docker {what} {}`",
        super::resolve::short(id)
    ))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
