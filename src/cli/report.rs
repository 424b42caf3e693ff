//! `chaosc report DIR --format FORMAT`: a finished run's reports rendered again from its
//! `results.json`, or in a form `run` does not write (the GitHub job summary, the
//! pull-request comment).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::files;
use super::{Globals, EXIT_OK, EXIT_USAGE};
use crate::report::github::Links;
use crate::report::results::{RunResults, RESULTS_VERSION};
use crate::report::{self, RESULTS_FILE};

pub const EXAMPLES: &str = "\
Examples:
  chaosc report chaos-reports/20261126T202753Z                 report.md again, on stdout
  chaosc report chaos-reports/20261126T202753Z --format html -o report.html
  chaosc report out/ --format github >> \"$GITHUB_STEP_SUMMARY\"   the job summary
  chaosc report out/ --format comment -o comment.md            a pull-request comment
  chaosc report out/ --format legacy                           chaos_results.json … into out/

Rendering md, html, junit or prom again gives exactly the file `chaosc run` wrote.
Exit status: 0 rendered, 2 the folder has no readable results.json of this version,
or the output cannot be written.";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report folder of a run (or its `results.json`)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// What to render
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,

    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// `report.md`
    Md,
    /// `report.html`
    Html,
    /// `junit.xml`
    Junit,
    /// `metrics.prom`
    Prom,
    /// The GitHub job summary, with links to the report folder's files (and to the
    /// workflow run's artifacts when `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and
    /// `GITHUB_RUN_ID` are set), within 1 MiB
    Github,
    /// A pull-request comment, starting with `<!-- chaosc-report -->`, within 65 536
    /// characters
    Comment,
    /// The legacy tool's `chaos_results.json`, `resilience_validation.json` and
    /// `chaos_metrics.prom`, written into `-o DIR` (default: the report folder)
    Legacy,
}

pub fn run(args: &ReportArgs, globals: &Globals) -> i32 {
    let results = match load(&args.dir) {
        Ok(results) => results,
        Err(problem) => {
            super::error_line(globals, &problem.message);
            super::help_line(globals, &problem.help);
            return EXIT_USAGE;
        }
    };
    let folder = report_folder(&args.dir).display().to_string();
    let run_url = github_run_url();
    let text = match args.format {
        ReportFormat::Md => report::render_markdown(&results),
        ReportFormat::Html => report::render_html(&results),
        ReportFormat::Junit => report::render_junit(&results),
        ReportFormat::Prom => report::render_prometheus(&results),
        ReportFormat::Github => report::render_github(
            &results,
            &Links {
                report_dir: Some(&folder),
                run_url: run_url.as_deref(),
            },
        ),
        ReportFormat::Comment => report::render_comment(&results, run_url.as_deref()),
        ReportFormat::Legacy => return write_legacy(args, &results, globals),
    };
    match &args.output {
        None => {
            super::out(&text);
            EXIT_OK
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                super::error_line(
                    globals,
                    &format!("cannot write `{}`: {}", path.display(), files::reason(&e)),
                );
                EXIT_USAGE
            }
        },
    }
}

/// `--format legacy`: three files, so into a folder rather than one output.
fn write_legacy(args: &ReportArgs, results: &RunResults, globals: &Globals) -> i32 {
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| report_folder(&args.dir));
    let written = std::fs::create_dir_all(&dir).and_then(|()| report::write_legacy(&dir, results));
    match written {
        Ok(paths) => {
            if !globals.quiet {
                for path in paths {
                    super::err(&format!("wrote `{}`\n", path.display()));
                }
            }
            EXIT_OK
        }
        Err(e) => {
            super::error_line(
                globals,
                &format!(
                    "cannot write the legacy files into `{}`: {}",
                    dir.display(),
                    files::reason(&e)
                ),
            );
            EXIT_USAGE
        }
    }
}

/// The page of the GitHub Actions run this process is part of, from the variables
/// GitHub sets; `None` outside GitHub Actions (or when one is unset or empty).
pub fn github_run_url() -> Option<String> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (server, repository, run_id) = (
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?,
    );
    Some(format!(
        "{}/{repository}/actions/runs/{run_id}",
        server.trim_end_matches('/')
    ))
}

/// The folder of `path`: itself, or the folder of a `results.json` named directly.
fn report_folder(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Why a report folder cannot be rendered, with advice.
#[derive(Debug)]
pub struct LoadProblem {
    pub message: String,
    pub help: String,
}

/// The results of the run whose report folder (or `results.json`) is `path`, refused
/// unless it is a results document of this version.
pub fn load(path: &Path) -> Result<RunResults, LoadProblem> {
    let file = if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_path_buf()
    };
    let shown = file.display();
    let text = files::read_text(&file).map_err(|e| LoadProblem {
        message: format!("cannot read `{shown}`: {}", files::reason(&e)),
        help: "give the report folder of a finished `chaosc run`: it holds `results.json`".into(),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| LoadProblem {
        message: format!("`{shown}` is not JSON: {e}"),
        help:
            "`chaosc run` writes `results.json` whole; this file was cut short or is another file"
                .into(),
    })?;
    let written_by = value
        .get("chaosc_version")
        .and_then(|v| v.as_str())
        .map(|v| format!(" (written by chaosc {v})"))
        .unwrap_or_default();
    match value.get("results_version").and_then(|v| v.as_u64()) {
        None => {
            return Err(LoadProblem {
                message: format!("`{shown}` is not the results of a chaosc run: it has no `results_version`"),
                help: "give the report folder of a finished `chaosc run`: it holds `results.json`".into(),
            })
        }
        Some(version) if version != u64::from(RESULTS_VERSION) => {
            return Err(LoadProblem {
                message: format!(
                    "`{shown}` holds results version {version}{written_by}; this chaosc reads version {RESULTS_VERSION}"
                ),
                help: "render it with the chaosc version that wrote it".into(),
            })
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| LoadProblem {
        message: format!("`{shown}` does not match results version {RESULTS_VERSION}: {e}"),
        help: format!("render it with the chaosc version that wrote it{written_by}"),
    })
}
