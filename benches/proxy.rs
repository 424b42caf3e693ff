//! The fault proxy on loopback, compared in the same run with `socat` (Debian's, if
//! installed) and with no proxy at all:
//!
//! 1. throughput with no fault (one connection, bulk one way);
//! 2. the latency it adds with no fault (1-byte round trips);
//! 3. the accuracy of an injected 200 ms latency (as the clients measure it, and as
//!    the proxy's evidence reports it);
//! 4. memory per open connection (RSS of a proxy in a child process).
//!
//! `cargo bench --bench proxy` (plain harness). Knobs: `CHAOSC_BENCH_GB` (bytes per
//! throughput run, default 4), `CHAOSC_BENCH_RTTS` (round trips, default 20000),
//! `CHAOSC_BENCH_CONNS` (connections for the memory run, default 2000).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chaosc::inject::network::proxy::Proxy;
use chaosc::inject::{self, Context};
use chaosc::plan::{Direction, Fault, SourceSpan, Step, Target, Text};

fn knob(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Ok(spec) = std::env::var("CHAOSC_BENCH_PROXY_CHILD") {
        return child(&spec);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return eprintln!("no tokio runtime: {e}"),
    };
    let socat = which("socat");
    if socat.is_none() {
        println!("socat: not installed (apt-get install socat); only our numbers are reported");
    }
    println!(
        "machine: {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let only = std::env::var("CHAOSC_BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only.split(',').any(|p| p == name);
    // 1. Throughput.
    let bytes = (knob("CHAOSC_BENCH_GB", 4.0) * 1e9) as u64;
    let sink = sink_server();
    if part("throughput") {
        println!(
            "\nthroughput, one connection, {:.1} GB one way, no fault:",
            bytes as f64 / 1e9
        );
        let direct = throughput(sink, bytes);
        println!("  direct          {:>8.2} GB/s", direct / 1e9);
        if let Some(proxy) = start_proxy(&rt, sink, 1) {
            let ours = throughput(proxy.listen, bytes);
            println!("  chaosc proxy    {:>8.2} GB/s", ours / 1e9);
            if let Some(s) = &socat {
                if let Some(mut child) = start_socat(s, sink) {
                    let theirs = throughput(child.addr, bytes);
                    println!(
                        "  socat           {:>8.2} GB/s   (chaosc / socat = {:.2})",
                        theirs / 1e9,
                        ours / theirs
                    );
                    child.stop();
                }
            }
            rt.block_on(proxy.stop());
        }
    }

    // 2. Added latency.
    let rtts = knob("CHAOSC_BENCH_RTTS", 20_000.0) as usize;
    let echo = echo_server();
    if part("latency") {
        println!("\nround trips of 1 byte, {rtts} of them, no fault (µs):");
        let direct = round_trips(echo, rtts);
        report("direct", &direct, None);
        if let Some(proxy) = start_proxy(&rt, echo, 2) {
            let ours = round_trips(proxy.listen, rtts);
            report("chaosc proxy", &ours, Some(&direct));
            if let Some(s) = &socat {
                if let Some(mut child) = start_socat(s, echo) {
                    let theirs = round_trips(child.addr, rtts);
                    report("socat", &theirs, Some(&direct));
                    child.stop();
                }
            }
            rt.block_on(proxy.stop());
        }
    }

    // 3. Accuracy of a 200 ms latency.
    if !part("accuracy") {
    } else if let Some(proxy) = start_proxy(&rt, echo, 3) {
        accuracy(&proxy, echo);
        rt.block_on(proxy.stop());
    }

    // 4. Memory per connection.
    if part("memory") {
        memory(echo, knob("CHAOSC_BENCH_CONNS", 2000.0) as usize);
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

fn start_proxy(
    rt: &tokio::runtime::Runtime,
    upstream: SocketAddr,
    seed: u64,
) -> Option<Arc<Proxy>> {
    let listen: SocketAddr = ([127, 0, 0, 1], 0).into();
    match rt.block_on(Proxy::start(listen, upstream.to_string(), seed)) {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            eprintln!("the proxy cannot start: {e}");
            None
        }
    }
}

/// A server that reads and discards everything, one thread per connection.
fn sink_server() -> SocketAddr {
    serve(|mut conn| {
        let mut buf = vec![0u8; 256 * 1024];
        while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
    })
}

/// A server that echoes, one thread per connection.
fn echo_server() -> SocketAddr {
    serve(|mut conn| {
        let _ = conn.set_nodelay(true);
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = conn.read(&mut buf) {
            if n == 0 || conn.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    })
}

fn serve(handle: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the bench server");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || handle(conn));
        }
    });
    addr
}

/// Bytes per second written through `addr` on one connection.
fn throughput(addr: SocketAddr, bytes: u64) -> f64 {
    let Ok(mut conn) = TcpStream::connect(addr) else {
        return 0.0;
    };
    let block = vec![0x5au8; 256 * 1024];
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < bytes {
        if conn.write_all(&block).is_err() {
            break;
        }
        sent += block.len() as u64;
    }
    // Wait until the sink has read everything: close, then the proxy's FIN comes back
    // once its copy is done.
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let mut rest = [0u8; 1];
    let _ = conn.read(&mut rest);
    sent as f64 / start.elapsed().as_secs_f64()
}

fn round_trips(addr: SocketAddr, n: usize) -> Vec<Duration> {
    let Ok(mut conn) = TcpStream::connect(addr) else {
        return Vec::new();
    };
    let _ = conn.set_nodelay(true);
    let mut out = Vec::with_capacity(n);
    let mut b = [0u8; 1];
    for i in 0..n + 100 {
        let start = Instant::now();
        if conn.write_all(b"x").is_err() || conn.read_exact(&mut b).is_err() {
            break;
        }
        // The first 100 warm up.
        if i >= 100 {
            out.push(start.elapsed());
        }
    }
    out.sort();
    out
}

fn pct(v: &[Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)].as_secs_f64() * 1e6
}

fn report(name: &str, v: &[Duration], base: Option<&[Duration]>) {
    let line = format!(
        "  {name:<14}  p50 {:>7.1}  p90 {:>7.1}  p99 {:>7.1}  max {:>8.1}",
        pct(v, 50.0),
        pct(v, 90.0),
        pct(v, 99.0),
        pct(v, 100.0)
    );
    match base {
        None => println!("{line}"),
        Some(b) => println!(
            "{line}   added: p50 {:.1}  p99 {:.1}",
            pct(v, 50.0) - pct(b, 50.0),
            pct(v, 99.0) - pct(b, 99.0)
        ),
    }
}

/// A 200 ms upstream latency: each round trip should take 200 ms longer, exactly.
fn accuracy(proxy: &Arc<Proxy>, _echo: SocketAddr) {
    let conns = knob("CHAOSC_BENCH_ACC_CONNS", 50.0) as usize;
    let each = knob("CHAOSC_BENCH_ACC_EACH", 10.0) as usize;
    let ctx = Context::default();
    ctx.proxies.insert(Arc::clone(proxy));
    let mut clients: Vec<TcpStream> = (0..conns)
        .filter_map(|_| TcpStream::connect(proxy.listen).ok())
        .collect();
    let mut base = Vec::new();
    for c in &mut clients {
        let _ = c.set_nodelay(true);
        let start = Instant::now();
        let mut b = [0u8; 1];
        if c.write_all(b"a").is_ok() && c.read_exact(&mut b).is_ok() {
            base.push(start.elapsed());
        }
    }
    base.sort();
    let base_p50 = pct(&base, 50.0) / 1000.0;
    let step = Step {
        name: "latency#1".into(),
        fault: Fault::Latency {
            delay_ms: 200.0,
            jitter_ms: 0.0,
            direction: Direction::Upstream,
        },
        target: Target::Proxy {
            doc: None,
            name: None,
            listen: Text::Literal(proxy.listen.to_string()),
            upstream: Text::Literal(proxy.upstream().to_string()),
        },
        start_ms: 0,
        duration_ms: Some(1),
        sustained: true,
        destructive: false,
        capabilities: Vec::new(),
        span: SourceSpan {
            file: String::new(),
            line: 1,
            column: 1,
            start: 0,
            end: 0,
        },
    };
    let active = match inject::prepare(&step, &ctx).and_then(|p| p.apply()) {
        Ok(a) => a,
        Err(e) => return eprintln!("the latency fault cannot apply: {e}"),
    };
    let threads: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                let mut b = [0u8; 1];
                for _ in 0..each {
                    let start = Instant::now();
                    if c.write_all(b"a").is_err() || c.read_exact(&mut b).is_err() {
                        break;
                    }
                    out.push(start.elapsed());
                }
                out
            })
        })
        .collect();
    let mut errors: Vec<f64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap_or_default())
        .map(|d| d.as_secs_f64() * 1000.0 - 200.0 - base_p50)
        .collect();
    let evidence = match active.finish() {
        Ok(e) => e,
        Err(e) => return eprintln!("the latency fault cannot revert: {e}"),
    };
    errors.sort_by(f64::total_cmp);
    let q = |p: f64| errors[((p / 100.0) * (errors.len() - 1) as f64).round() as usize];
    let abs_p99 = {
        let mut a: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
        a.sort_by(f64::total_cmp);
        a[((0.99) * (a.len() - 1) as f64).round() as usize]
    };
    println!(
        "\naccuracy of latency(delay: 200ms, direction: upstream), {} round trips on {conns} connections:",
        errors.len()
    );
    println!(
        "  clients: round trip − 200 ms − baseline p50 ({base_p50:.3} ms), ms: min {:.3}  p50 {:.3}  p99 {:.3}  max {:.3}  |error| p99 {abs_p99:.3}",
        q(0.0),
        q(50.0),
        q(99.0),
        q(100.0)
    );
    let m = |k: &str| evidence.measurements.get(k).unwrap_or(f64::NAN);
    println!(
        "  proxy evidence: added delay mean {:.3} ms, p50 {:.3}, p99 {:.3}, max {:.3} ({} chunks); later than planned: p50 {:.3} ms, p99 {:.3} ms",
        m("added_delay_mean_ms"),
        m("added_delay_p50_ms"),
        m("added_delay_p99_ms"),
        m("added_delay_max_ms"),
        m("delayed_chunks"),
        m("late_p50_ms"),
        m("late_p99_ms")
    );
}

/// A proxy in a child process, so that its RSS is its own.
fn memory(echo: SocketAddr, n: usize) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(_) => return,
    };
    let listen: SocketAddr = ([127, 0, 0, 1], port).into();
    let Ok(child) = Command::new(exe)
        .env("CHAOSC_BENCH_PROXY_CHILD", format!("{listen},{echo}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
    else {
        return eprintln!("cannot start the proxy child");
    };
    let mut child = Reaped(child);
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(listen).is_err() {
        if Instant::now() > deadline {
            return eprintln!("the proxy child does not listen");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let before = rss(child.0.id());
    let mut conns: Vec<TcpStream> = Vec::with_capacity(n);
    for _ in 0..n {
        match TcpStream::connect(listen) {
            Ok(c) => conns.push(c),
            Err(e) => {
                eprintln!("connection {}: {e}", conns.len());
                break;
            }
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let idle = rss(child.0.id());
    let mut b = [0u8; 1];
    for c in &mut conns {
        let _ = c.write_all(b"m");
        let _ = c.read_exact(&mut b);
    }
    std::thread::sleep(Duration::from_millis(500));
    let used = rss(child.0.id());
    let k = conns.len() as f64;
    println!(
        "\nmemory of a proxy process with {} open connections (RSS, KiB):",
        conns.len()
    );
    println!(
        "  before {before}  idle connections {idle}  after one round trip each {used}  →  {:.1} KiB per connection idle, {:.1} after traffic",
        (idle.saturating_sub(before)) as f64 / k,
        (used.saturating_sub(before)) as f64 / k
    );
    drop(conns);
    let _ = child.0.kill();
}

struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The child: a proxy on `LISTEN,UPSTREAM` until its stdin closes.
fn child(spec: &str) {
    let Some((listen, upstream)) = spec.split_once(',') else {
        return;
    };
    let Ok(listen) = listen.parse::<SocketAddr>() else {
        return;
    };
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        return;
    };
    let Ok(_proxy) = rt.block_on(Proxy::start(listen, upstream.to_string(), 1)) else {
        return;
    };
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// `socat TCP-LISTEN:PORT,reuseaddr,fork TCP:UPSTREAM`, default options otherwise.
struct Socat {
    child: Child,
    addr: SocketAddr,
}

impl Socat {
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start_socat(program: &std::path::Path, upstream: SocketAddr) -> Option<Socat> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let child = Command::new(program)
        .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"))
        .arg(format!("TCP:{upstream}"))
        .stdin(Stdio::null())
        .spawn()
        .ok()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut s = Socat { child, addr };
    let deadline = Instant::now() + Duration::from_secs(5);
    // socat listens shortly after it starts; a probe connection is forwarded and closed.
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            s.stop();
            eprintln!("socat does not listen");
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Some(s)
}
