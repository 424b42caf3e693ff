//! Progress of a run on stderr. On a terminal: event lines plus one live status line
//! (phase, elapsed of planned, active faults, probe success and latency), redrawn in
//! place. Elsewhere (CI logs): plain lines prefixed with the UTC time, and a probe
//! status line every few seconds.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the status is redrawn on a terminal, or printed as a line elsewhere.
pub const LIVE_EVERY: Duration = Duration::from_millis(250);
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing but errors (`-q`).
    Quiet,
    Plain,
    Live,
}

/// What the status line shows.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub scenario: String,
    pub phase: &'static str,
    pub elapsed: Duration,
    pub planned: Duration,
    pub active: Vec<String>,
    /// `home 100.0% ok p50 1.2ms` per probe.
    pub probes: Vec<String>,
}

pub struct Progress {
    mode: Mode,
    state: Mutex<State>,
}

struct State {
    status_drawn: bool,
    last_plain_status: Option<Instant>,
}

impl Progress {
    pub fn new(mode: Mode) -> Progress {
        Progress {
            mode,
            state: Mutex::new(State {
                status_drawn: false,
                last_plain_status: None,
            }),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// An event: a phase change, a step applied or reverted, a problem.
    pub fn event(&self, message: &str) {
        if self.mode == Mode::Quiet {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut err = std::io::stderr().lock();
        match self.mode {
            Mode::Live => {
                if state.status_drawn {
                    let _ = write!(err, "\r\x1b[2K");
                    state.status_drawn = false;
                }
                let _ = writeln!(err, "{message}");
            }
            _ => {
                let _ = writeln!(err, "{} {message}", timestamp());
            }
        }
    }

    /// The current status; drawn in place on a terminal, printed now and then elsewhere.
    pub fn status(&self, status: &Status) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let line = render(status);
        let mut err = std::io::stderr().lock();
        match self.mode {
            Mode::Quiet => {}
            Mode::Live => {
                let width = terminal_width().unwrap_or(100).max(20);
                let line: String = line.chars().take(width - 1).collect();
                let _ = write!(err, "\r\x1b[2K{line}");
                let _ = err.flush();
                state.status_drawn = true;
            }
            Mode::Plain => {
                if state
                    .last_plain_status
                    .is_none_or(|t| t.elapsed() >= PLAIN_EVERY)
                {
                    state.last_plain_status = Some(Instant::now());
                    let _ = writeln!(err, "{} {line}", timestamp());
                }
            }
        }
    }

    /// Clears the live line before the final output.
    pub fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.mode == Mode::Live && state.status_drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            state.status_drawn = false;
        }
    }
}

fn render(s: &Status) -> String {
    let mut line = format!(
        "[{}] {} {:.1}s/{:.1}s",
        s.scenario,
        s.phase,
        s.elapsed.as_secs_f64(),
        s.planned.as_secs_f64()
    );
    if !s.active.is_empty() {
        line.push_str(" | faults: ");
        line.push_str(&s.active.join(", "));
    }
    if !s.probes.is_empty() {
        line.push_str(" | ");
        line.push_str(&s.probes.join(", "));
    }
    line
}

fn timestamp() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

fn terminal_width() -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes a `winsize` into the pointer we pass.
    let rc = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_phase_faults_and_probes() {
        let s = Status {
            scenario: "web".into(),
            phase: "chaos",
            elapsed: Duration::from_millis(12_300),
            planned: Duration::from_secs(35),
            active: vec!["cpu_hog".into()],
            probes: vec!["home 100.0% ok p50 1.2ms".into()],
        };
        assert_eq!(
            render(&s),
            "[web] chaos 12.3s/35.0s | faults: cpu_hog | home 100.0% ok p50 1.2ms"
        );
    }
}
