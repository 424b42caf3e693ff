//! The layering of `ARCHITECTURE.md`: the front end (`syntax`, `check`, `fmt`, `diag`)
//! depends on neither the plan nor the runtime side, and the plan not on the runtime
//! side; what they share lives below them all, in `shared` (which depends on nothing).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The runtime side: what runs a plan, and the CLI and the language server on top of
/// everything.
const RUNTIME: &[&str] = &["runtime", "probe", "inject", "report", "cli", "lsp"];

/// Each layer, and the top-level modules it must not name.
fn forbidden(module: &str) -> Vec<&'static str> {
    let mut out = RUNTIME.to_vec();
    match module {
        "plan" => {}
        "shared" => out.extend(["plan", "check", "syntax", "fmt", "diag", "stdlib"]),
        _ => out.push("plan"),
    }
    out
}

#[test]
fn the_front_end_and_the_plan_do_not_depend_on_what_is_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut read = 0;
    for module in ["syntax", "check", "fmt", "diag", "shared", "plan", "stdlib"] {
        let forbidden = forbidden(module);
        for file in rust_files(&src, module) {
            read += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                for named in crate_modules(line) {
                    if forbidden.contains(&named.as_str()) {
                        problems.push(format!(
                            "{}:{}: `{module}` names `crate::{named}`",
                            file.strip_prefix(&src).unwrap_or(&file).display(),
                            number + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(read >= 30, "only {read} files read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn module_names_are_found_in_every_form_of_path() {
    let found = |line: &str| crate_modules(line).into_iter().collect::<Vec<_>>();
    assert_eq!(found("use crate::plan::Text;"), ["plan"]);
    assert_eq!(found("    Text(crate::probe::x::Y),"), ["probe"]);
    assert_eq!(
        found("use crate::{diag::Code, plan::{self, Text}, syntax};"),
        ["diag", "plan", "syntax"]
    );
    assert!(found("// no crate here").is_empty());
}

/// The top-level modules a line names through `crate::`, including in `crate::{…}`.
fn crate_modules(line: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.insert(ident(rest));
            continue;
        };
        // The first name of each item at the group's own level.
        let mut depth = 0;
        let mut item_start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => item_start = true,
                c if item_start && depth == 0 && !c.is_whitespace() => {
                    out.insert(ident(&group[i..]));
                    item_start = false;
                }
                _ => {}
            }
        }
    }
    out.remove("");
    out
}

/// `src/MODULE.rs` and every `.rs` file under `src/MODULE/`.
fn rust_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "no Rust files for `{module}`");
    out
}
