//! `chaosc export chaos-mesh`: a Plan's scenarios on Kubernetes pods as Chaos Mesh
//! `Workflow` manifests (`docs/kubernetes.md`).
//!
//! Each scenario becomes one Workflow: a Parallel entry whose first child is the
//! scenario's phases (Serial: baseline Suspend, then the chaos Parallel) and whose other
//! children are the HTTP probes as StatusChecks, watching for the whole scenario
//! (baseline, chaos and recovery window). In the chaos Parallel each step is a branch: a
//! Suspend for its offset (none at 0), then its chaos template with the step's duration
//! as `deadline`. What Chaos Mesh cannot express is an error (E1401) or, where the loss
//! leaves the experiment meaningful, a warning (W1401).

mod checks;
mod faults;
pub mod names;
mod yaml;

use crate::diag::{Code, Diagnostic, SourceId, Span};
use crate::plan::{Abort, Plan, Probe, Scenario, SourceSpan, Step, Text};
use names::{label_value, Names, MAX_NAME, MAX_TEMPLATE};
use yaml::{insert, list, map, string};
use yaml_rust2::Yaml;

/// The deadline of an instant step (`pod_kill`, `container_kill`): Chaos Mesh ends a
/// workflow node only at its deadline. The action happens when the chaos object is
/// created; deleting it afterwards undoes nothing.
pub const INSTANT_DEADLINE_MS: u64 = 5_000;

/// The API group and version of every generated object.
pub const API_VERSION: &str = "chaos-mesh.org/v1alpha1";

/// One generated Workflow.
pub struct Manifest {
    /// The scenario it was generated from.
    pub scenario: String,
    /// `metadata.name`.
    pub name: String,
    pub document: Yaml,
}

impl Manifest {
    /// The manifest as a YAML document.
    pub fn yaml(&self) -> Result<String, String> {
        yaml::write(&[&self.document])
    }
}

/// Something that could not be exported as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// E1401 (the scenario is not exported) or W1401 (exported, with this loss).
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    pub span: SourceSpan,
}

/// The manifests of the scenarios that could be exported, and every problem.
pub struct Exported {
    pub manifests: Vec<Manifest>,
    pub problems: Vec<Problem>,
}

impl Exported {
    /// Whether any scenario was refused.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.code == Code::NotExportable)
    }

    /// Every manifest as one multi-document YAML stream.
    pub fn yaml(&self) -> Result<String, String> {
        yaml::write(
            &self
                .manifests
                .iter()
                .map(|m| &m.document)
                .collect::<Vec<_>>(),
        )
    }
}

/// Problems found while exporting one scenario.
#[derive(Default)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    fn refuse(&mut self, step: &Step, message: String, help: &str) {
        self.list.push(Problem {
            code: Code::NotExportable,
            message,
            help: Some(help.to_string()),
            span: step.span.clone(),
        });
    }

    fn lose(&mut self, step: &Step, message: String) {
        self.push_loss(message, step.span.clone());
    }

    fn lose_probe(&mut self, probe: &Probe, message: String) {
        self.push_loss(message, probe.span.clone());
    }

    fn lose_abort(&mut self, probe: &Probe, abort: &Abort) {
        self.push_loss(
            format!(
                "`abort when {} …` on probe `{}` is not exported: a status check only aborts after consecutive failures",
                abort.condition.metric, probe.name
            ),
            abort.origin.span.clone(),
        );
    }

    fn push_loss(&mut self, message: String, span: SourceSpan) {
        self.list.push(Problem {
            code: Code::NotExported,
            message,
            help: None,
            span,
        });
    }
}

/// A text known without the environment.
fn literal(text: &Text) -> Option<&str> {
    match text {
        Text::Literal(s) => Some(s),
        Text::Env { .. } | Text::Concat { .. } => None,
    }
}

/// Milliseconds as a Go duration (`30s`, `1500ms`), as Chaos Mesh parses them.
pub fn duration(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Exports every scenario of `plan` that is not skipped.
pub fn export(plan: &Plan) -> Exported {
    let mut workflows = Names::default();
    let mut manifests = Vec::new();
    let mut problems = Vec::new();
    // Services are processes `chaosc run` starts on this host; a cluster runs its own.
    let mut services = Problems::default();
    for service in &plan.services {
        services.push_loss(
            format!(
                "service `{}` is not started on the cluster: the workflows expect it to run there already",
                service.name
            ),
            service.span.clone(),
        );
    }
    problems.extend(services.list);
    for scenario in &plan.scenarios {
        let mut found = Problems::default();
        if let Some(reason) = &scenario.skipped {
            found.push_loss(
                format!("scenario `{}` is skipped: {reason}", scenario.name),
                scenario.span.clone(),
            );
        } else if let Some(document) = workflow(plan, scenario, &mut workflows, &mut found) {
            manifests.push(document);
        }
        problems.extend(found.list);
    }
    Exported {
        manifests,
        problems,
    }
}

/// The labels every generated object carries, and the exact texts as annotations.
fn metadata(plan: &Plan, scenario: &Scenario, name: &str) -> Yaml {
    map([
        ("name", string(name)),
        (
            "labels",
            map([
                ("app.kubernetes.io/managed-by", string("chaosc")),
                ("chaosc.dev/source", string(label_value(&plan.source))),
                ("chaosc.dev/scenario", string(label_value(&scenario.name))),
            ]),
        ),
        (
            "annotations",
            map([
                ("chaosc.dev/source", string(plan.source.as_str())),
                ("chaosc.dev/scenario", string(scenario.name.as_str())),
            ]),
        ),
    ])
}

/// A template of `kind` with a deadline, when it has one.
fn template(name: &str, kind: &str, deadline: Option<u64>) -> Yaml {
    let mut out = map([("name", string(name)), ("templateType", string(kind))]);
    if let Some(ms) = deadline {
        insert(&mut out, "deadline", string(duration(ms)));
    }
    out
}

fn with_children(mut template: Yaml, children: &[String]) -> Yaml {
    insert(
        &mut template,
        "children",
        list(children.iter().map(|c| string(c.as_str()))),
    );
    template
}

fn workflow(
    plan: &Plan,
    scenario: &Scenario,
    workflows: &mut Names,
    problems: &mut Problems,
) -> Option<Manifest> {
    let mut names = Names::default();
    let entry = names.take("entry", MAX_TEMPLATE);
    let phases = names.take("phases", MAX_TEMPLATE);
    let mut templates = Vec::new();
    let mut phase_children = Vec::new();

    if scenario.baseline_ms > 0 {
        let baseline = names.take("baseline", MAX_TEMPLATE);
        templates.push(template(&baseline, "Suspend", Some(scenario.baseline_ms)));
        phase_children.push(baseline);
    }
    let mut branches = Vec::new();
    let mut refused = false;
    for step in &scenario.steps {
        let Some(chaos) = faults::chaos(step, problems) else {
            refused = true;
            continue;
        };
        let name = names.take(&step.name, MAX_TEMPLATE);
        let deadline = match step.duration_ms {
            Some(length) if step.sustained => length,
            _ => INSTANT_DEADLINE_MS,
        };
        let mut node = template(&name, chaos.kind, Some(deadline));
        insert(&mut node, chaos.field, chaos.spec);
        if step.start_ms == 0 {
            branches.push(name);
        } else {
            let wait = names.take(&format!("{}-wait", step.name), MAX_TEMPLATE);
            let branch = names.take(&format!("{}-branch", step.name), MAX_TEMPLATE);
            templates.push(template(&wait, "Suspend", Some(step.start_ms)));
            templates.push(with_children(
                template(&branch, "Serial", None),
                &[wait, name.clone()],
            ));
            branches.push(branch);
        }
        templates.push(node);
    }
    if refused {
        return None;
    }
    if !branches.is_empty() {
        let chaos = names.take("chaos", MAX_TEMPLATE);
        templates.push(with_children(template(&chaos, "Parallel", None), &branches));
        phase_children.push(chaos);
    }
    // Top-down, as people read it: entry, phases, then the rest in timeline order.
    templates.insert(
        0,
        with_children(template(&phases, "Serial", None), &phase_children),
    );

    let total = scenario.baseline_ms + scenario.chaos_ms + scenario.recovery.within_ms;
    let mut entry_children = vec![phases];
    let aborts: Vec<&Abort> = scenario.aborts.iter().chain(&plan.safety.abort).collect();
    for probe in &scenario.probes {
        let own: Vec<&Abort> = aborts
            .iter()
            .copied()
            .filter(|a| a.condition.probe.as_deref().is_none_or(|p| p == probe.name))
            .collect();
        let Some(check) = checks::status_check(probe, &own, problems) else {
            for abort in own {
                problems.lose_abort(probe, abort);
            }
            continue;
        };
        let name = names.take(&format!("check-{}", probe.name), MAX_TEMPLATE);
        let mut node = template(&name, "StatusCheck", Some(total.max(1000)));
        if check.abort {
            insert(&mut node, "abortWithStatusCheck", Yaml::Boolean(true));
        }
        insert(&mut node, "statusCheck", check.spec);
        templates.push(node);
        entry_children.push(name);
    }
    templates.insert(
        0,
        with_children(template(&entry, "Parallel", None), &entry_children),
    );

    let name = workflows.take(&scenario.name, MAX_NAME);
    let document = map([
        ("apiVersion", string(API_VERSION)),
        ("kind", string("Workflow")),
        ("metadata", metadata(plan, scenario, &name)),
        (
            "spec",
            map([
                ("entry", string(entry)),
                ("templates", Yaml::Array(templates)),
            ]),
        ),
    ]);
    Some(Manifest {
        scenario: scenario.name.clone(),
        name,
        document,
    })
}

/// The problems as diagnostics (in source order) against the sources they point into (a source the
/// compilation did not read, as with `--plan`, is added empty under its name).
pub fn diagnostics(problems: &[Problem], sources: &mut crate::diag::Sources) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = problems
        .iter()
        .map(|problem| {
            let source = match sources
                .files
                .iter()
                .position(|s| s.name == problem.span.file)
            {
                Some(index) => SourceId(index as u32),
                None => sources.add(problem.span.file.as_str(), ""),
            };
            let span = if sources.get(source).text.len() >= problem.span.end {
                Span::new(problem.span.start, problem.span.end)
            } else {
                Span::new(0, 0)
            };
            let mut diagnostic = Diagnostic::new(problem.code, source, span, &problem.message);
            if let Some(help) = &problem.help {
                diagnostic = diagnostic.with_help(help);
            }
            diagnostic
        })
        .collect();
    // In source order, as the checker reports.
    crate::diag::sort(&mut out);
    out
}

/// Compiles `path` with `options` and exports the plan: every diagnostic (the
/// compiler's, then the export's, in one `Checked`) and the export, when the program
/// compiled.
pub fn compile(
    path: &std::path::Path,
    text: &str,
    loader: &dyn crate::check::Loader,
    options: &crate::plan::lower::Options,
) -> (crate::check::Checked, Option<Exported>) {
    let lowered = crate::plan::lower::lower(path, text, loader, options);
    let mut checked = lowered.checked;
    let Some(plan) = lowered.plan else {
        return (checked, None);
    };
    let exported = export(&plan);
    let found = diagnostics(&exported.problems, &mut checked.sources);
    checked.diagnostics.extend(found);
    (checked, Some(exported))
}

/// Whether a fixture or example asks to be exported (a `// export: chaos-mesh` line).
pub fn wants_export(text: &str) -> bool {
    text.lines().any(|l| l.trim() == "// export: chaos-mesh")
}
