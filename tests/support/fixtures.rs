//! The fixtures the tests read, all inside the repository: the contract's example
//! programs (`tests/fixtures/examples/`) and the real legacy configuration
//! (`tests/legacy/real/`). A folder of fixtures that is missing or holds no file is a
//! failure, never a test that passes on nothing.

#![allow(dead_code)] // each test binary uses some of these

use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example programs of the language contract, copied into the repository.
pub fn examples_dir() -> PathBuf {
    root().join("tests/fixtures/examples")
}

/// The real legacy YAML configuration, `version` being `v1` or `v2`.
pub fn legacy_yaml(version: &str) -> PathBuf {
    root().join(format!("tests/legacy/real/chaos_scenarios.{version}.yml"))
}

/// Every `.chaos` file under `dir` (recursively), sorted; panics when `dir` cannot be
/// read or holds none, so a test over a folder cannot pass on an empty list.
pub fn chaos_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|e| panic!("cannot read the fixtures in {}: {e}", current.display()));
        for entry in entries {
            let path = entry.expect("a readable folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "chaos") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(
        !out.is_empty(),
        "no `.chaos` fixture in {}: the folder must hold at least one",
        dir.display()
    );
    out
}

/// The example programs, at least the three of the contract.
pub fn examples() -> Vec<PathBuf> {
    let list = chaos_files(&examples_dir());
    assert!(
        list.len() >= 3,
        "expected the contract's three examples, found {list:?}"
    );
    list
}

/// Reads imports from the file system, as the command line does.
pub struct Disk;

impl chaosc::check::Loader for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}
