//! Whether a journal may be acted on. Reverting a journal runs what it says (an `exec`
//! revert is a command; others signal processes, delete qdiscs or remove folders), as
//! the user running chaosc, often root. So a journal is only read for reverting when
//! chaosc could have written it for this user: the folder and the file belong to this
//! user (or to root), neither is writable by anyone else, the file is a regular file
//! reached without following a link, and it starts like a chaosc journal (an `open`
//! entry naming the run and its runner).

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use super::{parse, State, FILE_NAME};

/// A journal larger than this was not written by a run (a run journals a few lines
/// per fault).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A journal read without trusting it yet.
#[derive(Debug)]
pub struct Inspected {
    pub state: State,
    /// Why it must not be acted on, if it must not.
    pub distrust: Option<String>,
}

/// Reads the journal in `dir` after checking that it can be trusted; `Err` says why
/// not, in words that fit after "cannot trust `DIR`: ".
pub fn read_trusted(dir: &Path) -> Result<State, String> {
    let inspected = inspect(dir)?;
    match inspected.distrust {
        Some(why) => Err(why),
        None => Ok(inspected.state),
    }
}

/// Reads the journal in `dir` safely whoever wrote it (no link followed, no fifo waited
/// on, bounded in size) and says whether it can be trusted. `Err` when it cannot be
/// read at all.
pub fn inspect(dir: &Path) -> Result<Inspected, String> {
    let euid = nix::unistd::geteuid().as_raw();
    let folder = std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
    if !folder.is_dir() {
        return Err("it is not a folder".into());
    }
    let mut distrust = owned_and_private("the folder", &folder, euid).err();
    let path = dir.join(FILE_NAME);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(crate::inject::files::no_follow() | nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(&path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == nix::libc::ELOOP => "its journal is a symbolic link".to_string(),
            _ => format!("cannot open its journal: {e}"),
        })?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("its journal is not a regular file".into());
    }
    distrust = distrust.or(owned_and_private("its journal", &meta, euid).err());
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "its journal is {} bytes, more than a run writes",
            meta.len()
        ));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| format!("cannot read its journal: {e}"))?;
    let state = parse(&text).map_err(|(line, e)| format!("line {line} of its journal: {e}"))?;
    if state.run_id.is_none() || state.runner.is_none() {
        distrust = distrust.or(Some(
            "its journal has no `open` entry: chaosc did not write it".into(),
        ));
    }
    Ok(Inspected { state, distrust })
}

fn owned_and_private(what: &str, meta: &std::fs::Metadata, euid: u32) -> Result<(), String> {
    let uid = meta.uid();
    if uid != euid && uid != 0 {
        return Err(format!(
            "{what} belongs to uid {uid}, not to this user (uid {euid}) or root"
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(format!("{what} is writable by others (mode {mode:04o})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const OPEN: &str = r#"{"event":"open","run_id":"r","runner":{"pid":999999,"start_time":1},"at":"2026-01-01T00:00:00Z"}"#;

    fn folder(journal: &str, dir_mode: u32, file_mode: u32) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, journal).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(dir_mode)).unwrap();
        dir
    }

    #[test]
    fn a_private_chaosc_journal_is_trusted() {
        let dir = folder(&format!("{OPEN}\n"), 0o755, 0o600);
        let state = read_trusted(dir.path()).unwrap();
        assert_eq!(state.run_id.as_deref(), Some("r"));
    }

    #[test]
    fn writable_by_others_is_refused() {
        let dir = folder(&format!("{OPEN}\n"), 0o777, 0o600);
        let e = read_trusted(dir.path()).unwrap_err();
        assert!(
            e.contains("the folder is writable by others (mode 0777)"),
            "{e}"
        );
        let dir = folder(&format!("{OPEN}\n"), 0o755, 0o666);
        let e = read_trusted(dir.path()).unwrap_err();
        assert!(e.contains("its journal is writable by others"), "{e}");
    }

    #[test]
    fn a_journal_without_open_entry_or_behind_a_link_is_refused() {
        let dir = folder("", 0o755, 0o600);
        assert!(read_trusted(dir.path())
            .unwrap_err()
            .contains("no `open` entry"));
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, format!("{OPEN}\n")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(FILE_NAME)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(read_trusted(dir.path())
            .unwrap_err()
            .contains("symbolic link"));
    }
}
