//! Finding `*.chaos` files and reading them: the file-system side of the command line.

use crate::check::Loader;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Reads imported files from the file system for the checker.
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> io::Result<String> {
        read_text(path)
    }
}

/// A path that could not be read or listed, and why.
#[derive(Debug)]
pub struct IoProblem {
    pub path: PathBuf,
    pub error: io::Error,
}

impl IoProblem {
    /// `cannot read `PATH`: reason`.
    pub fn message(&self) -> String {
        format!(
            "cannot read `{}`: {}",
            self.path.display(),
            reason(&self.error)
        )
    }
}

/// The files the paths given on the command line stand for: a file is itself (whatever
/// its extension), a directory is every `*.chaos` file below it, sorted, skipping
/// `target/` and hidden directories. No path means the current directory.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<IoProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let current = [PathBuf::from(".")];
    let roots = if paths.is_empty() {
        &current[..]
    } else {
        paths
    };
    for root in roots {
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                walk(root, display_base(root), &mut found, &mut problems);
                found.sort();
                files.extend(found);
            }
            Ok(_) => files.push(root.clone()),
            Err(error) => problems.push(IoProblem {
                path: root.clone(),
                error,
            }),
        }
    }
    // A file named twice (`chaosc check a.chaos .`) is processed once, where it first appears.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    (files, problems)
}

/// How to name the files below `root`: no `./` prefix for the current directory.
fn display_base(root: &Path) -> Option<&Path> {
    (root != Path::new(".")).then_some(root)
}

fn walk(dir: &Path, base: Option<&Path>, found: &mut Vec<PathBuf>, problems: &mut Vec<IoProblem>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(IoProblem {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(IoProblem {
                    path: dir.to_path_buf(),
                    error,
                });
                continue;
            }
        };
        let name = entry.file_name();
        let path = match base {
            Some(base) => base.join(&name),
            None => PathBuf::from(&name),
        };
        // Symbolic links are followed for files but not for directories (no cycles).
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let hidden = name.to_str().is_some_and(|n| n.starts_with('.'));
            if !hidden && name != "target" {
                walk(&path, Some(&path), found, problems);
            }
        } else if path.extension().is_some_and(|e| e == "chaos")
            && (kind.is_file() || (kind.is_symlink() && path.is_file()))
        {
            found.push(path);
        }
    }
}

/// Files larger than this are not read: no program or legacy configuration comes near,
/// and a device such as `/dev/zero` must not grow the process without end.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The text of a source file: a regular file (not a directory, named pipe, device or
/// socket, which could hang or never end), at most [`MAX_FILE_BYTES`], UTF-8, without
/// NUL bytes (which no source has, and which `/proc` files such as `environ` are full
/// of). Every refusal is an error whose reason says why, and none quotes the content.
pub fn read_text(path: &Path) -> io::Result<String> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    regular(&fs::metadata(path)?)?;
    // Non-blocking, so that a named pipe swapped in after the check cannot hang the
    // open; the opened file is checked again.
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    regular(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    if bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file is not text (it contains a NUL byte)",
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not valid UTF-8"))
}

/// An error unless `meta` is a regular file no larger than [`MAX_FILE_BYTES`].
fn regular(meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return if meta.len() > MAX_FILE_BYTES {
            Err(too_large())
        } else {
            Ok(())
        };
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    ))
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the file is larger than {} MiB", MAX_FILE_BYTES >> 20),
    )
}

/// A lowercase reason for an IO error, without the `(os error N)` suffix.
pub fn reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            let text = match text.find(" (os error") {
                Some(i) => &text[..i],
                None => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_lowercase_without_os_codes() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(reason(&e), "no such file or directory");
        let e = io::Error::from_raw_os_error(21);
        assert!(!reason(&e).contains("os error"), "{}", reason(&e));
        let e = io::Error::new(io::ErrorKind::InvalidData, "The file is bad");
        assert_eq!(reason(&e), "the file is bad");
    }

    #[test]
    fn paths_named_twice_come_once() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        let a = dir.join("a.chaos");
        let b = dir.join("b.chaos");
        fs::write(&a, "").unwrap();
        fs::write(&b, "").unwrap();
        let (files, problems) = collect(&[b.clone(), dir.clone(), a.clone()]);
        assert!(problems.is_empty());
        assert_eq!(files, [b, a]);
    }

    #[test]
    fn the_current_directory_has_no_prefix() {
        assert_eq!(display_base(Path::new(".")), None);
        assert_eq!(display_base(Path::new("a")), Some(Path::new("a")));
    }
}
