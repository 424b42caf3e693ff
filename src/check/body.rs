//! Scenarios and templates: bodies, template expansion, timelines and assertions.

use super::expr::CallSite;
use super::scope::{Bound, Checker, Def, Local};
use super::signatures::{self, CallClass, Sustain};
use super::types::{param_type, ParamTy, TargetKind, Ty, Val};
use crate::diag::{suggest, Code, Span};
use crate::syntax::ast::*;

/// One body contributing to a scenario: the template chain first, the scenario last.
pub struct Layer<'a> {
    pub module: usize,
    pub body: Option<&'a Body>,
    pub params: Vec<(&'a Ident, Bound)>,
}

/// A timeline step, as far as it is known statically.
pub struct StepInfo {
    pub kind: &'static str,
    pub target: Option<String>,
    /// Planned offset from the start of the chaos phase, in nanoseconds.
    pub start: Option<f64>,
    /// How long it stays applied (0 for instant actions), in nanoseconds.
    pub length: Option<f64>,
    pub destructive: bool,
    pub span: Span,
    pub module: usize,
}

/// What the layers of one scenario add up to.
#[derive(Default)]
pub struct Merged {
    pub baseline: Option<f64>,
    pub steady_state: Option<(usize, Span)>,
    pub steps: Vec<StepInfo>,
    pub timeline_span: Option<(usize, Span)>,
    pub blocking: usize,
    pub degradation: Vec<(usize, Span)>,
    pub has_local_probe: bool,
    pub max_duration: Option<f64>,
    pub allow_targets: bool,
}

impl<'a> Checker<'a> {
    pub fn check_template(&mut self, template: &'a Template) {
        let params = self.template_params(template, None);
        let mut layers = Vec::new();
        if let Some(base) = &template.base {
            self.push_frame(false);
            for (name, bound) in &params {
                self.define_local(name, Local::Param(bound.clone()));
            }
            let mut stack = vec![template as *const Template];
            if let Some(base_layers) = self.expand(base, &mut stack) {
                layers = base_layers;
            }
            self.pop_frame();
        }
        layers.push(Layer {
            module: self.module,
            body: template.body.as_ref(),
            params,
        });
        self.check_layers(layers);
    }

    /// The parameters of a template, bound to `args` (checked) or left opaque.
    fn template_params(
        &mut self,
        template: &'a Template,
        args: Option<(&'a [Arg], Span)>,
    ) -> Vec<(&'a Ident, Bound)> {
        let mut out: Vec<(&'a Ident, Bound)> = Vec::new();
        let checking_definition = args.is_none();
        for param in &template.params {
            let ty = match param_type(&param.ty.name) {
                Some(ty) => ty,
                None => {
                    if checking_definition {
                        self.unknown_type(&param.ty);
                    }
                    out.push((
                        &param.name,
                        Bound {
                            ty: ParamTy::Value(Ty::Str),
                            value: Val::Error,
                        },
                    ));
                    continue;
                }
            };
            if checking_definition {
                if let Some(previous) = out.iter().find(|(n, _)| n.name == param.name.name) {
                    let d = self
                        .error(
                            Code::DuplicateDefinition,
                            param.name.span,
                            format!("`{}` is defined twice", param.name.name),
                        )
                        .with_secondary(previous.0.span, "first defined here")
                        .with_help("rename one of the parameters");
                    self.emit(d);
                }
            }
            out.push((
                &param.name,
                Bound {
                    ty,
                    value: opaque(ty, &param.name),
                },
            ));
        }
        // Defaults are evaluated in the template's own module.
        for (index, param) in template.params.iter().enumerate() {
            if let (Some(default), ParamTy::Value(ty)) = (&param.default, out[index].1.ty) {
                let saved = self.diagnostics.len();
                let value = self.expect(default, ty, &param.name.name);
                if !checking_definition {
                    self.diagnostics.truncate(saved);
                }
                if !matches!(value, Val::Error) {
                    out[index].1.value = value;
                }
            }
        }
        let Some((args, call_span)) = args else {
            return out;
        };
        let mut given: Vec<(&str, Span)> = Vec::new();
        let mut seen_named = false;
        for (index, arg) in args.iter().enumerate() {
            let slot = match &arg.name {
                Some(name) => {
                    seen_named = true;
                    match template
                        .params
                        .iter()
                        .position(|p| p.name.name == name.name)
                    {
                        Some(slot) => slot,
                        None => {
                            let help = suggest::did_you_mean(
                                &name.name,
                                template.params.iter().map(|p| p.name.name.as_str()),
                            )
                            .unwrap_or_else(|| {
                                format!(
                                    "`{}` takes {}",
                                    template.name.name,
                                    if template.params.is_empty() {
                                        "no parameters".to_string()
                                    } else {
                                        template
                                            .params
                                            .iter()
                                            .map(|p| format!("`{}`", p.name.name))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    }
                                )
                            });
                            let d = self
                                .error(
                                    Code::UnknownArgument,
                                    name.span,
                                    format!(
                                        "template `{}` has no parameter `{}`",
                                        template.name.name, name.name
                                    ),
                                )
                                .with_label("unknown parameter")
                                .with_help(help);
                            self.emit(d);
                            self.infer(&arg.value);
                            continue;
                        }
                    }
                }
                None if seen_named || index >= template.params.len() => {
                    let message = if seen_named {
                        "a positional argument cannot follow named ones".to_string()
                    } else {
                        format!(
                            "template `{}` takes {} parameters",
                            template.name.name,
                            template.params.len()
                        )
                    };
                    let d = self
                        .error(Code::MisplacedArgument, arg.span, message)
                        .with_label("extra argument")
                        .with_help("name the argument: `name: value`");
                    self.emit(d);
                    self.infer(&arg.value);
                    continue;
                }
                None => index,
            };
            let param = &template.params[slot];
            if let Some((_, first)) = given.iter().find(|(n, _)| *n == param.name.name) {
                let d = self
                    .error(
                        Code::DuplicateArgument,
                        arg.span,
                        format!("`{}` is given twice", param.name.name),
                    )
                    .with_secondary(*first, "first value")
                    .with_help("keep one of them");
                self.emit(d);
                continue;
            }
            given.push((&param.name.name, arg.span));
            let value = match out[slot].1.ty {
                ParamTy::Value(ty) => self.expect(&arg.value, ty, &param.name.name),
                ParamTy::Service => self.expect(
                    &arg.value,
                    Ty::Target(&[TargetKind::Process]),
                    &param.name.name,
                ),
            };
            out[slot].1.value = value;
        }
        for param in &template.params {
            if param.default.is_none() && !given.iter().any(|(n, _)| *n == param.name.name) {
                let d = self
                    .error(
                        Code::MissingArgument,
                        call_span,
                        format!(
                            "template `{}` needs the argument `{}`",
                            template.name.name, param.name.name
                        ),
                    )
                    .with_label(format!("`{}` is missing", param.name.name))
                    .with_help(format!("add `{}: …` ({})", param.name.name, param.ty.name));
                self.emit(d);
            }
        }
        out
    }

    pub fn unknown_type(&mut self, ty: &Ident) {
        let help = suggest::did_you_mean(&ty.name, super::types::PARAM_TYPES.iter().copied())
            .unwrap_or_else(|| {
                format!(
                    "the types are {}",
                    super::types::one_of(super::types::PARAM_TYPES)
                )
            });
        let d = self
            .error(
                Code::UnknownType,
                ty.span,
                format!("unknown type `{}`", ty.name),
            )
            .with_label("not a type")
            .with_help(help);
        self.emit(d);
    }

    /// The layers of a scenario or template built on `call` (a template call).
    pub fn expand(
        &mut self,
        call: &'a Call,
        stack: &mut Vec<*const Template>,
    ) -> Option<Vec<Layer<'a>>> {
        let template = match self.lookup(&call.callee) {
            None => {
                self.unknown_name(&call.callee, "template", |r| {
                    matches!(r.def(), Some(Def::Template(_)))
                });
                for arg in &call.args {
                    self.infer(&arg.value);
                }
                return None;
            }
            Some(resolved) => match resolved.def() {
                Some(Def::Template(t)) => t,
                _ => {
                    let d = self
                        .error(
                            Code::WrongKindOfName,
                            call.callee.span,
                            format!(
                                "`{}` is {}, not a template",
                                call.callee.display(),
                                resolved.noun()
                            ),
                        )
                        .with_help("a scenario or template can only be built on a `template`");
                    self.emit(d);
                    return None;
                }
            },
        };
        if stack.contains(&(template as *const Template)) {
            let d = self
                .error(
                    Code::TemplateRecursion,
                    call.callee.span,
                    format!("template `{}` is built on itself", template.name.name),
                )
                .with_label("this makes a cycle")
                .with_help("a template may build on another template, but never, directly or indirectly, on itself");
            self.emit(d);
            return None;
        }
        let template_module = self.module_of_template(template);
        let params = self.template_params(template, Some((&call.args, call.span)));
        let mut layers = Vec::new();
        if let Some(base) = &template.base {
            stack.push(template);
            let saved_module = std::mem::replace(&mut self.module, template_module);
            let saved_frames = std::mem::take(&mut self.frames);
            let saved_len = self.diagnostics.len();
            self.push_frame(false);
            for (name, bound) in &params {
                self.define_local(name, Local::Param(bound.clone()));
            }
            let inner = self.expand(base, stack);
            self.pop_frame();
            // Problems in the base call are reported when the template itself is checked,
            // except a recursion, which only shows through expansion.
            let keep: Vec<_> = self
                .diagnostics
                .drain(saved_len..)
                .filter(|d| d.code == Code::TemplateRecursion)
                .collect();
            self.diagnostics.extend(keep);
            self.frames = saved_frames;
            self.module = saved_module;
            stack.pop();
            layers = inner?;
        }
        layers.push(Layer {
            module: template_module,
            body: template.body.as_ref(),
            params,
        });
        Some(layers)
    }

    fn module_of_template(&self, template: &Template) -> usize {
        (0..self.modules.len())
            .find(|&m| {
                self.defs[m]
                    .get(template.name.name.as_str())
                    .is_some_and(|d| matches!(d.def, Def::Template(t) if std::ptr::eq(t, template)))
            })
            .unwrap_or(self.module)
    }

    pub fn check_scenario(&mut self, scenario: &'a Scenario) {
        let name = self
            .string(&scenario.name)
            .unwrap_or_else(|| scenario.name.display());
        let mut layers = Vec::new();
        if let Some(base) = &scenario.base {
            let mut stack = Vec::new();
            match self.expand(base, &mut stack) {
                Some(l) => layers = l,
                None => {
                    // Without its template the scenario cannot be judged as a whole.
                    layers.push(Layer {
                        module: self.module,
                        body: scenario.body.as_ref(),
                        params: Vec::new(),
                    });
                    self.expanding = None;
                    self.check_layers(layers);
                    return;
                }
            }
        }
        layers.push(Layer {
            module: self.module,
            body: scenario.body.as_ref(),
            params: Vec::new(),
        });
        let home = self.module;
        let merged = self.check_layers_expanding(layers, &name);
        self.module = home;
        self.scenario_rules(scenario, &name, merged);
    }

    fn check_layers_expanding(&mut self, layers: Vec<Layer<'a>>, name: &str) -> Merged {
        let home = self.module;
        let count = layers.len();
        let mut merged = Merged::default();
        for (index, layer) in layers.into_iter().enumerate() {
            // Notes only for findings inside templates, not in the scenario's own body.
            self.expanding = (index + 1 < count).then(|| name.to_string());
            self.check_layer(layer, &mut merged);
        }
        self.expanding = None;
        self.module = home;
        merged
    }

    fn check_layers(&mut self, layers: Vec<Layer<'a>>) -> Merged {
        let home = self.module;
        let mut merged = Merged::default();
        for layer in layers {
            self.check_layer(layer, &mut merged);
        }
        self.module = home;
        merged
    }

    fn check_layer(&mut self, layer: Layer<'a>, merged: &mut Merged) {
        self.module = layer.module;
        let saved_frames = std::mem::take(&mut self.frames);
        self.push_frame(true);
        for (name, bound) in &layer.params {
            self.define_local(name, Local::Param(bound.clone()));
        }
        if let Some(body) = layer.body {
            self.check_body(body, merged);
        }
        self.pop_frame();
        self.frames = saved_frames;
    }

    fn check_body(&mut self, body: &'a Body, merged: &mut Merged) {
        // Local items first, so that entries may use them wherever they are written.
        for entry in &body.entries {
            match &entry.kind {
                BodyEntryKind::Const(c) => {
                    self.define_local(&c.name, Local::Def(Def::Const(c)));
                }
                BodyEntryKind::Decl(d) => {
                    if d.kind == DeclKind::Fault {
                        continue;
                    }
                    self.define_local(&d.name, Local::Def(Def::Decl(d)));
                    if d.kind == DeclKind::Probe {
                        merged.has_local_probe = true;
                    }
                }
                _ => {}
            }
        }
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for entry in &body.entries {
            if let Some(key) = single_entry(&entry.kind) {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let d = self
                        .error(
                            Code::DuplicateEntry,
                            entry.span,
                            format!("`{key}` is given twice in this body"),
                        )
                        .with_label("second entry")
                        .with_secondary(*first, "first entry")
                        .with_help(format!("keep one `{key}` entry"));
                    self.emit(d);
                    continue;
                }
                seen.push((key, entry.span));
            }
            match &entry.kind {
                BodyEntryKind::Description(s) => {
                    self.string(s);
                }
                BodyEntryKind::Tags(_) => {}
                BodyEntryKind::Baseline(expr) => {
                    let value = self.duration(expr, "baseline", true);
                    merged.baseline = value.or(Some(f64::NAN));
                }
                BodyEntryKind::SteadyState(assertions) => {
                    merged.steady_state = Some((self.module, entry.span));
                    for assertion in assertions {
                        self.assertion(assertion, merged, false);
                    }
                }
                BodyEntryKind::Timeline(steps) => {
                    merged.timeline_span = Some((self.module, entry.span));
                    merged.steps = self.timeline(steps);
                }
                BodyEntryKind::Recover { within, checks } => {
                    self.duration(within, "recover within", false);
                    if let Some(checks) = checks {
                        let value = self.expect(checks, Ty::Int, "checks");
                        if let Val::Int(n) = value {
                            if n < 1 {
                                self.out_of_range(
                                    checks.span,
                                    "checks",
                                    &n.to_string(),
                                    "a count of at least 1",
                                );
                            }
                        }
                    }
                }
                BodyEntryKind::Slo(block) => {
                    for assertion in &block.assertions {
                        self.assertion(assertion, merged, true);
                    }
                }
                BodyEntryKind::Abort(abort) => self.abort(abort),
                BodyEntryKind::Safety(block) => {
                    let (max, allow) = self.safety(block);
                    if max.is_some() {
                        merged.max_duration = max;
                    }
                    merged.allow_targets |= allow;
                }
                BodyEntryKind::Const(c) => {
                    self.infer(&c.value);
                }
                BodyEntryKind::Decl(d) => self.decl(d),
            }
        }
    }

    /// A duration in nanoseconds, when known.
    pub fn duration(&mut self, expr: &'a Expr, what: &str, allow_zero: bool) -> Option<f64> {
        let value = self.expect(expr, Ty::Quantity(Dimension::Duration), what);
        let n = value.number()?;
        if n < 0.0 || (!allow_zero && n == 0.0) {
            let allowed = if allow_zero {
                "zero or more"
            } else {
                "a duration above zero"
            };
            self.out_of_range(expr.span, what, &super::expr::expr_text(expr), allowed);
            return None;
        }
        Some(n)
    }

    fn timeline(&mut self, steps: &'a [Step]) -> Vec<StepInfo> {
        let mut out: Vec<StepInfo> = Vec::new();
        let mut previous_end: Option<f64> = Some(0.0);
        for step in steps {
            let start = match &step.start {
                StepStart::At(offset) => self.duration(offset, "at", true),
                StepStart::Then(gap) => {
                    let gap = match gap {
                        Some(gap) => self.duration(gap, "after", true),
                        None => Some(0.0),
                    };
                    previous_end.zip(gap).map(|(a, b)| a + b)
                }
            };
            let info = self.step(step, start);
            previous_end = info.start.zip(info.length).map(|(s, l)| s + l);
            out.push(info);
        }
        // Two faults of one kind on one target at the same time cannot both be applied.
        for later in 0..out.len() {
            for earlier in 0..later {
                let (a, b) = (&out[earlier], &out[later]);
                if a.kind != b.kind || a.target.is_none() || a.target != b.target {
                    continue;
                }
                let (Some(a_start), Some(a_len), Some(b_start), Some(b_len)) =
                    (a.start, a.length, b.start, b.length)
                else {
                    continue;
                };
                if a_start < b_start + b_len.max(1.0) && b_start < a_start + a_len.max(1.0) {
                    let d = self
                        .error(
                            Code::OverlappingFaults,
                            b.span,
                            format!("this `{}` overlaps another `{}` on the same target", b.kind, b.kind),
                        )
                        .with_label(format!("from {} to {}", human_duration(b_start), human_duration(b_start + b_len)))
                        .with_secondary(
                            a.span,
                            format!("already active from {} to {}", human_duration(a_start), human_duration(a_start + a_len)),
                        )
                        .with_help("start the second one after the first ends (`then`), or combine them into one step");
                    self.emit(d);
                    break;
                }
            }
        }
        out
    }

    fn step(&mut self, step: &'a Step, start: Option<f64>) -> StepInfo {
        let mut info = StepInfo {
            kind: "",
            target: None,
            start,
            length: None,
            destructive: false,
            span: step.fault.span(),
            module: self.module,
        };
        let bound = self.fault_use(&step.fault);
        let duration = step
            .duration
            .as_ref()
            .and_then(|d| self.duration(d, "for", false));
        let Some(bound) = bound else {
            info.length = duration.or(Some(0.0));
            return info;
        };
        let spec = bound.spec;
        info.kind = spec.name;
        info.destructive = spec.destructive;
        let target = bound.target();
        if let Val::Target { kind, key } = &target {
            info.target = Some(key.clone());
            // A missing required target is already reported; the host stand-in is no finding.
            let missing = !bound.has("target") && !spec.targets.contains(&TargetKind::Host);
            if !spec.targets.contains(kind) && !missing {
                let span = bound
                    .args
                    .get("target")
                    .map_or(step.fault.span(), |(_, s)| *s);
                let accepted = spec
                    .targets
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ");
                let d = self
                    .error(
                        Code::UnsupportedTarget,
                        span,
                        format!("`{}` cannot act on a {} target", spec.name, kind.name()),
                    )
                    .with_label(format!("a {} target", kind.name()))
                    .with_help(format!("`{}` acts on: {accepted}", spec.name));
                self.emit(d);
            }
        }
        let sustained = match spec.sustain {
            Sustain::Sustained => true,
            Sustain::Instant => false,
            Sustain::SustainedWith(arg) => bound.has(arg),
        };
        match (&step.duration, sustained) {
            (None, true) => {
                let d = self
                    .error(
                        Code::MissingDuration,
                        step.fault.span(),
                        format!("`{}` is sustained and needs a duration", spec.name),
                    )
                    .with_label("applied until when?")
                    .with_help("add `for DURATION` after the fault, e.g. `for 30s`");
                self.emit(d);
            }
            (Some(expr), false) => {
                let help = match spec.name {
                    "container_kill" | "container_restart" => "remove `for …`; to keep a container down for a while use `container_stop(…) for …`",
                    "exec" => "remove `for …`, or give `revert: [...]` to make it sustained",
                    _ => "remove `for …`: instant actions happen once",
                };
                let d = self
                    .error(
                        Code::UnexpectedDuration,
                        expr.span,
                        format!("`{}` is an instant action and takes no duration", spec.name),
                    )
                    .with_label("not allowed here")
                    .with_help(help);
                self.emit(d);
            }
            _ => {}
        }
        info.length = if sustained { duration } else { Some(0.0) };
        info
    }

    /// A timeline step's fault: a call to a fault kind or to a preset, or a bare preset name.
    fn fault_use(&mut self, fault: &'a FaultUse) -> Option<super::expr::BoundCall> {
        let (path, site) = match fault {
            FaultUse::Call(call) => (
                &call.callee,
                CallSite {
                    args: &call.args,
                    span: call.span,
                },
            ),
            FaultUse::Name(path) => (
                path,
                CallSite {
                    args: &[],
                    span: path.span,
                },
            ),
        };
        if let Some(resolved) = self.lookup(path) {
            if let Some(Def::Decl(decl)) = resolved.def() {
                if decl.kind == DeclKind::Fault {
                    let spec = signatures::lookup(CallClass::Fault, &decl.call.callee.name.name)?;
                    return self.check_call_with(site, spec, false, Some(decl));
                }
            }
            if path.namespace.is_some()
                || signatures::lookup(CallClass::Fault, &path.name.name).is_none()
            {
                let d = self
                    .error(Code::WrongKindOfName, path.span, format!("`{}` is {}, not a fault", path.display(), resolved.noun()))
                    .with_help("a timeline step is a fault kind such as `cpu_stress(…)` or a `fault` preset");
                self.emit(d);
                return None;
            }
        }
        match (path.namespace.is_none())
            .then(|| signatures::lookup(CallClass::Fault, &path.name.name))
            .flatten()
        {
            Some(spec) => self.check_call_with(site, spec, false, None),
            None => {
                let presets = self.visible_names(
                    |r| matches!(r.def(), Some(Def::Decl(d)) if d.kind == DeclKind::Fault),
                );
                let shown = path.display();
                // Closer to a preset than to any fault kind: it is a misspelt preset.
                let near_preset = suggest::closest(&shown, presets.iter().map(String::as_str))
                    .filter(|_| suggest::closest(&shown, signatures::fault_kinds()).is_none());
                match near_preset {
                    Some(preset) => {
                        let d = self
                            .error(
                                Code::UnknownName,
                                path.span,
                                format!("unknown fault preset `{shown}`"),
                            )
                            .with_label("no fault preset or fault kind with this name")
                            .with_help(format!("did you mean `{preset}`?"));
                        self.emit(d);
                    }
                    None => self.unknown_kind(path, CallClass::Fault),
                }
                for arg in site.args {
                    self.infer(&arg.value);
                }
                None
            }
        }
    }

    /// Checks an assertion; `slo` says whether it counts towards the blocking ones.
    fn assertion(&mut self, assertion: &'a Assertion, merged: &mut Merged, slo: bool) {
        let metric = self.condition(&assertion.condition);
        if let Some(window) = &assertion.window {
            if !signatures::WINDOWS.contains(&window.name.as_str()) {
                let help = suggest::did_you_mean(&window.name, signatures::WINDOWS.iter().copied())
                    .unwrap_or_else(|| {
                        format!("windows are {}", super::types::one_of(signatures::WINDOWS))
                    });
                let d = self
                    .error(
                        Code::UnknownOption,
                        window.span,
                        format!("unknown window `{}`", window.name),
                    )
                    .with_label("not a window")
                    .with_help(help);
                self.emit(d);
            }
        }
        if slo && !assertion.warn {
            merged.blocking += 1;
        }
        if metric == Some("latency_degradation") {
            merged
                .degradation
                .push((self.module, assertion.condition.metric.span));
        }
    }

    pub fn abort(&mut self, abort: &'a Abort) {
        self.condition(&abort.condition);
        if let Some(over) = &abort.over {
            self.duration(over, "over", false);
        }
    }

    /// Checks `METRIC[(PROBE[, pNN])] OP VALUE`; the metric's name when it exists.
    pub fn condition(&mut self, condition: &'a Condition) -> Option<&'static str> {
        let name = &condition.metric;
        let Some(spec) = signatures::metric_spec(&name.name) else {
            let help =
                suggest::did_you_mean(&name.name, signatures::METRICS.iter().map(|m| m.name))
                    .unwrap_or_else(|| {
                        format!(
                            "the metrics are {}",
                            super::types::one_of(
                                &signatures::METRICS
                                    .iter()
                                    .map(|m| m.name)
                                    .collect::<Vec<_>>()
                            )
                        )
                    });
            let d = self
                .error(
                    Code::UnknownMetric,
                    name.span,
                    format!("unknown metric `{}`", name.name),
                )
                .with_label("not a metric")
                .with_help(help);
            self.emit(d);
            self.infer(&condition.value);
            return None;
        };
        if let Some(args) = &condition.args {
            self.metric_args(spec, args, name.span);
        }
        let expected = match spec.dimension {
            Some(dimension) => Ty::Quantity(dimension),
            None => Ty::Int,
        };
        let value = self.expect(&condition.value, expected, spec.name);
        if let Some(n) = value.number() {
            let bad = match spec.dimension {
                Some(Dimension::Percent) => !(0.0..=100.0).contains(&n),
                _ => n < 0.0,
            };
            if bad {
                let allowed = if spec.dimension == Some(Dimension::Percent) {
                    "a percentage from 0% to 100%"
                } else {
                    "zero or more"
                };
                self.out_of_range(
                    condition.value.span,
                    spec.name,
                    &super::expr::expr_text(&condition.value),
                    allowed,
                );
            }
        }
        Some(spec.name)
    }

    fn metric_args(
        &mut self,
        spec: &'static signatures::MetricSpec,
        args: &'a [Expr],
        metric_span: Span,
    ) {
        let usage = if spec.takes_percentile {
            format!("`{}(PROBE)` or `{}(PROBE, p95)`", spec.name, spec.name)
        } else {
            format!("`{}` or `{}(PROBE)`", spec.name, spec.name)
        };
        if args.is_empty() {
            let d = self
                .error(
                    Code::BadMetricArguments,
                    metric_span,
                    format!("`{}()` names no probe", spec.name),
                )
                .with_help(format!("write {usage}"));
            self.emit(d);
            return;
        }
        let first = &args[0];
        match &first.kind {
            ExprKind::Path(path) => match self.lookup(path) {
                None => self.unknown_name(
                    path,
                    "probe",
                    |r| matches!(r.def(), Some(Def::Decl(d)) if d.kind == DeclKind::Probe),
                ),
                Some(resolved) => match resolved.def() {
                    Some(Def::Decl(d)) if d.kind == DeclKind::Probe => {
                        let kind = d.call.callee.name.name.as_str();
                        if spec.latency && signatures::PROBES_WITHOUT_LATENCY.contains(&kind) {
                            let d = self
                                .error(
                                    Code::MetricNotProduced,
                                    first.span,
                                    format!("a `{kind}` probe does not measure latency, so it has no `{}`", spec.name),
                                )
                                .with_label(format!("`{}` is a `{kind}` probe", path.display()))
                                .with_help("assert latency on an `http`, `tcp` or `exec` probe");
                            self.emit(d);
                        }
                    }
                    _ => {
                        let d = self
                            .error(
                                Code::BadMetricArguments,
                                path.span,
                                format!("`{}` is {}, not a probe", path.display(), resolved.noun()),
                            )
                            .with_help(format!("metrics are measured by probes: write {usage}"));
                        self.emit(d);
                    }
                },
            },
            _ => {
                let d = self
                    .error(
                        Code::BadMetricArguments,
                        first.span,
                        format!("the first argument of `{}` must be a probe", spec.name),
                    )
                    .with_label("not a probe name")
                    .with_help(format!("write {usage}"));
                self.emit(d);
            }
        }
        if let Some(second) = args.get(1) {
            match (&second.kind, spec.takes_percentile) {
                (ExprKind::Percentile(_), true) => {}
                (_, true) => {
                    let d = self
                        .error(
                            Code::BadMetricArguments,
                            second.span,
                            format!(
                                "the second argument of `{}` must be a percentile",
                                spec.name
                            ),
                        )
                        .with_label("not a percentile")
                        .with_help(format!("write {usage}"));
                    self.emit(d);
                }
                (_, false) => {
                    let d = self
                        .error(
                            Code::BadMetricArguments,
                            second.span,
                            format!("`{}` takes no percentile", spec.name),
                        )
                        .with_label("not allowed here")
                        .with_help(format!("write {usage}"));
                    self.emit(d);
                }
            }
        }
        for extra in args.iter().skip(2) {
            let d = self
                .error(
                    Code::BadMetricArguments,
                    extra.span,
                    format!("`{}` takes at most two arguments", spec.name),
                )
                .with_help(format!("write {usage}"));
            self.emit(d);
        }
    }

    /// A local or top-level `service`, `target`, `probe` or `fault` declaration.
    pub fn decl(&mut self, decl: &'a Decl) {
        let class = match decl.kind {
            DeclKind::Service => CallClass::Service,
            DeclKind::Target => CallClass::Target,
            DeclKind::Probe => CallClass::Probe,
            DeclKind::Fault => CallClass::Fault,
        };
        self.check_call(&decl.call, class, decl.kind == DeclKind::Fault);
    }

    /// Rules about a scenario as a whole, once its layers are merged.
    fn scenario_rules(&mut self, scenario: &'a Scenario, name: &str, merged: Merged) {
        let has_baseline = merged.baseline.is_some_and(|b| b.is_nan() || b > 0.0);
        if !has_baseline {
            if let Some((module, span)) = merged.steady_state {
                self.in_module(module, |c| {
                    let d = c
                        .error(
                            Code::SteadyStateWithoutBaseline,
                            span,
                            "`steady_state` needs a baseline to be checked in",
                        )
                        .with_label("checked over the baseline window")
                        .with_help("add `baseline 10s` (or longer) to the scenario");
                    c.emit(d);
                });
            }
            for (module, span) in &merged.degradation {
                self.in_module(*module, |c| {
                    let d = c
                        .error(
                            Code::DegradationWithoutBaseline,
                            *span,
                            "`latency_degradation` needs a baseline to compare with",
                        )
                        .with_label("compared with the baseline's latency")
                        .with_help("add `baseline 10s` (or longer) to the scenario");
                    c.emit(d);
                });
            }
        }
        let steps_end = merged
            .steps
            .iter()
            .map(|s| s.start.zip(s.length).map(|(a, b)| a + b))
            .collect::<Option<Vec<f64>>>()
            .map(|ends| ends.into_iter().fold(0.0, f64::max));
        let facts = self.file_facts();
        let (file_max, file_allow) = (facts.max_duration, facts.allow_targets);
        let max = merged.max_duration.or(file_max);
        if let (Some(max), Some(end), Some((module, span))) = (max, steps_end, merged.timeline_span)
        {
            let baseline = merged.baseline.filter(|b| !b.is_nan()).unwrap_or(0.0);
            if baseline + end > max {
                let (module, span) = self.own_place(module, span, name_span_of(scenario));
                self.in_module(module, |c| {
                    let d = c
                        .error(
                            Code::TimelineTooLong,
                            span,
                            format!(
                                "baseline and timeline take {}, longer than `max_duration {}`",
                                human_duration(baseline + end),
                                human_duration(max)
                            ),
                        )
                        .with_label(format!("the chaos phase ends at {}", human_duration(end)))
                        .with_help("shorten the timeline or raise `max_duration` in `safety`");
                    c.emit(d);
                });
            }
        }
        let name_span = scenario.name.span;
        if !merged.has_local_probe && !facts.has_probe {
            let d = self
                .error(
                    Code::ScenarioWithoutProbe,
                    name_span,
                    format!("scenario `{name}` observes nothing: no probe is in scope"),
                )
                .with_label("no probe")
                .with_help(
                    "declare a probe, e.g. `probe health = http(\"http://127.0.0.1:8080/health\")`",
                );
            self.emit(d);
        }
        if merged.blocking == 0 && facts.blocking == 0 {
            let d = self
                .error(
                    Code::NoBlockingAssertion,
                    name_span,
                    format!("scenario `{name}` has no blocking assertion, so it can never fail"),
                )
                .with_label("only `warn` assertions or none")
                .with_help(
                    "add an `slo { … }` assertion without `warn`, e.g. `availability >= 99%`",
                );
            self.emit(d);
        }
        if !merged.allow_targets && !file_allow {
            for step in merged.steps.iter().filter(|s| s.destructive) {
                let (module, span) = self.own_place(step.module, step.span, name_span_of(scenario));
                self.in_module(module, |c| {
                    let d = c
                        .error(Code::DestructiveWithoutAllowTargets, span, format!("`{}` is destructive but no `allow_targets` limits what it may touch", step.kind))
                        .with_label("destructive fault")
                        .with_help("add `safety { allow_targets [\"name-or-glob\"] }` to the file");
                    c.emit(d);
                });
            }
        }
    }

    /// Where to report a finding about this scenario: at `span` when it is in the
    /// scenario's own file, else (it comes from an imported template) at the scenario.
    fn own_place(&self, module: usize, span: Span, scenario_name: Span) -> (usize, Span) {
        if self.modules[module].source == self.source() {
            (module, span)
        } else {
            (self.module, scenario_name)
        }
    }

    pub fn in_module(&mut self, module: usize, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.module, module);
        f(self);
        self.module = saved;
    }
}

/// Entries that may appear at most once in a body.
fn single_entry(kind: &BodyEntryKind) -> Option<&'static str> {
    Some(match kind {
        BodyEntryKind::Description(_) => "description",
        BodyEntryKind::Tags(_) => "tags",
        BodyEntryKind::Baseline(_) => "baseline",
        BodyEntryKind::SteadyState(_) => "steady_state",
        BodyEntryKind::Timeline(_) => "timeline",
        BodyEntryKind::Recover { .. } => "recover",
        BodyEntryKind::Slo(_) => "slo",
        BodyEntryKind::Safety(_) => "safety",
        _ => return None,
    })
}

/// A parameter's value while its template is checked on its own.
fn opaque(ty: ParamTy, name: &Ident) -> Val {
    match ty {
        ParamTy::Value(Ty::Target(kinds)) => Val::Target {
            kind: kinds[0],
            key: format!("param:{}", name.name),
        },
        ParamTy::Value(ty) => Val::Opaque(ty),
        ParamTy::Service => Val::Target {
            kind: TargetKind::Process,
            key: format!("param:{}", name.name),
        },
    }
}

/// `90000000000` ns → `1m30s`.
pub fn human_duration(ns: f64) -> String {
    if ns.is_nan() {
        return "?".into();
    }
    let ms = (ns / 1e6).round() as u64;
    if ms == 0 {
        return "0s".into();
    }
    if ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    let mut s = ms / 1000;
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

fn name_span_of(scenario: &Scenario) -> Span {
    scenario.name.span
}
