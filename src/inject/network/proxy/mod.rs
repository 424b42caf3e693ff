//! The built-in fault proxy (`proxy(listen:, upstream:)` targets).
//!
//! `chaosc run` starts one proxy per distinct `listen` address of a scenario's steps
//! before the scenario's probes start and stops it after they end ([`start_all`]);
//! the proxies live in the runner's tokio runtime and are found by their listen
//! address in the [`Registry`] of the run's `Context`. A fault step adds its fault to
//! the proxy's fault table and removes it when it ends; relays read the table per
//! chunk, so connections stay open across apply and revert.
//!
//! - `listener`: the listener, connections, the fault table.
//! - `pipe`: one direction of a connection (delay, stall, pacing, hold).
//! - `faults`: fault parameters, the per-chunk snapshot, evidence counters.
//! - `evidence`: the measured evidence of each fault kind.
//! - `timer`: release times to a tenth of a millisecond (`timerfd`).
//!
//! Revert record: [`Revert::Nothing`]. The proxy exists only inside the runner: if the
//! runner dies, its listener and every connection die with it, and no fault outlives
//! it. There is nothing for the guard or `chaosc recover` to undo.

mod evidence;
pub mod faults;
pub mod listener;
pub mod pipe;
mod timer;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::super::{Active, Context, Evidence, InjectError, Prepared, Revert};
use crate::plan::{Scenario, Step, Target};
use crate::probe::check::resolve;
pub use evidence::binomial_bound;
use faults::{Spec, Stats};
pub use listener::Proxy;

/// The proxies running now, by listen address.
#[derive(Clone, Default)]
pub struct Registry(Arc<Mutex<BTreeMap<SocketAddr, Arc<Proxy>>>>);

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lock().keys()).finish()
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<SocketAddr, Arc<Proxy>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The proxy listening on `listen`, if it runs.
    pub fn get(&self, listen: &SocketAddr) -> Option<Arc<Proxy>> {
        self.lock().get(listen).cloned()
    }

    pub fn insert(&self, proxy: Arc<Proxy>) {
        self.lock().insert(proxy.listen, proxy);
    }

    pub fn remove(&self, listen: &SocketAddr) -> Option<Arc<Proxy>> {
        self.lock().remove(listen)
    }
}

/// A proxy target's addresses, resolved and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    pub listen: SocketAddr,
    /// `HOST:PORT` as written (resolved at each connection).
    pub upstream: String,
}

/// The addresses of a `proxy` target; an error for any other target.
pub fn addresses(target: &Target) -> Result<Addresses, InjectError> {
    let Target::Proxy {
        listen, upstream, ..
    } = target
    else {
        return Err(InjectError::new("this target is not a proxy"));
    };
    let listen_text = resolve(listen).map_err(|e| InjectError::new(e.to_string()))?;
    let listen = listen_text.parse::<SocketAddr>().map_err(|_| {
        InjectError::new(format!(
            "the proxy's listen address `{listen_text}` is not an ip address and port"
        ))
        .with_help("write it as `127.0.0.1:18000`; the proxy listens only on the address given")
    })?;
    if listen.port() == 0 {
        return Err(InjectError::new(format!(
            "the proxy's listen address `{listen_text}` has port 0"
        ))
        .with_help("clients need a known port: name one, e.g. `127.0.0.1:18000`"));
    }
    let upstream = resolve(upstream).map_err(|e| InjectError::new(e.to_string()))?;
    let port_ok = upstream
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if !port_ok {
        return Err(InjectError::new(format!(
            "the proxy's upstream `{upstream}` is not a host and port"
        ))
        .with_help("write it as `127.0.0.1:8000` or `db.internal:5432`"));
    }
    if loops_back(listen, &upstream) {
        return Err(InjectError::new(format!(
            "the proxy's upstream `{upstream}` is its own listen address `{listen}`: it would connect to itself"
        ))
        .with_help("point `upstream` at the service the proxy stands in front of"));
    }
    Ok(Addresses { listen, upstream })
}

/// Whether `upstream` reaches the proxy's own listener: the same address, or the same
/// port on this host when the proxy listens on every address.
fn loops_back(listen: SocketAddr, upstream: &str) -> bool {
    use std::net::ToSocketAddrs;
    let Ok(targets) = upstream.to_socket_addrs() else {
        return false;
    };
    targets.into_iter().any(|to| {
        to == listen
            || (listen.ip().is_unspecified()
                && to.port() == listen.port()
                && (to.ip().is_loopback() || to.ip().is_unspecified()))
    })
}

/// The proxy form of a step's fault, checked.
fn spec(step: &Step) -> Result<Spec, InjectError> {
    let spec = Spec::from_fault(&step.fault).ok_or_else(|| {
        InjectError::new(format!(
            "`{}` faults cannot be injected by a proxy",
            step.fault.kind()
        ))
    })?;
    if let Some(why) = spec.invalid() {
        return Err(InjectError::new(why));
    }
    Ok(spec)
}

/// Preflight for a step on a proxy target: the fault fits a proxy, the addresses parse,
/// the upstream resolves and the listen address is free now. Changes nothing.
pub fn check(step: &Step) -> Result<String, InjectError> {
    spec(step)?;
    let a = addresses(&step.target)?;
    match a.upstream.to_socket_addrs().map(|mut addrs| addrs.next()) {
        Ok(Some(_)) => {}
        _ => {
            return Err(InjectError::new(format!(
                "the proxy's upstream `{}` does not resolve",
                a.upstream
            )))
        }
    }
    // Another run's proxy there is named, not just "address in use".
    crate::inject::lock::check(&[format!("proxy-{}", a.listen)])?;
    std::net::TcpListener::bind(a.listen).map_err(|e| {
        InjectError::new(format!(
            "the proxy cannot listen on `{}`: {}",
            a.listen,
            lower(&e)
        ))
        .with_help("free the port, or give the proxy another listen address")
    })?;
    Ok(describe(&a))
}

fn describe(a: &Addresses) -> String {
    format!("proxy {} → {}", a.listen, a.upstream)
}

fn lower(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// The proxies of one scenario, running. Stop them with [`Running::stop`]; dropping
/// also closes them (without waiting for the ports to be free).
#[derive(Debug, Default)]
pub struct Running {
    registry: Registry,
    proxies: Vec<Arc<Proxy>>,
}

impl Running {
    pub fn proxies(&self) -> &[Arc<Proxy>] {
        &self.proxies
    }

    /// Closes every listener and connection; the ports are free when it returns.
    pub async fn stop(mut self) {
        for proxy in std::mem::take(&mut self.proxies) {
            self.registry.remove(&proxy.listen);
            proxy.stop().await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for proxy in &self.proxies {
            self.registry.remove(&proxy.listen);
        }
    }
}

/// Starts a proxy for every distinct `proxy` target of the scenario's steps and
/// registers them in `ctx.proxies`. Every proxy or none: on an error the ones started
/// are stopped.
pub async fn start_all(scenario: &Scenario, ctx: &Context) -> Result<Running, String> {
    let mut running = Running {
        registry: ctx.proxies.clone(),
        proxies: Vec::new(),
    };
    let mut seen: BTreeMap<SocketAddr, String> = BTreeMap::new();
    for step in &scenario.steps {
        if !matches!(step.target, Target::Proxy { .. }) {
            continue;
        }
        let a = match addresses(&step.target) {
            Ok(a) => a,
            Err(e) => {
                running.stop().await;
                return Err(format!("step `{}`: {e}", step.name));
            }
        };
        if let Some(upstream) = seen.get(&a.listen) {
            if *upstream != a.upstream {
                running.stop().await;
                return Err(format!(
                    "two proxies listen on `{}`, one to `{upstream}`, one to `{}`",
                    a.listen, a.upstream
                ));
            }
            continue;
        }
        seen.insert(a.listen, a.upstream.clone());
        let seed = ctx.seed ^ u64::from(a.listen.port()).wrapping_mul(0xA076_1D64_78BD_642F);
        match Proxy::start(a.listen, a.upstream.clone(), seed).await {
            Ok(proxy) => {
                let proxy = Arc::new(proxy);
                ctx.proxies.insert(Arc::clone(&proxy));
                running.proxies.push(proxy);
            }
            Err(e) => {
                running.stop().await;
                return Err(format!(
                    "the proxy cannot listen on `{}`: {}",
                    a.listen,
                    lower(&e)
                ));
            }
        }
    }
    Ok(running)
}

/// Resolves a step on a proxy target: the proxy must be running (it is, for the whole
/// scenario, under `chaosc run`).
pub fn prepare(step: &Step, ctx: &Context) -> Result<Box<dyn Prepared>, InjectError> {
    let spec = spec(step)?;
    let a = addresses(&step.target)?;
    let proxy = ctx.proxies.get(&a.listen).ok_or_else(|| {
        InjectError::new(format!("no proxy is running on `{}`", a.listen))
            .with_help("proxies run while their scenario runs, under `chaosc run`")
    })?;
    Ok(Box::new(Ready {
        spec,
        target: describe(&a),
        proxy,
    }))
}

struct Ready {
    spec: Spec,
    target: String,
    proxy: Arc<Proxy>,
}

impl Prepared for Ready {
    fn lock_keys(&self) -> Vec<String> {
        vec![format!("proxy-{}", self.proxy.listen)]
    }

    fn revert_record(&self) -> Revert {
        // The proxy and its faults die with the runner: nothing to undo from outside.
        Revert::Nothing
    }

    fn target_description(&self) -> String {
        self.target.clone()
    }

    fn apply(self: Box<Self>) -> Result<Box<dyn Active>, InjectError> {
        let before = self.proxy.counts();
        let (id, stats) = self.proxy.apply(self.spec.clone());
        Ok(Box::new(Applied {
            spec: self.spec,
            proxy: self.proxy,
            id,
            stats,
            applied_at: Instant::now(),
            open_at_apply: before.open,
            accepted_before: before.accepted,
            upstream_errors_before: before.upstream_errors,
        }))
    }
}

/// A fault applied on a running proxy.
pub struct Applied {
    spec: Spec,
    proxy: Arc<Proxy>,
    id: u64,
    stats: Arc<Stats>,
    applied_at: Instant,
    open_at_apply: u64,
    accepted_before: u64,
    upstream_errors_before: u64,
}

/// How long evidence waits for chunks a fault scheduled to leave, beyond their plan.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

impl Active for Applied {
    fn finish(self: Box<Self>) -> Result<Evidence, InjectError> {
        let wall = self.applied_at.elapsed();
        self.proxy.revert(self.id);
        // Chunks scheduled under the fault leave on their schedule; wait for them so
        // the measured holds are complete (bounded: a chunk may be stuck behind a
        // peer that does not read).
        let longest = match &self.spec {
            Spec::Latency { delay, jitter, .. } => *delay + *jitter,
            Spec::Loss { .. } => faults::RTO,
            _ => Duration::ZERO,
        };
        let until = Instant::now() + longest + DRAIN_GRACE;
        while self.stats.pending.load(Ordering::Relaxed) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
        let counts = self.proxy.counts();
        Ok(evidence::of(
            &self.spec,
            &self.stats,
            &evidence::Conns {
                open_at_apply: self.open_at_apply,
                accepted_during: counts.accepted.saturating_sub(self.accepted_before),
                upstream: self.proxy.upstream().to_string(),
                upstream_failures: counts
                    .upstream_errors
                    .saturating_sub(self.upstream_errors_before),
            },
            wall,
        ))
    }
}

impl Drop for Applied {
    fn drop(&mut self) {
        // Idempotent: also reverts a fault whose `finish` was never called.
        self.proxy.revert(self.id);
    }
}
