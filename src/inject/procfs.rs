//! Reading processes from `/proc`: identity (pid + start time), state, names.
//!
//! A pid alone is not an identity: the kernel reuses pids, so every process the
//! injectors act on is a [`ProcessId`] (pid + start time), and every read here that is
//! about a known process checks the start time first.

use super::ProcessId;

/// The fields of `/proc/PID/stat` the injectors use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// The executable name as the kernel keeps it (truncated to 15 bytes).
    pub comm: String,
    /// `R` running, `S` sleeping, `D` disk sleep, `T` stopped, `Z` zombie …
    pub state: char,
    pub ppid: i32,
    /// Clock ticks since boot (field 22).
    pub start_time: u64,
}

/// Parses the text of `/proc/PID/stat`. The name is between the first `(` and the
/// *last* `)`: it may itself contain spaces and parentheses.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let comm = text[open + 1..close].to_string();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // `fields[0]` is field 3 (state), so field N is `fields[N - 3]`.
    let mut state_chars = fields.first()?.chars();
    let state = state_chars.next()?;
    if state_chars.next().is_some() {
        return None;
    }
    Some(Stat {
        comm,
        state,
        ppid: fields.get(1)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// The stat of whatever process has this pid now.
pub fn stat(pid: i32) -> Option<Stat> {
    if pid <= 0 {
        return None;
    }
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The identity of whatever process has this pid now.
pub fn identify(pid: i32) -> Option<ProcessId> {
    stat(pid).map(|s| ProcessId {
        pid,
        start_time: s.start_time,
    })
}

/// The stat of that exact process; `None` when it is gone (reaped) or its pid was reused.
pub fn stat_of(id: ProcessId) -> Option<Stat> {
    stat(id.pid).filter(|s| s.start_time == id.start_time)
}

/// The state character of that exact process; `None` when it is gone.
pub fn state_of(id: ProcessId) -> Option<char> {
    stat_of(id).map(|s| s.state)
}

/// Whether that exact process still runs: neither reaped nor a zombie.
pub fn is_alive(id: ProcessId) -> bool {
    state_of(id).is_some_and(|state| state != 'Z')
}

/// The command line of a process (empty for kernel threads and zombies).
pub fn cmdline(pid: i32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|part| !part.is_empty())
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect(),
    )
}

/// The basename of `argv[0]`: the full executable name when `comm` is truncated.
pub fn argv0_basename(pid: i32) -> Option<String> {
    let argv0 = cmdline(pid)?.into_iter().next()?;
    let base = argv0.rsplit('/').next().unwrap_or(&argv0).to_string();
    (!base.is_empty()).then_some(base)
}

/// Every pid in `/proc` now.
pub fn pids() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|pid: &i32| *pid > 0)
        .collect()
}

/// This process and its ancestors up to pid 1: the processes a fault must never touch.
pub fn self_and_ancestors() -> Vec<i32> {
    let mut chain = Vec::new();
    let mut pid = std::process::id() as i32;
    // Bounded: a pid chain cannot be longer than the number of processes, and a
    // malformed /proc must not loop forever.
    for _ in 0..4096 {
        if pid <= 0 || chain.contains(&pid) {
            break;
        }
        chain.push(pid);
        match stat(pid) {
            Some(s) => pid = s.ppid,
            None => break,
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "4242 (sleep) S 4200 4242 4200 34816 4242 4194304 96 0 0 0 0 0 0 0 20 0 1 0 987654 8339456 128 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    #[test]
    fn parses_plain_stat() {
        let s = parse_stat(PLAIN).expect("parses");
        assert_eq!(s.comm, "sleep");
        assert_eq!(s.state, 'S');
        assert_eq!(s.ppid, 4200);
        assert_eq!(s.start_time, 987654);
    }

    #[test]
    fn parses_names_with_spaces_and_parentheses() {
        let text = PLAIN.replace("(sleep)", "(my (odd) name) T 1)");
        let s = parse_stat(&text).expect("parses");
        assert_eq!(s.comm, "my (odd) name) T 1");
        assert_eq!(s.state, 'S');
        assert_eq!(s.start_time, 987654);
    }

    #[test]
    fn rejects_truncated_or_malformed_stat() {
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("4242 (sleep) S 1 2 3"), None);
        assert_eq!(parse_stat("4242 sleep S"), None);
        assert_eq!(parse_stat(")( S"), None);
        let bad_start = PLAIN.replace(" 987654 ", " x ");
        assert_eq!(parse_stat(&bad_start), None);
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id() as i32;
        let id = identify(me).expect("this process is in /proc");
        assert!(is_alive(id));
        let reused = ProcessId {
            pid: me,
            start_time: id.start_time + 1,
        };
        assert_eq!(state_of(reused), None);
        assert!(self_and_ancestors().starts_with(&[me]));
        assert!(pids().contains(&me));
    }
}
