//! Reading the positioned YAML tree into the legacy configuration's model, with a
//! diagnostic (and its place) for every key that is unknown, mistyped or missing.

use super::yaml::{Kind, Node};
use crate::diag::{suggest, Code, Diagnostic, SourceId, Span};

/// A duration in nanoseconds.
pub type Nanos = u64;

/// Durations longer than this (about 31 years) are refused.
const MAX_NANOS: f64 = 1e18;

/// One set of SLO thresholds; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    pub mttr: Option<(Nanos, Span)>,
    pub error_rate: Option<(f64, Span)>,
    pub availability: Option<(f64, Span)>,
    pub latency_degradation: Option<(Nanos, Span)>,
    pub recovery_time: Option<(Nanos, Span)>,
}

/// What `slo_targets.recovery` says.
#[derive(Debug, Clone, Default)]
pub struct Recovery {
    pub checks: Option<u64>,
    pub interval: Option<(Nanos, Span)>,
}

/// The fault a scenario injects, with its magnitude.
#[derive(Debug, Clone)]
pub enum Fault {
    Cpu { workers: Option<u64> },
    Memory { size: String },
    Disk { workers: Option<u64> },
    Delay { interface: String, delay: Nanos },
    Loss { interface: String, rate: f64 },
    Restart { container: String },
    Stop { container: String },
}

/// The legacy scenario types, their `.chaos` fault kinds and their own parameters.
pub const TYPES: &[(&str, &str, &[&str])] = &[
    ("cpu_exhaust", "cpu_stress", &["cpu_workers"]),
    ("memory_leak", "memory_stress", &["memory_size"]),
    ("network_delay", "latency", &["delay_ms", "interface"]),
    (
        "network_loss",
        "packet_loss",
        &["loss_percent", "interface"],
    ),
    ("disk_stress", "disk_stress", &["io_workers"]),
    ("container_crash", "container_restart", &["container"]),
    ("database_down", "container_stop", &["database"]),
];

/// Parameters every scenario type takes.
const COMMON_PARAMETERS: &[&str] = &["expected_impact", "recovery_time_expected"];

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub legacy_type: String,
    pub intensity: Option<String>,
    pub description: Option<String>,
    pub expected_impact: Option<String>,
    /// `None` for an instant fault.
    pub duration: Option<Nanos>,
    pub fault: Fault,
    pub recovery_expected: Option<Nanos>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub description: Option<String>,
    pub scenarios: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub thresholds: Thresholds,
    pub allowed: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct HealthCheck {
    pub endpoint: String,
    pub timeout: Option<Nanos>,
    pub interval: Option<(Nanos, Span)>,
}

#[derive(Debug, Clone, Default)]
pub struct Safety {
    pub abort_error_rate: Option<f64>,
    pub abort_consecutive_failures: Option<u64>,
    pub abort_response_time: Option<Nanos>,
    pub cooldown: Option<Nanos>,
    pub max_total_duration: Option<(Nanos, Span)>,
    /// Legacy scenario types.
    pub require_confirmation: Vec<String>,
}

/// The whole legacy configuration, as far as it is imported.
#[derive(Debug, Clone, Default)]
pub struct Legacy {
    /// `slo_targets` (without `recovery`).
    pub targets: Thresholds,
    pub recovery: Recovery,
    /// `slo_severity`, when present: (blocking, warning).
    pub severity: Option<(Thresholds, Thresholds)>,
    pub scenarios: Vec<Scenario>,
    pub groups: Vec<Group>,
    pub health: Option<HealthCheck>,
    pub environments: Vec<Environment>,
    pub safety: Safety,
    /// The `scenarios` key.
    pub scenarios_key: Span,
}

/// The keys of a map, checked against the known ones.
struct Fields<'n> {
    /// The map itself (where "missing key" is reported).
    span: Span,
    entries: Vec<(&'n str, &'n Node, &'n Node)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| k.span)
    }
}

pub struct Reader {
    source: SourceId,
    pub diagnostics: Vec<Diagnostic>,
}

const THRESHOLD_KEYS: &[&str] = &[
    "mttr_seconds",
    "max_error_rate_percent",
    "min_availability_percent",
    "max_latency_degradation_ms",
];

impl Reader {
    pub fn new(source: SourceId) -> Reader {
        Reader {
            source,
            diagnostics: Vec::new(),
        }
    }

    fn error(&mut self, code: Code, span: Span, message: String) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, self.source, span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let message = format!(
            "{} should be {expected}, found {}",
            name(what),
            node.describe()
        );
        let help = match &node.kind {
            Kind::Scalar { text, plain: false }
                if expected.contains("number") && parse_number(text).is_some() =>
            {
                Some(format!("write `{text}` without quotes"))
            }
            _ => None,
        };
        let d = self.error(Code::LegacyWrongType, node.span, message);
        d.labels[0].message = format!("expected {expected}");
        if let Some(help) = help {
            d.help = Some(help);
        }
    }

    fn invalid(&mut self, span: Span, message: String, help: Option<String>) {
        let d = self.error(Code::LegacyInvalidValue, span, message);
        d.help = help;
    }

    fn not_honoured(&mut self, span: Span, message: String, note: &str) {
        let d = self.error(Code::LegacyNotHonoured, span, message);
        d.note = Some(note.to_string());
    }

    /// The entries of a map, warning about unknown keys and refusing duplicates.
    fn fields<'n>(&mut self, node: &'n Node, what: &str, known: &[&str]) -> Option<Fields<'n>> {
        let Kind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, "a map");
            return None;
        };
        // A missing key is reported at the key that holds the map (`monitoring:`),
        // or at the map's first key for a list item.
        let mut fields = Fields {
            span: node.key.unwrap_or(node.span),
            entries: Vec::new(),
        };
        for (key, value) in entries {
            let Kind::Scalar { text, .. } = &key.kind else {
                self.wrong_type(key, &format!("a key of `{what}`"), "a string");
                continue;
            };
            if let Some(first) = fields.key_span(text) {
                self.error(
                    Code::LegacyDuplicate,
                    key.span,
                    format!("duplicate key `{text}` in {}", name(what)),
                )
                .labels
                .push(crate::diag::Label {
                    span: first,
                    message: "first given here".to_string(),
                    primary: false,
                });
                continue;
            }
            if !known.contains(&text.as_str()) {
                let help = suggest::did_you_mean(text, known.iter().copied());
                let d = self.error(
                    Code::LegacyUnknownKey,
                    key.span,
                    format!("unknown key `{text}` in {}", name(what)),
                );
                d.labels[0].message = "ignored".to_string();
                d.help = help.or_else(|| {
                    Some(format!(
                        "the known keys are {}",
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                continue;
            }
            fields.entries.push((text.as_str(), key, value));
        }
        Some(fields)
    }

    fn require<'n>(&mut self, fields: &Fields<'n>, key: &str, what: &str) -> Option<&'n Node> {
        let found = fields.get(key);
        if found.is_none() {
            self.error(
                Code::LegacyMissingKey,
                fields.span,
                format!("missing key `{key}` in {what}"),
            )
            .labels[0]
                .message = format!("`{key}` is required here");
        }
        found
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            Kind::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str, expected: &str) -> Option<f64> {
        let parsed = match &node.kind {
            Kind::Scalar { text, plain: true } => parse_number(text),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong_type(node, what, expected);
        }
        parsed
    }

    fn non_negative(&mut self, node: &Node, what: &str, expected: &str) -> Option<f64> {
        let value = self.number(node, what, expected)?;
        if value < 0.0 {
            self.invalid(
                node.span,
                format!(
                    "{} cannot be negative, found {}",
                    name(what),
                    node.describe()
                ),
                None,
            );
            return None;
        }
        Some(value)
    }

    /// A count: a whole number, at least `min`.
    fn count(&mut self, node: &Node, what: &str, min: u64) -> Option<u64> {
        let value = self.non_negative(node, what, "a whole number")?;
        if value.fract() != 0.0 || value > 1e15 {
            self.invalid(
                node.span,
                format!(
                    "{} should be a whole number, found {}",
                    name(what),
                    node.describe()
                ),
                None,
            );
            return None;
        }
        let value = value as u64;
        if value < min {
            self.invalid(
                node.span,
                format!(
                    "{} should be at least {min}, found {}",
                    name(what),
                    node.describe()
                ),
                None,
            );
            return None;
        }
        Some(value)
    }

    /// A duration given as a number of `unit` nanoseconds (1e9 for seconds).
    fn duration(&mut self, node: &Node, what: &str, unit: f64) -> Option<Nanos> {
        let expected = if unit == 1e9 {
            "a number of seconds"
        } else {
            "a number of milliseconds"
        };
        let value = self.non_negative(node, what, expected)?;
        let nanos = (value * unit).round();
        if nanos > MAX_NANOS {
            self.invalid(
                node.span,
                format!("{} is too long, found {}", name(what), node.describe()),
                None,
            );
            return None;
        }
        Some(nanos as u64)
    }

    fn positive_duration(&mut self, node: &Node, what: &str, unit: f64) -> Option<Nanos> {
        let value = self.duration(node, what, unit)?;
        if value == 0 {
            self.invalid(
                node.span,
                format!(
                    "{} should be more than 0, found {}",
                    name(what),
                    node.describe()
                ),
                None,
            );
            return None;
        }
        Some(value)
    }

    fn percent(&mut self, node: &Node, what: &str) -> Option<f64> {
        let value = self.non_negative(node, what, "a percentage (a number)")?;
        if value > 100.0 {
            self.invalid(
                node.span,
                format!(
                    "{} should be at most 100, found {}",
                    name(what),
                    node.describe()
                ),
                None,
            );
            return None;
        }
        Some(value)
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        let parsed = match &node.kind {
            // As the legacy tool's YAML library (YAML 1.1) read them.
            Kind::Scalar { text, plain: true } => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.wrong_type(node, what, "`true` or `false`");
        }
        parsed
    }

    fn list<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, what, "a list");
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<(String, Span)>> {
        let items = self.list(node, what)?;
        let mut out = Vec::new();
        for item in items {
            if let Some(s) = self.string(item, &format!("an entry of `{what}`")) {
                out.push((s, item.span));
            }
        }
        Some(out)
    }

    /// Reads the whole document.
    pub fn read(&mut self, root: &Node) -> Legacy {
        let mut legacy = Legacy::default();
        let known = [
            "slo_targets",
            "slo_severity",
            "scenarios",
            "scenario_groups",
            "monitoring",
            "environments",
            "safety",
        ];
        let Some(top) = self.fields(root, "the configuration", &known) else {
            return legacy;
        };
        if let Some(node) = top.get("slo_targets") {
            let (targets, recovery) = self.slo_targets(node, "slo_targets", true);
            legacy.targets = targets;
            legacy.recovery = recovery;
        }
        if let Some(node) = top.get("slo_severity") {
            legacy.severity = self.slo_severity(node);
        }
        legacy.scenarios_key = top.key_span("scenarios").unwrap_or(top.span);
        if let Some(node) = self.require(&top, "scenarios", "the configuration") {
            legacy.scenarios = self.scenarios(node);
        }
        let names: Vec<String> = legacy.scenarios.iter().map(|s| s.name.clone()).collect();
        if let Some(node) = top.get("scenario_groups") {
            legacy.groups = self.groups(node, &names);
        }
        if let Some(node) = top.get("monitoring") {
            legacy.health = self.monitoring(node);
        }
        if let Some(node) = top.get("environments") {
            legacy.environments = self.environments(node, &names);
        }
        if let Some(node) = top.get("safety") {
            legacy.safety = self.safety(node);
        }
        if legacy.health.is_none() && !legacy.scenarios.is_empty() {
            let span = top.key_span("monitoring").unwrap_or(top.span);
            self.error(
                Code::LegacyMissingKey,
                span,
                "missing key `monitoring.health_check`".to_string(),
            )
            .help = Some(
                "the health check is what every scenario observes: give its `endpoint`".to_string(),
            );
        }
        self.check_lengths(&legacy);
        legacy
    }

    /// A scenario whose baseline and fault last longer than the run may last would be
    /// refused by the checker (E0604).
    fn check_lengths(&mut self, legacy: &Legacy) {
        let Some((max, span)) = legacy.safety.max_total_duration else {
            return;
        };
        let baseline = super::write::baseline(legacy);
        for s in &legacy.scenarios {
            let Some(d) = s.duration else { continue };
            if baseline.saturating_add(d) > max {
                self.invalid(
                    span,
                    format!(
                        "`max_total_duration_seconds` is shorter than scenario `{}`, which lasts {} after a {} baseline",
                        s.name,
                        super::write::duration(d),
                        super::write::duration(baseline)
                    ),
                    Some("raise `max_total_duration_seconds` or shorten the scenario".to_string()),
                );
            }
        }
    }

    fn thresholds(&mut self, fields: &Fields, what: &str) -> Thresholds {
        let mut t = Thresholds::default();
        let path = |k: &str| format!("{what}.{k}");
        if let Some(n) = fields.get("mttr_seconds") {
            t.mttr = self
                .duration(n, &path("mttr_seconds"), 1e9)
                .map(|v| (v, n.span));
        }
        if let Some(n) = fields.get("max_error_rate_percent") {
            t.error_rate = self
                .percent(n, &path("max_error_rate_percent"))
                .map(|v| (v, n.span));
        }
        if let Some(n) = fields.get("min_availability_percent") {
            t.availability = self
                .percent(n, &path("min_availability_percent"))
                .map(|v| (v, n.span));
        }
        if let Some(n) = fields.get("max_latency_degradation_ms") {
            t.latency_degradation = self
                .duration(n, &path("max_latency_degradation_ms"), 1e6)
                .map(|v| (v, n.span));
        }
        if let Some(n) = fields.get("max_recovery_time_seconds") {
            t.recovery_time = self
                .duration(n, &path("max_recovery_time_seconds"), 1e9)
                .map(|v| (v, n.span));
        }
        t
    }

    /// `slo_targets` at the top (with `recovery`) or in an environment (without).
    fn slo_targets(&mut self, node: &Node, what: &str, top: bool) -> (Thresholds, Recovery) {
        let mut known = THRESHOLD_KEYS.to_vec();
        known.push("recovery");
        let Some(fields) = self.fields(node, what, &known) else {
            return Default::default();
        };
        let mut thresholds = self.thresholds(&fields, what);
        let mut recovery = Recovery::default();
        if let Some(node) = fields.get("recovery") {
            let what = format!("{what}.recovery");
            let known = [
                "max_recovery_time_seconds",
                "required_health_checks",
                "health_check_interval_seconds",
            ];
            if let Some(r) = self.fields(node, &what, &known) {
                if let Some(n) = r.get("max_recovery_time_seconds") {
                    thresholds.recovery_time = self
                        .duration(n, &format!("{what}.max_recovery_time_seconds"), 1e9)
                        .map(|v| (v, n.span));
                }
                if let Some(n) = r.get("required_health_checks") {
                    recovery.checks = self.count(n, &format!("{what}.required_health_checks"), 1);
                }
                if let Some(n) = r.get("health_check_interval_seconds") {
                    recovery.interval = self
                        .positive_duration(n, &format!("{what}.health_check_interval_seconds"), 1e9)
                        .map(|v| (v, n.span));
                }
                if !top {
                    for key in ["required_health_checks", "health_check_interval_seconds"] {
                        if let Some(span) = r.key_span(key) {
                            self.not_honoured(
                                span,
                                format!("`{what}.{key}` is not imported"),
                                "recovery checks are set once for the whole file, from the top-level `slo_targets.recovery`",
                            );
                        }
                    }
                }
            }
        }
        (thresholds, recovery)
    }

    fn slo_severity(&mut self, node: &Node) -> Option<(Thresholds, Thresholds)> {
        let fields = self.fields(node, "slo_severity", &["blocking", "warning"])?;
        let mut known = THRESHOLD_KEYS.to_vec();
        known.push("max_recovery_time_seconds");
        let read = |this: &mut Reader, key: &str| {
            fields
                .get(key)
                .and_then(|n| {
                    let what = format!("slo_severity.{key}");
                    this.fields(n, &what, &known)
                        .map(|f| this.thresholds(&f, &what))
                })
                .unwrap_or_default()
        };
        let blocking = read(self, "blocking");
        let warning = read(self, "warning");
        Some((blocking, warning))
    }

    fn scenarios(&mut self, node: &Node) -> Vec<Scenario> {
        let Some(items) = self.list(node, "scenarios") else {
            return Vec::new();
        };
        let mut out: Vec<Scenario> = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let what = format!("scenarios[{index}]");
            let known = [
                "name",
                "type",
                "intensity",
                "duration",
                "description",
                "target",
                "parameters",
            ];
            let Some(fields) = self.fields(item, &what, &known) else {
                continue;
            };
            if let Some(scenario) = self.scenario(&fields, &what) {
                let name_span = fields.get("name").map_or(fields.span, |n| n.span);
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == scenario.name) {
                    let first = *first;
                    self.error(
                        Code::LegacyDuplicate,
                        name_span,
                        format!("two scenarios are named `{}`", scenario.name),
                    )
                    .labels
                    .push(crate::diag::Label {
                        span: first,
                        message: "first used here".to_string(),
                        primary: false,
                    });
                    continue;
                }
                seen.push((scenario.name.clone(), name_span));
                out.push(scenario);
            }
        }
        out
    }

    fn scenario(&mut self, fields: &Fields, what: &str) -> Option<Scenario> {
        let name = self
            .require(fields, "name", &format!("`{what}`"))
            .and_then(|n| self.string(n, &format!("{what}.name")));
        let label = match &name {
            Some(n) => format!("scenario `{n}`"),
            None => format!("`{what}`"),
        };
        let type_node = self.require(fields, "type", &label);
        let duration_node = self.require(fields, "duration", &label);
        let legacy_type = type_node.and_then(|n| self.string(n, &format!("{what}.type")));
        let entry = match (&legacy_type, type_node) {
            (Some(t), Some(node)) => {
                let found = TYPES.iter().find(|(name, _, _)| name == t);
                if found.is_none() {
                    let help = suggest::did_you_mean(t, TYPES.iter().map(|(n, _, _)| *n));
                    let d = self.error(
                        Code::LegacyUnknownScenarioType,
                        node.span,
                        format!("unknown scenario type `{t}`"),
                    );
                    d.help = help.or_else(|| Some(known_types()));
                }
                found
            }
            _ => None,
        };
        let duration =
            duration_node.and_then(|n| self.positive_duration(n, &format!("{what}.duration"), 1e9));
        let intensity = fields
            .get("intensity")
            .and_then(|n| self.string(n, &format!("{what}.intensity")));
        let description = fields
            .get("description")
            .and_then(|n| self.string(n, &format!("{what}.description")));
        let target = fields.get("target").and_then(|n| {
            self.string(n, &format!("{what}.target"))
                .map(|s| (s, n.span))
        });

        let &(type_name, _, own) = entry?;
        let mut known: Vec<&str> = own.to_vec();
        known.extend(COMMON_PARAMETERS);
        let pwhat = format!("{what}.parameters");
        let params = match fields.get("parameters") {
            Some(node) => self.fields(node, &pwhat, &known)?,
            None => Fields {
                span: fields.span,
                entries: Vec::new(),
            },
        };
        let params_label = format!("the parameters of {label}");
        let p = |k: &str| format!("{pwhat}.{k}");
        let expected_impact = params
            .get("expected_impact")
            .and_then(|n| self.string(n, &p("expected_impact")));
        let recovery_expected = params
            .get("recovery_time_expected")
            .and_then(|n| self.positive_duration(n, &p("recovery_time_expected"), 1e9));
        let container = |this: &mut Reader, key: &str| -> Option<String> {
            let from_params = params
                .get(key)
                .and_then(|n| this.string(n, &p(key)).map(|s| (s, n.span)));
            match (from_params, &target) {
                (Some((a, span)), Some((b, _))) if a != *b => {
                    this.invalid(
                        span,
                        format!(
                            "`{}` names container `{a}` but `{what}.target` names `{b}`",
                            p(key)
                        ),
                        Some("give the same container in both, or only one of them".to_string()),
                    );
                    None
                }
                (Some((a, _)), _) => Some(a),
                (None, Some((b, _))) => Some(b.clone()),
                (None, None) => {
                    this.require(&params, key, &params_label);
                    None
                }
            }
        };
        let interface = |this: &mut Reader| {
            this.require(&params, "interface", &params_label)
                .and_then(|n| this.string(n, &p("interface")))
        };
        let fault = match type_name {
            "cpu_exhaust" => Fault::Cpu {
                workers: match params.get("cpu_workers") {
                    Some(n) => Some(self.count(n, &p("cpu_workers"), 1)?),
                    None => None,
                },
            },
            "disk_stress" => Fault::Disk {
                workers: match params.get("io_workers") {
                    Some(n) => Some(self.count(n, &p("io_workers"), 1)?),
                    None => None,
                },
            },
            "memory_leak" => {
                let node = self.require(&params, "memory_size", &params_label)?;
                Fault::Memory {
                    size: self.size(node, &p("memory_size"))?,
                }
            }
            "network_delay" => {
                let delay = self
                    .require(&params, "delay_ms", &params_label)
                    .and_then(|n| self.duration(n, &p("delay_ms"), 1e6));
                let interface = interface(self);
                Fault::Delay {
                    interface: interface?,
                    delay: delay?,
                }
            }
            "network_loss" => {
                let rate = self
                    .require(&params, "loss_percent", &params_label)
                    .and_then(|n| self.percent(n, &p("loss_percent")));
                let interface = interface(self);
                Fault::Loss {
                    interface: interface?,
                    rate: rate?,
                }
            }
            "container_crash" => Fault::Restart {
                container: container(self, "container")?,
            },
            _ => Fault::Stop {
                container: container(self, "database")?,
            },
        };
        if let (
            Some((_, span)),
            Fault::Cpu { .. }
            | Fault::Memory { .. }
            | Fault::Disk { .. }
            | Fault::Delay { .. }
            | Fault::Loss { .. },
        ) = (&target, &fault)
        {
            self.not_honoured(
                *span,
                format!("`{what}.target` is not imported for a `{type_name}` scenario"),
                "only `container_crash` and `database_down` scenarios act on a named target",
            );
        }
        let instant = matches!(fault, Fault::Restart { .. });
        if instant {
            if let Some(span) = fields.key_span("duration") {
                self.not_honoured(
                    span,
                    format!(
                        "the `duration` of scenario `{}` is not imported: a container restart is instant",
                        name.as_deref().unwrap_or("?")
                    ),
                    "the restart happens once; the scenario then observes the recovery for as long as `recover within` allows",
                );
            }
        }
        Some(Scenario {
            name: name?,
            legacy_type: type_name.to_string(),
            intensity,
            description,
            expected_impact,
            duration: if instant { None } else { Some(duration?) },
            fault,
            recovery_expected,
        })
    }

    /// `256M`, `1G` (binary, as the legacy tool's stress tool read them), or bytes.
    fn size(&mut self, node: &Node, what: &str) -> Option<String> {
        let Kind::Scalar { text, .. } = &node.kind else {
            self.wrong_type(node, what, "a size such as `256M`");
            return None;
        };
        let text = text.trim();
        let digits = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits);
        let unit_out: Option<(&str, u64)> = match unit.trim() {
            "" | "B" | "b" => Some(("B", 1)),
            "K" | "k" | "Ki" | "KiB" => Some(("KiB", 1 << 10)),
            "M" | "m" | "Mi" | "MiB" => Some(("MiB", 1 << 20)),
            "G" | "g" | "Gi" | "GiB" => Some(("GiB", 1 << 30)),
            "T" | "t" | "Ti" | "TiB" => Some(("TiB", 1 << 40)),
            "KB" => Some(("KB", 1_000)),
            "MB" => Some(("MB", 1_000_000)),
            "GB" => Some(("GB", 1_000_000_000)),
            "TB" => Some(("TB", 1_000_000_000_000)),
            _ => None,
        };
        // Zero is no size, and the byte count must fit a 64-bit integer.
        let unit_out = unit_out.filter(|(_, factor)| {
            number
                .parse::<u64>()
                .ok()
                .and_then(|v| v.checked_mul(*factor))
                .is_some_and(|bytes| bytes > 0 && bytes <= i64::MAX as u64)
        });
        let unit_out = unit_out.map(|(u, _)| u);
        let value: Option<u64> = number.parse().ok();
        match (value, unit_out) {
            (Some(v), Some(u)) => Some(format!("{v}{u}")),
            _ => {
                self.invalid(
                    node.span,
                    format!("{} is not a size: {}", name(what), node.describe()),
                    Some(
                        "write a whole number and a unit: `256M`, `1G` (powers of 1024)"
                            .to_string(),
                    ),
                );
                None
            }
        }
    }

    fn scenario_names(&mut self, node: &Node, what: &str, names: &[String]) -> Vec<String> {
        let Some(list) = self.strings(node, what) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, span) in list {
            if names.contains(&name) {
                out.push(name);
            } else {
                let help = suggest::did_you_mean(&name, names.iter().map(String::as_str));
                let d = self.error(
                    Code::LegacyUnknownScenario,
                    span,
                    format!("`{what}` names scenario `{name}`, which does not exist"),
                );
                d.labels[0].message = "no scenario has this name".to_string();
                d.help = help;
            }
        }
        out
    }

    fn named_maps<'n>(&mut self, node: &'n Node, what: &str) -> Vec<(String, &'n Node)> {
        let Kind::Map(entries) = &node.kind else {
            self.wrong_type(node, what, "a map");
            return Vec::new();
        };
        let mut out: Vec<(String, &Node)> = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.string(key, &format!("a key of `{what}`")) else {
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                let first = *first;
                self.error(
                    Code::LegacyDuplicate,
                    key.span,
                    format!("duplicate key `{name}` in `{what}`"),
                )
                .labels
                .push(crate::diag::Label {
                    span: first,
                    message: "first given here".to_string(),
                    primary: false,
                });
                continue;
            }
            seen.push((name.clone(), key.span));
            out.push((name, value));
        }
        out
    }

    fn groups(&mut self, node: &Node, names: &[String]) -> Vec<Group> {
        let mut out = Vec::new();
        for (name, value) in self.named_maps(node, "scenario_groups") {
            let what = format!("scenario_groups.{name}");
            let Some(fields) = self.fields(value, &what, &["description", "scenarios"]) else {
                continue;
            };
            let description = fields
                .get("description")
                .and_then(|n| self.string(n, &format!("{what}.description")));
            let scenarios = self
                .require(&fields, "scenarios", &format!("`{what}`"))
                .map(|n| self.scenario_names(n, &format!("{what}.scenarios"), names))
                .unwrap_or_default();
            out.push(Group {
                name,
                description,
                scenarios,
            });
        }
        out
    }

    fn monitoring(&mut self, node: &Node) -> Option<HealthCheck> {
        let known = ["metrics", "sampling_interval", "health_check", "alerts"];
        let fields = self.fields(node, "monitoring", &known)?;
        let ignored = [
            ("metrics", "chaosc measures what its probes observe; it does not collect host metrics"),
            ("sampling_interval", "probes sample at their own `every:` interval, taken from `health_check.interval`"),
            ("alerts", "chaosc does not raise alerts; thresholds that matter are assertions and `abort when` conditions"),
        ];
        for (key, why) in ignored {
            if let Some(span) = fields.key_span(key) {
                self.not_honoured(span, format!("`monitoring.{key}` is not imported"), why);
            }
        }
        let node = self.require(&fields, "health_check", "`monitoring`")?;
        let hc = self.fields(
            node,
            "monitoring.health_check",
            &["endpoint", "timeout", "interval"],
        )?;
        let endpoint = self
            .require(&hc, "endpoint", "`monitoring.health_check`")
            .and_then(|n| self.string(n, "monitoring.health_check.endpoint"));
        let timeout = hc
            .get("timeout")
            .and_then(|n| self.positive_duration(n, "monitoring.health_check.timeout", 1e9));
        let interval = hc.get("interval").and_then(|n| {
            self.positive_duration(n, "monitoring.health_check.interval", 1e9)
                .map(|v| (v, n.span))
        });
        Some(HealthCheck {
            endpoint: endpoint?,
            timeout,
            interval,
        })
    }

    fn environments(&mut self, node: &Node, names: &[String]) -> Vec<Environment> {
        let mut out = Vec::new();
        for (name, value) in self.named_maps(node, "environments") {
            let what = format!("environments.{name}");
            let Some(fields) = self.fields(value, &what, &["slo_targets", "allowed_scenarios"])
            else {
                continue;
            };
            let thresholds = fields
                .get("slo_targets")
                .map(|n| self.slo_targets(n, &format!("{what}.slo_targets"), false).0)
                .unwrap_or_default();
            let allowed = fields
                .get("allowed_scenarios")
                .map(|n| self.scenario_names(n, &format!("{what}.allowed_scenarios"), names));
            out.push(Environment {
                name,
                thresholds,
                allowed,
            });
        }
        out
    }

    fn safety(&mut self, node: &Node) -> Safety {
        let mut safety = Safety::default();
        let known = [
            "abort_conditions",
            "cooldown_seconds",
            "max_total_duration_seconds",
            "require_confirmation",
            "auto_rollback",
        ];
        let Some(fields) = self.fields(node, "safety", &known) else {
            return safety;
        };
        if let Some(node) = fields.get("abort_conditions") {
            let known = [
                "error_rate_percent",
                "consecutive_failures",
                "response_time_ms",
            ];
            if let Some(a) = self.fields(node, "safety.abort_conditions", &known) {
                if let Some(n) = a.get("error_rate_percent") {
                    safety.abort_error_rate =
                        self.percent(n, "safety.abort_conditions.error_rate_percent");
                }
                if let Some(n) = a.get("consecutive_failures") {
                    safety.abort_consecutive_failures =
                        self.count(n, "safety.abort_conditions.consecutive_failures", 1);
                }
                if let Some(n) = a.get("response_time_ms") {
                    safety.abort_response_time =
                        self.duration(n, "safety.abort_conditions.response_time_ms", 1e6);
                }
            }
        }
        if let Some(n) = fields.get("cooldown_seconds") {
            safety.cooldown = self.duration(n, "safety.cooldown_seconds", 1e9);
        }
        if let Some(n) = fields.get("max_total_duration_seconds") {
            safety.max_total_duration = self
                .positive_duration(n, "safety.max_total_duration_seconds", 1e9)
                .map(|v| (v, n.span));
        }
        if let Some(n) = fields.get("require_confirmation") {
            for (t, span) in self
                .strings(n, "safety.require_confirmation")
                .unwrap_or_default()
            {
                if TYPES.iter().any(|(name, _, _)| *name == t) {
                    if !safety.require_confirmation.contains(&t) {
                        safety.require_confirmation.push(t);
                    }
                } else {
                    let help = suggest::did_you_mean(&t, TYPES.iter().map(|(n, _, _)| *n));
                    let d = self.error(
                        Code::LegacyUnknownScenarioType,
                        span,
                        format!("unknown scenario type `{t}` in `safety.require_confirmation`"),
                    );
                    d.help = help.or_else(|| Some(known_types()));
                }
            }
        }
        if let Some(n) = fields.get("auto_rollback") {
            if self.boolean(n, "safety.auto_rollback") == Some(false) {
                self.not_honoured(
                    n.span,
                    "`safety.auto_rollback: false` is not imported: chaosc always reverts every fault".to_string(),
                    "every fault is journaled before it is applied and reverted however the run ends; this cannot be turned off",
                );
            }
        }
        safety
    }
}

/// How a place in the file is named in a message: paths in backticks, descriptions
/// ("the configuration", "a key of `x`") as they are.
fn name(what: &str) -> String {
    if what.contains('`') || what.contains(' ') {
        what.to_string()
    } else {
        format!("`{what}`")
    }
}

fn known_types() -> String {
    format!(
        "the scenario types are {}",
        TYPES
            .iter()
            .map(|(n, _, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A YAML number as the legacy tool's YAML library read it: decimal integers and
/// floats, with `_` separators and a sign.
fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        || !cleaned.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("30"), Some(30.0));
        assert_eq!(parse_number("5.0"), Some(5.0));
        assert_eq!(parse_number("1_000"), Some(1000.0));
        assert_eq!(parse_number("-2"), Some(-2.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("."), None);
        assert_eq!(parse_number(""), None);
    }
}
