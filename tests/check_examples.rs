//! The contract's example programs (`tests/fixtures/examples/`) and the language
//! overview check clean.

use chaosc::check::check;
use fixtures::Disk;
use std::path::{Path, PathBuf};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::examples;

fn render(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let checked = check(path, &text, &Disk);
    checked
        .diagnostics
        .iter()
        .map(|d| chaosc::diag::render::short(d, &checked.sources))
        .collect()
}

#[test]
fn examples_check_clean() {
    let mut problems = Vec::new();
    for path in examples() {
        problems.extend(render(&path));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn stdlib_modules_check_clean_when_imported() {
    let text: String = chaosc::stdlib::MODULES
        .iter()
        .map(|(name, _)| format!("import \"std/{name}\"\n"))
        .collect();
    let checked = check(Path::new("all-std.chaos"), &text, &Disk);
    let problems: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| chaosc::diag::render::short(d, &checked.sources))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `stdlib/` and `scenarios/` are the project's own programs: they check without a
/// single warning and are already in canonical form.
#[test]
fn repository_programs_check_clean_and_are_canonical() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut count = 0;
    for dir in ["stdlib", "scenarios"] {
        for path in chaos_files(&root.join(dir)) {
            count += 1;
            problems.extend(render(&path));
            let text = std::fs::read_to_string(&path).unwrap();
            match chaosc::fmt::format(&text) {
                Ok(formatted) if formatted == text => {}
                Ok(_) => problems.push(format!(
                    "{}: not in canonical form (run `chaosc fmt`)",
                    path.display()
                )),
                Err(_) => problems.push(format!("{}: does not parse", path.display())),
            }
        }
    }
    assert!(
        count >= 12,
        "expected the four std modules, the quickstart and the seven legacy files"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `.chaos` file under `dir`, in subfolders too, sorted.
fn chaos_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|x| x == "chaos") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
