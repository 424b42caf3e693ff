//! `chaosc export chaos-mesh FILE`: the scenarios on Kubernetes pods as Chaos Mesh
//! Workflow manifests.

use super::files::{self, FsLoader};
use super::plan::SelectArgs;
use super::{render, Globals, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diag::Sources;
use crate::export::chaos_mesh;
use crate::plan::lower::lower;
use crate::plan::Plan;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  chaosc export chaos-mesh shop.chaos -o manifests/
                                            one Workflow file per scenario in manifests/
  chaosc export chaos-mesh shop.chaos -o - | kubectl apply -n chaos-testing -f -
                                            straight to the cluster
  chaosc export chaos-mesh shop.chaos --scenario \"Kill the database\" -o -
  chaosc export chaos-mesh shop.chaos --env staging --tag kubernetes -o manifests/
  chaosc export chaos-mesh --plan plan.json -o manifests/    a plan written by `chaosc plan -o`

Then watch it with `kubectl get workflow -w` and `kubectl describe workflow NAME`
(docs/kubernetes.md).";

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub engine: Engine,
}

#[derive(Debug, Subcommand)]
pub enum Engine {
    /// Chaos Mesh Workflows (one per scenario) for `kubectl apply`
    #[command(name = "chaos-mesh", after_help = EXAMPLES)]
    ChaosMesh(ChaosMeshArgs),
}

#[derive(Debug, Args)]
pub struct ChaosMeshArgs {
    /// The `.chaos` file to compile
    #[arg(value_name = "FILE", required_unless_present = "plan")]
    pub file: Option<PathBuf>,

    /// Export this plan (from `chaosc plan -o`) instead of compiling a FILE
    #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["file", "environment", "sets", "suite", "scenarios", "tags"])]
    pub plan: Option<PathBuf>,

    /// A directory for one `WORKFLOW.yaml` per scenario, or `-` for one YAML stream on stdout
    #[arg(short, long, value_name = "DIR|-")]
    pub output: PathBuf,

    #[command(flatten)]
    pub select: SelectArgs,
}

pub fn run(args: &ExportArgs, globals: &Globals) -> i32 {
    let Engine::ChaosMesh(args) = &args.engine;
    let (plan, mut sources) = match load(args, globals) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let exported = chaos_mesh::export(&plan);
    let diagnostics = chaos_mesh::diagnostics(&exported.problems, &mut sources);
    if !diagnostics.is_empty() {
        super::err(&render::render_human(
            &diagnostics,
            &sources,
            globals.color_stderr,
            globals.width,
        ));
    }
    if exported.has_errors() {
        super::error_line(
            globals,
            "nothing was written: chaos mesh cannot run every selected scenario",
        );
        super::err("help: leave those scenarios out with `--scenario` or `--tag`\n");
        return EXIT_FAILED;
    }
    if exported.manifests.is_empty() {
        super::error_line(globals, "no scenario to export");
        return EXIT_FAILED;
    }
    match write(&exported, &args.output) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            super::error_line(globals, &message);
            EXIT_USAGE
        }
    }
}

fn write(exported: &chaos_mesh::Exported, output: &Path) -> Result<(), String> {
    if output == Path::new("-") {
        super::out(&exported.yaml()?);
        return Ok(());
    }
    std::fs::create_dir_all(output).map_err(|e| {
        format!(
            "cannot create `{}`: {}",
            output.display(),
            files::reason(&e)
        )
    })?;
    for manifest in &exported.manifests {
        let yaml = manifest.yaml()?;
        let path = output.join(format!("{}.yaml", manifest.name));
        std::fs::write(&path, yaml)
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), files::reason(&e)))?;
    }
    Ok(())
}

fn load(args: &ChaosMeshArgs, globals: &Globals) -> Result<(Plan, Sources), i32> {
    if let Some(path) = &args.plan {
        let plan = super::plan::read_plan(path).map_err(|message| {
            super::error_line(globals, &message);
            EXIT_USAGE
        })?;
        // The plan's source files, where they are still readable, so that problems
        // point into them (a file edited since the plan was written may be off).
        let mut sources = Sources::default();
        let mut paths: Vec<&str> = plan
            .scenarios
            .iter()
            .map(|s| s.span.file.as_str())
            .collect();
        paths.sort_unstable();
        paths.dedup();
        for file in paths {
            if let Ok(text) = files::read_text(Path::new(file)) {
                sources.add(file, text);
            }
        }
        return Ok((plan, sources));
    }
    let Some(file) = &args.file else {
        super::error_line(
            globals,
            "nothing to export: give a FILE or `--plan PLAN.json`",
        );
        return Err(EXIT_USAGE);
    };
    let text = read(file, globals)?;
    let lowered = lower(file, &text, &FsLoader, &args.select.options());
    super::plan::report_diagnostics(&lowered, globals);
    match lowered.plan {
        Some(plan) => Ok((plan, lowered.checked.sources)),
        None => Err(EXIT_FAILED),
    }
}

fn read(path: &Path, globals: &Globals) -> Result<String, i32> {
    files::read_text(path).map_err(|error| {
        let problem = files::IoProblem {
            path: path.to_path_buf(),
            error,
        };
        super::error_line(globals, &problem.message());
        EXIT_USAGE
    })
}
