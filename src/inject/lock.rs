//! Locks on fault targets, so that two runs never hold faults on the same thing: a
//! second run that paused a process the first one holds would resume it early at its
//! own revert. A lock is an `flock` on a file named after the target in a folder of
//! this host ([`dir`]), held by the runner from the apply to the revert of a fault
//! and released by the kernel whenever the runner ends, even by SIGKILL. The file says
//! which run holds it, so a refusal can name it. Several faults of one run on one
//! target share the run's lock.
//!
//! Targets: processes by pid and start time, containers by id, interfaces by network
//! namespace and name, proxies by listen address (see `Prepared::lock_keys`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use nix::fcntl::{Flock, FlockArg};

use super::InjectError;

/// Who holds a lock, written into its file.
#[derive(Debug, Clone)]
pub struct Holder {
    pub run_id: String,
    pub report_dir: PathBuf,
}

/// The folder of lock files: `CHAOSC_LOCK_DIR` if set; `/run/chaosc/locks` for root;
/// else `$XDG_RUNTIME_DIR/chaosc/locks`, else `/tmp/chaosc-UID/locks`.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHAOSC_LOCK_DIR") {
        return PathBuf::from(dir);
    }
    let euid = nix::unistd::geteuid();
    if euid.is_root() {
        return PathBuf::from("/run/chaosc/locks");
    }
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(run) => PathBuf::from(run).join("chaosc/locks"),
        None => std::env::temp_dir().join(format!("chaosc-{euid}/locks")),
    }
}

/// The file name of a lock key: letters, digits, `-`, `_` and `.`, the rest as `_`.
fn file_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Locks this process holds, by key: the open, locked file and how many faults use it.
type Held = Mutex<HashMap<String, (Flock<File>, usize)>>;

fn held() -> &'static Held {
    static HELD: OnceLock<Held> = OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// The locks of one fault; released when dropped.
#[derive(Debug)]
pub struct Guard {
    keys: Vec<String>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut held = held().lock().unwrap_or_else(|p| p.into_inner());
        for key in &self.keys {
            if let Some((_, count)) = held.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    // Closing the file releases the flock.
                    held.remove(key);
                }
            }
        }
    }
}

/// Takes every lock of `keys` for `holder`, or none: `Err` names the run that holds
/// one of them.
pub fn acquire(keys: &[String], holder: &Holder) -> Result<Guard, InjectError> {
    let mut guard = Guard { keys: Vec::new() };
    let mut held = held().lock().unwrap_or_else(|p| p.into_inner());
    for key in keys {
        if let Some((_, count)) = held.get_mut(key) {
            *count += 1;
            guard.keys.push(key.clone());
            continue;
        }
        let locked = try_lock(key)?;
        let mut locked = locked.map_err(|holder_text| refusal(key, &holder_text))?;
        let text = format!(
            "run {}\nreport folder {}\npid {}\n",
            holder.run_id,
            holder.report_dir.display(),
            std::process::id()
        );
        let _ = locked.set_len(0);
        let _ = locked.rewind();
        let _ = locked.write_all(text.as_bytes());
        held.insert(key.clone(), (locked, 1));
        guard.keys.push(key.clone());
    }
    drop(held);
    Ok(guard)
}

/// `Ok` when nobody holds any lock of `keys` now (preflight); this process's own
/// locks do not count.
pub fn check(keys: &[String]) -> Result<(), InjectError> {
    let held = held().lock().unwrap_or_else(|p| p.into_inner());
    for key in keys.iter().filter(|k| !held.contains_key(*k)) {
        try_lock(key)?.map_err(|holder_text| refusal(key, &holder_text))?;
    }
    Ok(())
}

fn refusal(key: &str, holder_text: &str) -> InjectError {
    let who: Vec<&str> = holder_text.lines().collect();
    InjectError::new(format!(
        "`{key}` is held by another chaosc run ({})",
        if who.is_empty() {
            "that has not said which yet".to_string()
        } else {
            who.join(", ")
        }
    ))
    .with_help("wait until that run ends, or stop it; two runs never hold faults on one target")
}

/// Opens and locks the file of `key` without waiting. `Ok(Err(text))` when another
/// process holds it, with what its file says.
fn try_lock(key: &str) -> Result<Result<Flock<File>, String>, InjectError> {
    let folder = dir();
    make_private(&folder)?;
    let path = folder.join(file_name(key));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .custom_flags(super::files::no_follow())
        .open(&path)
        .map_err(|e| InjectError::new(format!("cannot open the lock `{}`: {e}", path.display())))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(locked) => Ok(Ok(locked)),
        Err((mut file, nix::errno::Errno::EWOULDBLOCK)) => {
            let mut text = String::new();
            let _ = (&mut file).take(4096).read_to_string(&mut text);
            Ok(Err(text))
        }
        Err((_, errno)) => Err(InjectError::new(format!(
            "cannot lock `{}`: {}",
            path.display(),
            errno.desc().to_lowercase()
        ))),
    }
}

/// Makes the lock folder, owned by this user and not writable by others (a lock file
/// that someone else could replace would let them block or fake a run).
fn make_private(folder: &std::path::Path) -> Result<(), InjectError> {
    let fail = |why: String| {
        InjectError::new(format!(
            "cannot use the lock folder `{}`: {why}",
            folder.display()
        ))
        .with_help("set `CHAOSC_LOCK_DIR` to a folder of yours that others cannot write")
    };
    std::fs::create_dir_all(folder).map_err(|e| fail(e.to_string()))?;
    let meta = std::fs::symlink_metadata(folder).map_err(|e| fail(e.to_string()))?;
    let euid = nix::unistd::geteuid().as_raw();
    if !meta.is_dir() || (meta.uid() != euid && meta.uid() != 0) {
        return Err(fail(format!("it is not a folder of uid {euid} or root")));
    }
    if meta.mode() & 0o022 != 0 {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_shares_its_lock_and_releases_it_with_the_last_fault() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("CHAOSC_LOCK_DIR", dir.path());
        let holder = Holder {
            run_id: "r1".into(),
            report_dir: "/reports/r1".into(),
        };
        let key = format!("process-{}-1", fastrand::u32(..));
        let a = acquire(std::slice::from_ref(&key), &holder).unwrap();
        let b = acquire(std::slice::from_ref(&key), &holder).unwrap();
        check(std::slice::from_ref(&key)).unwrap();
        drop(a);
        assert!(held().lock().unwrap().contains_key(&key));
        drop(b);
        assert!(!held().lock().unwrap().contains_key(&key));
        let text = std::fs::read_to_string(dir.path().join(file_name(&key))).unwrap();
        assert!(text.contains("run r1"), "{text}");
    }
}
