//! Reports of a run, written into its report folder: `results.json` (the
//! [`results::RunResults`] model), `report.md`, `junit.xml`, `metrics.prom`,
//! `report.html`
//! (`docs/reports.md` says who each is for).
//!
//! The renderers are pure functions of the results; [`write_all`] writes them so that
//! a reader (a CI step, a textfile collector) never sees half a file.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

pub mod comment;
mod format;
pub mod github;
pub mod html;
pub mod junit;
pub mod legacy;
pub mod markdown;
pub mod prometheus;
pub mod pushgateway;
pub mod results;
mod tables;

use results::RunResults;

pub const RESULTS_FILE: &str = "results.json";
pub const MARKDOWN_FILE: &str = "report.md";
pub const JUNIT_FILE: &str = "junit.xml";
pub const PROMETHEUS_FILE: &str = "metrics.prom";
pub const HTML_FILE: &str = "report.html";

/// `results.json`: the results as pretty JSON, ending with a line feed.
pub fn render_json(results: &RunResults) -> io::Result<String> {
    let json = serde_json::to_string_pretty(results).map_err(io::Error::other)?;
    Ok(json + "\n")
}

/// `report.md`: the run for people (a CI job summary, a pull-request comment).
pub fn render_markdown(results: &RunResults) -> String {
    markdown::render(results)
}

/// `junit.xml`: a testsuite per scenario, a testcase per assertion.
pub fn render_junit(results: &RunResults) -> String {
    junit::render(results)
}

/// `metrics.prom`: Prometheus text exposition format.
pub fn render_prometheus(results: &RunResults) -> String {
    prometheus::render(results)
}

/// The GitHub job summary: verdict, scenarios, what did not pass, links to the reports.
pub fn render_github(results: &RunResults, links: &github::Links) -> String {
    github::render(results, links)
}

/// The pull-request comment, starting with [`comment::MARKER`].
pub fn render_comment(results: &RunResults, run_url: Option<&str>) -> String {
    comment::render(results, run_url)
}

/// `report.html`: one self-contained page with a chart per probe of each scenario.
pub fn render_html(results: &RunResults) -> String {
    html::render(results)
}

/// Writes the five reports into `dir` (which exists), `results.json` first, and
/// returns their paths. Each is written under a temporary name in `dir`, flushed to
/// disk and renamed over its final name, so a reader sees the old file or the whole
/// new one. Stops at the first error, removing that file's temporary copy.
pub fn write_all(dir: &Path, results: &RunResults) -> io::Result<Vec<PathBuf>> {
    let files = [
        (RESULTS_FILE, render_json(results)?),
        (MARKDOWN_FILE, render_markdown(results)),
        (JUNIT_FILE, render_junit(results)),
        (PROMETHEUS_FILE, render_prometheus(results)),
        (HTML_FILE, render_html(results)),
    ];
    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        written.push(write_atomically(dir, name, text.as_bytes())?);
    }
    // The renames are entries of the folder: syncing it makes them survive a crash.
    fs::File::open(dir)?.sync_all()?;
    Ok(written)
}

/// Writes the legacy tool's three files into `dir` (`--compat legacy`), each whole as
/// [`write_all`] does, and returns their paths.
pub fn write_legacy(dir: &Path, results: &RunResults) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, text) in legacy::render_all(results)? {
        written.push(write_atomically(dir, name, text.as_bytes())?);
    }
    fs::File::open(dir)?.sync_all()?;
    Ok(written)
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let path = dir.join(name);
    // A dot name that no report reader looks for; the pid keeps two runs writing into
    // one folder (a mistake, but possible) from sharing a temporary file.
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // Never through a link planted at the temporary name.
        let _ = fs::remove_file(&temporary);
        let mut file = crate::inject::files::create_new(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)
    })();
    if let Err(error) = result {
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    Ok(path)
}
