//! The command line: argument parsing (clap derive), one module per subcommand, exit
//! codes. This is the only module that prints, and the only one that uses miette's
//! graphical rendering.
//!
//! Exit codes (`docs/cli.md`): 0 success, 1 the inputs have problems (errors, warnings
//! with `--deny-warnings`, files `fmt --check` would change), 2 usage or IO errors.

mod check;
mod completions;
mod doctor;
mod explain;
mod export;
mod files;
mod fmt;
mod import;
mod leftovers;
mod lsp;
mod man;
mod plan;
mod recover;
pub mod render;
mod report;
mod run;
mod worker;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};

/// Everything went well.
pub const EXIT_OK: i32 = 0;
/// The inputs have problems: errors, denied warnings, files that need formatting.
pub const EXIT_FAILED: i32 = 1;
/// The command could not do its job: bad usage, unreadable files.
pub const EXIT_USAGE: i32 = 2;

const EXAMPLES: &str = "\
Examples:
  chaosc check                      check every .chaos file below the current directory
  chaosc check experiments/ --deny-warnings
  chaosc fmt --check                list the files that are not formatted
  chaosc plan smoke.chaos           timelines, assertions and safety of what would run
  chaosc plan smoke.chaos --format json -o plan.json
  chaosc run smoke.chaos            inject the faults, judge the SLOs, write the reports
  chaosc report chaos-reports --format junit
                                    a finished run's reports again (md, html, junit, prom,
                                    github, comment, legacy)
  chaosc explain E0201              what an error code means
  chaosc import chaos_scenarios.yml the legacy YAML configuration as a .chaos file
  chaosc lsp                        the language server an editor starts (editors/README.md)";

/// Chaos experiments as code: check, format, plan and run `.chaos` experiments, render
/// their reports, and import the legacy YAML configuration.
#[derive(Debug, Parser)]
#[command(
    name = "chaosc",
    version,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true,
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Print only diagnostics and errors (no summaries)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print what is being done, on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// When to use colours: `auto` means only on a terminal and when `NO_COLOR` is unset
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto
    )]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check files; a directory means every `*.chaos` file below it
    #[command(after_help = check::EXAMPLES)]
    Check(check::CheckArgs),
    /// Rewrite files in canonical form
    #[command(after_help = fmt::EXAMPLES)]
    Fmt(fmt::FmtArgs),
    /// Explain a diagnostic code, with a wrong and a right example
    #[command(after_help = explain::EXAMPLES)]
    Explain(explain::ExplainArgs),
    /// Compile a file and print its execution plan
    #[command(after_help = plan::EXAMPLES)]
    Plan(plan::PlanArgs),
    /// Compile scenarios on Kubernetes pods for another engine (Chaos Mesh)
    #[command(after_help = export::EXAMPLES)]
    Export(export::ExportArgs),
    /// Import a legacy YAML configuration as a `.chaos` program
    #[command(after_help = import::EXAMPLES)]
    Import(import::ImportArgs),
    /// Serve an editor over the Language Server Protocol on stdin/stdout
    #[command(after_help = lsp::EXAMPLES)]
    Lsp(lsp::LspArgs),
    /// Runs one resource-stress worker (spawned by `chaosc run`, not for people)
    #[command(name = "__worker", hide = true)]
    Worker(worker::WorkerArgs),
    /// Run experiments: inject the faults, measure, judge the SLOs, write reports
    #[command(after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Render a finished run's reports again from its `results.json`, or as a GitHub job
    /// summary or pull-request comment
    #[command(after_help = report::EXAMPLES)]
    Report(report::ReportArgs),
    /// Revert what an interrupted run left applied, from its journal
    #[command(after_help = recover::EXAMPLES)]
    Recover(recover::RecoverArgs),
    /// What this host can do: Docker, privileges, cgroups, netem, nftables, fault kinds
    #[command(after_help = doctor::EXAMPLES)]
    Doctor(doctor::DoctorArgs),
    /// The guard process of a run (started by `chaosc run`, not by hand)
    #[command(name = "__guard", hide = true)]
    Guard(GuardArgs),
    /// Print a shell completion script (bash, zsh, fish …)
    #[command(after_help = completions::EXAMPLES)]
    Completions(completions::CompletionsArgs),
    /// Print the manual page, or write every page into a folder
    #[command(after_help = man::EXAMPLES)]
    Man(man::ManArgs),
}

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    pub dir: std::path::PathBuf,
    pub runner_pid: i32,
    pub runner_start_time: u64,
}

/// The `--color` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour a stream that is (or is not) a terminal.
    fn resolve(self, is_terminal: bool) -> bool {
        self.resolve_with(is_terminal, std::env::var_os("NO_COLOR"))
    }

    /// [`ColorWhen::resolve`] with the value of `NO_COLOR` given.
    fn resolve_with(self, is_terminal: bool, no_color: Option<OsString>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

/// Settings every subcommand sees.
#[derive(Debug, Clone, Copy)]
pub struct Globals {
    pub quiet: bool,
    pub verbose: bool,
    /// Colour what goes to stdout.
    pub color_stdout: bool,
    /// Colour what goes to stderr.
    pub color_stderr: bool,
    /// Width to wrap rendered diagnostics at.
    pub width: usize,
}

/// Runs the command line with the process arguments; returns the exit code.
pub fn main() -> i32 {
    run(std::env::args_os())
}

/// Runs the command line with `args` (the first is the program name).
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // clap's own output (help, usage errors) follows `--color` too, so look for it
    // before clap parses anything.
    let clap_color = match color_flag(&args) {
        Some(ColorWhen::Always) => clap::ColorChoice::Always,
        Some(ColorWhen::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let matches = match Cli::command().color(clap_color).try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // Help and version go to stdout (exit 0); usage errors to stderr (exit 2).
            let _ = e.print();
            return e.exit_code();
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return EXIT_USAGE;
        }
    };
    let globals = Globals {
        quiet: cli.quiet,
        verbose: cli.verbose,
        color_stdout: cli.color.resolve(std::io::stdout().is_terminal()),
        color_stderr: cli.color.resolve(std::io::stderr().is_terminal()),
        width: render::terminal_width(),
    };
    match cli.command {
        Command::Check(args) => check::run(&args, &globals),
        Command::Fmt(args) => fmt::run(&args, &globals),
        Command::Explain(args) => explain::run(&args, &globals),
        Command::Plan(args) => plan::run(&args, &globals),
        Command::Export(args) => export::run(&args, &globals),
        Command::Import(args) => import::run(&args, &globals),
        Command::Lsp(args) => lsp::run(&args, &globals),
        Command::Run(args) => run::run(&args, &globals),
        Command::Report(args) => report::run(&args, &globals),
        Command::Recover(args) => recover::run(&args, &globals),
        Command::Doctor(args) => doctor::run(&args, &globals),
        Command::Guard(args) => crate::runtime::guard::main(
            args.dir,
            crate::inject::ProcessId {
                pid: args.runner_pid,
                start_time: args.runner_start_time,
            },
        ),
        Command::Worker(args) => worker::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args, &globals),
    }
}

/// The value of the last `--color WHEN` / `--color=WHEN` before any `--`.
fn color_flag(args: &[OsString]) -> Option<ColorWhen> {
    let mut found = None;
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let Some(arg) = arg.to_str() else { continue };
        let value = if arg == "--" {
            break;
        } else if arg == "--color" {
            iter.next().and_then(|v| v.to_str())
        } else {
            arg.strip_prefix("--color=")
        };
        if let Some(v) = value {
            found = ColorWhen::from_str(v, false).ok().or(found);
        }
    }
    found
}

/// Writes `text` to stdout. A closed pipe (`chaosc … | head`) is not an error worth
/// reporting; anything else is, on stderr.
pub(crate) fn out(text: &str) {
    write_all(&mut std::io::stdout().lock(), text);
}

/// Writes `text` to stderr.
pub(crate) fn err(text: &str) {
    write_all(&mut std::io::stderr().lock(), text);
}

fn write_all(w: &mut dyn Write, text: &str) {
    if text.is_empty() {
        return;
    }
    let _ = w.write_all(text.as_bytes()).and_then(|()| w.flush());
}

/// Prints `error: MESSAGE` on stderr, `error` in red when stderr is coloured.
pub(crate) fn error_line(globals: &Globals, message: &str) {
    err(&format!(
        "{}: {message}\n",
        paint("error", RED_BOLD, globals.color_stderr)
    ));
}

/// Prints `warning: MESSAGE` on stderr.
pub(crate) fn warning_line(globals: &Globals, message: &str) {
    err(&format!(
        "{}: {message}\n",
        paint("warning", YELLOW_BOLD, globals.color_stderr)
    ));
}

/// Prints `help: MESSAGE` on stderr.
pub(crate) fn help_line(globals: &Globals, message: &str) {
    err(&format!(
        "{}: {message}\n",
        paint("help", CYAN_BOLD, globals.color_stderr)
    ));
}

pub(crate) const RED_BOLD: &str = "\x1b[1;31m";
pub(crate) const YELLOW_BOLD: &str = "\x1b[1;33m";
pub(crate) const CYAN_BOLD: &str = "\x1b[1;36m";
pub(crate) const BOLD: &str = "\x1b[1m";

/// `text` wrapped in an ANSI style when `color` is on.
pub(crate) fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("{style}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn finds_the_color_flag() {
        assert_eq!(color_flag(&args(&["chaosc", "check"])), None);
        assert_eq!(
            color_flag(&args(&["chaosc", "--color", "never", "check"])),
            Some(ColorWhen::Never)
        );
        assert_eq!(
            color_flag(&args(&["chaosc", "check", "--color=always"])),
            Some(ColorWhen::Always)
        );
        assert_eq!(
            color_flag(&args(&["chaosc", "check", "--", "--color=always"])),
            None
        );
        assert_eq!(color_flag(&args(&["chaosc", "--color", "pink"])), None);
    }

    #[test]
    fn explicit_color_ignores_the_terminal_and_no_color() {
        let set = || Some(OsString::from("1"));
        assert!(ColorWhen::Always.resolve_with(false, set()));
        assert!(!ColorWhen::Never.resolve_with(true, None));
    }

    #[test]
    fn auto_color_needs_a_terminal_and_no_no_color() {
        assert!(ColorWhen::Auto.resolve_with(true, None));
        assert!(ColorWhen::Auto.resolve_with(true, Some(OsString::new())));
        assert!(!ColorWhen::Auto.resolve_with(true, Some(OsString::from("1"))));
        assert!(!ColorWhen::Auto.resolve_with(false, None));
    }
}
