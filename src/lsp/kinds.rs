//! What the language's callable kinds and metrics are, read from the checker's
//! signature tables. The only file of the server that reads those tables, so that a
//! change of their shape is met in one place.

use crate::check::signatures::{self, CallClass, Limit, Sustain};
use crate::check::types::Ty;

/// Which kind of thing a call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Target,
    Probe,
    Service,
    Fault,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Fault, Class::Probe, Class::Target, Class::Service];

    fn call_class(self) -> CallClass {
        match self {
            Class::Target => CallClass::Target,
            Class::Probe => CallClass::Probe,
            Class::Service => CallClass::Service,
            Class::Fault => CallClass::Fault,
        }
    }

    /// "fault kind", "probe kind" …
    pub fn noun(self) -> &'static str {
        self.call_class().noun()
    }
}

/// One parameter of a kind, described for people.
pub struct ParamInfo {
    pub name: &'static str,
    /// "a duration", "one of `GET`, …".
    pub ty: String,
    pub required: bool,
    /// "more than 0", "from 1 to 1024" …; empty when any value of the type goes.
    pub limit: String,
    /// An example value for a snippet.
    pub placeholder: &'static str,
    /// The value an optional parameter has when not given, as the checker and the
    /// plan fill it in (`check/signatures.rs`), written as in a program.
    pub default: Option<String>,
}

/// A callable kind: its name, what it makes and its parameters in positional order.
pub struct KindInfo {
    pub name: &'static str,
    pub class: Class,
    pub params: Vec<ParamInfo>,
    /// Groups of parameters of which at most one may be given (`exactly_one`: one must).
    pub exclusive: &'static [&'static str],
    pub exactly_one: bool,
    /// For faults: the target kinds it acts on.
    pub targets: Vec<&'static str>,
    /// For faults: "sustained (`for D`)" or "instant".
    pub sustain: Option<String>,
    pub destructive: bool,
}

/// The kind `name` of `class`, or of any class when `class` is `None` (faults first).
pub fn find(class: Option<Class>, name: &str) -> Option<KindInfo> {
    let classes: &[Class] = match &class {
        Some(c) => std::slice::from_ref(c),
        None => &Class::ALL,
    };
    classes.iter().find_map(|&class| {
        signatures::lookup(class.call_class(), name).map(|spec| KindInfo {
            name: spec.name,
            class,
            params: spec
                .params
                .iter()
                .map(|p| ParamInfo {
                    name: p.name,
                    ty: p.ty.describe(),
                    required: p.required,
                    limit: limit_text(p.limit),
                    placeholder: placeholder(&p.ty),
                    default: p.default.map(|d| crate::check::types::display(&d.value())),
                })
                .collect(),
            exclusive: spec.exclusive,
            exactly_one: spec.exactly_one,
            targets: spec.targets.iter().map(|t| t.name()).collect(),
            sustain: (class == Class::Fault).then(|| match spec.sustain {
                Sustain::Sustained => "sustained: held `for` a duration".to_string(),
                Sustain::Instant => "instant: happens once".to_string(),
                Sustain::SustainedWith(arg) => {
                    format!("instant, or sustained when `{arg}` is given")
                }
            }),
            destructive: spec.destructive,
        })
    })
}

/// The language reference's table row for a kind (`docs/language.md` §5 and §6), which
/// gives the defaults: `latency | proxy, interface | delay: duration (required), …`.
pub fn reference(class: Class, name: &str) -> Option<String> {
    const LANGUAGE: &str = include_str!("../../docs/language.md");
    // Faults are rows `| `name` | …`; targets, probes and services `| `name(…)` | …`.
    let fault_row = format!("| `{name}` |");
    let call_row = format!("| `{name}(");
    let row = LANGUAGE.lines().find(|line| match class {
        Class::Fault => line.starts_with(&fault_row),
        _ => line.starts_with(&call_row),
    })?;
    let cells: Vec<&str> = row
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    Some(cells.join(" — ").replace("\\|", "|"))
}

/// The names of every kind of `class`.
pub fn names(class: Class) -> Vec<&'static str> {
    signatures::names(class.call_class()).collect()
}

/// The metrics of assertions and abort conditions, with what they measure.
pub fn metrics() -> Vec<(&'static str, &'static str)> {
    signatures::METRICS
        .iter()
        .map(|m| {
            let what = match (m.dimension, m.takes_percentile) {
                (Some(_), true) => "a duration at a percentile: `METRIC(probe, p95)`",
                (Some(d), false) => d.name(),
                (None, _) => "a count",
            };
            (m.name, what)
        })
        .collect()
}

/// The windows an assertion may be judged `during`.
pub fn windows() -> &'static [&'static str] {
    signatures::WINDOWS
}

/// The type names of `param` and template parameters.
pub fn param_types() -> &'static [&'static str] {
    crate::check::types::PARAM_TYPES
}

fn limit_text(limit: Limit) -> String {
    let text = match limit {
        Limit::None => "",
        Limit::Positive => "more than 0",
        Limit::NonNegative => "0 or more",
        Limit::Percent => "from 0% to 100%",
        Limit::PositivePercent => "more than 0% and at most 100%",
        Limit::Port => "from 1 to 65535",
        Limit::PositiveMs => "at least 1ms, whole milliseconds",
        Limit::NonNegativeMs => "0 or more, whole milliseconds",
        Limit::Count(most) => return format!("from 1 to {most}"),
    };
    text.to_string()
}

fn placeholder(ty: &Ty) -> &'static str {
    match ty {
        Ty::Int => "1",
        Ty::Float => "1.0",
        Ty::Str | Ty::Ready => "\"\"",
        Ty::Bool => "true",
        Ty::Quantity(d) => match d {
            crate::syntax::ast::Dimension::Duration => "100ms",
            crate::syntax::ast::Dimension::Percent => "10%",
            crate::syntax::ast::Dimension::Size => "256MiB",
            crate::syntax::ast::Dimension::Rate => "10/s",
            crate::syntax::ast::Dimension::Bandwidth => "1Mbps",
        },
        Ty::StrList => "[\"\"]",
        Ty::Map | Ty::Json => "{}",
        Ty::Word(words) => words.first().copied().unwrap_or(""),
        Ty::Target(_) => "target",
        Ty::Status => "200",
        Ty::CountOrPercent => "1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fault, probe and target kind has its row in the language reference (where
    /// the defaults are); `spawn` is described in prose (§3.4).
    #[test]
    fn every_kind_is_in_the_reference() {
        for class in [Class::Fault, Class::Probe, Class::Target] {
            for name in names(class) {
                let row = reference(class, name);
                assert!(row.is_some(), "no row for the {} `{name}`", class.noun());
            }
        }
        let latency = reference(Class::Fault, "latency").unwrap();
        assert!(latency.contains("`jitter: duration` (0ms)"), "{latency}");
    }

    /// The words of the TextMate grammar's `calls` rule with scope `scope`.
    fn highlighted(scope: &str) -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/editors/vscode/syntaxes/chaos.tmLanguage.json"
        );
        let grammar: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let patterns = grammar["repository"]["calls"]["patterns"]
            .as_array()
            .unwrap();
        let mut words = Vec::new();
        for pattern in patterns.iter().filter(|p| p["name"] == scope) {
            let regex = pattern["match"].as_str().unwrap();
            let group = regex
                .strip_prefix("\\b(")
                .unwrap()
                .split(")\\b")
                .next()
                .unwrap();
            words.extend(group.split('|').map(str::to_string));
        }
        words
    }

    /// The editor highlights every kind and metric the checker knows.
    #[test]
    fn the_textmate_grammar_knows_every_kind_and_metric() {
        let scopes = [
            (Class::Fault, "support.function.fault.chaos"),
            (Class::Probe, "support.function.probe.chaos"),
            (Class::Target, "support.type.target.chaos"),
            (Class::Service, "support.function.service.chaos"),
        ];
        for (class, scope) in scopes {
            let words = highlighted(scope);
            for name in names(class) {
                assert!(
                    words.iter().any(|w| w == name),
                    "`{name}` is not in {scope}: {words:?}"
                );
            }
        }
        let words = highlighted("support.function.metric.chaos");
        for (name, _) in metrics() {
            assert!(
                words.iter().any(|w| w == name),
                "metric `{name}`: {words:?}"
            );
        }
    }
}
