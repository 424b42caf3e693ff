//! From a plan's container target to the exact containers a fault acts on.
//!
//! - `container("NAME")`: Docker resolves the name (or an id, or an unambiguous id
//!   prefix) to exactly one container; anything else is an error.
//! - `container(label: "k=v")`: every container carrying the label, all of them. Those
//!   that are not running are left out (stopping or pausing them means nothing); if
//!   none is running, it is an error.
//!
//! Every selected container must be running and match `allow_targets` (globs on the
//! container name, without Docker's leading `/`). Nothing here changes anything.

use super::client::{self, Client, State};
use crate::inject::process::resolve::{glob_match, text};
use crate::inject::{Context, InjectError};
use crate::plan::{ContainerSelector, Target};

/// A container a fault will act on.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The full id: a record keeps acting on this container even if a new one later
    /// takes its name.
    pub id: String,
    pub name: String,
    /// The state when it was resolved.
    pub state: State,
}

/// The containers a fault of kind `kind` acts on, with a client for their endpoint.
pub fn resolve(
    target: &Target,
    ctx: &Context,
    kind: &str,
) -> Result<(Client, Vec<Resolved>), InjectError> {
    let Target::Container {
        selector,
        docker_host,
        ..
    } = target
    else {
        return Err(InjectError::new(format!(
            "`{kind}` faults act on containers, not on {}",
            target_kind(target)
        ))
        .with_help("give the step a `container(…)` target"));
    };
    let explicit = match docker_host {
        Some(host) => Some(text(host, "docker host")?),
        None => None,
    };
    let client = Client::connect(&client::endpoint(explicit.as_deref()))?;
    let found = match selector {
        ContainerSelector::Name(name) => {
            let name = text(name, "container name")?;
            vec![by_name(&client, &name)?]
        }
        ContainerSelector::Label(label) => by_label(&client, &text(label, "label")?)?,
    };
    for container in &found {
        allowed(container, &ctx.allow_targets)?;
        not_ourselves(container)?;
    }
    Ok((client, found))
}

fn target_kind(target: &Target) -> &'static str {
    match target {
        Target::Host => "the host",
        Target::Process { .. } => "a process",
        Target::Container { .. } => "a container",
        Target::Proxy { .. } => "a proxy",
        Target::Interface { .. } => "an interface",
        Target::Pods { .. } => "kubernetes pods",
    }
}

fn by_name(client: &Client, name: &str) -> Result<Resolved, InjectError> {
    if name.is_empty() {
        return Err(InjectError::new("the container name is empty"));
    }
    let found = client.inspect(name).map_err(|e| match e.status {
        Some(404) => InjectError::new(format!("no container is named `{name}`")).with_help(
            format!("check the name with `docker ps -a --filter name={name}`"),
        ),
        _ => InjectError::new(format!("cannot inspect container `{name}`: {e}")),
    })?;
    let resolved = Resolved {
        id: found.id.clone().unwrap_or_default(),
        name: client::name_of(&found),
        state: client::state_of(&found),
    };
    if resolved.id.is_empty() {
        return Err(InjectError::new(format!(
            "docker answered for container `{name}` without an id"
        )));
    }
    if !resolved.state.is_running() {
        return Err(InjectError::new(format!(
            "container `{}` is {}, not running",
            resolved.name,
            status_words(&resolved.state)
        ))
        .with_help(format!("start it first: `docker start {}`", resolved.name)));
    }
    Ok(resolved)
}

fn by_label(client: &Client, label: &str) -> Result<Vec<Resolved>, InjectError> {
    let ids = client
        .list_labelled(label)
        .map_err(|e| InjectError::new(format!("cannot list containers: {e}")))?;
    let mut running = Vec::new();
    for id in &ids {
        // A container removed between the list and the inspect is simply not selected.
        let Ok(found) = client.inspect(id) else {
            continue;
        };
        let state = client::state_of(&found);
        if state.is_running() {
            running.push(Resolved {
                id: id.clone(),
                name: client::name_of(&found),
                state,
            });
        }
    }
    if running.is_empty() {
        let why = if ids.is_empty() {
            format!("no container has label `{label}`")
        } else {
            format!(
                "none of the {} containers with label `{label}` is running",
                ids.len()
            )
        };
        return Err(InjectError::new(why)
            .with_help(format!("check with `docker ps -a --filter label={label}`")));
    }
    Ok(running)
}

fn status_words(state: &State) -> String {
    match (state.status.as_str(), state.exit_code) {
        ("exited", Some(code)) => format!("exited (code {code})"),
        ("", _) => "in an unknown state".to_string(),
        (status, _) => status.to_string(),
    }
}

fn allowed(container: &Resolved, patterns: &[String]) -> Result<(), InjectError> {
    if patterns.is_empty() || patterns.iter().any(|p| glob_match(p, &container.name)) {
        return Ok(());
    }
    let list: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
    Err(InjectError::new(format!(
        "container `{}` matches none of `allow_targets` [{}]",
        container.name,
        list.join(", ")
    ))
    .with_help(format!(
        "add a pattern that matches `{}` to `allow_targets` in the `safety` block, or pick another target",
        container.name
    )))
}

/// `chaosc` running inside the container it would stop: refused, the run would end
/// with no one left to revert.
fn not_ourselves(container: &Resolved) -> Result<(), InjectError> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    if container.id.len() >= 12 && cgroups.contains(&container.id) {
        return Err(InjectError::new(format!(
            "container `{}` is the one `chaosc` runs in, which faults never touch",
            container.name
        ))
        .with_help("run `chaosc` outside the container under test"));
    }
    Ok(())
}

/// `container web (3f2a1b0c9d8e)`, or `containers web (…), db (…)`.
pub fn describe(targets: &[Resolved]) -> String {
    let list: Vec<String> = targets
        .iter()
        .map(|t| format!("{} ({})", t.name, short(&t.id)))
        .collect();
    match list.len() {
        1 => format!("container {}", list[0]),
        _ => format!("containers {}", list.join(", ")),
    }
}

/// The 12-character id Docker shows.
pub fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
