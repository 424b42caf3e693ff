//! Files chaosc writes into a report folder. A report folder may sit where others can
//! write (`/tmp`), so nothing here follows a symbolic link planted in it: a link at the
//! name is refused (`O_NOFOLLOW`), and a file chaosc makes fresh is created, never
//! opened if it exists.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `path`, which must not exist yet (a planted file or link makes this fail),
/// readable by everyone and writable by its owner (`0644` before the umask).
pub fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(no_follow())
        .mode(0o644)
        .open(path)
}

/// Opens `path` for appending, creating it with `mode` if needed; a symbolic link at
/// that name is refused.
pub fn append(path: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(no_follow())
        .mode(mode)
        .open(path)
}

/// Makes `dir` (and its parents) and takes write permission away from the group and
/// others on `dir` itself, whatever the umask: a journal in a folder that others can
/// write is not one a later run may trust.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it is not a folder",
        ));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & !0o022))?;
    }
    Ok(())
}

/// `O_NOFOLLOW`, for `OpenOptionsExt::custom_flags`: every file chaosc opens where
/// someone else may have planted a link goes through this.
pub fn no_follow() -> i32 {
    nix::fcntl::OFlag::O_NOFOLLOW.bits()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = dir.path().join("service.log");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        assert!(create_new(&planted).is_err());
        assert!(append(&planted, 0o600).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn a_private_dir_is_not_writable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("a/b");
        create_private_dir(&made).unwrap();
        std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o777)).unwrap();
        create_private_dir(&made).unwrap();
        let mode = std::fs::metadata(&made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o022, 0, "{mode:o}");
    }
}
