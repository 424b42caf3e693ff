//! `chaosc plan FILE`: compile a program and show (or write) its execution plan.

use super::files::{self, FsLoader};
use super::{render, Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::plan::lower::{lower, lower_legacy, Lowered, Options};
use crate::plan::{Plan, PLAN_VERSION};
use clap::{Args, ValueEnum};
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  chaosc plan scenarios/quickstart.chaos                  timelines, assertions and safety at a glance
  chaosc plan scenarios/quickstart.chaos --format json    the plan as JSON
  chaosc plan experiments.chaos --env production          thresholds and allow-list of an environment
  chaosc plan experiments.chaos --set base_url=http://127.0.0.1:9000
  chaosc plan suites.chaos --suite smoke_test             one suite, in its order
  chaosc plan experiments.chaos -o plan.json              write the plan for `chaosc run --plan`
  chaosc plan --legacy chaos_scenarios.yml                the legacy YAML, imported in memory
  chaosc plan experiments.chaos --diff base.json          what changed since the plan in base.json
  chaosc plan experiments.chaos --diff base.json --format json --fail-on-destructive";

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The `.chaos` file to compile
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// What to print
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,

    /// Write the JSON plan to this file as well
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// FILE is the legacy YAML configuration: import it in memory, then plan it
    #[arg(long)]
    pub legacy: bool,

    /// Print what changed since this plan (a `chaosc plan -o` JSON file) instead of the plan
    #[arg(long, value_name = "OLD.json")]
    pub diff: Option<PathBuf>,

    /// With `--diff`: exit 1 when the new plan adds a destructive step
    #[arg(long, requires = "diff")]
    pub fail_on_destructive: bool,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// The flags that choose what a plan contains (shared with `chaosc run`).
#[derive(Debug, Args, Default)]
pub struct SelectArgs {
    /// Apply an environment: its SLO overrides, allow-list, confirmations and `set` params
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,

    /// Give a param a value, parsed by the param's type (repeatable)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, String)>,

    /// Only the scenarios of this suite, in its order
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,

    /// Only this scenario (repeatable)
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,

    /// Only scenarios with this tag (repeatable: any of them)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

impl SelectArgs {
    pub fn options(&self) -> Options {
        Options {
            environment: self.environment.clone(),
            sets: self.sets.clone(),
            suite: self.suite.clone(),
            scenarios: self.scenarios.clone(),
            tags: self.tags.clone(),
        }
    }
}

fn parse_set(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, found `{text}`")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// A timeline chart per scenario, with assertions, safety and capabilities
    Text,
    /// The plan as JSON (`docs/plan.schema.json`); with `--diff`, the diff as JSON
    Json,
}

/// Reads a plan written by `chaosc plan -o`, or says in one sentence why it is not one
/// this chaosc reads.
pub(super) fn read_plan(path: &Path) -> Result<Plan, String> {
    let text = files::read_text(path).map_err(|error| {
        files::IoProblem {
            path: path.to_path_buf(),
            error,
        }
        .message()
    })?;
    let not_a_plan = |why: String| format!("`{}` is not a chaosc plan: {why}", path.display());
    // The version first: a plan of another version may not read as this one's `Plan`.
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_a_plan(e.to_string()))?;
    let version = value
        .get("plan_version")
        .ok_or_else(|| not_a_plan("it has no `plan_version`".into()))?;
    if version.as_u64() != Some(u64::from(PLAN_VERSION)) {
        return Err(format!(
            "`{}` is a version {version} plan; this chaosc reads version {PLAN_VERSION}",
            path.display()
        ));
    }
    serde_json::from_value(value).map_err(|e| not_a_plan(e.to_string()))
}

pub fn run(args: &PlanArgs, globals: &Globals) -> i32 {
    let text = match files::read_text(&args.file) {
        Ok(text) => text,
        Err(error) => {
            let problem = files::IoProblem {
                path: args.file.clone(),
                error,
            };
            super::error_line(globals, &problem.message());
            return EXIT_USAGE;
        }
    };
    // The old plan is read first: a wrong `--diff` is a usage error, whatever FILE holds.
    let old = match args.diff.as_deref().map(read_plan).transpose() {
        Ok(old) => old,
        Err(message) => {
            super::error_line(globals, &message);
            super::err(
                "help: write it with `chaosc plan FILE -o OLD.json` (e.g. on the base branch)\n",
            );
            return EXIT_USAGE;
        }
    };
    let mut lowered = if args.legacy {
        lower_legacy(&args.file, &text, &args.select.options())
    } else {
        lower(&args.file, &text, &FsLoader, &args.select.options())
    };
    report_diagnostics(&lowered, globals);
    let Some(plan) = lowered.plan.as_mut() else {
        return EXIT_FAILED;
    };
    let code = write_plan(plan, args, old.as_ref(), globals);
    // A plan of a large file is hundreds of megabytes of records: freed off this path.
    crate::shared::release::drop_off_thread(lowered, text.len());
    code
}

/// Writes the plan where `args` say: to `-o PATH` as JSON, and to stdout as JSON, as
/// text, or as the difference from `old`.
fn write_plan(plan: &mut Plan, args: &PlanArgs, old: Option<&Plan>, globals: &Globals) -> i32 {
    if let Some(path) = &args.output {
        let written = std::fs::File::create(path).and_then(|file| write_json(plan, file));
        if let Err(error) = written {
            super::error_line(
                globals,
                &format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    files::reason(&error)
                ),
            );
            return EXIT_USAGE;
        }
        if globals.verbose {
            super::err(&format!("wrote the plan to `{}`\n", path.display()));
        }
    }
    if let Some(old) = old {
        return print_diff(old, plan, args, globals);
    }
    match args.format {
        // A closed pipe (`chaosc plan … | head`) is not worth reporting, as for `out`.
        PlanFormat::Json => drop(write_json(plan, std::io::stdout().lock())),
        PlanFormat::Text => {
            let options = crate::plan::view::ViewOptions {
                width: globals.width.max(40),
                color: globals.color_stdout,
                ascii: false,
            };
            super::out(&crate::plan::view::render(plan, &options));
        }
    }
    EXIT_OK
}

/// The plan as pretty JSON and a newline, streamed to `to`: a large file's plan is
/// hundreds of megabytes, which a string would hold (and copy as it grows) first.
fn write_json(plan: &mut Plan, to: impl std::io::Write) -> std::io::Result<()> {
    let mut to = std::io::BufWriter::with_capacity(1 << 16, to);
    crate::plan::json::write_pretty(plan, &mut to)?;
    to.flush()
}

/// `--diff`: what changed from `old` to `new`, as text or JSON.
fn print_diff(old: &Plan, new: &Plan, args: &PlanArgs, globals: &Globals) -> i32 {
    let diff = crate::plan::diff::diff(old, new);
    match args.format {
        PlanFormat::Text => super::out(&crate::plan::diff::render(&diff)),
        PlanFormat::Json => match serde_json::to_string_pretty(&diff) {
            Ok(json) => super::out(&(json + "\n")),
            Err(e) => {
                super::error_line(globals, &format!("cannot write the diff as JSON: {e}"));
                return EXIT_USAGE;
            }
        },
    }
    if args.fail_on_destructive && !diff.destructive_added.is_empty() {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Diagnostics go to stderr: stdout carries the plan.
pub(super) fn report_diagnostics(lowered: &Lowered, globals: &Globals) {
    let diagnostics = &lowered.checked.diagnostics;
    if diagnostics.is_empty() {
        return;
    }
    let mut text = render::render_human(
        diagnostics,
        &lowered.checked.sources,
        globals.color_stderr,
        globals.width,
    );
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if !globals.quiet {
        text.push('\n');
        text.push_str(&render::summary(errors, diagnostics.len() - errors, 1));
        text.push('\n');
    }
    super::err(&text);
}
