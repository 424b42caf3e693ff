//! A running proxy: the listener, one task per connection (both directions and the
//! reset watch), and the table of applied faults.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::faults::{Dir, Snapshot, Spec, Stats};
use super::pipe;

/// What the listener and every connection share.
struct Inner {
    upstream: String,
    seed: u64,
    tx: watch::Sender<Arc<Snapshot>>,
    faults: Mutex<BTreeMap<u64, (Spec, Arc<Stats>)>>,
    next_fault: AtomicU64,
    accepted: AtomicU64,
    open: AtomicU64,
    upstream_errors: AtomicU64,
}

/// A proxy listening on its address; stopped (listener closed, every connection
/// closed) by [`Proxy::stop`] or when dropped.
pub struct Proxy {
    pub listen: SocketAddr,
    inner: Arc<Inner>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({} → {})", self.listen, self.inner.upstream)
    }
}

/// Connection counts of a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub accepted: u64,
    pub open: u64,
    pub upstream_errors: u64,
}

impl Proxy {
    /// Binds `listen` and starts accepting; connections go to `upstream` (`HOST:PORT`,
    /// resolved at each connection). Must run inside a tokio runtime.
    pub async fn start(listen: SocketAddr, upstream: String, seed: u64) -> io::Result<Proxy> {
        let listener = TcpListener::bind(listen).await?;
        let listen = listener.local_addr()?;
        let (tx, _) = watch::channel(Arc::new(Snapshot::default()));
        let inner = Arc::new(Inner {
            upstream,
            seed,
            tx,
            faults: Mutex::new(BTreeMap::new()),
            next_fault: AtomicU64::new(1),
            accepted: AtomicU64::new(0),
            open: AtomicU64::new(0),
            upstream_errors: AtomicU64::new(0),
        });
        let task = tokio::spawn(accept(listener, Arc::clone(&inner)));
        Ok(Proxy {
            listen,
            inner,
            task: Mutex::new(Some(task)),
        })
    }

    pub fn upstream(&self) -> &str {
        &self.inner.upstream
    }

    pub fn counts(&self) -> Counts {
        Counts {
            accepted: self.inner.accepted.load(Ordering::Relaxed),
            open: self.inner.open.load(Ordering::Relaxed),
            upstream_errors: self.inner.upstream_errors.load(Ordering::Relaxed),
        }
    }

    /// Applies a fault to every connection, open or new; returns its id and counters.
    pub fn apply(&self, spec: Spec) -> (u64, Arc<Stats>) {
        let id = self.inner.next_fault.fetch_add(1, Ordering::Relaxed);
        let stats = Arc::new(Stats::new());
        let mut faults = lock(&self.inner.faults);
        faults.insert(id, (spec, Arc::clone(&stats)));
        self.inner.tx.send_replace(Arc::new(Snapshot::of(&faults)));
        (id, stats)
    }

    /// Removes a fault (idempotent). Chunks it already scheduled leave on schedule.
    pub fn revert(&self, id: u64) {
        let mut faults = lock(&self.inner.faults);
        if faults.remove(&id).is_some() {
            self.inner.tx.send_replace(Arc::new(Snapshot::of(&faults)));
        }
    }

    /// Closes the listener and every connection, and waits until the port is free.
    pub async fn stop(&self) {
        let task = lock(&self.task).take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Accepts until aborted; dropping the `JoinSet` then aborts every connection.
async fn accept(listener: TcpListener, inner: Arc<Inner>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    let id = inner.accepted.fetch_add(1, Ordering::Relaxed);
                    conns.spawn(connection(client, Arc::clone(&inner), id));
                }
                // Out of file descriptors and the like: the connection waits in the
                // backlog; try again shortly rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Counts an open connection while it lives.
struct Open<'a>(&'a AtomicU64);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How a connection ended.
enum End {
    Closed,
    /// An error on either side: the other side is reset too, as a broken network
    /// path would show it.
    Error,
    Reset,
    Stopping,
}

async fn connection(client: TcpStream, inner: Arc<Inner>, id: u64) {
    inner.open.fetch_add(1, Ordering::Relaxed);
    let _open = Open(&inner.open);
    let mut rx = inner.tx.subscribe();
    let mut rng = fastrand::Rng::with_seed(inner.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut decided = 0;
    if reset_now(&rx.borrow_and_update(), &mut rng, &mut decided) {
        return reset(&client);
    }
    let upstream = match TcpStream::connect(inner.upstream.as_str()).await {
        Ok(u) => u,
        Err(_) => {
            inner.upstream_errors.fetch_add(1, Ordering::Relaxed);
            return reset(&client);
        }
    };
    // Chunks leave when the faults say, not when Nagle would.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let end = {
        let up = pipe::run(
            &client,
            &upstream,
            Dir::Up,
            rx.clone(),
            fastrand::Rng::with_seed(rng.u64(..)),
        );
        let down = pipe::run(
            &upstream,
            &client,
            Dir::Down,
            rx.clone(),
            fastrand::Rng::with_seed(rng.u64(..)),
        );
        let both = async { tokio::try_join!(up, down) };
        tokio::pin!(both);
        loop {
            tokio::select! {
                ended = &mut both => break if ended.is_ok() { End::Closed } else { End::Error },
                changed = rx.changed() => {
                    if changed.is_err() {
                        break End::Stopping;
                    }
                    if reset_now(&rx.borrow_and_update(), &mut rng, &mut decided) {
                        break End::Reset;
                    }
                }
            }
        }
    };
    match end {
        End::Closed | End::Stopping => {}
        End::Error | End::Reset => {
            reset(&client);
            reset(&upstream);
        }
    }
}

/// Whether an applied `reset` picks this connection; each connection decides once per
/// applied reset fault.
fn reset_now(snap: &Snapshot, rng: &mut fastrand::Rng, decided: &mut u64) -> bool {
    let Some(r) = &snap.reset else {
        return false;
    };
    if r.epoch == *decided {
        return false;
    }
    *decided = r.epoch;
    r.stats.connections.fetch_add(1, Ordering::Relaxed);
    if rng.f64() < r.rate {
        r.stats.resets.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    false
}

/// `SO_LINGER` 0: closing the socket (when it is dropped, right after) sends RST.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}
