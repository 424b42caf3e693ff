//! Preflight: every target, probe and service of the selected scenarios resolved against
//! the real host before anything is started or injected; and the confirmation list.

use std::collections::BTreeSet;

use crate::inject::{self, Context};
use crate::plan::{Plan, ProcessSelector, Target};
use crate::probe::check::{resolve, Prepared};

/// One line of the preflight.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `scenario / step`, `probe home`, `service web`.
    pub subject: String,
    /// What it resolved to, or why it cannot run.
    pub result: Result<String, String>,
}

/// Resolves everything the plan's runnable scenarios need. Steps on a `service` target
/// are resolved when the service has started (its pid does not exist yet). With
/// `try_probes` (a dry run, which reports them), each probe is also sampled once; a
/// real run does not wait for that: its readiness gate samples the probes anyway.
pub fn run(plan: &Plan, ctx: &Context, try_probes: bool) -> Vec<Check> {
    let mut checks = Vec::new();
    for service in &plan.services {
        let result = match service.argv.first().map(resolve) {
            None => Err("it has an empty command".to_string()),
            Some(Err(e)) => Err(e.to_string()),
            Some(Ok(program)) => inject::exec::find_program(&program)
                .map(|path| format!("`{}`", path.display()))
                .ok_or_else(|| format!("`{program}` was not found on PATH")),
        };
        // Its readiness address must be free: otherwise another program would answer.
        let result = result.and_then(|found| {
            match service
                .ready
                .as_ref()
                .and_then(super::services::ready_address)
            {
                Some(address) => super::services::not_in_use(&address)
                    .map(|()| format!("{found}, `{address}` is free")),
                None => Ok(found),
            }
        });
        checks.push(Check {
            subject: format!("service {}", service.name),
            result,
        });
    }
    let mut probes_seen = BTreeSet::new();
    for scenario in plan.scenarios.iter().filter(|s| s.skipped.is_none()) {
        for probe in &scenario.probes {
            if !probes_seen.insert(probe.name.clone()) {
                continue;
            }
            checks.push(Check {
                subject: format!("probe {}", probe.name),
                result: Prepared::prepare(&probe.check)
                    .map(|prepared| match try_probes {
                        true => try_once(probe, &prepared, plan),
                        false => "buildable".to_string(),
                    })
                    .map_err(|e| e.to_string()),
            });
        }
        for step in &scenario.steps {
            let subject = format!("{} / {}", scenario.name, step.name);
            let result = match &step.target {
                Target::Process {
                    selector: ProcessSelector::Service(name),
                    ..
                } => {
                    if plan.services.iter().any(|s| &s.name == name) {
                        Ok(format!("service `{name}` (resolved once it has started)"))
                    } else {
                        Err(format!("service `{name}` is not declared"))
                    }
                }
                // The proxy runs only while its scenario runs: check that it can.
                Target::Proxy { .. } => {
                    inject::network::proxy::check(step).map_err(|e| match e.help {
                        Some(help) => format!("{} (help: {help})", e.message),
                        None => e.message,
                    })
                }
                _ => inject::prepare(step, ctx)
                    .and_then(|p| {
                        inject::lock::check(&p.lock_keys())?;
                        Ok(p.target_description())
                    })
                    .map_err(|e| match e.help {
                        Some(help) => format!("{} (help: {help})", e.message),
                        None => e.message,
                    }),
            };
            checks.push(Check { subject, result });
        }
    }
    checks
}

/// What a probe that could be built says when it is tried once, in words: a probe that
/// answered is ready; one that did not is not an error (the run may start what it
/// watches), but the dry run says so. An `exec` probe is not run: a dry run runs no
/// command.
fn try_once(probe: &crate::plan::Probe, prepared: &Prepared, plan: &Plan) -> String {
    if matches!(probe.check, crate::plan::ProbeCheck::Exec { .. }) {
        return "buildable; not tried (a dry run runs no command)".to_string();
    }
    let timeout = std::time::Duration::from_millis(probe.timeout_ms.clamp(1, 2_000));
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return "buildable; not tried".to_string();
    };
    let started = std::time::Instant::now();
    let outcome = rt.block_on(prepared.sample(timeout));
    let took = started.elapsed().as_secs_f64() * 1000.0;
    if outcome.is_ok() {
        format!("answered once ({took:.0} ms)")
    } else if plan.services.is_empty() {
        format!(
            "buildable, but tried once it failed ({}, {took:.0} ms): nothing healthy answers there now",
            outcome.as_str()
        )
    } else {
        format!(
            "buildable; tried once before the services start: {} ({took:.0} ms)",
            outcome.as_str()
        )
    }
}

/// The fault kinds of the runnable scenarios that need confirmation: destructive ones
/// and those the plan's safety lists, with the steps that use them.
pub fn needs_confirmation(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for scenario in plan.scenarios.iter().filter(|s| s.skipped.is_none()) {
        for step in &scenario.steps {
            let kind = step.fault.kind();
            if step.destructive || plan.safety.confirm.iter().any(|k| k == kind) {
                out.push(format!("`{}` ({kind}) in \"{}\"", step.name, scenario.name));
            }
        }
    }
    out
}
