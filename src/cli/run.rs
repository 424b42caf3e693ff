//! `chaosc run FILE`: compile, preflight, confirm, run, report.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::files::{self, FsLoader};
use super::plan::{report_diagnostics, SelectArgs};
use super::{Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::inject::journal::{self, By};
use crate::plan::lower::{lower, lower_legacy};
use crate::plan::Plan;
use crate::report::pushgateway;
use crate::report::results::RunResults;
use crate::runtime::{self, live, preflight, progress::Mode};

/// An injector, probe or infrastructure problem (`docs/cli.md`).
pub const EXIT_INFRA: i32 = 4;

pub const EXAMPLES: &str = "\
Examples:
  chaosc run scenarios/quickstart.chaos              run it; reports in chaos-reports/<UTC time>/
  chaosc run experiments.chaos --dry-run             resolve every target and probe, inject nothing
  chaosc run experiments.chaos --scenario \"Light CPU Stress\" --yes
  chaosc run experiments.chaos --env production --report-dir out/
  chaosc run --plan plan.json                        run a plan written by `chaosc plan -o`
  chaosc run --legacy chaos_scenarios.yml --suite smoke_test
  chaosc run experiments.chaos --seed 42             repeat the random decisions of a run
  chaosc run experiments.chaos --report-only         failed SLOs are reported, but exit 0
  chaosc run experiments.chaos --compat legacy       also write the legacy tool's output files
  chaosc run experiments.chaos --no-readiness-gate   inject even if a probe fails before the first fault
  chaosc run experiments.chaos --metrics-listen 127.0.0.1:9464
                                                     serve live metrics at /metrics while it runs
  chaosc run experiments.chaos --pushgateway http://pushgateway:9091
                                                     push metrics.prom to a Pushgateway at the end

Exit status: 0 every blocking assertion held, 1 an assertion failed or a scenario was
not steady (0 with `--report-only`), 2 compile or usage error (or confirmation refused),
3 aborted, 4 an injector, probe or infrastructure error, 130 interrupted (after
reverting).";

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The `.chaos` file to run (or the legacy YAML with `--legacy`)
    #[arg(value_name = "FILE", required_unless_present = "plan")]
    pub file: Option<PathBuf>,

    /// Run a JSON plan written by `chaosc plan -o` instead of compiling a file
    #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["file", "legacy"])]
    pub plan: Option<PathBuf>,

    /// FILE is the legacy YAML configuration: import it in memory, then run it
    #[arg(long)]
    pub legacy: bool,

    /// Compile and resolve every target, probe and service on this host; inject nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Where to write the reports [default: chaos-reports/<UTC timestamp>/]
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,

    /// Confirm destructive faults without asking
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Seed of every random decision (printed and recorded; repeat a run with it)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Serve live metrics at http://ADDR/metrics while the run lasts (e.g. 127.0.0.1:9464)
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// Inject even when a probe is failing before the first fault (skips the readiness gate)
    #[arg(long)]
    pub no_readiness_gate: bool,

    /// How long the readiness gate waits for every probe to succeed N times in a row
    /// (N: the scenario's recovery `checks`) before the first fault
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub ready_within: std::time::Duration,

    /// Push `metrics.prom` to this Prometheus Pushgateway once the reports are written
    #[arg(long, value_name = "URL", value_parser = pushgateway::parse_url)]
    pub pushgateway: Option<reqwest::Url>,

    /// Exit 0 when the run only failed its SLOs (verdict `failed` or `not_steady`, which
    /// every report still says): the legacy `fail_on_violation: false`; errors, aborts
    /// and interruptions keep their exit status
    #[arg(long)]
    pub report_only: bool,

    /// Also write the files of the tool chaosc replaces (`chaos_results.json`,
    /// `resilience_validation.json`, `chaos_metrics.prom`) into the report folder
    #[arg(long, value_enum, value_name = "TOOL")]
    pub compat: Option<Compat>,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// Whose output files `--compat` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compat {
    /// The legacy Python tool's (`docs/legacy.md`)
    Legacy,
}

pub fn run(args: &RunArgs, globals: &Globals) -> i32 {
    let (plan, source) = match load(args, globals) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(refusal) = cluster_steps(&plan) {
        super::error_line(globals, &refusal);
        super::err(&format!(
            "help: run it on the cluster with Chaos Mesh: `chaosc export chaos-mesh {source} -o manifests/`, then `kubectl apply -f manifests/`\n"
        ));
        return EXIT_USAGE;
    }
    // Bound before anything runs: an address in use refuses the run, not its end.
    let listener = match args.metrics_listen.filter(|_| !args.dry_run) {
        Some(addr) => match live::bind(addr) {
            Ok(listener) => Some(listener),
            Err(e) => {
                super::error_line(globals, &e);
                super::err(
                    "help: choose another `--metrics-listen` address; nothing was started\n",
                );
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let report_root = args
        .report_dir
        .as_ref()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("chaos-reports"));
    // Faults earlier runs left applied; reverted (if trusted) once this run is sure
    // to start, never by a dry run.
    let leftovers = super::leftovers::find(&report_root);

    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            super::error_line(globals, &format!("cannot find the chaosc executable: {e}"));
            return EXIT_INFRA;
        }
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let probe_ctx = crate::inject::Context {
        worker_exe: exe.clone(),
        run_id: "preflight".into(),
        seed,
        services: Default::default(),
        allow_targets: plan.safety.allow_targets.clone(),
        report_dir: std::env::temp_dir(),
        proxies: Default::default(),
    };
    let mut checks = preflight::run(&plan, &probe_ctx, args.dry_run);
    if let (true, Some(addr)) = (args.dry_run, args.metrics_listen) {
        checks.push(preflight::Check {
            subject: "metrics listener".into(),
            result: live::bind(addr).map(|_| format!("`{addr}` can be listened on")),
        });
    }
    let failed = checks.iter().filter(|c| c.result.is_err()).count();
    if args.dry_run {
        let options = crate::plan::view::ViewOptions {
            width: globals.width.max(40),
            color: globals.color_stdout,
            ascii: false,
        };
        super::out(&crate::plan::view::render(&plan, &options));
        super::out(&render_preflight(
            &checks,
            &preflight::needs_confirmation(&plan),
        ));
        let left = leftovers.describe();
        if !left.is_empty() {
            super::out(&format!(
                "\nA run reverts first (a dry run reverts nothing):\n{left}"
            ));
        }
        return if failed == 0 { EXIT_OK } else { EXIT_INFRA };
    }
    if failed > 0 {
        for check in checks.iter().filter(|c| c.result.is_err()) {
            if let Err(e) = &check.result {
                super::error_line(globals, &format!("preflight: {}: {e}", check.subject));
            }
        }
        super::err("nothing was started or injected\n");
        return EXIT_INFRA;
    }
    let confirm = preflight::needs_confirmation(&plan);
    if !confirm.is_empty() && !args.yes {
        if let Err(code) = ask(&confirm, globals) {
            return code;
        }
    }
    if leftovers.runs_commands() && !args.yes {
        let question = format!(
            "{}reverting them runs the commands above as this user\n",
            leftovers.describe()
        );
        if let Err(code) = ask_or_refuse(
            &question,
            "refusing to run the revert commands of an earlier run without confirmation",
            "pass `--yes` to run them, or revert that folder with `chaosc recover DIR` after checking its journal",
            globals,
        ) {
            return code;
        }
    }
    leftovers.revert(globals);

    let report_dir = match make_report_dir(args.report_dir.as_deref()) {
        Ok(dir) => dir,
        Err(e) => {
            super::error_line(globals, &e);
            return EXIT_USAGE;
        }
    };
    let mode = if globals.quiet {
        Mode::Quiet
    } else if std::io::stderr().is_terminal() {
        Mode::Live
    } else {
        Mode::Plain
    };
    if !globals.quiet {
        super::err(&format!(
            "running {} scenario(s) from `{source}` (seed {seed}); reports in `{}`\n",
            plan.scenarios.len(),
            report_dir.display()
        ));
    }
    let live = listener.map(|listener| {
        let live = live::Live::new(
            &runtime::run_id(&report_dir),
            seed,
            &source,
            plan.environment.as_deref(),
        );
        (listener, Arc::new(live))
    });
    if let (Some((listener, _)), false) = (&live, globals.quiet) {
        if let Ok(addr) = listener.local_addr() {
            super::err(&format!("live metrics at http://{addr}/metrics\n"));
        }
    }
    let options = runtime::Options {
        report_dir: report_dir.clone(),
        seed,
        exe,
        progress: mode,
        source,
        live: live.as_ref().map(|(_, l)| Arc::clone(l)),
        readiness: (!args.no_readiness_gate).then_some(args.ready_within),
    };
    let mut results = match execute(plan, options, live.map(|(listener, _)| listener)) {
        Ok(results) => results,
        Err(e) => {
            super::error_line(globals, &e);
            // A panic skipped the normal revert: do it from the journal.
            let _ = journal::revert_open(&report_dir, By::Runner);
            return EXIT_INFRA;
        }
    };
    if args.report_only && results.exit_code == EXIT_FAILED {
        // Recorded, so that every report states the exit status the run had.
        results.exit_code = EXIT_OK;
    }
    if let Err(e) = write_reports(&report_dir, &results) {
        super::error_line(globals, &e);
    }
    if args.compat == Some(Compat::Legacy) {
        if let Err(e) = crate::report::write_legacy(&report_dir, &results) {
            super::error_line(
                globals,
                &format!(
                    "cannot write the legacy files into `{}`: {e}",
                    report_dir.display()
                ),
            );
        }
    }
    append_step_summary(&results, &report_dir, globals);
    if let Some(url) = &args.pushgateway {
        push(url, &results, &report_dir, globals);
    }
    super::out(&summary(&results, &report_dir));
    results.exit_code
}

/// Why this plan cannot run on this host: steps on Kubernetes pods, which only a cluster
/// engine can act on (no cluster has been tested against yet).
fn cluster_steps(plan: &Plan) -> Option<String> {
    let steps: Vec<String> = plan
        .scenarios
        .iter()
        .flat_map(|scenario| {
            scenario
                .steps
                .iter()
                .filter(|step| step.target.needs_cluster())
                .map(move |step| format!("`{}` in `{}`", step.name, scenario.name))
        })
        .collect();
    let first = steps.first()?;
    let more = match steps.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(format!(
        "`chaosc run` cannot act on kubernetes pods: step {first}{more} targets pods"
    ))
}

fn load(args: &RunArgs, globals: &Globals) -> Result<(Plan, String), i32> {
    if let Some(path) = &args.plan {
        let given = &args.select;
        if given.environment.is_some()
            || !given.sets.is_empty()
            || given.suite.is_some()
            || !given.scenarios.is_empty()
            || !given.tags.is_empty()
        {
            super::error_line(
                globals,
                "`--plan` runs a plan as written; `--env`, `--set`, `--suite`, `--scenario` and `--tag` apply when it is compiled",
            );
            super::err("help: pass them to `chaosc plan … -o plan.json` instead\n");
            return Err(EXIT_USAGE);
        }
        let plan = super::plan::read_plan(path).map_err(|message| {
            super::error_line(globals, &message);
            EXIT_USAGE
        })?;
        return Ok((plan, path.display().to_string()));
    }
    let Some(file) = &args.file else {
        super::error_line(globals, "nothing to run: give a FILE or `--plan PLAN.json`");
        return Err(EXIT_USAGE);
    };
    let text = files::read_text(file).map_err(|error| {
        let problem = files::IoProblem {
            path: file.clone(),
            error,
        };
        super::error_line(globals, &problem.message());
        EXIT_USAGE
    })?;
    let lowered = if args.legacy {
        lower_legacy(file, &text, &args.select.options())
    } else {
        lower(file, &text, &FsLoader, &args.select.options())
    };
    report_diagnostics(&lowered, globals);
    match lowered.plan {
        Some(plan) => Ok((plan, file.display().to_string())),
        None => Err(EXIT_USAGE),
    }
}

/// Sends the run's metrics to the Pushgateway. A failure is an error line but leaves
/// the exit status alone: the status says how the experiment went, and it did run.
fn push(url: &reqwest::Url, results: &RunResults, dir: &Path, globals: &Globals) {
    let text = crate::report::render_prometheus(results);
    match pushgateway::push(url, &results.run_id, &text) {
        Ok(group) => {
            if !globals.quiet {
                super::err(&format!(
                    "pushed the metrics to `{}`\n",
                    pushgateway::display(&group)
                ));
            }
        }
        Err(e) => {
            super::error_line(globals, &e);
            super::err(&format!(
                "help: the exit status is the run's, unchanged by this; the metrics are in `{}`\n",
                dir.join(crate::report::PROMETHEUS_FILE).display()
            ));
        }
    }
}

/// In a GitHub Actions step (`$GITHUB_STEP_SUMMARY` names a file), appends the job
/// summary to that file. A failure is an error line; the exit status stays the run's.
fn append_step_summary(results: &RunResults, dir: &Path, globals: &Globals) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let folder = dir.display().to_string();
    let run_url = super::report::github_run_url();
    let text = crate::report::render_github(
        results,
        &crate::report::github::Links {
            report_dir: Some(&folder),
            run_url: run_url.as_deref(),
        },
    );
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = appended {
        super::error_line(
            globals,
            &format!(
                "cannot append the job summary to `{}` (`GITHUB_STEP_SUMMARY`): {}",
                Path::new(&path).display(),
                files::reason(&e)
            ),
        );
    }
}

/// Runs the plan on a multi-threaded runtime with SIGINT/SIGTERM turned into an
/// orderly stop; a panic in the runtime is reported as an error. With `metrics`
/// (`--metrics-listen`), live metrics are served from `options.live` until the run ends.
fn execute(
    plan: Plan,
    options: runtime::Options,
    metrics: Option<std::net::TcpListener>,
) -> Result<RunResults, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let signals = tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            loop {
                let name = tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                };
                if !*tx.borrow() {
                    eprintln!("\n{name}: reverting every fault, then writing the reports");
                }
                let _ = tx.send(true);
            }
        });
        let server = match (metrics, &options.live) {
            (Some(listener), Some(live)) => {
                Some(tokio::spawn(live::serve(listener, Arc::clone(live))))
            }
            _ => None,
        };
        let run = tokio::spawn(runtime::execute(plan, options, rx));
        let out = run.await;
        signals.abort();
        // The run is over: stop listening (the listener closes with the task).
        if let Some(server) = server {
            server.abort();
            let _ = server.await;
        }
        out.map_err(|e| format!("the run failed unexpectedly: {e}"))
    })
}

fn write_reports(dir: &Path, results: &RunResults) -> Result<(), String> {
    crate::report::write_all(dir, results)
        .map(|_| ())
        .map_err(|e| format!("cannot write the reports into `{}`: {e}", dir.display()))
}

fn summary(results: &RunResults, dir: &Path) -> String {
    let mut out = String::new();
    for s in &results.scenarios {
        out.push_str(&format!("{:<21} {}", s.verdict.as_str(), s.name));
        if let Some(reason) = &s.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "verdict: {} (exit {}); reports in {}\n",
        results.verdict.as_str(),
        results.exit_code,
        dir.display()
    ));
    out
}

fn render_preflight(checks: &[preflight::Check], confirm: &[String]) -> String {
    let mut out = String::from("\nPreflight on this host\n");
    for check in checks {
        match &check.result {
            Ok(what) => out.push_str(&format!("  ok     {}: {what}\n", check.subject)),
            Err(e) => out.push_str(&format!("  error  {}: {e}\n", check.subject)),
        }
    }
    if !confirm.is_empty() {
        out.push_str("\nNeeds confirmation (`--yes`):\n");
        for c in confirm {
            out.push_str(&format!("  {c}\n"));
        }
    }
    let failed = checks.iter().filter(|c| c.result.is_err()).count();
    out.push_str(&match failed {
        0 => "\ndry run: everything resolved; nothing was injected\n".to_string(),
        n => format!("\ndry run: {n} problem(s); nothing was injected\n"),
    });
    out
}

/// Asks on the terminal; refuses without one.
fn ask(confirm: &[String], globals: &Globals) -> Result<(), i32> {
    let mut text = String::from("this run injects faults that need confirmation:\n");
    for c in confirm {
        text.push_str(&format!("  {c}\n"));
    }
    ask_or_refuse(
        &text,
        "refusing to run destructive faults without confirmation",
        "pass `--yes` to confirm them (there is no terminal to ask on)",
        globals,
    )
}

/// Shows `text` and asks `continue? [y/N]` on the terminal; without a terminal,
/// refuses with `refusal` and `help`. `Err` is the exit status.
fn ask_or_refuse(text: &str, refusal: &str, help: &str, globals: &Globals) -> Result<(), i32> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        super::err(text);
        super::error_line(globals, refusal);
        super::err(&format!("help: {help}\n"));
        return Err(EXIT_USAGE);
    }
    super::err(&format!("{text}continue? [y/N] "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        super::err("not confirmed; nothing was injected\n");
        Err(EXIT_USAGE)
    }
}

fn make_report_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match given {
        Some(dir) => dir.to_path_buf(),
        None => {
            let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string()
                .replace(['-', ':'], "");
            let base = PathBuf::from("chaos-reports").join(&stamp);
            let mut dir = base.clone();
            let mut n = 1;
            while dir.exists() {
                n += 1;
                dir = PathBuf::from(format!("{}-{n}", base.display()));
            }
            dir
        }
    };
    if let Ok(meta) = std::fs::symlink_metadata(&dir) {
        if !meta.is_dir() {
            return Err(format!(
                "the report folder `{}` is {}; choose another `--report-dir`",
                dir.display(),
                if meta.file_type().is_symlink() {
                    "a symbolic link"
                } else {
                    "not a folder"
                }
            ));
        }
        let empty = std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(format!(
                "the report folder `{}` is not empty; choose another `--report-dir`",
                dir.display()
            ));
        }
    }
    // Not writable by others, whatever the umask: its journal must stay trustworthy.
    crate::inject::files::create_private_dir(&dir)
        .map_err(|e| format!("cannot create the report folder `{}`: {e}", dir.display()))?;
    Ok(dir)
}

/// A duration on the command line: `30s`, `500ms`, `2m`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration ({e}); write e.g. `30s` or `500ms`"))
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // splitmix64 of time and pid: different for runs started in the same nanosecond.
    let mut z = nanos ^ (u64::from(std::process::id()) << 32);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
