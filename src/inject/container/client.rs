//! A blocking Docker Engine API client: bollard on a small current-thread tokio runtime
//! of its own, so that the injector threads, the guard and `chaosc recover` (plain std
//! code) can call it.

use std::future::Future;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::models::ContainerInspectResponse;
use bollard::Docker;

use crate::inject::InjectError;

/// Where Docker listens when neither the target nor `DOCKER_HOST` says.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// How long any one API call may take, beyond a stop or restart timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The endpoint: the target's `host:`, else `DOCKER_HOST`, else the default socket.
pub fn endpoint(explicit: Option<&str>) -> String {
    if let Some(host) = explicit.filter(|h| !h.is_empty()) {
        return host.to_string();
    }
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => host,
        _ => DEFAULT_HOST.to_string(),
    }
}

/// A connection to one Docker endpoint.
pub struct Client {
    rt: Rt,
    docker: Docker,
    pub host: String,
    /// The daemon's version and API version, as it reported them.
    pub version: String,
    pub api_version: String,
}

/// A container's state as `inspect` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `running`, `paused`, `exited`, `restarting` …
    pub status: String,
    pub pid: i64,
    pub started_at: String,
    pub exit_code: Option<i64>,
}

impl State {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
}

impl Client {
    /// Connects to `host` and agrees on an API version both sides speak.
    pub fn connect(host: &str) -> Result<Client, InjectError> {
        let rt = Rt(Some(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| InjectError::new(format!("cannot start a runtime for docker: {e}")))?,
        ));
        let unreachable = |e: String| {
            InjectError::new(format!("cannot reach docker at `{host}`: {e}")).with_help(
                "start the docker daemon, or point `DOCKER_HOST` (or `host:` in `container(…)`) at it",
            )
        };
        let owned = host.to_string();
        let connected = block_on(&rt, async move {
            let docker = Docker::connect_with_host(&owned)?
                .with_timeout(CALL_TIMEOUT)
                .negotiate_version()
                .await?;
            let version = docker.version().await?;
            Ok::<_, BollardError>((docker, version))
        });
        let (docker, version) = match connected {
            Some(Ok(pair)) => pair,
            Some(Err(e)) => return Err(unreachable(describe(&e))),
            None => return Err(unreachable("it did not answer within 20 s".into())),
        };
        Ok(Client {
            rt,
            docker,
            host: host.to_string(),
            version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
        })
    }

    /// Runs one API call with a time limit; `what` names it in errors.
    fn call<T, F>(&self, what: &str, limit: Duration, f: F) -> Result<T, ApiError>
    where
        T: Send,
        F: Future<Output = Result<T, BollardError>> + Send,
    {
        // The timer is created inside the runtime, which owns the time driver.
        match block_on(
            &self.rt,
            async move { tokio::time::timeout(limit, f).await },
        ) {
            Some(Ok(Ok(value))) => Ok(value),
            Some(Ok(Err(e))) => Err(ApiError::from(e)),
            Some(Err(_)) | None => Err(ApiError {
                status: None,
                message: format!("{what} did not answer within {} s", limit.as_secs()),
            }),
        }
    }

    pub fn inspect(&self, id: &str) -> Result<ContainerInspectResponse, ApiError> {
        self.call(
            "inspect",
            CALL_TIMEOUT,
            self.docker.inspect_container(id, None),
        )
    }

    /// The state of a container, `Ok(None)` when it does not exist.
    pub fn state(&self, id: &str) -> Result<Option<State>, ApiError> {
        match self.inspect(id) {
            Ok(found) => Ok(Some(state_of(&found))),
            Err(e) if e.status == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every container (running or not) carrying `label` (`k` or `k=v`).
    pub fn list_labelled(&self, label: &str) -> Result<Vec<String>, ApiError> {
        let mut filters = std::collections::HashMap::new();
        filters.insert("label".to_string(), vec![label.to_string()]);
        let options = bollard::query_parameters::ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        let list = self.call(
            "list",
            CALL_TIMEOUT,
            self.docker.list_containers(Some(options)),
        )?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
    }

    pub fn kill(&self, id: &str, signal: &str) -> Result<(), ApiError> {
        let options = bollard::query_parameters::KillContainerOptions {
            signal: signal.to_string(),
        };
        self.call(
            "kill",
            CALL_TIMEOUT,
            self.docker.kill_container(id, Some(options)),
        )
    }

    pub fn stop(&self, id: &str, timeout: Duration) -> Result<(), ApiError> {
        let options = bollard::query_parameters::StopContainerOptions {
            t: Some(seconds(timeout)),
            signal: None,
        };
        self.call(
            "stop",
            timeout + CALL_TIMEOUT,
            self.docker.stop_container(id, Some(options)),
        )
    }

    pub fn restart(&self, id: &str, timeout: Duration) -> Result<(), ApiError> {
        let options = bollard::query_parameters::RestartContainerOptions {
            t: Some(seconds(timeout)),
            signal: None,
        };
        self.call(
            "restart",
            timeout + CALL_TIMEOUT,
            self.docker.restart_container(id, Some(options)),
        )
    }

    pub fn start(&self, id: &str) -> Result<(), ApiError> {
        self.call("start", CALL_TIMEOUT, self.docker.start_container(id, None))
    }

    pub fn pause(&self, id: &str) -> Result<(), ApiError> {
        self.call("pause", CALL_TIMEOUT, self.docker.pause_container(id))
    }

    pub fn unpause(&self, id: &str) -> Result<(), ApiError> {
        self.call("unpause", CALL_TIMEOUT, self.docker.unpause_container(id))
    }

    /// Polls the state every 10 ms until `done` holds or `limit` passes; returns how long
    /// it took and the state seen (`None` inside: the container is gone).
    pub fn wait_state(
        &self,
        id: &str,
        limit: Duration,
        mut done: impl FnMut(Option<&State>) -> bool,
    ) -> Result<(Option<Duration>, Option<State>), ApiError> {
        let started = std::time::Instant::now();
        loop {
            let state = self.state(id)?;
            if done(state.as_ref()) {
                return Ok((Some(started.elapsed()), state));
            }
            if started.elapsed() >= limit {
                return Ok((None, state));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Docker's stop and restart timeouts are whole seconds; a part second rounds up.
fn seconds(timeout: Duration) -> i32 {
    let ms = timeout.as_millis();
    i32::try_from(ms.div_ceil(1000)).unwrap_or(i32::MAX)
}

/// The client's runtime. Dropped with `shutdown_background`, which never blocks: a
/// plain drop panics when the client is dropped inside another runtime's task.
struct Rt(Option<tokio::runtime::Runtime>);

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Runs `f` to completion on `rt`. Inside another tokio runtime (where `block_on` would
/// panic) the call moves to a short-lived thread of its own. `None` if that thread died.
fn block_on<T: Send, F: Future<Output = T> + Send>(rt: &Rt, f: F) -> Option<T> {
    let rt = rt.0.as_ref()?;
    if tokio::runtime::Handle::try_current().is_err() {
        return Some(rt.block_on(f));
    }
    std::thread::scope(|s| s.spawn(|| rt.block_on(f)).join().ok())
}

/// The state inside an inspect answer.
pub fn state_of(found: &ContainerInspectResponse) -> State {
    let state = found.state.clone().unwrap_or_default();
    State {
        status: state.status.map(|s| s.to_string()).unwrap_or_default(),
        pid: state.pid.unwrap_or(0),
        started_at: state.started_at.unwrap_or_default(),
        exit_code: state.exit_code,
    }
}

/// The container's name without Docker's leading `/`.
pub fn name_of(found: &ContainerInspectResponse) -> String {
    found
        .name
        .as_deref()
        .unwrap_or("")
        .trim_start_matches('/')
        .to_string()
}

/// An API call that failed: the HTTP status if Docker answered, and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

impl From<BollardError> for ApiError {
    fn from(e: BollardError) -> ApiError {
        match e {
            BollardError::DockerResponseServerError {
                status_code,
                message,
            } => ApiError {
                status: Some(status_code),
                message: lower_first(message.trim()),
            },
            other => ApiError {
                status: None,
                message: describe(&other),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A bollard error as one lowercase sentence, with its cause (the useful part of a
/// connection error is usually the innermost one).
fn describe(e: &BollardError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = inner.source();
    }
    lower_first(&text)
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_timeouts_round_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::from_millis(0)), 0);
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_millis(1000)), 1);
        assert_eq!(seconds(Duration::from_millis(10_500)), 11);
    }

    #[test]
    fn an_explicit_host_wins_over_the_environment() {
        assert_eq!(
            endpoint(Some("tcp://127.0.0.1:2375")),
            "tcp://127.0.0.1:2375"
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let socket = format!("unix://{}/none.sock", dir.path().display());
        let e = Client::connect(&socket)
            .err()
            .expect("nothing listens there");
        assert!(
            e.message.starts_with("cannot reach docker at `unix://"),
            "{e:?}"
        );
        // Also from inside a tokio runtime (a test or a caller may have one).
        let rt = tokio::runtime::Runtime::new().expect("a runtime");
        let inside = rt.block_on(async { Client::connect(&socket).err() });
        assert!(inside.is_some());
    }
}
