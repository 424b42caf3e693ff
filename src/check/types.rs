//! The types the checker gives to values, and the values it can fold.

use crate::syntax::ast::Dimension;

/// What a target is, as far as faults care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Host,
    Process,
    Container,
    Proxy,
    Interface,
    /// Kubernetes pods: only Chaos Mesh acts on them (`chaosc export chaos-mesh`).
    Pods,
}

impl TargetKind {
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Host => "host",
            TargetKind::Process => "process",
            TargetKind::Container => "container",
            TargetKind::Proxy => "proxy",
            TargetKind::Interface => "interface",
            TargetKind::Pods => "pods",
        }
    }
}

/// An expected type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Int,
    Float,
    Str,
    Bool,
    Quantity(Dimension),
    /// A list of strings: argv, tags.
    StrList,
    /// `{"k": "v"}` with string values.
    Map,
    /// `{"/json/pointer": VALUE}`: the values an `http` probe expects in a JSON body
    /// (`true`, `false`, a number, a string or the word `null`).
    Json,
    /// One of these words, written bare (`GET`, `SIGTERM`, `both`).
    Word(&'static [&'static str]),
    /// A target of one of these kinds (a service counts as a process).
    Target(&'static [TargetKind]),
    /// An HTTP status: an integer or a range.
    Status,
    /// A URL string or a probe.
    Ready,
    /// A count (an integer) or a percentage: a `pods` target's `value`.
    CountOrPercent,
}

pub const ANY_TARGET: &[TargetKind] = &[
    TargetKind::Host,
    TargetKind::Process,
    TargetKind::Container,
    TargetKind::Proxy,
    TargetKind::Interface,
    TargetKind::Pods,
];

impl Ty {
    /// "a duration", "an integer": for messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::Int => "an integer".into(),
            Ty::Float => "a number".into(),
            Ty::Str => "a string".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Quantity(d) => a(noun(*d)),
            Ty::StrList => "a list of strings".into(),
            Ty::Map => "a map of strings".into(),
            Ty::Json => "a map from JSON pointers to values".into(),
            Ty::Word(words) => one_of(words),
            Ty::Target(kinds) if kinds.len() == 1 => format!("a {} target", kinds[0].name()),
            Ty::Target(_) => "a target".into(),
            Ty::Status => "a status code or range such as `200..299`".into(),
            Ty::Ready => "a URL or a probe".into(),
            Ty::CountOrPercent => "a count such as `2` or a percentage such as `50%`".into(),
        }
    }
}

/// What a value of a dimension is called in messages.
pub fn noun(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Percent => "percentage",
        other => other.name(),
    }
}

/// "a x" / "an x".
pub fn a(noun: &str) -> String {
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {noun}"),
        _ => format!("a {noun}"),
    }
}

/// "one of `a`, `b`, `c`".
pub fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    format!("one of {}", quoted.join(", "))
}

/// The type of a `param` or template parameter, by its written name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamTy {
    Value(Ty),
    /// A `service` parameter: a declared service, usable as a process target.
    Service,
}

pub const PARAM_TYPES: &[&str] = &[
    "int",
    "float",
    "string",
    "bool",
    "duration",
    "percent",
    "size",
    "rate",
    "bandwidth",
    "container",
    "proxy",
    "process",
    "interface",
    "service",
];

pub fn param_type(name: &str) -> Option<ParamTy> {
    use TargetKind::*;
    Some(ParamTy::Value(match name {
        "int" => Ty::Int,
        "float" => Ty::Float,
        "string" => Ty::Str,
        "bool" => Ty::Bool,
        "duration" => Ty::Quantity(Dimension::Duration),
        "percent" => Ty::Quantity(Dimension::Percent),
        "size" => Ty::Quantity(Dimension::Size),
        "rate" => Ty::Quantity(Dimension::Rate),
        "bandwidth" => Ty::Quantity(Dimension::Bandwidth),
        "container" => Ty::Target(&[Container]),
        "proxy" => Ty::Target(&[Proxy]),
        "process" => Ty::Target(&[Process]),
        "interface" => Ty::Target(&[Interface]),
        "service" => return Some(ParamTy::Service),
        _ => return None,
    }))
}

/// A value as far as the checker folds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `None` when the text is not known statically (a param without a value).
    Str(Option<String>),
    /// Text that includes `env(…)` values, read at run time.
    Text(crate::shared::Text),
    Quantity(Dimension, f64),
    Range(i64, i64),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
    Word(String),
    /// A target; `key` identifies it for overlap checks (its name or its inline call).
    Target {
        kind: TargetKind,
        key: String,
    },
    /// A probe, by its key in the checker's probe records.
    Probe {
        key: String,
    },
    /// Of a known type, but not known until run time (a param, a template parameter).
    Opaque(Ty),
    /// Already diagnosed: stay quiet about it.
    Error,
}

impl Val {
    /// "an integer", "a duration" …: what the value is, for messages.
    pub fn describe(&self) -> String {
        match self {
            Val::Int(_) => "an integer".into(),
            Val::Float(_) => "a number".into(),
            Val::Bool(_) => "a boolean".into(),
            Val::Str(_) | Val::Text(_) => "a string".into(),
            Val::Quantity(d, _) => a(noun(*d)),
            Val::Range(..) => "a range".into(),
            Val::List(_) => "a list".into(),
            Val::Map(_) => "a map".into(),
            Val::Word(w) => format!("the word `{w}`"),
            Val::Target { kind, .. } => format!("a {} target", kind.name()),
            Val::Probe { .. } => "a probe".into(),
            Val::Opaque(ty) => ty.describe(),
            Val::Error => "a value".into(),
        }
    }

    /// The number in a quantity or number, for range checks.
    pub fn number(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            Val::Quantity(_, v) => Some(*v),
            _ => None,
        }
    }
}

/// A value as text, for places that need one (plan fields written as strings).
pub fn display(value: &Val) -> String {
    match value {
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Str(Some(s)) => s.clone(),
        Val::Word(w) => w.clone(),
        Val::Quantity(d, v) => super::expr::quantity_text(*d, *v),
        Val::Range(lo, hi) => format!("{lo}..{hi}"),
        _ => String::new(),
    }
}
