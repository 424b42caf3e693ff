//! One direction of a relayed connection: read chunks from one socket, write them to
//! the other, shaped by the faults of the current snapshot.
//!
//! With no fault in its direction a pipe reads and writes in place (one buffer, no
//! queue, no timer). Otherwise every chunk read is stamped with its arrival and the
//! time it may leave (`arrival + delay ± jitter`, `+ RTO` when chosen as lost, never
//! before the chunk ahead of it) and queued; a timer writes the head when its time
//! comes, in slices paced at the bandwidth if one is set, and not at all while a
//! blackhole is applied. Reading goes on while chunks wait, so a delay shifts the
//! stream in time instead of slowing it down, up to [`QUEUE_LIMIT`] bytes held.

use std::collections::VecDeque;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::faults::{Dir, Pending, Snapshot, Stats, RTO};
use super::timer::Timer;

/// The most a pipe reads at once.
pub const CHUNK: usize = 64 * 1024;

/// The most a pipe holds in its queue before it stops reading (and TCP flow control
/// slows the sender down).
pub const QUEUE_LIMIT: usize = 4 << 20;

/// A chunk waiting for its time.
struct Held {
    data: Vec<u8>,
    /// Bytes of `data` already written.
    off: usize,
    arrived: Instant,
    release: Instant,
    /// The delay planned by a latency fault, and the stall by a loss fault.
    latency: Option<(Duration, Pending)>,
    stall: Option<Pending>,
    /// Arrived while a blackhole was applied.
    blackhole: Option<Pending>,
    started: bool,
}

/// The pacing state of a bandwidth fault.
#[derive(Default)]
struct Link {
    /// The planned end of the last paced slice.
    free: Option<Instant>,
    /// When the last paced slice was actually written.
    last_sent: Option<Instant>,
}

/// How many bytes one paced write sends: about 10 ms of the rate.
fn slice_len(rate: f64) -> usize {
    ((rate / 100.0) as usize).clamp(512, CHUNK)
}

/// Relays `src` → `dst` until `src` ends (then shuts `dst`'s write side) or an error.
pub async fn run(
    src: &TcpStream,
    dst: &TcpStream,
    dir: Dir,
    mut rx: watch::Receiver<Arc<Snapshot>>,
    mut rng: fastrand::Rng,
) -> io::Result<()> {
    let mut snap = rx.borrow_and_update().clone();
    let mut queue: VecDeque<Held> = VecDeque::new();
    let mut queued = 0usize;
    let mut last_release = Instant::now();
    let mut link = Link::default();
    let mut eof = false;
    let mut buf: Vec<u8> = Vec::new();
    let mut timer: Option<Timer> = None;
    loop {
        if queue.is_empty() {
            if eof {
                shutdown_write(dst);
                return Ok(());
            }
            if snap.shape(dir).clear() {
                // Fast path: no fault in this direction.
                timer = None;
                let n = match read(src, &mut buf).await? {
                    Some(n) => n,
                    None => continue,
                };
                if n == 0 {
                    eof = true;
                    continue;
                }
                if rx.has_changed().unwrap_or(false) {
                    snap = rx.borrow_and_update().clone();
                }
                if snap.shape(dir).clear() {
                    write_all(dst, &buf[..n]).await?;
                    continue;
                }
                // A fault arrived while this chunk was being read: it is the first
                // chunk the fault acts on.
                let data = take(&mut buf, n);
                queued += data.len();
                queue.push_back(admit(data, &snap, dir, &mut rng, &mut last_release));
                continue;
            }
        }
        let next = next_write(queue.front(), &snap, dir, &link);
        let can_read = !eof && queued < QUEUE_LIMIT;
        let timer = timer.get_or_insert_with(Timer::new);
        tokio::select! {
            biased;
            changed = rx.changed() => {
                if changed.is_err() {
                    // The proxy is stopping.
                    return Ok(());
                }
                snap = rx.borrow_and_update().clone();
            }
            slept = timer.sleep_until(next.as_ref().map_or_else(Instant::now, |n| n.at)), if next.is_some() => {
                slept?;
                if let Some(next) = next {
                    let done = send(dst, &mut queue, next, &mut link).await?;
                    queued -= done;
                }
            }
            ready = src.readable(), if can_read => {
                ready?;
                match try_read(src, &mut buf)? {
                    None => {}
                    Some(0) => eof = true,
                    Some(n) => {
                        let data = take(&mut buf, n);
                        queued += data.len();
                        queue.push_back(admit(data, &snap, dir, &mut rng, &mut last_release));
                    }
                }
            }
        }
    }
}

/// The next write of the queue's head: when, how many bytes, and the bandwidth fault
/// pacing it. `None` when the queue is empty or a blackhole holds it.
#[derive(Clone)]
struct Next {
    at: Instant,
    len: usize,
    paced: Option<Arc<Stats>>,
}

fn next_write(head: Option<&Held>, snap: &Snapshot, dir: Dir, link: &Link) -> Option<Next> {
    let head = head?;
    let shape = snap.shape(dir);
    if shape.blackhole.is_some() {
        return None;
    }
    let left = head.data.len() - head.off;
    match &shape.bandwidth {
        None => Some(Next {
            at: head.release,
            len: left,
            paced: None,
        }),
        Some((rate, stats)) => {
            let len = left.min(slice_len(*rate));
            let start = link.free.map_or(head.release, |f| f.max(head.release));
            Some(Next {
                at: start + Duration::from_secs_f64(len as f64 / rate),
                len,
                paced: Some(Arc::clone(stats)),
            })
        }
    }
}

/// Writes the head's next slice; returns the bytes that left the queue.
async fn send(
    dst: &TcpStream,
    queue: &mut VecDeque<Held>,
    next: Next,
    link: &mut Link,
) -> io::Result<usize> {
    let Some(head) = queue.front_mut() else {
        return Ok(0);
    };
    let now = Instant::now();
    if !head.started {
        head.started = true;
        let hold = now.saturating_duration_since(head.arrived);
        let planned_latency = head.latency.as_ref().map_or(Duration::ZERO, |l| l.0);
        if let Some((planned, pending)) = &head.latency {
            let stalled = head.stall.as_ref().map_or(Duration::ZERO, |_| RTO);
            pending.0.held(hold.saturating_sub(stalled), *planned);
        }
        if let Some(pending) = &head.stall {
            pending.0.held(hold.saturating_sub(planned_latency), RTO);
        }
        if let Some(pending) = &head.blackhole {
            pending.0.held(hold, Duration::ZERO);
        }
        // Leaving now: the evidence no longer waits for it.
        head.latency = None;
        head.stall = None;
        head.blackhole = None;
    }
    if let Some(stats) = &next.paced {
        let from = link.last_sent.map_or(head.release, |l| l.max(head.release));
        stats.busy_us.fetch_add(
            now.saturating_duration_since(from).as_micros() as u64,
            Ordering::Relaxed,
        );
        stats
            .paced_bytes
            .fetch_add(next.len as u64, Ordering::Relaxed);
        stats.affected.fetch_add(1, Ordering::Relaxed);
        link.free = Some(next.at);
        link.last_sent = Some(now);
    }
    let end = head.off + next.len;
    write_all(dst, &head.data[head.off..end]).await?;
    head.off = end;
    if head.off == head.data.len() {
        let done = head.data.len();
        queue.pop_front();
        return Ok(done);
    }
    Ok(0)
}

/// Stamps a chunk read under `snap` with the time it may leave, and counts it in the
/// faults of its direction.
fn admit(
    data: Vec<u8>,
    snap: &Snapshot,
    dir: Dir,
    rng: &mut fastrand::Rng,
    last_release: &mut Instant,
) -> Held {
    let arrived = Instant::now();
    let shape = snap.shape(dir);
    let n = data.len();
    let mut release = arrived;
    let latency = shape.latency.as_ref().map(|(delay, jitter, stats)| {
        stats.seen(n);
        let planned = jittered(*delay, *jitter, rng);
        release += planned;
        (planned, Pending::new(stats))
    });
    let stall = shape.loss.as_ref().and_then(|(rate, stats)| {
        stats.seen(n);
        (rng.f64() < *rate).then(|| {
            release += RTO;
            Pending::new(stats)
        })
    });
    let blackhole = shape.blackhole.as_ref().map(|stats| {
        stats.seen(n);
        Pending::new(stats)
    });
    if let Some((_, stats)) = &shape.bandwidth {
        stats.seen(n);
    }
    // A chunk never overtakes the one ahead of it.
    release = release.max(*last_release);
    *last_release = release;
    Held {
        data,
        off: 0,
        arrived,
        release,
        latency,
        stall,
        blackhole,
        started: false,
    }
}

/// `delay` plus a jitter drawn uniformly from `[-jitter, +jitter]` (µs resolution),
/// never below zero.
pub fn jittered(delay: Duration, jitter: Duration, rng: &mut fastrand::Rng) -> Duration {
    let j = jitter.as_micros() as i64;
    if j == 0 {
        return delay;
    }
    let offset = rng.i64(-j..=j);
    let us = delay.as_micros() as i64 + offset;
    Duration::from_micros(us.max(0) as u64)
}

/// The chunk just read, as its own buffer (small ones copied so the queue does not
/// keep a 64 KiB allocation for a few bytes).
fn take(buf: &mut Vec<u8>, n: usize) -> Vec<u8> {
    if n < CHUNK / 4 {
        buf[..n].to_vec()
    } else {
        buf.truncate(n);
        std::mem::take(buf)
    }
}

/// Waits until `src` is readable and reads a chunk; `None` when the readiness was
/// spurious. The buffer is allocated when data arrives and freed when the socket runs
/// dry, so an idle connection holds no buffer.
async fn read(src: &TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    if let Some(n) = try_read(src, buf)? {
        return Ok(Some(n));
    }
    src.readable().await?;
    try_read(src, buf)
}

fn try_read(src: &TcpStream, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    if buf.capacity() < CHUNK {
        buf.reserve_exact(CHUNK);
    }
    buf.clear();
    match src.try_read_buf(buf) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            *buf = Vec::new();
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

async fn write_all(dst: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match dst.try_write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => dst.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Passes an end of stream on: the peer reads EOF, the other direction goes on.
fn shutdown_write(stream: &TcpStream) {
    // SAFETY: `shutdown` on a file descriptor this stream owns and keeps open.
    unsafe {
        libc::shutdown(stream.as_raw_fd(), libc::SHUT_WR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_uniform_within_its_bounds() {
        let mut rng = fastrand::Rng::with_seed(1);
        let (d, j) = (Duration::from_millis(100), Duration::from_millis(20));
        let draws: Vec<f64> = (0..20_000)
            .map(|_| jittered(d, j, &mut rng).as_secs_f64() * 1000.0)
            .collect();
        assert!(draws.iter().all(|&x| (80.0..=120.0).contains(&x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 100.0).abs() < 0.5, "mean {mean}");
        // Uniform: a quarter of the draws in each quarter of the range.
        let low = draws.iter().filter(|&&x| x < 90.0).count() as f64 / 20_000.0;
        assert!((low - 0.25).abs() < 0.02, "share below 90 ms: {low}");
    }

    #[test]
    fn slices_are_about_ten_milliseconds_of_the_rate() {
        assert_eq!(slice_len(1_000_000.0), 10_000);
        assert_eq!(slice_len(1_000.0), 512);
        assert_eq!(slice_len(1e12), CHUNK);
    }
}
