//! Keeps the diagnostic code registry honest (after rustc's `tidy` error-code check):
//! every code in `Code::ALL` has a complete explanation in `docs/errors/`, a UI
//! fixture that expects it, and a place in `src/` that emits it.
//!
//! The codes of the legacy importer (`E12xx`, `W12xx`) are about YAML, not `.chaos`:
//! their examples are ```` ```yaml ```` blocks, run through the importer, and their
//! fixtures are `tests/legacy/*.yml` with `# error[E1201]` expectations.

use chaosc::diag::{Code, Severity};
use chaosc::export::chaos_mesh;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The contents of every file with extension `ext` below `dir`, recursively.
fn files_below(dir: &Path, ext: &str, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_below(&path, ext, out);
        } else if path.extension().is_some_and(|x| x == ext) {
            let text = std::fs::read_to_string(&path).expect("readable");
            out.push((path, text));
        }
    }
}

/// Whether `code` belongs to the legacy importer (`E12xx`, `W12xx`).
fn is_legacy(code: Code) -> bool {
    code.as_str().get(1..3) == Some("12")
}

/// The language of a code's examples: `yaml` for the importer's, `chaos` otherwise.
fn example_language(code: Code) -> &'static str {
    if is_legacy(code) {
        "yaml"
    } else {
        "chaos"
    }
}

/// The body of the first ```` ```chaos ```` block after the heading `heading`.
fn chaos_block_after<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    block_after(doc, heading, "chaos")
}

/// The body of the first ```` ```LANG ```` block after the heading `heading`.
fn block_after<'a>(doc: &'a str, heading: &str, lang: &str) -> Option<&'a str> {
    let start = doc.find(&format!("\n{heading}\n"))?;
    let rest = &doc[start..];
    let fence = format!("```{lang}\n");
    let open = rest.find(&fence)? + fence.len();
    let body = &rest[open..];
    let close = body.find("\n```")?;
    Some(&body[..=close])
}

#[test]
fn every_code_has_a_complete_explanation() {
    let mut problems = Vec::new();
    for &code in Code::ALL {
        let name = code.as_str();
        let path = root().join(format!("docs/errors/{name}.md"));
        let Ok(doc) = std::fs::read_to_string(&path) else {
            problems.push(format!("{name}: docs/errors/{name}.md is missing"));
            continue;
        };
        assert_eq!(doc, code.explanation(), "{name}: embedded doc is stale");
        let first = doc.lines().next().unwrap_or("");
        let heading = format!("# {name}: ");
        if !first.starts_with(&heading) || first.len() == heading.len() {
            problems.push(format!(
                "{name}: the first line must be `# {name}: summary`, found `{first}`"
            ));
        }
        let summary = code.summary();
        if summary.ends_with('.') || summary.chars().nth(7).is_some_and(|c| c.is_uppercase()) {
            problems.push(format!(
                "{name}: the summary `{summary}` should be lowercase without a trailing period"
            ));
        }
        if doc.contains("TODO") {
            problems.push(format!("{name}: still contains `TODO`"));
        }
        let lang = example_language(code);
        for section in ["## Wrong", "## Right"] {
            match block_after(&doc, section, lang) {
                None => problems.push(format!(
                    "{name}: no `{section}` section with a ```{lang} block"
                )),
                Some(block) if block.trim().is_empty() => {
                    problems.push(format!("{name}: the `{section}` example is empty"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_stray_explanations() {
    let mut docs = Vec::new();
    files_below(&root().join("docs/errors"), "md", &mut docs);
    let stray: Vec<String> = docs
        .iter()
        .filter_map(|(path, _)| path.file_stem().map(|s| s.to_string_lossy().to_string()))
        .filter(|stem| stem != "README" && Code::parse(stem).is_none())
        .collect();
    assert!(
        stray.is_empty(),
        "docs for codes not in the registry: {stray:?}"
    );
}

/// The texts of the files with extension `ext` directly in `dir`.
fn fixtures_in(dir: &str, ext: &str) -> Vec<String> {
    let mut fixtures = Vec::new();
    let dir = root().join(dir);
    for entry in std::fs::read_dir(&dir)
        .expect("the fixture directory exists")
        .flatten()
    {
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|x| x == ext) {
            fixtures.push(std::fs::read_to_string(&path).expect("readable"));
        }
    }
    fixtures
}

#[test]
fn every_code_has_a_ui_fixture() {
    let ui = fixtures_in("tests/ui", "chaos");
    let legacy = fixtures_in("tests/legacy", "yml");
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| {
            let severity = match code.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let (fixtures, comment) = if is_legacy(**code) {
                (&legacy, "#")
            } else {
                (&ui, "//")
            };
            let expectation = format!("{comment} {severity}[{}]", code.as_str());
            !fixtures
                .iter()
                .any(|text| text.lines().any(|l| l.trim().starts_with(&expectation)))
        })
        .map(|code| code.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes that no tests/ui (or tests/legacy) fixture expects: {missing:?}"
    );
}

/// NOTE: this passes only once the checker (`src/check/`) is merged: until then only
/// the parser's codes (E0101–E0105, and E0402 for percentiles and ranges) are emitted.
#[test]
fn every_code_is_emitted_somewhere() {
    let mut sources = Vec::new();
    files_below(&root().join("src"), "rs", &mut sources);
    let registry = root().join("src/diag/code.rs");
    let missing: Vec<String> = Code::ALL
        .iter()
        .map(|code| format!("Code::{code:?}"))
        .filter(|variant| {
            !sources.iter().any(|(path, text)| {
                *path != registry
                    && text.match_indices(variant.as_str()).any(|(i, _)| {
                        // `Code::Unused` must not be found inside `Code::UnusedFoo`.
                        !text[i + variant.len()..]
                            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    })
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes in the registry that nothing in src/ emits: {missing:?}"
    );
}

/// Imports resolve to nothing here: examples that import relative files are skipped.
struct NoFiles;

impl chaosc::check::Loader for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} (examples cannot import files)", path.display()),
        ))
    }
}

/// Each explanation's `Wrong` example produces its code and nothing else, and its
/// `Right` example checks clean (no warning either). Examples that import relative
/// files need other files and are skipped.
///
/// NOTE: like `every_code_is_emitted_somewhere`, this passes only once the checker
/// is merged.
#[test]
fn explanation_examples_do_what_they_say() {
    let mut problems = Vec::new();
    for &code in Code::ALL {
        let name = code.as_str();
        let doc = code.explanation();
        if is_legacy(code) {
            legacy_examples(code, &mut problems);
            continue;
        }
        for (section, wrong) in [("## Wrong", true), ("## Right", false)] {
            let Some(example) = chaos_block_after(doc, section) else {
                continue; // reported by every_code_has_a_complete_explanation
            };
            if example.contains("import \"./") || example.contains("import \"../") {
                continue;
            }
            let path = PathBuf::from(format!("docs/errors/{name}.chaos"));
            // An example with a `// plan: FLAGS` line is compiled with those flags.
            let checked = match chaosc::plan::lower::Options::from_header(example) {
                Some((_, options)) => {
                    let options = options.expect("a well-formed `// plan:` line");
                    chaosc::plan::lower::lower(&path, example, &NoFiles, &options).checked
                }
                None if chaos_mesh::wants_export(example) => {
                    chaos_mesh::compile(&path, example, &NoFiles, &Default::default()).0
                }
                None => chaosc::check::check(&path, example, &NoFiles),
            };
            let found: Vec<String> = checked
                .diagnostics
                .iter()
                .map(|d| chaosc::diag::render::short(d, &checked.sources))
                .collect();
            let ok = if wrong {
                !found.is_empty() && checked.diagnostics.iter().all(|d| d.code == code)
            } else {
                found.is_empty()
            };
            if !ok {
                problems.push(format!(
                    "{name} {section}: {}",
                    if found.is_empty() {
                        "no diagnostic".to_string()
                    } else {
                        found.join("; ")
                    }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The legacy importer's examples: the wrong one imports with this code and no
/// other, the right one imports without any diagnostic.
fn legacy_examples(code: Code, problems: &mut Vec<String>) {
    let name = code.as_str();
    for (section, wrong) in [("## Wrong", true), ("## Right", false)] {
        let Some(example) = block_after(code.explanation(), section, "yaml") else {
            continue; // reported by every_code_has_a_complete_explanation
        };
        let mut sources = chaosc::diag::Sources::default();
        let source = sources.add(format!("docs/errors/{name}.yml"), example);
        let diagnostics = match chaosc::plan::legacy::import(example, source) {
            Ok(imported) => imported.diagnostics,
            Err(diagnostics) => diagnostics,
        };
        let ok = if wrong {
            !diagnostics.is_empty() && diagnostics.iter().all(|d| d.code == code)
        } else {
            diagnostics.is_empty()
        };
        if !ok {
            let found: Vec<String> = diagnostics
                .iter()
                .map(|d| chaosc::diag::render::short(d, &sources))
                .collect();
            problems.push(format!(
                "{name} {section}: {}",
                if found.is_empty() {
                    "no diagnostic".to_string()
                } else {
                    found.join("; ")
                }
            ));
        }
    }
}
