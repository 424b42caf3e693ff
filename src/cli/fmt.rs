//! `chaosc fmt [PATH…]`: rewrite files in canonical form.

use super::files::{self, IoProblem};
use super::{render, Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diag::Sources;
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  chaosc fmt                            format every .chaos file below the current directory
  chaosc fmt experiments/db.chaos
  chaosc fmt --check                    list files that are not formatted; exit 1 if any
  chaosc fmt - < in.chaos > out.chaos   format stdin to stdout";

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories to format (default: the current directory); `-` alone
    /// reads stdin and writes the result to stdout
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: list the files that would change, and exit 1 if there are any
    #[arg(long)]
    pub check: bool,
}

/// What became of one input.
enum Outcome {
    Unchanged,
    Changed,
    /// It does not parse; its diagnostics have been printed.
    Invalid,
    /// It could not be read or written; the error has been printed.
    IoError,
}

pub fn run(args: &FmtArgs, globals: &Globals) -> i32 {
    let stdin = Path::new("-");
    if args.paths.iter().any(|p| p == stdin) {
        if args.paths.len() > 1 {
            super::error_line(globals, "`-` (standard input) must be the only path");
            return EXIT_USAGE;
        }
        return exit_code(&[stdin_to_stdout(args.check, globals)], args.check);
    }

    let (paths, problems) = files::collect(&args.paths);
    let mut outcomes = Vec::with_capacity(paths.len() + problems.len());
    for problem in &problems {
        super::error_line(globals, &problem.message());
        outcomes.push(Outcome::IoError);
    }
    for path in &paths {
        outcomes.push(one_file(path, args.check, globals));
    }
    exit_code(&outcomes, args.check)
}

fn exit_code(outcomes: &[Outcome], check: bool) -> i32 {
    if outcomes.iter().any(|o| matches!(o, Outcome::IoError)) {
        EXIT_USAGE
    } else if outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Invalid) || (check && matches!(o, Outcome::Changed)))
    {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn one_file(path: &Path, check: bool, globals: &Globals) -> Outcome {
    let text = match files::read_text(path) {
        Ok(text) => text,
        Err(error) => return io_error(path, error, "read", globals),
    };
    let Some(formatted) = format(&path.display().to_string(), &text, globals) else {
        return Outcome::Invalid;
    };
    if formatted == text {
        if globals.verbose {
            super::err(&format!("unchanged `{}`\n", path.display()));
        }
        return Outcome::Unchanged;
    }
    if check {
        super::out(&format!("{}\n", path.display()));
    } else {
        if let Err(error) = std::fs::write(path, &formatted) {
            return io_error(path, error, "write", globals);
        }
        if globals.verbose {
            super::err(&format!("formatted `{}`\n", path.display()));
        }
    }
    Outcome::Changed
}

fn stdin_to_stdout(check: bool, globals: &Globals) -> Outcome {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().lock().read_to_string(&mut text) {
        return io_error(Path::new("<stdin>"), error, "read", globals);
    }
    let Some(formatted) = format("<stdin>", &text, globals) else {
        return Outcome::Invalid;
    };
    let changed = formatted != text;
    if check {
        if changed {
            super::out("<stdin>\n");
        }
    } else {
        super::out(&formatted);
    }
    if changed {
        Outcome::Changed
    } else {
        Outcome::Unchanged
    }
}

/// The formatted text, or `None` after printing why it cannot be formatted.
fn format(name: &str, text: &str, globals: &Globals) -> Option<String> {
    match crate::fmt::format(text) {
        Ok(formatted) => Some(formatted),
        Err(diagnostics) => {
            // The formatter's diagnostics point into its only source, `SourceId(0)`.
            let mut sources = Sources::default();
            sources.add(name, text);
            let mut out =
                render::render_human(&diagnostics, &sources, globals.color_stderr, globals.width);
            if !globals.quiet {
                out.push_str(&format!(
                    "\n`{name}` was left unchanged: it does not parse\n"
                ));
            }
            super::err(&out);
            None
        }
    }
}

fn io_error(path: &Path, error: std::io::Error, verb: &str, globals: &Globals) -> Outcome {
    let problem = IoProblem {
        path: path.to_path_buf(),
        error,
    };
    let message = problem.message();
    let message = if verb == "read" {
        message
    } else {
        message.replacen("cannot read", &format!("cannot {verb}"), 1)
    };
    super::error_line(globals, &message);
    Outcome::IoError
}
