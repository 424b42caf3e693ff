//! `chaosc import LEGACY.yml`: the legacy tool's YAML configuration to a `.chaos` file.

use super::check::{render_diagnostics, Format};
use super::files::{self, IoProblem};
use super::{Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diag::Sources;
use clap::Args;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  chaosc import chaos_scenarios.yml             writes ./chaos_scenarios.chaos
  chaosc import legacy/v2.yml -o scenarios/     writes scenarios/v2.chaos
  chaosc import chaos_scenarios.yml -o -        prints the program on stdout
  chaosc import chaos_scenarios.yml --force     overwrites an existing .chaos file
What each legacy setting becomes: docs/legacy.md.";

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The legacy YAML configuration to import
    #[arg(value_name = "LEGACY.yml")]
    pub input: PathBuf,

    /// Directory to write `<stem>.chaos` into (default: the current directory); `-` prints
    /// the program on stdout
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Overwrite the `.chaos` file if it exists
    #[arg(long)]
    pub force: bool,

    /// How to print warnings and errors
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(args: &ImportArgs, globals: &Globals) -> i32 {
    let text = match files::read_text(&args.input) {
        Ok(text) => text,
        Err(error) => {
            let problem = IoProblem {
                path: args.input.clone(),
                error,
            };
            super::error_line(globals, &problem.message());
            return EXIT_USAGE;
        }
    };
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let mut sources = Sources::default();
    let source = sources.add(args.input.display().to_string(), text.clone());
    let (imported, diagnostics) = match crate::plan::legacy::import(&text, source) {
        Ok(imported) => {
            let diagnostics = imported.diagnostics.clone();
            (Some(imported.chaos), diagnostics)
        }
        Err(diagnostics) => (None, diagnostics),
    };

    // The program may be on stdout: diagnostics then go to stderr.
    let color = if to_stdout {
        globals.color_stderr
    } else {
        globals.color_stdout
    };
    let report = match render_diagnostics(
        args.format,
        &diagnostics,
        &sources,
        1,
        false,
        color,
        globals,
    ) {
        Ok(text) => text,
        Err(code) => return code,
    };
    // A clean import says nothing in the human format but where the file went.
    let report = if args.format == Format::Human && diagnostics.is_empty() {
        String::new()
    } else {
        report
    };
    let print_report = |report: &str| {
        if to_stdout {
            super::err(report);
        } else {
            super::out(report);
        }
    };

    let Some(chaos) = imported else {
        print_report(&report);
        return EXIT_FAILED;
    };
    if to_stdout {
        print_report(&report);
        super::out(&chaos);
        return EXIT_OK;
    }
    let dir = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    let stem = args
        .input
        .file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().to_string());
    let path = if args.output.is_none() {
        PathBuf::from(format!("{stem}.chaos"))
    } else {
        dir.join(format!("{stem}.chaos"))
    };
    if let Err(error) = std::fs::create_dir_all(&dir) {
        print_report(&report);
        super::error_line(
            globals,
            &format!(
                "cannot write into `{}`: {}",
                dir.display(),
                files::reason(&error)
            ),
        );
        return EXIT_USAGE;
    }
    if let Err(error) = write_file(&path, &chaos, args.force) {
        print_report(&report);
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            super::error_line(globals, &format!("`{}` already exists", path.display()));
            super::help_line(
                globals,
                "pass `--force` to overwrite it, or `-o DIR` to write elsewhere",
            );
        } else {
            super::error_line(
                globals,
                &format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    files::reason(&error)
                ),
            );
        }
        return EXIT_USAGE;
    }
    print_report(&report);
    if !globals.quiet {
        super::err(&format!(
            "imported `{}` to `{}`\n",
            args.input.display(),
            path.display()
        ));
    }
    EXIT_OK
}

/// Writes `text` to `path`, refusing to replace a file unless `force`.
fn write_file(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .create_new(!force)
        .truncate(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
