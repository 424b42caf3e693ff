//! The typed syntax tree of a `.chaos` file.
//!
//! Every node carries the byte [`Span`] it was parsed from. Spans compare equal
//! whatever their offsets (see [`Span`]'s `PartialEq`), so two trees are equal when
//! they mean the same program: this is how the formatter is shown never to change
//! what a file means. The tree is never serialized; the plan is.

use crate::diag::Span;

/// A parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `name` or `ns.name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Boxed: most names have none, and a path is in nearly every expression.
    pub namespace: Option<Box<Ident>>,
    pub name: Ident,
    pub span: Span,
}

impl Path {
    /// The path as written: `name` or `ns.name`.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}.{}", ns.name, self.name.name),
            None => self.name.name.clone(),
        }
    }
}

/// A top-level item, with its `///` documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub doc: Option<String>,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    Import(Import),
    Param(Param),
    Const(Const),
    /// `service`, `target`, `probe` and `fault` items: a name bound to a call.
    Decl(Decl),
    Template(Template),
    Scenario(Scenario),
    Suite(Suite),
    Environment(Environment),
    Slo(SloBlock),
    Safety(SafetyBlock),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: StringLit,
    pub alias: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Const {
    pub name: Ident,
    pub value: Expr,
}

/// Which keyword introduced a [`Decl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    Service,
    Target,
    Probe,
    Fault,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Service => "service",
            DeclKind::Target => "target",
            DeclKind::Probe => "probe",
            DeclKind::Fault => "fault",
        }
    }
}

/// `service|target|probe|fault NAME = CALL`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    pub kind: DeclKind,
    pub name: Ident,
    pub call: Call,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: Ident,
    pub params: Vec<TemplateParam>,
    /// `= OTHER(args)`: the template this one is built on.
    pub base: Option<Call>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateParam {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: StringLit,
    /// `= TEMPLATE(args)`.
    pub base: Option<Call>,
    pub body: Option<Body>,
}

/// The body of a scenario or template: entries in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub entries: Vec<BodyEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodyEntry {
    pub kind: BodyEntryKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyEntryKind {
    Description(StringLit),
    Tags(Vec<Ident>),
    Baseline(Expr),
    SteadyState(Vec<Assertion>),
    Timeline(Vec<Step>),
    Recover { within: Expr, checks: Option<Expr> },
    Slo(SloBlock),
    Abort(Abort),
    Safety(SafetyBlock),
    Const(Const),
    Decl(Decl),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub start: StepStart,
    pub fault: FaultUse,
    pub duration: Option<Expr>,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepStart {
    /// `at OFFSET`
    At(Expr),
    /// `then [after GAP]`
    Then(Option<Expr>),
}

/// A fault in a timeline step: a call, or a preset named without arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultUse {
    Call(Call),
    Name(Path),
}

impl FaultUse {
    pub fn path(&self) -> &Path {
        match self {
            FaultUse::Call(c) => &c.callee,
            FaultUse::Name(p) => p,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            FaultUse::Call(c) => c.span,
            FaultUse::Name(p) => p.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: Ident,
    pub entries: Vec<SuiteEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SuiteEntry {
    Description(StringLit),
    Scenarios(Vec<StringLit>, Span),
    Cooldown(Expr, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: Ident,
    pub entries: Vec<EnvEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvEntry {
    Slo(SloBlock),
    Allow(Vec<StringLit>, Span),
    Confirm(Vec<Ident>, Span),
    Set(Vec<(Ident, Expr)>, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloBlock {
    pub assertions: Vec<Assertion>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SafetyBlock {
    pub entries: Vec<SafetyEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SafetyEntry {
    MaxDuration(Expr, Span),
    Cooldown(Expr, Span),
    Confirm(Vec<Ident>, Span),
    Abort(Box<Abort>),
    AllowTargets(Vec<StringLit>, Span),
}

/// `abort when CONDITION [over DURATION]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Abort {
    pub condition: Condition,
    pub over: Option<Expr>,
    pub span: Span,
}

/// `METRIC[(args)] OP VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub metric: Ident,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Expr>>,
    pub op: CompareOp,
    pub op_span: Span,
    pub value: Expr,
    pub span: Span,
}

/// `[warn] CONDITION [during WINDOW]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub warn: bool,
    pub condition: Condition,
    pub window: Option<Ident>,
    pub span: Span,
}

/// `< <= > >= == !=`: shared with the `expect` of a `prometheus` probe.
pub use crate::shared::comparison::CompareOp;

/// `KIND(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub callee: Path,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// `Some` for a named argument `name: value`.
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// An integer, as written without `_`.
    Int(i64),
    Float(f64),
    Bool(bool),
    String(StringLit),
    Quantity(Quantity),
    Percentile(f64),
    Range(i64, i64),
    List(Vec<Expr>),
    Map(Vec<(StringLit, Expr)>),
    Path(Path),
    /// Boxed: a call is the largest expression, and most expressions are small.
    Call(Box<Call>),
}

/// A string literal: literal text and `${…}` interpolations, escapes decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    pub span: Span,
}

impl StringLit {
    /// The text when the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text(t) => out.push_str(t),
                StringPart::Interpolation(_) => return None,
            }
        }
        Some(out)
    }

    /// The text with interpolations shown as `${name}`: for messages and names.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StringPart::Text(t) => out.push_str(t),
                StringPart::Interpolation(p) => {
                    out.push_str("${");
                    out.push_str(&p.display());
                    out.push('}');
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Text(String),
    Interpolation(Path),
}

/// The dimension of a quantity, fixed by its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Duration,
    Percent,
    Size,
    Rate,
    Bandwidth,
}

impl Dimension {
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Duration => "duration",
            Dimension::Percent => "percent",
            Dimension::Size => "size",
            Dimension::Rate => "rate",
            Dimension::Bandwidth => "bandwidth",
        }
    }
}

/// A number with a unit, normalised: durations in nanoseconds, percent as written
/// (0–100), sizes in bytes, rates in events per second, bandwidth in bytes per second.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub dimension: Dimension,
    pub value: f64,
    /// The source text, kept so that the formatter prints `1m30s` as written.
    pub text: String,
    /// A unit did not parse or the units do not combine (E0103, E0104): the value is
    /// meaningless and the checker stays quiet about it, so one mistake is one diagnostic.
    pub malformed: bool,
}
