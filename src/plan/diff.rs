//! What changed between two plans: `chaosc plan NEW --diff OLD.json`.
//!
//! A pull request changes `.chaos` files; what a reviewer needs is what the experiment
//! will do differently. So two plans are compared, not two texts: scenarios matched by
//! name, steps by scenario and step name (`as NAME`, or `KIND#N`), assertions, steady
//! states and aborts by their key (metric, probe, percentile, and window and severity,
//! or window of an abort), probes, params, services and suites by name. A name that
//! occurs twice on one side is matched by occurrence (the first with the first).
//!
//! The comparison ([`diff`]) is pure; [`render`] is its text for people, and the
//! [`PlanDiff`] itself serializes to the JSON document for tools (`--format json`,
//! versioned by [`DIFF_VERSION`]). Spans are never compared: a step that only moved in
//! its file has not changed.

use super::view::words;
use super::{Abort, Assertion, Condition, Level, Origin, Plan, Scenario, Step, Target};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Bumped when a field of the diff document changes meaning or disappears.
pub const DIFF_VERSION: u32 = 1;

/// Everything that differs between an old and a new plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanDiff {
    pub diff_version: u32,
    pub old_source: String,
    pub new_source: String,
    /// How many entries below differ (plan fields, run-wide aborts, and every entry of
    /// every scenario, an added or removed scenario counting once).
    pub changes: usize,
    /// Steps that are destructive in the new plan and were not in the old one (added, or
    /// marked destructive now): what `--fail-on-destructive` fails on.
    pub destructive_added: Vec<StepRef>,
    /// Run-wide fields: environment, params, run order, safety, services, suites.
    pub plan: Vec<FieldChange>,
    /// Run-wide abort conditions (`safety.abort`).
    pub aborts: Vec<ConditionChange>,
    /// Scenarios added, removed or changed, in the new plan's order, then the removed.
    pub scenarios: Vec<ScenarioChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRef {
    pub scenario: String,
    pub step: String,
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

impl Status {
    fn sign(self) -> char {
        match self {
            Status::Added => '+',
            Status::Removed => '-',
            Status::Changed => '~',
        }
    }
}

/// One field that differs: its value in each plan (JSON, `null` when absent on that
/// side) and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
    pub old_text: String,
    pub new_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioChange {
    pub name: String,
    pub status: Status,
    /// description, tags, skipped, baseline, chaos length, recovery, max duration, probes.
    pub fields: Vec<FieldChange>,
    pub steps: Vec<StepChange>,
    pub steady_state: Vec<ConditionChange>,
    pub assertions: Vec<ConditionChange>,
    pub aborts: Vec<ConditionChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChange {
    pub name: String,
    pub status: Status,
    /// The fault kind in the new plan (the old one for a removed step).
    pub kind: String,
    /// Destructive in the new plan (the old one for a removed step).
    pub destructive: bool,
    /// The step in words, as the new plan has it (the old one for a removed step).
    pub text: String,
    /// For a changed step: `kind`, `fault`, `target`, `start_ms`, `duration_ms`,
    /// `destructive`.
    pub fields: Vec<FieldChange>,
}

/// An assertion, steady-state condition or abort that was added, removed, or whose
/// comparison, threshold or origin level changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionChange {
    /// What identifies it: `availability(home) during chaos, blocking`.
    pub key: String,
    pub status: Status,
    pub old: Option<ConditionSide>,
    pub new: Option<ConditionSide>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionSide {
    /// As it would be written: `availability(home) >= 99.9%`.
    pub text: String,
    pub condition: Condition,
    pub origin: Origin,
    /// Where it comes from in words: `environment production  slo.chaos:12:5`.
    pub origin_text: String,
}

/// Compares two plans.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let mut plan = Vec::new();
    plan_fields(old, new, &mut plan);
    let contexts = (Context::of(old), Context::of(new));
    let aborts = conditions(&old.safety.abort, &new.safety.abort, contexts);
    let mut scenarios = Vec::new();
    for (_, o, n) in pair(&old.scenarios, &new.scenarios, |s| s.name.clone()) {
        scenarios.extend(scenario(o, n, contexts));
    }
    let destructive_added = scenarios
        .iter()
        .flat_map(|s| {
            s.steps
                .iter()
                .filter(|step| became_destructive(step))
                .map(|step| StepRef {
                    scenario: s.name.clone(),
                    step: step.name.clone(),
                    kind: step.kind.clone(),
                })
        })
        .collect();
    let changes = plan.len()
        + aborts.len()
        + scenarios
            .iter()
            .map(|s| match s.status {
                Status::Changed => {
                    s.fields.len()
                        + s.steps.len()
                        + s.steady_state.len()
                        + s.assertions.len()
                        + s.aborts.len()
                }
                Status::Added | Status::Removed => 1,
            })
            .sum::<usize>();
    PlanDiff {
        diff_version: DIFF_VERSION,
        old_source: old.source.clone(),
        new_source: new.source.clone(),
        changes,
        destructive_added,
        plan,
        aborts,
        scenarios,
    }
}

fn became_destructive(step: &StepChange) -> bool {
    match step.status {
        Status::Added => step.destructive,
        Status::Removed => false,
        Status::Changed => step.destructive && step.fields.iter().any(|f| f.field == "destructive"),
    }
}

/// Pairs the items of two lists by key, the k-th occurrence of a key with the k-th: the
/// new list's order (matched or added), then the removed items in the old list's order.
fn pair<'a, T>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> String,
) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let occurrences = |items: &'a [T]| -> Vec<((String, usize), &'a T)> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        items
            .iter()
            .map(|item| {
                let k = key(item);
                let n = seen.entry(k.clone()).or_insert(0);
                *n += 1;
                ((k, *n), item)
            })
            .collect()
    };
    let old = occurrences(old);
    let new = occurrences(new);
    let mut out: Vec<(String, Option<&T>, Option<&T>)> = new
        .iter()
        .map(|(k, n)| {
            let o = old.iter().find(|(ok, _)| ok == k).map(|(_, o)| *o);
            (k.0.clone(), o, Some(*n))
        })
        .collect();
    for (k, o) in &old {
        if !new.iter().any(|(nk, _)| nk == k) {
            out.push((k.0.clone(), Some(*o), None));
        }
    }
    out
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Compares one field; `None` when both sides are equal.
fn field<T: Serialize + PartialEq>(
    name: &str,
    old: Option<&T>,
    new: Option<&T>,
    text: impl Fn(&T) -> String,
) -> Option<FieldChange> {
    if old == new {
        return None;
    }
    let side = |v: Option<&T>| match v {
        Some(v) => (json(v), text(v)),
        None => (Value::Null, "none".to_string()),
    };
    let (old, old_text) = side(old);
    let (new, new_text) = side(new);
    Some(FieldChange {
        field: name.to_string(),
        old,
        new,
        old_text,
        new_text,
    })
}

fn optional_ms(ms: &Option<u64>) -> String {
    ms.map(words::duration).unwrap_or_else(|| "none".into())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn plan_fields(old: &Plan, new: &Plan, out: &mut Vec<FieldChange>) {
    out.extend(field(
        "environment",
        Some(&old.environment),
        Some(&new.environment),
        |e| e.clone().unwrap_or_else(|| "none".into()),
    ));
    for (name, o, n) in pair(&old.params, &new.params, |p| p.name.clone()) {
        let value = |p: &super::ParamValue| (p.ty.clone(), p.value.clone());
        let (o, n) = (o.map(value), n.map(value));
        out.extend(field(
            &format!("param {name}"),
            o.as_ref(),
            n.as_ref(),
            |(ty, value)| {
                words::param(&super::ParamValue {
                    name: name.clone(),
                    ty: ty.clone(),
                    value: value.clone(),
                    from: super::ParamSource::Default,
                })
            },
        ));
    }
    // The run order (selection and suite order) only matters for scenarios in both plans;
    // additions and removals are reported per scenario.
    let names = |plan: &Plan, other: &Plan| -> Vec<String> {
        plan.scenarios
            .iter()
            .filter(|s| other.scenarios.iter().any(|o| o.name == s.name))
            .map(|s| s.name.clone())
            .collect()
    };
    out.extend(field(
        "run order",
        Some(&names(old, new)),
        Some(&names(new, old)),
        |names| list(names),
    ));
    let (o, n) = (&old.safety, &new.safety);
    out.extend(field(
        "safety max_duration_ms",
        Some(&o.max_duration_ms),
        Some(&n.max_duration_ms),
        optional_ms,
    ));
    out.extend(field(
        "safety cooldown_ms",
        Some(&o.cooldown_ms),
        Some(&n.cooldown_ms),
        |ms| words::duration(*ms),
    ));
    out.extend(field(
        "safety confirm",
        Some(&o.confirm),
        Some(&n.confirm),
        |l| list(l),
    ));
    out.extend(field(
        "safety allow_targets",
        Some(&o.allow_targets),
        Some(&n.allow_targets),
        |l| list(l),
    ));
    for (name, o, n) in pair(&old.services, &new.services, |s| s.name.clone()) {
        let service = |s: &super::Service| {
            let mut s = s.clone();
            s.span = no_span();
            s
        };
        let (o, n) = (o.map(service), n.map(service));
        out.extend(field(
            &format!("service {name}"),
            o.as_ref(),
            n.as_ref(),
            |s| words::argv(&s.argv),
        ));
    }
    for (name, o, n) in pair(&old.suites, &new.suites, |s| s.name.clone()) {
        let suite = |s: &super::Suite| (s.scenarios.clone(), s.cooldown_ms);
        let (o, n) = (o.map(suite), n.map(suite));
        out.extend(field(
            &format!("suite {name}"),
            o.as_ref(),
            n.as_ref(),
            |(names, cooldown)| format!("{}, cooldown {}", list(names), words::duration(*cooldown)),
        ));
    }
}

fn no_span() -> super::SourceSpan {
    super::SourceSpan {
        file: String::new(),
        line: 0,
        column: 0,
        start: 0,
        end: 0,
    }
}

/// What a condition's origin is read against: the plan's environment (whose name the
/// origin does not carry) and its root file.
#[derive(Clone, Copy)]
struct Context<'a> {
    environment: Option<&'a str>,
    source: &'a str,
}

impl<'a> Context<'a> {
    fn of(plan: &'a Plan) -> Self {
        Context {
            environment: plan.environment.as_deref(),
            source: &plan.source,
        }
    }

    /// The origin's file, or `None` for the root file: a plan compiled from a renamed
    /// root file has not changed where its assertions come from.
    fn file_of<'o>(&self, origin: &'o Origin) -> Option<&'o str> {
        (origin.span.file != self.source).then_some(origin.span.file.as_str())
    }
}

fn scenario(
    old: Option<&Scenario>,
    new: Option<&Scenario>,
    contexts: (Context, Context),
) -> Option<ScenarioChange> {
    let (status, name) = match (old, new) {
        (Some(_), Some(n)) => (Status::Changed, n.name.clone()),
        (None, Some(n)) => (Status::Added, n.name.clone()),
        (Some(o), None) => (Status::Removed, o.name.clone()),
        (None, None) => return None,
    };
    let mut steps = Vec::new();
    let (old_steps, new_steps) = (slice(old, |s| &s.steps), slice(new, |s| &s.steps));
    for (name, o, n) in pair(old_steps, new_steps, |s| s.name.clone()) {
        steps.extend(step(&name, o, n));
    }
    let change = ScenarioChange {
        name,
        status,
        fields: match (old, new) {
            (Some(o), Some(n)) => scenario_fields(o, n),
            _ => Vec::new(),
        },
        steps,
        steady_state: conditions(
            slice(old, |s| &s.steady_state),
            slice(new, |s| &s.steady_state),
            contexts,
        ),
        assertions: conditions(
            slice(old, |s| &s.assertions),
            slice(new, |s| &s.assertions),
            contexts,
        ),
        aborts: conditions(
            slice(old, |s| &s.aborts),
            slice(new, |s| &s.aborts),
            contexts,
        ),
    };
    let unchanged = change.status == Status::Changed
        && change.fields.is_empty()
        && change.steps.is_empty()
        && change.steady_state.is_empty()
        && change.assertions.is_empty()
        && change.aborts.is_empty();
    (!unchanged).then_some(change)
}

/// A list of a scenario that may be absent (added or removed): empty then.
fn slice<T>(scenario: Option<&Scenario>, part: fn(&Scenario) -> &Vec<T>) -> &[T] {
    scenario.map_or(&[], |s| part(s).as_slice())
}

fn scenario_fields(o: &Scenario, n: &Scenario) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let text = |t: &Option<String>| t.clone().unwrap_or_else(|| "none".into());
    out.extend(field(
        "description",
        Some(&o.description),
        Some(&n.description),
        text,
    ));
    out.extend(field("tags", Some(&o.tags), Some(&n.tags), |l| list(l)));
    out.extend(field("skipped", Some(&o.skipped), Some(&n.skipped), |s| {
        s.clone().unwrap_or_else(|| "runs".into())
    }));
    out.extend(field(
        "baseline_ms",
        Some(&o.baseline_ms),
        Some(&n.baseline_ms),
        |ms| words::duration(*ms),
    ));
    out.extend(field(
        "chaos_ms",
        Some(&o.chaos_ms),
        Some(&n.chaos_ms),
        |ms| words::duration(*ms),
    ));
    out.extend(field(
        "recovery",
        Some(&o.recovery),
        Some(&n.recovery),
        |r| {
            format!(
                "within {}, {} checks",
                words::duration(r.within_ms),
                r.checks
            )
        },
    ));
    out.extend(field(
        "max_duration_ms",
        Some(&o.max_duration_ms),
        Some(&n.max_duration_ms),
        optional_ms,
    ));
    for (name, op, np) in pair(&o.probes, &n.probes, |p| p.name.clone()) {
        let probe = |p: &super::Probe| {
            let mut p = p.clone();
            p.span = no_span();
            p.doc = None;
            p
        };
        let (op, np) = (op.map(probe), np.map(probe));
        out.extend(field(
            &format!("probe {name}"),
            op.as_ref(),
            np.as_ref(),
            words::probe,
        ));
    }
    out
}

/// The target without its documentation: a reworded `///` comment changes nothing a run does.
fn bare_target(target: &Target) -> Target {
    let mut target = target.clone();
    match &mut target {
        Target::Host => {}
        Target::Process { doc, .. }
        | Target::Container { doc, .. }
        | Target::Proxy { doc, .. }
        | Target::Interface { doc, .. }
        | Target::Pods { doc, .. } => *doc = None,
    }
    target
}

/// When a step runs, in words: `at 5s` for an instant action, `0s–10s` otherwise.
fn when(step: &Step) -> String {
    match step.duration_ms {
        Some(d) => format!(
            "{}–{}",
            words::duration(step.start_ms),
            words::duration(step.start_ms.saturating_add(d))
        ),
        None => format!("at {}", words::duration(step.start_ms)),
    }
}

fn step_text(step: &Step) -> String {
    let mut text = format!(
        "{}  on {}  {}",
        words::fault(&step.fault),
        words::target(&step.target),
        when(step)
    );
    if step.destructive {
        text.push_str("  [destructive]");
    }
    text
}

fn step(name: &str, old: Option<&Step>, new: Option<&Step>) -> Option<StepChange> {
    let (status, shown) = match (old, new) {
        (Some(_), Some(n)) => (Status::Changed, n),
        (None, Some(n)) => (Status::Added, n),
        (Some(o), None) => (Status::Removed, o),
        (None, None) => return None,
    };
    let mut fields = Vec::new();
    if let (Some(o), Some(n)) = (old, new) {
        let kind = |s: &Step| s.fault.kind().to_string();
        fields.extend(field("kind", Some(&kind(o)), Some(&kind(n)), |k| k.clone()));
        fields.extend(field("fault", Some(&o.fault), Some(&n.fault), words::fault));
        let (ot, nt) = (bare_target(&o.target), bare_target(&n.target));
        fields.extend(field("target", Some(&ot), Some(&nt), words::target));
        fields.extend(field(
            "start_ms",
            Some(&o.start_ms),
            Some(&n.start_ms),
            |ms| words::duration(*ms),
        ));
        fields.extend(field(
            "duration_ms",
            Some(&o.duration_ms),
            Some(&n.duration_ms),
            |ms| ms.map(words::duration).unwrap_or_else(|| "instant".into()),
        ));
        fields.extend(field(
            "destructive",
            Some(&o.destructive),
            Some(&n.destructive),
            |d| if *d { "destructive" } else { "not destructive" }.to_string(),
        ));
        if fields.is_empty() {
            return None;
        }
    }
    Some(StepChange {
        name: name.to_string(),
        status,
        kind: shown.fault.kind().to_string(),
        destructive: shown.destructive,
        text: step_text(shown),
        fields,
    })
}

/// An assertion and an abort as one shape: a condition, where it came from, and what
/// besides the condition's metric, probe and percentile identifies it.
trait Conditional {
    fn condition(&self) -> &Condition;
    fn origin(&self) -> &Origin;
    /// `during chaos, blocking`, or `over 10s` for an abort.
    fn qualifier(&self) -> String;
}

impl Conditional for Assertion {
    fn condition(&self) -> &Condition {
        &self.condition
    }
    fn origin(&self) -> &Origin {
        &self.origin
    }
    fn qualifier(&self) -> String {
        format!("during {}, {}", self.window, self.severity)
    }
}

impl Conditional for Abort {
    fn condition(&self) -> &Condition {
        &self.condition
    }
    fn origin(&self) -> &Origin {
        &self.origin
    }
    fn qualifier(&self) -> String {
        match self.over_ms {
            Some(ms) => format!("over {}", words::duration(ms)),
            None => "since chaos started".into(),
        }
    }
}

/// `availability(home) during chaos, blocking`: the condition without its comparison.
fn key<C: Conditional>(item: &C) -> String {
    let c = item.condition();
    let mut args = Vec::new();
    if let Some(probe) = &c.probe {
        args.push(probe.clone());
    }
    if let Some(p) = c.percentile {
        args.push(format!("p{p}"));
    }
    let call = if args.is_empty() {
        c.metric.to_string()
    } else {
        format!("{}({})", c.metric, args.join(", "))
    };
    format!("{call} {}", item.qualifier())
}

fn origin_text(origin: &Origin, context: Context) -> String {
    let span = &origin.span;
    let place = format!("{}:{}:{}", span.file, span.line, span.column);
    match (origin.level, context.environment) {
        (Level::File, _) => format!("file  {place}"),
        (Level::Scenario, _) => format!("scenario  {place}"),
        (Level::Environment, Some(name)) => format!("environment {name}  {place}"),
        (Level::Environment, None) => format!("environment  {place}"),
    }
}

fn side<C: Conditional>(item: &C, context: Context) -> ConditionSide {
    ConditionSide {
        text: words::condition(item.condition()),
        condition: item.condition().clone(),
        origin: item.origin().clone(),
        origin_text: origin_text(item.origin(), context),
    }
}

/// Conditions added, removed, or changed: another comparison or threshold, or now from
/// another level or file (an environment that overrides the file's threshold).
fn conditions<C: Conditional>(
    old: &[C],
    new: &[C],
    (old_context, new_context): (Context, Context),
) -> Vec<ConditionChange> {
    let mut out = Vec::new();
    for (key, o, n) in pair(old, new, key) {
        let status = match (o, n) {
            (Some(o), Some(n)) => {
                let (oc, nc) = (o.condition(), n.condition());
                let same_origin = o.origin().level == n.origin().level
                    && old_context.file_of(o.origin()) == new_context.file_of(n.origin());
                if oc.op == nc.op && oc.threshold == nc.threshold && same_origin {
                    continue;
                }
                Status::Changed
            }
            (None, Some(_)) => Status::Added,
            (Some(_), None) => Status::Removed,
            (None, None) => continue,
        };
        out.push(ConditionChange {
            key,
            status,
            old: o.map(|o| side(o, old_context)),
            new: n.map(|n| side(n, new_context)),
        });
    }
    out
}

/// The diff as text, ending with a newline.
pub fn render(diff: &PlanDiff) -> String {
    let mut out = format!("plan diff: {} → {}\n", diff.old_source, diff.new_source);
    if diff.changes == 0 {
        out.push_str("no changes\n");
        return out;
    }
    let destructive = match diff.destructive_added.len() {
        0 => "no destructive step added".to_string(),
        n => {
            let steps: Vec<String> = diff
                .destructive_added
                .iter()
                .map(|s| format!("{} in \"{}\" ({})", s.step, s.scenario, s.kind))
                .collect();
            format!(
                "{n} destructive step{} added: {}",
                if n == 1 { "" } else { "s" },
                steps.join(", ")
            )
        }
    };
    out.push_str(&format!(
        "{} change{}, {destructive}\n",
        diff.changes,
        if diff.changes == 1 { "" } else { "s" }
    ));
    if !diff.plan.is_empty() || !diff.aborts.is_empty() {
        out.push('\n');
        for change in &diff.plan {
            field_lines(&mut out, "", change);
        }
        for change in &diff.aborts {
            condition_lines(&mut out, "", "abort", change);
        }
    }
    for scenario in &diff.scenarios {
        out.push('\n');
        let steps = scenario.steps.len();
        let suffix = match scenario.status {
            Status::Changed => String::new(),
            _ => format!(" ({steps} step{})", if steps == 1 { "" } else { "s" }),
        };
        out.push_str(&format!(
            "{} scenario \"{}\"{suffix}\n",
            scenario.status.sign(),
            scenario.name
        ));
        if scenario.status == Status::Removed {
            continue;
        }
        for change in &scenario.fields {
            field_lines(&mut out, "    ", change);
        }
        for step in &scenario.steps {
            match step.status {
                Status::Changed => {
                    out.push_str(&format!("  ~ step {}\n", step.name));
                    for change in &step.fields {
                        field_lines(&mut out, "      ", change);
                    }
                }
                _ => out.push_str(&format!(
                    "  {} step {}  {}\n",
                    step.status.sign(),
                    step.name,
                    step.text
                )),
            }
        }
        for change in &scenario.steady_state {
            condition_lines(&mut out, "  ", "steady state", change);
        }
        for change in &scenario.assertions {
            condition_lines(&mut out, "  ", "assertion", change);
        }
        for change in &scenario.aborts {
            condition_lines(&mut out, "  ", "abort", change);
        }
    }
    out
}

fn field_lines(out: &mut String, indent: &str, change: &FieldChange) {
    out.push_str(&format!(
        "{indent}{}: {} → {}\n",
        change.field, change.old_text, change.new_text
    ));
}

fn condition_lines(out: &mut String, indent: &str, what: &str, change: &ConditionChange) {
    let side = |s: &ConditionSide| format!("{}  ({})", s.text, s.origin_text);
    match (&change.old, &change.new) {
        (Some(o), Some(n)) => {
            out.push_str(&format!("{indent}~ {what} {}\n", change.key));
            out.push_str(&format!("{indent}    was  {}\n", side(o)));
            out.push_str(&format!("{indent}    now  {}\n", side(n)));
        }
        (Some(s), None) | (None, Some(s)) => out.push_str(&format!(
            "{indent}{} {what} {}: {}\n",
            change.status.sign(),
            change.key,
            side(s)
        )),
        (None, None) => {}
    }
}
