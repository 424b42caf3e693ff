//! Expected diagnostics written as comments in fixtures, and how they are matched:
//! shared by `tests/ui.rs` (`// error[E0201]: …`) and `tests/legacy.rs`
//! (`# error[E1202]: …`). An expectation applies to the next line that is not itself
//! an expectation; the part after `: ` is an optional substring of the message.

/// One expected diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub severity: String,
    pub code: String,
    pub line: usize,
    /// A substring of the message, when given.
    pub message: Option<String>,
}

/// One diagnostic as the harness compares it.
#[derive(Debug, Clone)]
pub struct Actual {
    pub severity: String,
    pub code: String,
    pub line: usize,
    pub message: String,
}

/// Parses `MARKER error[E0201]: text` or `MARKER warning[W0001]` (MARKER is `//` or
/// `#`); `None` for other lines.
pub fn parse_expectation(marker: &str, line: &str) -> Option<(String, String, Option<String>)> {
    let rest = line.trim().strip_prefix(marker)?.trim_start();
    let (severity, rest) = if let Some(r) = rest.strip_prefix("error[") {
        ("error", r)
    } else if let Some(r) = rest.strip_prefix("warning[") {
        ("warning", r)
    } else {
        return None;
    };
    let close = rest.find(']')?;
    let code = &rest[..close];
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let after = rest[close + 1..].trim();
    let message = match after.strip_prefix(':') {
        Some(m) if !m.trim().is_empty() => Some(m.trim().to_string()),
        _ if after.is_empty() || after == ":" => None,
        _ => return None,
    };
    Some((severity.to_string(), code.to_string(), message))
}

/// The expectations of a fixture, each resolved to the line it applies to.
pub fn expectations(marker: &str, text: &str) -> Result<Vec<Expectation>, String> {
    let mut out = Vec::new();
    let mut pending: Vec<(usize, String, String, Option<String>)> = Vec::new();
    // `split` rather than `lines`: the empty line after the final newline is where
    // an error at the end of the file is reported.
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((severity, code, message)) = parse_expectation(marker, line) {
            pending.push((number, severity, code, message));
            continue;
        }
        for (_, severity, code, message) in pending.drain(..) {
            out.push(Expectation {
                severity,
                code,
                line: number,
                message,
            });
        }
    }
    if let Some((line, ..)) = pending.first() {
        return Err(format!(
            "line {line}: expectation comment not followed by a line it can apply to"
        ));
    }
    Ok(out)
}

/// Matches expectations against diagnostics; returns (missing, unexpected).
pub fn compare(expected: &[Expectation], actual: &[Actual]) -> (Vec<Expectation>, Vec<Actual>) {
    let mut unmatched: Vec<Option<&Actual>> = actual.iter().map(Some).collect();
    let mut missing = Vec::new();
    // Expectations with a message first: they are the more specific ones.
    let mut order: Vec<&Expectation> = expected.iter().collect();
    order.sort_by_key(|e| e.message.is_none());
    for e in order {
        let found = unmatched.iter_mut().find(|slot| {
            slot.is_some_and(|a| {
                a.severity == e.severity
                    && a.code == e.code
                    && a.line == e.line
                    && e.message.as_ref().is_none_or(|m| a.message.contains(m))
            })
        });
        match found {
            Some(slot) => *slot = None,
            None => missing.push(e.clone()),
        }
    }
    let unexpected = unmatched.into_iter().flatten().cloned().collect();
    (missing, unexpected)
}

/// Appends every missing and every unexpected diagnostic of the fixture `path`.
pub fn report(
    failures: &mut String,
    path: &std::path::Path,
    missing: &[Expectation],
    unexpected: &[Actual],
) {
    use std::fmt::Write as _;
    let _ = writeln!(failures, "{}:", path.display());
    for m in missing {
        let message = m
            .message
            .as_ref()
            .map_or(String::new(), |m| format!(": …{m}…"));
        let _ = writeln!(
            failures,
            "  missing    line {}: {}[{}]{message}",
            m.line, m.severity, m.code
        );
    }
    for u in unexpected {
        let _ = writeln!(
            failures,
            "  unexpected line {}: {}[{}]: {}",
            u.line, u.severity, u.code, u.message
        );
    }
}

/// The fixtures of `dir` (relative to the package root) with extension `ext`, as paths
/// relative to the package root, sorted; `filter_var` names an environment variable
/// whose comma-separated substrings select a subset.
pub fn fixtures(dir: &str, ext: &str, filter_var: &str) -> Vec<std::path::PathBuf> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let filter = std::env::var(filter_var).unwrap_or_default();
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(root.join(dir))
        .unwrap_or_else(|_| panic!("{dir} exists"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == ext))
        .filter(|p| {
            let name = p
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into());
            filter.split(',').any(|f| name.contains(f.trim()))
        })
        .map(|p| std::path::Path::new(dir).join(p.file_name().expect("a file name")))
        .collect();
    out.sort();
    out
}
