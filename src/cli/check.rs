//! `chaosc check [PATH…]`: parse and check files, print every diagnostic.

use super::files::{self, FsLoader};
use super::{render, Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diag::{self, Diagnostic, SourceId, Sources};
use clap::{Args, ValueEnum};
use std::collections::HashSet;
use std::path::PathBuf;

pub const EXAMPLES: &str = "\
Examples:
  chaosc check                          every .chaos file below the current directory
  chaosc check experiments/ smoke.chaos
  chaosc check --deny-warnings          fail on warnings too (CI)
  chaosc check --format short           one line per diagnostic, for editors and pre-commit
  chaosc check --format json            a JSON document, see docs/cli.md";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How to print diagnostics
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Human)]
    pub format: Format,

    /// Exit with status 1 when there are warnings, not only errors
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels, help and a summary line
    Human,
    /// `path:line:col: severity[CODE]: message`, one per line
    Short,
    /// One JSON document for the whole run
    Json,
}

/// Every diagnostic of a run over several files, with the sources they point into.
#[derive(Default)]
struct Run {
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    /// (file, start, end, code, message) of each diagnostic kept, so a problem in a
    /// file imported by several roots is reported once.
    seen: HashSet<(String, usize, usize, &'static str, String)>,
}

impl Run {
    fn add(&mut self, checked: crate::check::Checked) {
        let offset = self.sources.files.len() as u32;
        self.sources.files.extend(checked.sources.files);
        for mut d in checked.diagnostics {
            d.source = SourceId(d.source.0 + offset);
            let span = d.span();
            let key = (
                self.sources.get(d.source).name.clone(),
                span.start,
                span.end,
                d.code.as_str(),
                d.message.clone(),
            );
            if self.seen.insert(key) {
                self.diagnostics.push(d);
            }
        }
    }
}

pub fn run(args: &CheckArgs, globals: &Globals) -> i32 {
    let (paths, problems) = files::collect(&args.paths);
    let mut io_failed = !problems.is_empty();
    for problem in &problems {
        super::error_line(globals, &problem.message());
    }
    if paths.is_empty() && problems.is_empty() && !globals.quiet {
        let roots = if args.paths.is_empty() {
            "the current directory".to_string()
        } else {
            "the given paths".to_string()
        };
        super::warning_line(globals, &format!("no `.chaos` files found in {roots}"));
    }

    let mut run = Run::default();
    let mut checked_files = 0;
    for path in &paths {
        if globals.verbose {
            super::err(&format!("checking `{}`\n", path.display()));
        }
        match files::read_text(path) {
            Ok(text) => {
                run.add(crate::check::check(path, &text, &FsLoader));
                checked_files += 1;
            }
            Err(error) => {
                io_failed = true;
                let problem = files::IoProblem {
                    path: path.clone(),
                    error,
                };
                super::error_line(globals, &problem.message());
            }
        }
    }

    let errors = run.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = run.diagnostics.len() - errors;
    let output = match render_diagnostics(
        args.format,
        &run.diagnostics,
        &run.sources,
        checked_files,
        io_failed,
        globals.color_stdout,
        globals,
    ) {
        Ok(text) => text,
        Err(code) => return code,
    };
    super::out(&output);

    if io_failed {
        EXIT_USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Diagnostics as `check` prints them in `format`: human (with a summary line over
/// `files` files, unless `-q`), short, or the JSON document. `color` colours the human
/// form. Shared with `import`. `Err` carries the exit code when the JSON cannot be
/// written (reported on stderr).
pub(super) fn render_diagnostics(
    format: Format,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    files: usize,
    io_failed: bool,
    color: bool,
    globals: &Globals,
) -> Result<String, i32> {
    Ok(match format {
        Format::Human => human(diagnostics, sources, files, io_failed, color, globals),
        Format::Short => diagnostics
            .iter()
            .map(|d| diag::render::short(d, sources) + "\n")
            .collect(),
        Format::Json => {
            let report = diag::render::json(diagnostics, sources, files);
            match serde_json::to_string_pretty(&report) {
                Ok(text) => text + "\n",
                Err(e) => {
                    super::error_line(globals, &format!("cannot write the JSON report: {e}"));
                    return Err(EXIT_USAGE);
                }
            }
        }
    })
}

fn human(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    files: usize,
    io_failed: bool,
    color: bool,
    globals: &Globals,
) -> String {
    let mut out = render::render_human(diagnostics, sources, color, globals.width);
    // "no problems" would be a lie when some files could not even be read.
    let nothing_to_say = io_failed && diagnostics.is_empty();
    if !globals.quiet && !nothing_to_say {
        if !out.is_empty() {
            out.push('\n');
        }
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let line = render::summary(errors, diagnostics.len() - errors, files);
        out.push_str(&super::paint(&line, super::BOLD, color));
        out.push('\n');
    }
    out
}
