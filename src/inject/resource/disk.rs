//! `disk_stress`: `workers` processes, each rewriting its own file of `size` bytes in
//! [`CHUNK`] writes, forever, with an `fsync` after every pass when `sync` is set. The
//! files live in a folder created for the step (`chaosc-RUN-STEP`) in `path` or the
//! temporary folder, removed when the fault ends.
//!
//! Each worker reports `written BYTES` and `synced BYTES` lines on stdout (at most every
//! [`REPORT_EVERY`] and after every fsync); the injector keeps the last values. Counted
//! by the worker, these are bytes the kernel accepted (`write` returned) and bytes an
//! `fsync` confirmed. On tmpfs nothing reaches a disk, whatever `fsync` says; the
//! evidence says when the folder is on tmpfs.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::workers::Ended;
use crate::inject::evidence::{DiskStress, Evidence, Measurements};
use crate::inject::InjectError;
use crate::shared::Bytes;

/// One `write` call.
pub const CHUNK: usize = 1 << 20;

/// How often a worker reports its counters at most (and after every fsync).
pub const REPORT_EVERY: Duration = Duration::from_millis(50);

/// A file inside the folder that says chaosc made it; a revert removes a folder only
/// when it is there (or when the folder is empty).
pub const MARKER: &str = "CHAOSC_DISK_STRESS";

/// The folder for a step: `chaosc-RUN-STEP`, with anything but `[A-Za-z0-9._-]`
/// replaced by `_`.
pub fn folder_name(run_id: &str, step: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("chaosc-{}-{}", clean(run_id), clean(step))
}

/// Free space to leave on the file system: 5% of it, at least 16 MiB.
pub fn margin(fs_bytes: u64) -> u64 {
    (16 << 20).max(fs_bytes / 20)
}

/// Checks that `parent` is a writable folder with room for `workers × size` bytes and
/// that the step's folder does not exist yet.
pub fn preflight(parent: &Path, folder: &Path, workers: u32, size: u64) -> Result<(), InjectError> {
    let shown = parent.display();
    let meta = std::fs::metadata(parent).map_err(|e| {
        InjectError::new(format!("`disk_stress` cannot use `{shown}`: {e}")).with_help(
            "set `path:` to an existing folder, or leave it out to use the temporary folder",
        )
    })?;
    if !meta.is_dir() {
        return Err(
            InjectError::new(format!("`disk_stress` path `{shown}` is not a folder"))
                .with_help("`path:` names the folder in which the stress files are written"),
        );
    }
    let access = nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK;
    if nix::unistd::access(parent, access).is_err() {
        return Err(
            InjectError::new(format!("`disk_stress` cannot write in `{shown}`"))
                .with_help("choose a folder this user can write, with `path:`"),
        );
    }
    if folder.exists() {
        return Err(InjectError::new(format!(
            "`disk_stress` folder `{}` already exists",
            folder.display()
        ))
        .with_help("a previous run with this run id left it; remove it, or run `chaosc recover` on that run"));
    }
    let vfs = nix::sys::statvfs::statvfs(parent).map_err(|e| {
        InjectError::new(format!("cannot measure the free space of `{shown}`: {e}"))
    })?;
    let frsize = vfs.fragment_size() as u64;
    let free = (vfs.blocks_available() as u64).saturating_mul(frsize);
    let total = (vfs.blocks() as u64).saturating_mul(frsize);
    let needed = u64::from(workers).saturating_mul(size);
    let room = free.saturating_sub(margin(total));
    if needed > room {
        return Err(InjectError::new(format!(
            "`disk_stress` needs {} in `{shown}` but only {} can be used there",
            Bytes(needed),
            Bytes(room),
        ))
        .with_help(format!(
            "{} is free and {} must stay free; use a smaller `size:`, fewer `workers:`, or another `path:`",
            Bytes(free),
            Bytes(margin(total))
        )));
    }
    Ok(())
}

/// Creates the step's folder and its marker.
pub fn create_folder(folder: &Path) -> Result<(), InjectError> {
    std::fs::create_dir(folder)
        .and_then(|()| std::fs::write(folder.join(MARKER), b"made by chaosc disk_stress\n"))
        .map_err(|e| {
            let _ = std::fs::remove_dir(folder);
            InjectError::new(format!("cannot create `{}`: {e}", folder.display()))
        })
}

/// Removes the step's folder if chaosc made it; nothing to do when it is gone.
pub fn remove_folder(folder: &Path) -> Result<(), InjectError> {
    if !folder.exists() {
        return Ok(());
    }
    let result = if folder.join(MARKER).exists() {
        std::fs::remove_dir_all(folder)
    } else {
        // No marker: only an empty folder (created, then the run died) is ours to remove.
        std::fs::remove_dir(folder)
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(InjectError::new(format!(
            "cannot remove the `disk_stress` folder `{}`: {e}",
            folder.display()
        ))
        .with_help("remove it by hand once you have checked what is in it")),
    }
}

/// Whether `path` is on tmpfs (memory, not a disk).
pub fn on_tmpfs(path: &Path) -> bool {
    nix::sys::statfs::statfs(path)
        .map(|s| s.filesystem_type() == nix::sys::statfs::TMPFS_MAGIC)
        .unwrap_or(false)
}

/// Bytes that are not all zero and not all alike, so no file system can store them as
/// a hole or compress them away.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Worker side: rewrites `file` (`size` bytes) until killed.
pub fn run(file: &Path, size: u64, sync: bool) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(file)
        .map_err(|e| format!("cannot create `{}`: {e}", file.display()))?;
    let buf = pattern(CHUNK, u64::from(std::process::id()));
    let mut out = std::io::stdout();
    let (mut written, mut synced) = (0u64, 0u64);
    let mut reported = Instant::now();
    let mut report = |written: u64, synced: u64| {
        let _ = writeln!(out, "written {written}\nsynced {synced}").and_then(|()| out.flush());
    };
    if size == 0 {
        report(0, 0);
        loop {
            std::thread::park();
        }
    }
    loop {
        f.seek(SeekFrom::Start(0))
            .map_err(|e| format!("cannot seek in `{}`: {e}", file.display()))?;
        let mut left = size;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            f.write_all(&buf[..n])
                .map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
            written += n as u64;
            left -= n as u64;
            if reported.elapsed() >= REPORT_EVERY {
                report(written, synced);
                reported = Instant::now();
            }
        }
        if sync {
            f.sync_all()
                .map_err(|e| format!("cannot fsync `{}`: {e}", file.display()))?;
            synced += size;
        }
        report(written, synced);
        reported = Instant::now();
    }
}

/// The files of the workers: `worker-N.dat`.
pub fn worker_file(folder: &Path, index: u32) -> PathBuf {
    folder.join(format!("worker-{index}.dat"))
}

/// Bytes written (and synced when `sync`) over the fault: it counts when any were.
pub fn evidence(ended: &[Ended], seconds: f64, sync: bool, tmpfs: bool) -> Evidence {
    let sum = |key: &str| -> u64 { ended.iter().filter_map(|e| e.counters.get(key)).sum() };
    let (written, synced) = (sum("written"), sum("synced"));
    let took_effect = !ended.is_empty()
        && written > 0
        && (!sync || synced > 0)
        && ended.iter().all(|e| e.early_exit.is_none());
    let rate = if seconds > 0.0 {
        written as f64 / seconds
    } else {
        0.0
    };
    let mut summary = format!(
        "{} worker{} wrote {} ({}/s) in {seconds:.2} s",
        ended.len(),
        if ended.len() == 1 { "" } else { "s" },
        Bytes(written),
        Bytes(rate as u64),
    );
    if sync {
        summary.push_str(&format!(", {} confirmed by fsync", Bytes(synced)));
    }
    if tmpfs {
        summary.push_str(" (on tmpfs: memory, not a disk)");
    }
    for e in ended {
        if let Some(how) = &e.early_exit {
            summary.push_str(&format!("; worker {} {how}", e.pid));
        }
    }
    let measurements = Measurements::DiskStress(DiskStress {
        bytes_written: written,
        bytes_synced: synced,
        bytes_per_second: rate,
        wall_seconds: seconds,
        workers: ended.len() as u64,
        container: None,
    });
    Evidence {
        took_effect,
        summary,
        measurements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(
            folder_name("20261126T2033Z-1a2b", "disk_stress#1"),
            "chaosc-20261126T2033Z-1a2b-disk_stress_1"
        );
        assert_eq!(folder_name("r", "../../etc"), "chaosc-r-.._.._etc");
        assert!(!folder_name("a/b", "c d").contains(['/', ' ']));
    }

    #[test]
    fn preflight_refuses_what_cannot_work() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("x");
        assert!(preflight(dir.path(), &folder, 1, 1 << 20).is_ok());
        let err = preflight(&dir.path().join("missing"), &folder, 1, 1).unwrap_err();
        assert!(err.message.contains("cannot use"), "{}", err.message);
        let file = dir.path().join("f");
        std::fs::write(&file, b"").unwrap();
        let err = preflight(&file, &folder, 1, 1).unwrap_err();
        assert!(err.message.contains("is not a folder"), "{}", err.message);
        let err = preflight(dir.path(), &folder, 2, u64::MAX / 2).unwrap_err();
        assert!(err.message.contains("needs"), "{}", err.message);
        std::fs::create_dir(&folder).unwrap();
        let err = preflight(dir.path(), &folder, 1, 1).unwrap_err();
        assert!(err.message.contains("already exists"), "{}", err.message);
    }

    #[test]
    fn only_folders_chaosc_made_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours");
        create_folder(&ours).unwrap();
        std::fs::write(worker_file(&ours, 0), b"data").unwrap();
        remove_folder(&ours).unwrap();
        assert!(!ours.exists());
        remove_folder(&ours).unwrap();

        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("precious"), b"data").unwrap();
        assert!(remove_folder(&theirs).is_err());
        assert!(theirs.join("precious").exists());
        std::fs::remove_file(theirs.join("precious")).unwrap();
        remove_folder(&theirs).unwrap();
        assert!(!theirs.exists());
    }

    #[test]
    fn the_pattern_is_not_uniform() {
        let p = pattern(4096, 7);
        assert!(p.iter().any(|b| *b != p[0]));
    }
}
