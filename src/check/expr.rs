//! Typing values, strings and calls.

use super::record::{ProbeRecord, TargetRecord};
use super::scope::{node_id, Checker, Def, Local, NodeId, Resolved};
use super::signatures::{self, CallClass, CallSpec, Kind, Limit, ParamSpec};
use super::types::{ParamTy, TargetKind, Ty, Val};
use crate::diag::{suggest, Code, Span};
use crate::shared::Text;
use crate::syntax::ast::*;
use std::collections::HashMap;

/// Where a call's arguments are written: a call, or a bare preset name (no arguments).
#[derive(Clone, Copy)]
pub struct CallSite<'a> {
    pub args: &'a [Arg],
    pub span: Span,
}

/// A call whose arguments have been bound to its parameters and typed.
pub struct BoundCall {
    pub spec: &'static CallSpec,
    /// Parameter name → (value, span of the argument).
    pub args: HashMap<&'static str, (Val, Span)>,
}

impl BoundCall {
    pub fn has(&self, name: &str) -> bool {
        self.args.contains_key(name)
    }

    /// The argument values without their spans.
    pub fn values(&self) -> HashMap<&'static str, Val> {
        self.args
            .iter()
            .map(|(k, (v, _))| (*k, v.clone()))
            .collect()
    }

    /// The argument values, with the defaults of the parameters not given.
    pub fn filled(&self) -> HashMap<&'static str, Val> {
        let mut values = self.values();
        self.spec.fill_defaults(&mut values);
        values
    }

    /// The target the fault acts on: the `target` argument, or the host.
    pub fn target(&self) -> Val {
        match self.args.get("target") {
            Some((v, _)) => v.clone(),
            None => Val::Target {
                kind: TargetKind::Host,
                key: "host".into(),
            },
        }
    }
}

impl<'a> Checker<'a> {
    /// The value of an expression, typed as far as can be known statically.
    pub fn infer(&mut self, expr: &'a Expr) -> Val {
        match &expr.kind {
            ExprKind::Int(i) => Val::Int(*i),
            ExprKind::Float(f) => Val::Float(*f),
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::String(s) => self.string_value(s),
            // Its unit was reported when it was parsed (E0103, E0104).
            ExprKind::Quantity(q) if q.malformed => Val::Error,
            ExprKind::Quantity(q) => {
                let (max, allowed) = max_quantity(q.dimension);
                if q.value.abs() > max {
                    let d = self
                        .error(
                            Code::OutOfRange,
                            expr.span,
                            format!("`{}` is out of range", q.text),
                        )
                        .with_label("too large")
                        .with_help(allowed);
                    self.emit(d);
                    return Val::Error;
                }
                Val::Quantity(q.dimension, q.value)
            }
            ExprKind::Percentile(_) => {
                let d = self
                    .error(
                        Code::TypeMismatch,
                        expr.span,
                        "a percentile is not a value here",
                    )
                    .with_label("percentiles are only metric arguments")
                    .with_help("use a percentile as in `latency(health, p95)`");
                self.emit(d);
                Val::Error
            }
            ExprKind::Range(lo, hi) => Val::Range(*lo, *hi),
            ExprKind::List(items) => Val::List(items.iter().map(|e| self.infer(e)).collect()),
            ExprKind::Map(pairs) => {
                let mut entries = Vec::with_capacity(pairs.len());
                for (key, value) in pairs {
                    let key_text = self.string(key).unwrap_or_else(|| key.display());
                    let value = self.expect(value, Ty::Str, "map value");
                    entries.push((key_text, value));
                }
                Val::Map(entries)
            }
            ExprKind::Path(path) => self.path_value(path),
            ExprKind::Call(call) => self.call_value(call),
        }
    }

    /// The value a name stands for.
    fn path_value(&mut self, path: &'a Path) -> Val {
        let Some(resolved) = self.lookup(path) else {
            self.unknown_name(path, "name", |r| {
                matches!(
                    r.def(),
                    Some(Def::Param(_) | Def::Const(_)) | Some(Def::Decl(_))
                ) || r.def().is_none()
            });
            return Val::Error;
        };
        match resolved {
            Resolved::Local(Local::Param(bound)) => bound.value,
            Resolved::Local(Local::Def(def)) | Resolved::Top(super::scope::TopDef { def, .. }) => {
                self.def_value(def, path)
            }
        }
    }

    pub fn def_value(&mut self, def: Def<'a>, path: &Path) -> Val {
        match def {
            Def::Param(param) if self.param_values.contains_key(&node_id(param)) => {
                self.param_values[&node_id(param)].clone()
            }
            Def::Param(param) => match super::types::param_type(&param.ty.name) {
                Some(ParamTy::Value(ty)) => Val::Opaque(ty),
                Some(ParamTy::Service) => Val::Target {
                    kind: TargetKind::Process,
                    key: param.name.name.clone(),
                },
                None => Val::Error,
            },
            Def::Const(c) => {
                if let Some(position) = self.evaluating.iter().position(|&e| std::ptr::eq(e, c)) {
                    self.const_cycle(position, c, path);
                    return Val::Error;
                }
                // A top-level const is evaluated in its own module, without the locals
                // of the place that uses it; a local one where it is.
                let top = self.module_of_const(c);
                let epoch = if top.is_some() {
                    u64::MAX
                } else {
                    self.scope_epoch
                };
                let cache = (node_id(c), epoch, self.param_values.len());
                if let Some(value) = self.const_values.get(&cache) {
                    return value.clone();
                }
                self.evaluating.push(c);
                let module = top.unwrap_or(self.module);
                let saved = std::mem::replace(&mut self.module, module);
                let frames = if top.is_some() {
                    std::mem::take(&mut self.frames)
                } else {
                    Vec::new()
                };
                let quiet = self.diagnostics.len();
                let value = self.infer(&c.value);
                // Problems inside the const are reported where it is defined, once.
                self.diagnostics.truncate(quiet);
                if top.is_some() {
                    self.frames = frames;
                }
                self.module = saved;
                self.evaluating.pop();
                self.const_values.insert(cache, value.clone());
                value
            }
            Def::Decl(decl) => match decl.kind {
                DeclKind::Target => {
                    let key = Self::decl_key(decl);
                    if !self.targets.contains_key(&key) {
                        // Recorded before its arguments are evaluated, so that a target
                        // whose arguments name the target itself ends instead of
                        // recursing (that misuse is reported as a type error).
                        self.targets.insert(
                            key.clone(),
                            TargetRecord {
                                kind: target_kind(&decl.call.callee.name.name),
                                name: Some(decl.name.name.clone()),
                                service: None,
                                args: HashMap::new(),
                            },
                        );
                        // Its problems are reported where it is declared.
                        let quiet = self.diagnostics.len();
                        let args = self
                            .check_call(&decl.call, CallClass::Target, false)
                            .map(|bound| bound.values())
                            .unwrap_or_default();
                        self.diagnostics.truncate(quiet);
                        self.targets.insert(
                            key.clone(),
                            TargetRecord {
                                kind: target_kind(&decl.call.callee.name.name),
                                name: Some(decl.name.name.clone()),
                                service: None,
                                args,
                            },
                        );
                    }
                    Val::Target {
                        kind: target_kind(&decl.call.callee.name.name),
                        key,
                    }
                }
                DeclKind::Service => {
                    let key = Self::decl_key(decl);
                    self.targets
                        .entry(key.clone())
                        .or_insert_with(|| TargetRecord {
                            kind: TargetKind::Process,
                            name: Some(decl.name.name.clone()),
                            service: Some(decl.name.name.clone()),
                            args: HashMap::new(),
                        });
                    Val::Target {
                        kind: TargetKind::Process,
                        key,
                    }
                }
                DeclKind::Probe => Val::Probe {
                    key: Self::decl_key(decl),
                },
                DeclKind::Fault => {
                    let d = self
                        .error(
                            Code::WrongKindOfName,
                            path.span,
                            format!("`{}` is a fault preset, not a value", path.display()),
                        )
                        .with_help("use fault presets as timeline steps: `at 0s NAME for 30s`");
                    self.emit(d);
                    Val::Error
                }
            },
            Def::Template(_) => {
                let d = self
                    .error(
                        Code::WrongKindOfName,
                        path.span,
                        format!("`{}` is a template, not a value", path.display()),
                    )
                    .with_help("build a scenario on it: `scenario \"NAME\" = TEMPLATE(…)`");
                self.emit(d);
                Val::Error
            }
        }
    }

    /// Reports the cycle `evaluating[position..]` closed by `path` (a reference to `c`),
    /// once per cycle.
    fn const_cycle(&mut self, position: usize, c: &'a Const, path: &Path) {
        let consts = &self.evaluating[position..];
        let mut key: Vec<NodeId> = consts.iter().map(|&e| node_id(e)).collect();
        key.sort();
        if !self.cycles.insert(key) {
            return;
        }
        let names: Vec<String> = consts
            .iter()
            .map(|e| format!("`{}`", e.name.name))
            .collect();
        let shown = format!("{} → `{}`", names.join(" → "), c.name.name);
        let help = if names.len() == 1 {
            format!(
                "give `{}` a value that does not use `{}`",
                c.name.name, c.name.name
            )
        } else {
            format!(
                "give one of {} a value that does not use the others",
                names.join(", ")
            )
        };
        let d = self
            .error(
                Code::ConstCycle,
                path.span,
                format!("`{}` is defined in terms of itself: {shown}", c.name.name),
            )
            .with_label(format!("refers back to `{}`", c.name.name))
            .with_help(help);
        self.cycle_diagnostics.push(d);
    }

    fn module_of_const(&self, c: &Const) -> Option<usize> {
        (0..self.modules.len()).find(|&m| {
            self.defs
                .get(m)
                .and_then(|defs| defs.get(c.name.name.as_str()))
                .is_some_and(|d| matches!(d.def, Def::Const(x) if std::ptr::eq(x, c)))
        })
    }

    /// A call used as a value: an inline target, a probe, or `env("NAME")`.
    fn call_value(&mut self, call: &'a Call) -> Val {
        let name = call.callee.name.name.as_str();
        if call.callee.namespace.is_none() && name == "env" {
            match call.args.as_slice() {
                [Arg {
                    name: None, value, ..
                }] => {
                    if let Val::Str(Some(name)) = self.expect(value, Ty::Str, "variable name") {
                        return Val::Text(Text::Env { env: name });
                    }
                }
                _ => {
                    let d = self
                        .error(
                            Code::MisplacedArgument,
                            call.span,
                            "`env` takes exactly one argument, the variable's name",
                        )
                        .with_help("write `env(\"NAME\")`");
                    self.emit(d);
                }
            }
            return Val::Str(None);
        }
        if call.callee.namespace.is_none() && signatures::lookup(CallClass::Target, name).is_some()
        {
            return match self.check_call(call, CallClass::Target, false) {
                Some(bound) => {
                    let key = format!("{name}(…)#{:p}", call as *const Call);
                    self.targets.insert(
                        key.clone(),
                        TargetRecord {
                            kind: target_kind(name),
                            name: None,
                            service: None,
                            args: bound.values(),
                        },
                    );
                    Val::Target {
                        kind: target_kind(name),
                        key,
                    }
                }
                None => Val::Error,
            };
        }
        if call.callee.namespace.is_none() && signatures::lookup(CallClass::Probe, name).is_some() {
            return match self.check_call(call, CallClass::Probe, false) {
                Some(bound) => {
                    let Kind::Probe(kind) = bound.spec.kind else {
                        return Val::Error;
                    };
                    // Named by what uses it (a service's `ready`).
                    let key = format!("{name}(…)#{:p}", call as *const Call);
                    self.probes.insert(
                        key.clone(),
                        ProbeRecord {
                            name: String::new(),
                            kind,
                            args: bound.filled(),
                            module: self.module,
                            span: call.span,
                        },
                    );
                    Val::Probe { key }
                }
                None => Val::Error,
            };
        }
        let candidates: Vec<&str> = signatures::names(CallClass::Target)
            .chain(signatures::names(CallClass::Probe))
            .chain(["env"])
            .collect();
        let help = suggest::did_you_mean(name, candidates.iter().copied())
            .unwrap_or_else(|| "only targets (`container(…)`, `proxy(…)` …), probes and `env(\"NAME\")` can be called here".into());
        let d = self
            .error(
                Code::UnknownKind,
                call.callee.span,
                format!("unknown call `{}`", call.callee.display()),
            )
            .with_label("not a target kind, probe kind or `env`")
            .with_help(help);
        self.emit(d);
        Val::Error
    }

    /// Checks interpolations; the text when it is known statically.
    pub fn string(&mut self, s: &'a StringLit) -> Option<String> {
        match self.string_value(s) {
            Val::Str(text) => text,
            _ => None,
        }
    }

    /// A string literal's value: known text, text with `env(…)` parts, or unknown.
    ///
    /// The length is added up before anything is joined: past [`MAX_STRING_BYTES`] the
    /// string is refused (E1003) instead of built.
    pub fn string_value(&mut self, s: &'a StringLit) -> Val {
        let mut pieces: Vec<Text> = Vec::new();
        let mut known = true;
        let mut size = 0usize;
        for part in &s.parts {
            let text = match part {
                StringPart::Text(t) => Text::Literal(t.clone()),
                StringPart::Interpolation(path) => match self.interpolate(path) {
                    Some(text) => text,
                    None => {
                        known = false;
                        continue;
                    }
                },
            };
            size = size.saturating_add(text_size(&text));
            if size > MAX_STRING_BYTES {
                let d = self
                    .error(
                        Code::StringTooLong,
                        s.span,
                        format!(
                            "the string is longer than {} MiB once interpolated",
                            MAX_STRING_BYTES >> 20
                        ),
                    )
                    .with_label("too long")
                    .with_help("interpolate shorter values: a string holds at most 1 MiB");
                self.emit(d);
                return Val::Error;
            }
            push_text(&mut pieces, text);
        }
        if !known {
            return Val::Str(None);
        }
        match pieces.len() {
            0 => Val::Str(Some(String::new())),
            1 => match pieces.pop() {
                Some(Text::Literal(text)) => Val::Str(Some(text)),
                Some(other) => Val::Text(other),
                None => Val::Str(Some(String::new())),
            },
            _ => Val::Text(Text::Concat { concat: pieces }),
        }
    }

    fn interpolate(&mut self, path: &'a Path) -> Option<Text> {
        let Some(resolved) = self.lookup(path) else {
            let shown = path.display();
            let candidates = self.visible_names(|r| {
                matches!(r, Resolved::Local(Local::Param(_)))
                    || matches!(r.def(), Some(Def::Param(_) | Def::Const(_)))
            });
            let help = suggest::did_you_mean(&shown, candidates.iter().map(String::as_str))
                .unwrap_or_else(|| "only params, consts and template parameters can be interpolated; write a literal `$` as `\\$`".into());
            let d = self
                .error(
                    Code::UnknownInterpolation,
                    path.span,
                    format!("unknown name `{shown}` in interpolation"),
                )
                .with_label("unknown name")
                .with_help(help);
            self.emit(d);
            return None;
        };
        let value = match &resolved {
            Resolved::Local(Local::Param(b)) => b.value.clone(),
            _ => match resolved.def() {
                Some(def @ (Def::Param(_) | Def::Const(_))) => self.def_value(def, path),
                _ => {
                    self.non_scalar(path, resolved.noun());
                    return None;
                }
            },
        };
        let literal = |s: String| Some(Text::Literal(s));
        match value {
            Val::Int(i) => literal(i.to_string()),
            Val::Float(f) => literal(f.to_string()),
            Val::Bool(b) => literal(b.to_string()),
            Val::Str(s) => s.map(Text::Literal),
            Val::Text(t) => Some(t),
            Val::Quantity(dimension, value) => literal(quantity_text(dimension, value)),
            Val::Opaque(_) | Val::Error => None,
            Val::Word(w) => literal(w),
            Val::List(_) => self.non_scalar(path, "a list"),
            Val::Map(_) => self.non_scalar(path, "a map"),
            Val::Range(..) => self.non_scalar(path, "a range"),
            Val::Target { .. } => self.non_scalar(path, "a target"),
            Val::Probe { .. } => self.non_scalar(path, "a probe"),
        }
    }

    fn non_scalar(&mut self, path: &Path, noun: &str) -> Option<Text> {
        let d = self
            .error(
                Code::NonScalarInterpolation,
                path.span,
                format!(
                    "`{}` is {noun} and cannot be interpolated into a string",
                    path.display()
                ),
            )
            .with_label("not text, a number or a quantity")
            .with_help("interpolate a param, a const or a template parameter that holds a scalar");
        self.emit(d);
        None
    }

    /// Checks `expr` against `ty`; `what` names the slot in messages.
    pub fn expect(&mut self, expr: &'a Expr, ty: Ty, what: &str) -> Val {
        match ty {
            Ty::Word(words) => {
                if let ExprKind::Path(Path {
                    namespace: None,
                    name,
                    ..
                }) = &expr.kind
                {
                    if words.contains(&name.name.as_str()) {
                        return Val::Word(name.name.clone());
                    }
                    let help = suggest::did_you_mean(&name.name, words.iter().copied())
                        .unwrap_or_else(|| format!("expected {}", super::types::one_of(words)));
                    let d = self
                        .error(
                            Code::UnknownOption,
                            expr.span,
                            format!("unknown {what} `{}`", name.name),
                        )
                        .with_label(format!("not a valid {what}"))
                        .with_help(help);
                    self.emit(d);
                    return Val::Error;
                }
                if let ExprKind::String(s) = &expr.kind {
                    if let Some(text) = s.as_plain() {
                        if words.contains(&text.as_str()) {
                            let d = self
                                .error(
                                    Code::TypeMismatch,
                                    expr.span,
                                    format!("expected {}, found a string", ty.describe()),
                                )
                                .with_label("a string")
                                .with_help(format!("write the word without quotes: `{text}`"));
                            self.emit(d);
                            return Val::Error;
                        }
                    }
                }
            }
            Ty::Target(_) => {
                if let ExprKind::Path(path) = &expr.kind {
                    match self.lookup(path) {
                        None => {
                            self.unknown_name(path, "target", |r| {
                                matches!(r.def(), Some(Def::Decl(d)) if matches!(d.kind, DeclKind::Target | DeclKind::Service))
                                    || matches!(r, Resolved::Local(Local::Param(b)) if matches!(b.ty, ParamTy::Service | ParamTy::Value(Ty::Target(_))))
                            });
                            return Val::Error;
                        }
                        Some(resolved) => {
                            let is_target = match &resolved {
                                Resolved::Local(Local::Param(b)) => {
                                    matches!(b.ty, ParamTy::Service | ParamTy::Value(Ty::Target(_)))
                                }
                                other => match other.def() {
                                    Some(Def::Decl(d)) => {
                                        matches!(d.kind, DeclKind::Target | DeclKind::Service)
                                    }
                                    Some(Def::Param(p)) => matches!(
                                        super::types::param_type(&p.ty.name),
                                        Some(ParamTy::Service | ParamTy::Value(Ty::Target(_)))
                                    ),
                                    _ => false,
                                },
                            };
                            if !is_target {
                                let d = self
                                    .error(
                                        Code::WrongKindOfName,
                                        path.span,
                                        format!(
                                            "`{}` is {}, not a target",
                                            path.display(),
                                            resolved.noun()
                                        ),
                                    )
                                    .with_label(format!("expected a target for `{what}`"))
                                    .with_help("name a `target` or a `service` here");
                                self.emit(d);
                                return Val::Error;
                            }
                        }
                    }
                }
            }
            Ty::StrList => {
                if let ExprKind::List(items) = &expr.kind {
                    let values = items
                        .iter()
                        .map(|e| self.expect(e, Ty::Str, what))
                        .collect();
                    return Val::List(values);
                }
            }
            Ty::Status => {
                let value = self.infer(expr);
                return match value {
                    Val::Int(code) => {
                        if !(100..=599).contains(&code) {
                            self.out_of_range(
                                expr.span,
                                what,
                                &code.to_string(),
                                "an HTTP status from 100 to 599",
                            );
                        }
                        value
                    }
                    Val::Range(lo, hi) => {
                        if lo < 100 || hi > 599 {
                            self.out_of_range(
                                expr.span,
                                what,
                                &format!("{lo}..{hi}"),
                                "HTTP statuses from 100 to 599",
                            );
                        }
                        value
                    }
                    Val::Error | Val::Opaque(Ty::Int) => value,
                    other => self.mismatch(expr, ty, &other),
                };
            }
            Ty::Json => {
                if let ExprKind::Map(pairs) = &expr.kind {
                    return self.json_expectations(pairs);
                }
            }
            Ty::Ready => {
                let value = self.infer(expr);
                return match value {
                    Val::Str(_)
                    | Val::Text(_)
                    | Val::Probe { .. }
                    | Val::Error
                    | Val::Opaque(Ty::Str) => value,
                    other => self.mismatch(expr, ty, &other),
                };
            }
            _ => {}
        }
        let value = self.infer(expr);
        if compatible(&value, &ty) {
            value
        } else {
            self.mismatch(expr, ty, &value)
        }
    }

    /// An `http` probe's `json: {"/pointer": VALUE, …}`: each key a JSON pointer (RFC
    /// 6901), each value `true`, `false`, a number, a string or the word `null`.
    fn json_expectations(&mut self, pairs: &'a [(StringLit, Expr)]) -> Val {
        let mut entries = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let pointer = self.string(key);
            if let Some(pointer) = &pointer {
                if let Err((problem, help)) = json_pointer(pointer) {
                    let shown = if pointer.is_empty() { "\"\"" } else { pointer };
                    let d = self
                        .error(
                            Code::BadJsonPointer,
                            key.span,
                            format!("`{shown}` is not a JSON pointer: {problem}"),
                        )
                        .with_label("not a JSON pointer")
                        .with_help(help)
                        .with_note(
                            "a JSON pointer (RFC 6901) names one value of the body: `/healthy`, `/checks/0/status`; `~1` stands for `/` and `~0` for `~` in a key",
                        );
                    self.emit(d);
                }
            }
            let expected = match &value.kind {
                ExprKind::Path(Path {
                    namespace: None,
                    name,
                    ..
                }) if name.name == "null" => Val::Word("null".into()),
                _ => match self.infer(value) {
                    v @ (Val::Bool(_)
                    | Val::Int(_)
                    | Val::Float(_)
                    | Val::Str(_)
                    | Val::Opaque(Ty::Bool | Ty::Int | Ty::Float | Ty::Str)
                    | Val::Error) => v,
                    other => {
                        let d = self
                            .error(
                                Code::TypeMismatch,
                                value.span,
                                format!(
                                    "expected a JSON value for `{}`, found {}",
                                    pointer.as_deref().unwrap_or("json"),
                                    other.describe()
                                ),
                            )
                            .with_label(format!("this is {}", other.describe()))
                            .with_help(
                                "write `true`, `false`, a number, a string known before the run, or `null`",
                            );
                        self.emit(d);
                        Val::Error
                    }
                },
            };
            entries.push((pointer.unwrap_or_else(|| key.display()), expected));
        }
        Val::Map(entries)
    }

    /// E0401, with a hint for the usual slips (a number without its unit).
    pub fn mismatch(&mut self, expr: &Expr, ty: Ty, found: &Val) -> Val {
        if matches!(found, Val::Error) {
            return Val::Error;
        }
        let mut d = self
            .error(
                Code::TypeMismatch,
                expr.span,
                format!("expected {}, found {}", ty.describe(), found.describe()),
            )
            .with_label(format!("this is {}", found.describe()));
        let written = match &expr.kind {
            ExprKind::Int(i) => Some(i.to_string()),
            ExprKind::Float(f) => Some(f.to_string()),
            _ => None,
        };
        let help = match (ty, written) {
            (Ty::Quantity(dim), Some(n)) => {
                let unit = match dim {
                    crate::syntax::ast::Dimension::Duration => "s",
                    crate::syntax::ast::Dimension::Percent => "%",
                    crate::syntax::ast::Dimension::Size => "MiB",
                    crate::syntax::ast::Dimension::Rate => "/s",
                    crate::syntax::ast::Dimension::Bandwidth => "Mbps",
                };
                Some(format!("add a unit: `{n}{unit}`"))
            }
            (Ty::Quantity(dim), None) => match &expr.kind {
                ExprKind::String(s) if s.as_plain().is_some() => Some(format!(
                    "write the {} without quotes, e.g. `{}`",
                    super::types::noun(dim),
                    example(dim)
                )),
                _ => Some(format!(
                    "write {} such as `{}`",
                    super::types::a(super::types::noun(dim)),
                    example(dim)
                )),
            },
            (Ty::Int, None) if matches!(found, Val::Quantity(..)) => {
                Some("write a plain integer, without a unit".into())
            }
            (Ty::Json, _) => Some(
                "write a map from JSON pointers to the values expected there, e.g. `{\"/healthy\": true}`"
                    .into(),
            ),
            (Ty::Target(_), _) => Some(
                "name a `target` (or a `service`), or write one inline such as `container(\"db\")`"
                    .into(),
            ),
            _ => None,
        };
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.emit(d);
        Val::Error
    }

    pub fn out_of_range(&mut self, span: Span, what: &str, written: &str, allowed: &str) {
        let d = self
            .error(
                Code::OutOfRange,
                span,
                format!("`{written}` is out of range for `{what}`"),
            )
            .with_label("out of range")
            .with_help(format!("`{what}` takes {allowed}"));
        self.emit(d);
    }

    fn check_limit(&mut self, spec: &ParamSpec, value: &Val, expr: &Expr) {
        let Some(n) = value.number() else { return };
        let whole_ms = super::timeline::whole_ms;
        let allowed = match spec.limit {
            Limit::None => return,
            Limit::Positive if n <= 0.0 => "a value above zero".to_string(),
            Limit::NonNegative if n < 0.0 => "zero or more".to_string(),
            Limit::Percent if !(0.0..=100.0).contains(&n) => {
                "a percentage from 0% to 100%".to_string()
            }
            Limit::PositivePercent if !(n > 0.0 && n <= 100.0) => {
                "a percentage above 0% and at most 100%".to_string()
            }
            Limit::Port if !(1.0..=65535.0).contains(&n) => "a port from 1 to 65535".to_string(),
            Limit::PositiveMs if n < 1e6 || !whole_ms(n) => {
                "a duration of at least 1ms, in whole milliseconds".to_string()
            }
            Limit::NonNegativeMs if n < 0.0 || !whole_ms(n) => {
                "zero or more, in whole milliseconds".to_string()
            }
            Limit::Count(max) if !(1.0..=max as f64).contains(&n) => {
                format!("a number from 1 to {max}")
            }
            _ => return,
        };
        let written = expr_text(expr);
        self.out_of_range(expr.span, spec.name, &written, &allowed);
    }

    /// Binds and types a call's arguments. `partial` allows missing required ones (presets).
    pub fn check_call(
        &mut self,
        call: &'a Call,
        class: CallClass,
        partial: bool,
    ) -> Option<BoundCall> {
        let name = call.callee.name.name.as_str();
        let Some(spec) = (call.callee.namespace.is_none())
            .then(|| signatures::lookup(class, name))
            .flatten()
        else {
            self.unknown_kind(&call.callee, class);
            return None;
        };
        let bound = self.check_call_with(
            CallSite {
                args: &call.args,
                span: call.span,
            },
            spec,
            partial,
            None,
        )?;
        if class == CallClass::Target && spec.name == "proxy" {
            self.check_proxy(&bound);
        }
        if class == CallClass::Target && spec.name == "pods" {
            self.check_cluster_literals(&bound, &["namespace", "labels", "mode", "container"]);
            self.check_kubernetes_names(&bound);
            self.check_pod_selection(&bound, call.span);
        }
        Some(bound)
    }

    /// What Chaos Mesh carries out is applied with `kubectl`, without chaosc's
    /// environment: the values a manifest holds cannot be read with `env(…)` (E0505).
    pub fn check_cluster_literals(&mut self, bound: &BoundCall, names: &[&str]) {
        for name in names {
            let Some((value, span)) = bound.args.get(name) else {
                continue;
            };
            let from_environment = match value {
                Val::Text(_) => true,
                Val::Map(entries) => entries.iter().any(|(_, v)| matches!(v, Val::Text(_))),
                _ => false,
            };
            if from_environment {
                let d = self
                    .error(
                        Code::ClusterValueFromEnvironment,
                        *span,
                        format!("`{}` of `{}` reads the environment, which a chaos mesh manifest cannot", name, bound.spec.name),
                    )
                    .with_label("read with `env(…)`")
                    .with_help("write the value, or take it from a `param` (`--set NAME=VALUE` when exporting)")
                    .with_note("pods targets and pod faults are exported to manifests that `kubectl` applies without chaosc's environment");
                self.emit(d);
            }
        }
    }

    /// A `pods` target's namespace and container are DNS-1123 labels and its labels
    /// valid Kubernetes label keys and values, or `kubectl` refuses the manifest (E0508).
    fn check_kubernetes_names(&mut self, bound: &BoundCall) {
        let mut problems: Vec<(Span, String, &str)> = Vec::new();
        for name in ["namespace", "container"] {
            if let Some((Val::Str(Some(text)), span)) = bound.args.get(name) {
                if !is_dns_label(text) {
                    problems.push((*span, format!("`{text}` is not a valid kubernetes {name} name"), "a name is 1 to 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"));
                }
            }
        }
        if let Some((Val::Map(entries), span)) = bound.args.get("labels") {
            for (key, value) in entries {
                if !is_label_key(key) {
                    problems.push((*span, format!("`{key}` is not a valid kubernetes label key"), "a label key is an optional DNS prefix and `/`, then 1 to 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"));
                }
                if let Val::Str(Some(value)) = value {
                    if !is_label_value(value) {
                        problems.push((*span, format!("`{value}` is not a valid kubernetes label value"), "a label value is at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"));
                    }
                }
            }
        }
        for (span, message, help) in problems {
            let d = self
                .error(Code::InvalidKubernetesName, span, message)
                .with_help(help)
                .with_note("`kubectl apply` refuses a manifest that selects pods by an invalid name or label");
            self.emit(d);
        }
    }

    /// A `pods` target's `mode` is one of Chaos Mesh's, with the `value` it needs:
    /// a count for `fixed`, a percentage for the percent modes, none for `one`, `all`.
    fn check_pod_selection(&mut self, bound: &BoundCall, call_span: Span) {
        let Some((Val::Str(Some(mode)), mode_span)) = bound.args.get("mode") else {
            return;
        };
        let (mode, mode_span) = (mode.clone(), *mode_span);
        let value = bound.args.get("value").cloned();
        let problem = match (mode.as_str(), &value) {
            (mode, _) if !signatures::POD_MODES.contains(&mode) => Some((
                mode_span,
                format!("`{mode}` is not a pod selection mode"),
                format!("use {}", super::types::one_of(signatures::POD_MODES)),
            )),
            ("one" | "all", Some((_, span))) => Some((
                *span,
                format!("mode `{mode}` takes no `value`"),
                "remove `value: …`, or use `fixed` (a count) or `fixed-percent` (a percentage)"
                    .into(),
            )),
            ("fixed", None) | ("fixed-percent" | "random-max-percent", None) => Some((
                call_span,
                format!("mode `{mode}` needs a `value`"),
                if mode == "fixed" {
                    "add `value: N`, the number of pods".into()
                } else {
                    "add `value: P%`, the percentage of pods".into()
                },
            )),
            ("fixed", Some((Val::Quantity(..), span))) => Some((
                *span,
                "mode `fixed` takes a count of pods, not a percentage".into(),
                "write the count (`value: 2`), or use `fixed-percent` for a percentage".into(),
            )),
            ("fixed-percent" | "random-max-percent", Some((Val::Int(_), span))) => Some((
                *span,
                format!("mode `{mode}` takes a percentage, not a count"),
                "write the percentage (`value: 50%`), or use `fixed` for a count".into(),
            )),
            _ => None,
        };
        if let Some((span, message, help)) = problem {
            let d = self
                .error(Code::PodSelection, span, message)
                .with_help(help)
                .with_note("chaos mesh's modes: `one` and `all` take no value, `fixed` a count, `fixed-percent` and `random-max-percent` a percentage");
            self.emit(d);
            return;
        }
        match value {
            Some((Val::Int(count), span)) if !(1..=i64::from(u32::MAX)).contains(&count) => {
                self.out_of_range(span, "value", &count.to_string(), "a count of at least 1");
            }
            Some((Val::Quantity(_, percent), span)) if !(0.0..=100.0).contains(&percent) => {
                self.out_of_range(
                    span,
                    "value",
                    &quantity_text(Dimension::Percent, percent),
                    "from 0% to 100%",
                );
            }
            _ => {}
        }
    }

    /// A `proxy` target's addresses: not its own upstream (it would connect to itself),
    /// and preferably not on every interface (it would expose its upstream).
    fn check_proxy(&mut self, bound: &BoundCall) {
        let text = |name: &str| match bound.args.get(name) {
            Some((Val::Str(Some(text)), span)) => Some((text.clone(), *span)),
            _ => None,
        };
        let (Some((listen, listen_span)), upstream) = (text("listen"), text("upstream")) else {
            return;
        };
        let listen_addr: Option<std::net::SocketAddr> = listen.parse().ok();
        if let Some((upstream, upstream_span)) = upstream {
            if connects_to_itself(&listen, listen_addr, &upstream) {
                let d = self
                    .error(
                        Code::ProxyLoop,
                        upstream_span,
                        format!("the proxy's upstream `{upstream}` is its own listen address `{listen}`"),
                    )
                    .with_label("the proxy would connect to itself")
                    .with_secondary(listen_span, "it listens here")
                    .with_help("point `upstream` at the service the proxy stands in front of, on another port");
                self.emit(d);
                return;
            }
        }
        if let Some(addr) = listen_addr.filter(|a| a.ip().is_unspecified()) {
            let loopback = match addr {
                std::net::SocketAddr::V4(_) => format!("127.0.0.1:{}", addr.port()),
                std::net::SocketAddr::V6(_) => format!("[::1]:{}", addr.port()),
            };
            let d = self
                .error(
                    Code::ProxyOnAllInterfaces,
                    listen_span,
                    format!("the proxy listens on `{listen}`, every network interface"),
                )
                .with_label("reachable from other hosts")
                .with_help(format!("listen on the loopback interface: `{loopback}`"))
                .with_note("whatever connects to the proxy is forwarded to its upstream, so an upstream that only listens on the loopback interface becomes reachable from the network");
            self.emit(d);
        }
    }

    /// Binds `site`'s arguments to `spec`, on top of a preset's arguments if any.
    pub fn check_call_with(
        &mut self,
        call: CallSite<'a>,
        spec: &'static CallSpec,
        partial: bool,
        preset: Option<&'a Decl>,
    ) -> Option<BoundCall> {
        let mut bound = BoundCall {
            spec,
            args: HashMap::new(),
        };
        // The preset's own arguments first; the use may override them.
        let mut preset_given: Vec<&'static str> = Vec::new();
        if let Some(decl) = preset {
            let saved = self.diagnostics.len();
            if let Some(base) = self.bind_args(&decl.call.args, spec) {
                preset_given = base.keys().copied().collect();
                bound.args = base;
            }
            self.diagnostics.truncate(saved);
        }
        let before = self.diagnostics.len();
        let own = self.bind_args(call.args, spec)?;
        // A misplaced argument may be the "missing" one: do not report it twice.
        let misplaced = self.diagnostics[before..]
            .iter()
            .any(|d| d.code == Code::MisplacedArgument);
        let partial = partial || misplaced;
        let given_here: Vec<&'static str> = own.keys().copied().collect();
        bound.args.extend(own);
        if !partial {
            for param in spec.params.iter().filter(|p| p.required) {
                if !bound.args.contains_key(param.name) {
                    let d = self
                        .error(
                            Code::MissingArgument,
                            call.span,
                            format!("`{}` needs the argument `{}`", spec.name, param.name),
                        )
                        .with_label(format!("`{}` is missing", param.name))
                        .with_help(format!("add `{}: …` ({})", param.name, param.ty.describe()));
                    self.emit(d);
                }
            }
        }
        if !spec.exclusive.is_empty() {
            let given: Vec<&str> = spec
                .exclusive
                .iter()
                .copied()
                .filter(|n| bound.args.contains_key(n))
                .collect();
            let listed = spec
                .exclusive
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if given.len() > 1 {
                let second = given
                    .iter()
                    .filter(|n| given_here.contains(n) || !preset_given.contains(n))
                    .nth(1)
                    .or(given.get(1))
                    .copied()
                    .unwrap_or(given[1]);
                let span = bound.args.get(second).map_or(call.span, |(_, s)| *s);
                let d = self
                    .error(
                        Code::ConflictingArguments,
                        span,
                        format!("`{}` takes only one of {listed}", spec.name),
                    )
                    .with_label(format!("`{second}` conflicts with `{}`", given[0]))
                    .with_help(format!("keep one of {listed}"));
                self.emit(d);
            } else if given.is_empty() && spec.exactly_one && !partial {
                let d = self
                    .error(
                        Code::MissingArgument,
                        call.span,
                        format!("`{}` needs one of {listed}", spec.name),
                    )
                    .with_help(format!("add one of {listed}"));
                self.emit(d);
            }
        }
        Some(bound)
    }

    /// Matches arguments to parameters: types, duplicates, unknown names, positions.
    fn bind_args(
        &mut self,
        call_args: &'a [Arg],
        spec: &'static CallSpec,
    ) -> Option<HashMap<&'static str, (Val, Span)>> {
        let mut args: HashMap<&'static str, (Val, Span)> = HashMap::new();
        let mut seen_named = false;
        for (index, arg) in call_args.iter().enumerate() {
            let param = match &arg.name {
                Some(name) => {
                    seen_named = true;
                    match spec.params.iter().find(|p| p.name == name.name) {
                        Some(p) => p,
                        None => {
                            let help = suggest::did_you_mean(
                                &name.name,
                                spec.params.iter().map(|p| p.name),
                            )
                            .unwrap_or_else(|| match spec.params {
                                [] => format!("`{}` takes no arguments", spec.name),
                                params => format!(
                                    "`{}` takes {}",
                                    spec.name,
                                    params
                                        .iter()
                                        .map(|p| format!("`{}`", p.name))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            });
                            let d = self
                                .error(
                                    Code::UnknownArgument,
                                    name.span,
                                    format!("`{}` has no argument `{}`", spec.name, name.name),
                                )
                                .with_label("unknown argument")
                                .with_help(help);
                            self.emit(d);
                            self.infer(&arg.value);
                            continue;
                        }
                    }
                }
                None => {
                    let problem = if seen_named {
                        Some("a positional argument cannot follow named ones".to_string())
                    } else if index > 0 {
                        Some(format!(
                            "`{}` takes at most one positional argument",
                            spec.name
                        ))
                    } else if spec.params.is_empty() {
                        Some(format!("`{}` takes no arguments", spec.name))
                    } else {
                        None
                    };
                    if let Some(message) = problem {
                        let value = self.infer(&arg.value);
                        let help = match spec.params.first() {
                            Some(first) if seen_named => format!(
                                "only the first argument may be positional: move it to the front (as `{}`) or name it",
                                first.name
                            ),
                            Some(_) => extra_argument_help(spec, call_args, arg, &value),
                            None => format!("`{}()` takes no arguments: remove it", spec.name),
                        };
                        let d = self
                            .error(Code::MisplacedArgument, arg.span, message)
                            .with_label("positional argument")
                            .with_help(help);
                        self.emit(d);
                        continue;
                    }
                    &spec.params[0]
                }
            };
            if let Some((_, first)) = args.get(param.name) {
                let first = *first;
                let d = self
                    .error(
                        Code::DuplicateArgument,
                        arg.span,
                        format!("`{}` is given twice", param.name),
                    )
                    .with_label("second value")
                    .with_secondary(first, "first value")
                    .with_help("keep one of them");
                self.emit(d);
                continue;
            }
            let value = self.expect(&arg.value, param.ty, param.name);
            self.check_limit(param, &value, &arg.value);
            args.insert(param.name, (value, arg.span));
        }
        Some(args)
    }

    pub fn unknown_kind(&mut self, callee: &Path, class: CallClass) {
        let name = callee.display();
        let candidates: Vec<String> = match class {
            CallClass::Fault => signatures::fault_kinds()
                .map(str::to_string)
                .chain(self.visible_names(
                    |r| matches!(r.def(), Some(Def::Decl(d)) if d.kind == DeclKind::Fault),
                ))
                .collect(),
            _ => signatures::names(class).map(str::to_string).collect(),
        };
        let help = suggest::did_you_mean(&name, candidates.iter().map(String::as_str))
            .unwrap_or_else(|| {
                format!(
                    "the {}s are {}",
                    class.noun(),
                    signatures::names(class)
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        let d = self
            .error(
                Code::UnknownKind,
                callee.span,
                format!("unknown {} `{name}`", class.noun()),
            )
            .with_label(format!("not a {}", class.noun()))
            .with_help(help);
        self.emit(d);
    }
}

/// The help for a positional argument past the first: the first required parameter
/// not given yet whose type fits the value, named (`delay: 200ms`), or else the
/// parameters not given yet.
fn extra_argument_help(spec: &CallSpec, call_args: &[Arg], arg: &Arg, value: &Val) -> String {
    let given = |name: &str| {
        call_args
            .iter()
            .enumerate()
            .any(|(index, a)| match &a.name {
                Some(n) => n.name == name,
                None => index == 0 && spec.params.first().is_some_and(|p| p.name == name),
            })
    };
    let open: Vec<&ParamSpec> = spec.params.iter().filter(|p| !given(p.name)).collect();
    let fits = open
        .iter()
        .find(|p| p.required && !matches!(value, Val::Error) && compatible(value, &p.ty));
    if let Some(param) = fits {
        let written = match &arg.value.kind {
            ExprKind::List(_) | ExprKind::Map(_) | ExprKind::Call(_) => "…".to_string(),
            _ => expr_text(&arg.value),
        };
        return format!("name the extra argument: `{}: {written}`?", param.name);
    }
    match open.as_slice() {
        [] => format!("`{}` takes no more arguments: remove it", spec.name),
        [one] => format!("name the extra argument: `{}: …`", one.name),
        more => format!(
            "name the extra argument: `{}` also takes {}",
            spec.name,
            more.iter()
                .map(|p| format!("`{}`", p.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A DNS-1123 label: a Kubernetes namespace or container name.
fn is_dns_label(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// A Kubernetes label value: empty, or up to 63 of `[A-Za-z0-9-_.]` starting and ending
/// with a letter or digit.
fn is_label_value(text: &str) -> bool {
    text.is_empty()
        || (text.len() <= 63
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// A Kubernetes label key: an optional DNS subdomain prefix and `/`, then a non-empty
/// name with the rules of a value.
fn is_label_key(text: &str) -> bool {
    let (prefix, name) = match text.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, text),
    };
    let prefix_ok =
        prefix.is_none_or(|p| (1..=253).contains(&p.len()) && p.split('.').all(is_dns_label));
    prefix_ok && !name.is_empty() && is_label_value(name)
}

/// The kind of target a target call makes.
pub fn target_kind(call_name: &str) -> TargetKind {
    match call_name {
        "process" => TargetKind::Process,
        "container" => TargetKind::Container,
        "proxy" => TargetKind::Proxy,
        "interface" => TargetKind::Interface,
        "pods" => TargetKind::Pods,
        _ => TargetKind::Host,
    }
}

/// Whether a value fits a type (errors fit everything: they are reported already).
/// The largest magnitude of a quantity of each dimension, in its base unit
/// (nanoseconds, bytes, per second, bytes per second), and the help saying so.
pub fn max_quantity(dimension: Dimension) -> (f64, &'static str) {
    match dimension {
        Dimension::Duration => (
            super::timeline::MAX_DURATION_NS,
            "durations are at most 30 days (`720h`)",
        ),
        // Percentages are checked where they are used (0% to 100% for arguments and
        // thresholds), with the parameter's name.
        Dimension::Percent => (f64::INFINITY, ""),
        Dimension::Size => (1099511627776.0, "sizes are at most 1TiB"),
        Dimension::Rate => (1e6, "rates are at most 1000000/s"),
        Dimension::Bandwidth => (125e9, "bandwidths are at most 1000Gbps"),
    }
}

/// Whether a proxy listening on `listen` would reach itself by connecting to `upstream`:
/// the same port, and the same host, or a loopback or unspecified host when the proxy
/// listens on every interface or on the loopback one.
fn connects_to_itself(
    listen: &str,
    listen_addr: Option<std::net::SocketAddr>,
    upstream: &str,
) -> bool {
    if listen.trim() == upstream.trim() {
        return true;
    }
    let Some(listen) = listen_addr else {
        return false;
    };
    let Some((host, port)) = upstream.rsplit_once(':') else {
        return false;
    };
    if port.parse::<u16>().ok() != Some(listen.port()) {
        return false;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let local = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip == listen.ip() => true,
        _ => local && (listen.ip().is_unspecified() || listen.ip().is_loopback()),
    }
}

/// The most a string may hold once interpolated: 1 MiB.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// What a text weighs against [`MAX_STRING_BYTES`]: its literal bytes, and each
/// `env(…)` part's name and one more, so that no part is free.
fn text_size(text: &Text) -> usize {
    match text {
        Text::Literal(s) => s.len(),
        Text::Env { env } => env.len() + 1,
        Text::Concat { concat } => concat.iter().map(text_size).sum(),
    }
}

/// Appends `text` to `pieces`, joining literals and flattening concatenations.
fn push_text(pieces: &mut Vec<Text>, text: Text) {
    match (pieces.last_mut(), text) {
        (_, Text::Concat { concat }) => {
            for piece in concat {
                push_text(pieces, piece);
            }
        }
        (Some(Text::Literal(last)), Text::Literal(more)) => last.push_str(&more),
        (_, text) => pieces.push(text),
    }
}

pub fn compatible(value: &Val, ty: &Ty) -> bool {
    match (value, ty) {
        (Val::Error, _) => true,
        (Val::Opaque(have), want) => {
            have == want
                || (*have == Ty::Int && *want == Ty::Float)
                || (*want == Ty::CountOrPercent
                    && matches!(have, Ty::Int | Ty::Quantity(Dimension::Percent)))
        }
        (Val::Int(_), Ty::Int | Ty::Float) => true,
        (Val::Float(_), Ty::Float) => true,
        (Val::Bool(_), Ty::Bool) => true,
        (Val::Str(_) | Val::Text(_), Ty::Str) => true,
        (Val::Quantity(d, _), Ty::Quantity(want)) => d == want,
        (Val::List(items), Ty::StrList) => items.iter().all(|v| compatible(v, &Ty::Str)),
        (Val::Map(entries), Ty::Map) => entries.iter().all(|(_, v)| compatible(v, &Ty::Str)),
        // A map from a const: strings, under keys that are JSON pointers.
        (Val::Map(entries), Ty::Json) => entries
            .iter()
            .all(|(k, v)| json_pointer(k).is_ok() && compatible(v, &Ty::Str)),
        (Val::Target { kind, .. }, Ty::Target(kinds)) => kinds.contains(kind),
        (Val::Word(_), Ty::Word(_)) => true,
        (Val::Int(_) | Val::Quantity(Dimension::Percent, _), Ty::CountOrPercent) => true,
        _ => false,
    }
}

/// An expression as written, for messages: literals are short enough.
pub fn expr_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => f.to_string(),
        ExprKind::Quantity(q) => q.text.clone(),
        ExprKind::Path(p) => p.display(),
        ExprKind::Range(a, b) => format!("{a}..{b}"),
        ExprKind::Percentile(p) => format!("p{p}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::String(s) => format!("\"{}\"", s.display()),
        _ => "value".into(),
    }
}

/// A typical value of a dimension, for help texts.
pub fn example(dimension: crate::syntax::ast::Dimension) -> &'static str {
    use crate::syntax::ast::Dimension::*;
    match dimension {
        Duration => "30s",
        Percent => "99%",
        Size => "256MiB",
        Rate => "100/s",
        Bandwidth => "10Mbps",
    }
}

/// A quantity as a person writes it: `50ms`, `1m30s`, `5%`, `256MiB`, `100/s`.
pub fn quantity_text(dimension: crate::syntax::ast::Dimension, value: f64) -> String {
    use crate::syntax::ast::Dimension::*;
    match dimension {
        Duration => super::body::human_duration(value),
        Percent => format!("{value}%"),
        Size => {
            for (unit, factor) in [("GiB", 1073741824.0), ("MiB", 1048576.0), ("KiB", 1024.0)] {
                if value >= factor && value % factor == 0.0 {
                    return format!("{}{unit}", value / factor);
                }
            }
            format!("{value}B")
        }
        Rate => format!("{value}/s"),
        Bandwidth => format!("{value}B/s"),
    }
}

/// Whether `text` is a JSON pointer (RFC 6901) naming a value inside a document: `/`
/// then reference tokens separated by `/`, where `~` is only written as `~0` or `~1`.
/// On failure, what is wrong and how to write it.
pub fn json_pointer(text: &str) -> Result<(), (&'static str, String)> {
    if !text.starts_with('/') {
        let help = if text.is_empty() {
            "name a value inside the body, such as `/healthy`".to_string()
        } else {
            format!("start it with `/`: `/{text}`")
        };
        return Err(("it does not start with `/`", help));
    }
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err((
                "`~` is not followed by `0` or `1`",
                "write `~0` for a `~` in a key and `~1` for a `/`".to_string(),
            ));
        }
    }
    Ok(())
}
