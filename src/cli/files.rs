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

/// The name of the ignore file that only chaosc reads (gitignore syntax), for files
/// that git tracks but `check` and `fmt` should pass over, such as fixtures that are
/// unformatted on purpose.
pub const CHAOS_IGNORE_FILE: &str = ".chaosignore";

/// The files the paths given on the command line stand for: a file is itself (whatever
/// its extension, never ignored), a directory is every `*.chaos` file below it, sorted,
/// skipping `target/`, hidden directories and whatever a `.gitignore` or `.chaosignore`
/// (in the directory, below it or above it) ignores. No path means the current directory.
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
                walk(root, &mut found, &mut problems);
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

/// How to name a file found below `root`: no `./` prefix below the current directory.
fn display_path(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new(".") {
        path.strip_prefix(".").unwrap_or(path).to_path_buf()
    } else {
        path.to_path_buf()
    }
}

/// Every `*.chaos` file below `dir`, through the `ignore` crate (ripgrep's walker):
/// `.gitignore` files apply whether or not the folder is a git repository, and
/// `.chaosignore` files likewise; git's global and `info/exclude` files do not, so
/// the files a command sees depend on the tree alone.
fn walk(dir: &Path, found: &mut Vec<PathBuf>, problems: &mut Vec<IoProblem>) {
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .git_ignore(true)
        .require_git(false)
        .parents(true)
        .add_custom_ignore_filename(CHAOS_IGNORE_FILE)
        // Symbolic links are followed for files but not for directories (no cycles).
        .follow_links(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name();
            let hidden = name.to_str().is_some_and(|n| n.starts_with('.'));
            entry.depth() == 0 || !is_dir || !(hidden || name == "target")
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(walk_problem(dir, dir, error));
                continue;
            }
        };
        // A folder's own ignore files that could not be read or parsed.
        if let Some(error) = entry.error() {
            problems.push(walk_problem(dir, entry.path(), error.clone()));
        }
        let Some(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "chaos")
            && (kind.is_file() || (kind.is_symlink() && path.is_file()))
        {
            found.push(display_path(dir, path));
        }
    }
}

/// A folder that could not be listed, or an ignore file that could not be read or has
/// a bad pattern, as the path it concerns and why.
fn walk_problem(root: &Path, at: &Path, error: ignore::Error) -> IoProblem {
    let mut path = at.to_path_buf();
    let mut inner = &error;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path = p.clone();
                inner = err;
            }
            ignore::Error::WithLineNumber { err, .. } | ignore::Error::WithDepth { err, .. } => {
                inner = err;
            }
            _ => break,
        }
    }
    let error = match inner {
        ignore::Error::Io(e) => io::Error::new(e.kind(), reason(e)),
        other => io::Error::other(other.to_string()),
    };
    IoProblem {
        path: display_path(root, &path),
        error,
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
        let (dot, a) = (Path::new("."), Path::new("a"));
        assert_eq!(
            display_path(dot, Path::new("./x.chaos")),
            Path::new("x.chaos")
        );
        assert_eq!(
            display_path(a, Path::new("a/x.chaos")),
            Path::new("a/x.chaos")
        );
    }
}
