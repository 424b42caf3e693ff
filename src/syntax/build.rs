//! pest pairs → [`ast`](super::ast), validating units, escapes and numbers.

use super::ast::*;
use super::comments::{Comment, CommentKind};
use super::{units, Rule};
use crate::diag::{Code, Diagnostic, SourceId, Span};
use pest::iterators::Pair;

pub(super) struct Builder<'a> {
    /// The whole file (spans and comments are absolute, into it).
    text: &'a str,
    /// Where the text pest parsed starts in `text`: pieces of a file split at
    /// top-level items are parsed on their own (see `split.rs`), and their pairs'
    /// offsets are shifted by this much.
    offset: usize,
    source: SourceId,
    comments: &'a [Comment],
    pub diagnostics: Vec<Diagnostic>,
}

/// The meaningful children of a pair: keywords and punctuation dropped.
fn children(pair: Pair<Rule>) -> impl Iterator<Item = Pair<Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

fn is_token(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        lparen
            | rparen
            | lbrace
            | rbrace
            | lbracket
            | rbracket
            | comma
            | colon
            | assign
            | EOI
            | byte_order_mark
            | kw_import
            | kw_as
            | kw_param
            | kw_const
            | kw_service
            | kw_target
            | kw_probe
            | kw_fault
            | kw_template
            | kw_scenario
            | kw_scenarios
            | kw_suite
            | kw_environment
            | kw_safety
            | kw_slo
            | kw_timeline
            | kw_at
            | kw_then
            | kw_after
            | kw_for
            | kw_within
            | kw_recover
            | kw_checks
            | kw_baseline
            | kw_steady_state
            | kw_abort
            | kw_when
            | kw_over
            | kw_warn
            | kw_during
            | kw_description
            | kw_tags
            | kw_allow
            | kw_allow_targets
            | kw_confirm
            | kw_cooldown
            | kw_max_duration
            | kw_set
    )
}

impl<'a> Builder<'a> {
    /// A builder for pairs parsed from `text[offset..]`.
    pub fn new(text: &'a str, offset: usize, source: SourceId, comments: &'a [Comment]) -> Self {
        Builder {
            text,
            offset,
            source,
            comments,
            diagnostics: Vec::new(),
        }
    }

    /// The absolute span of a pair.
    fn span_of(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn error(&mut self, code: Code, span: Span, message: String) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, self.source, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// The items of a `file` pair.
    pub fn items(&mut self, pair: Pair<Rule>) -> Vec<Item> {
        children(pair).map(|p| self.item(p)).collect()
    }

    /// The `///` lines directly above `start`, with nothing but blanks between.
    fn doc_before(&self, start: usize) -> Option<String> {
        let mut lines = Vec::new();
        let mut cursor = start;
        let end = self.comments.partition_point(|c| c.span.end <= start);
        for comment in self.comments[..end].iter().rev() {
            let between = &self.text[comment.span.end..cursor];
            if comment.kind != CommentKind::Doc || !between.trim().is_empty() {
                break;
            }
            let line = comment.text.trim_start_matches("///");
            lines.push(line.strip_prefix(' ').unwrap_or(line).to_string());
            cursor = comment.span.start;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    fn item(&mut self, pair: Pair<Rule>) -> Item {
        let span = self.span_of(&pair);
        let doc = self.doc_before(span.start);
        let kind = match pair.as_rule() {
            Rule::import_item => {
                let mut it = children(pair);
                let path = self.string(it.next().expect("grammar: import path"));
                let alias = it.next().map(|p| self.ident(p));
                ItemKind::Import(Import { path, alias })
            }
            Rule::param_item => {
                let mut it = children(pair);
                let name = self.ident(it.next().expect("grammar: param name"));
                let ty = self.ident(it.next().expect("grammar: param type"));
                let default = it.next().map(|p| self.expr(p));
                ItemKind::Param(Param { name, ty, default })
            }
            Rule::const_item => ItemKind::Const(self.const_(pair)),
            Rule::service_item | Rule::target_item | Rule::probe_item | Rule::fault_item => {
                ItemKind::Decl(self.decl(pair))
            }
            Rule::template_item => {
                let mut it = children(pair);
                let name = self.ident(it.next().expect("grammar: template name"));
                let params = children(it.next().expect("grammar: template params"))
                    .map(|p| {
                        let span = self.span_of(&p);
                        let mut it = children(p);
                        let name = self.ident(it.next().expect("grammar: param name"));
                        let ty = self.ident(it.next().expect("grammar: param type"));
                        let default = it.next().map(|p| self.expr(p));
                        TemplateParam {
                            name,
                            ty,
                            default,
                            span,
                        }
                    })
                    .collect();
                let (base, body) = self.base_and_body(it);
                ItemKind::Template(Template {
                    name,
                    params,
                    base,
                    body,
                })
            }
            Rule::scenario_item => {
                let mut it = children(pair);
                let name = self.string(it.next().expect("grammar: scenario name"));
                let (base, body) = self.base_and_body(it);
                ItemKind::Scenario(Scenario { name, base, body })
            }
            Rule::suite_item => {
                let mut it = children(pair);
                let name = self.ident(it.next().expect("grammar: suite name"));
                let entries = it
                    .map(|p| {
                        let s = self.span_of(&p);
                        match p.as_rule() {
                            Rule::description_entry => SuiteEntry::Description(
                                self.string(children(p).next().expect("grammar: text")),
                            ),
                            Rule::scenarios_entry => SuiteEntry::Scenarios(
                                children(p).map(|p| self.string(p)).collect(),
                                s,
                            ),
                            _ => SuiteEntry::Cooldown(self.first_expr(p), s),
                        }
                    })
                    .collect();
                ItemKind::Suite(Suite { name, entries })
            }
            Rule::environment_item => {
                let mut it = children(pair);
                let name = self.ident(it.next().expect("grammar: environment name"));
                let entries = it
                    .map(|p| {
                        let s = self.span_of(&p);
                        match p.as_rule() {
                            Rule::slo_block => EnvEntry::Slo(self.slo(p)),
                            Rule::allow_entry => {
                                EnvEntry::Allow(children(p).map(|p| self.string(p)).collect(), s)
                            }
                            Rule::confirm_entry => {
                                EnvEntry::Confirm(children(p).map(|p| self.ident(p)).collect(), s)
                            }
                            _ => EnvEntry::Set(
                                children(p)
                                    .map(|pair| {
                                        let mut it = children(pair);
                                        let name = self.ident(it.next().expect("grammar: name"));
                                        let value = self.expr(it.next().expect("grammar: value"));
                                        (name, value)
                                    })
                                    .collect(),
                                s,
                            ),
                        }
                    })
                    .collect();
                ItemKind::Environment(Environment { name, entries })
            }
            Rule::slo_block => ItemKind::Slo(self.slo(pair)),
            Rule::safety_block => ItemKind::Safety(self.safety(pair)),
            other => unreachable!("grammar: unexpected item {other:?}"),
        };
        Item { doc, kind, span }
    }

    fn base_and_body<'p>(
        &mut self,
        rest: impl Iterator<Item = Pair<'p, Rule>>,
    ) -> (Option<Call>, Option<Body>) {
        let mut base = None;
        let mut body = None;
        for p in rest {
            match p.as_rule() {
                Rule::call => base = Some(self.call(p)),
                _ => body = Some(self.body(p)),
            }
        }
        (base, body)
    }

    fn const_(&mut self, pair: Pair<Rule>) -> Const {
        let mut it = children(pair);
        let name = self.ident(it.next().expect("grammar: const name"));
        let value = self.expr(it.next().expect("grammar: const value"));
        Const { name, value }
    }

    fn decl(&mut self, pair: Pair<Rule>) -> Decl {
        let kind = match pair.as_rule() {
            Rule::service_item => DeclKind::Service,
            Rule::target_item => DeclKind::Target,
            Rule::probe_item => DeclKind::Probe,
            _ => DeclKind::Fault,
        };
        let mut it = children(pair);
        let name = self.ident(it.next().expect("grammar: decl name"));
        let call = self.call(it.next().expect("grammar: decl call"));
        Decl { kind, name, call }
    }

    fn body(&mut self, pair: Pair<Rule>) -> Body {
        let span = self.span_of(&pair);
        let entries = children(pair)
            .map(|p| {
                let span = self.span_of(&p);
                let kind = match p.as_rule() {
                    Rule::description_entry => BodyEntryKind::Description(
                        self.string(children(p).next().expect("grammar: text")),
                    ),
                    Rule::tags_entry => {
                        BodyEntryKind::Tags(children(p).map(|p| self.ident(p)).collect())
                    }
                    Rule::baseline_entry => BodyEntryKind::Baseline(self.first_expr(p)),
                    Rule::steady_state_block => {
                        BodyEntryKind::SteadyState(children(p).map(|p| self.assertion(p)).collect())
                    }
                    Rule::timeline_block => {
                        BodyEntryKind::Timeline(children(p).map(|p| self.step(p)).collect())
                    }
                    Rule::recover_entry => {
                        let mut it = children(p);
                        let within = self.expr(it.next().expect("grammar: recover within"));
                        let checks = it.next().map(|p| self.expr(p));
                        BodyEntryKind::Recover { within, checks }
                    }
                    Rule::slo_block => BodyEntryKind::Slo(self.slo(p)),
                    Rule::abort_entry => BodyEntryKind::Abort(self.abort(p)),
                    Rule::safety_block => BodyEntryKind::Safety(self.safety(p)),
                    Rule::const_item => BodyEntryKind::Const(self.const_(p)),
                    _ => BodyEntryKind::Decl(self.decl(p)),
                };
                BodyEntry { kind, span }
            })
            .collect();
        Body { entries, span }
    }

    fn step(&mut self, pair: Pair<Rule>) -> Step {
        let span = self.span_of(&pair);
        let inner = children(pair).next().expect("grammar: step");
        let is_at = inner.as_rule() == Rule::at_step;
        let mut start_expr = None;
        let mut fault = None;
        let mut duration = None;
        let mut alias = None;
        for p in children(inner) {
            match p.as_rule() {
                Rule::fault_use => {
                    let inner = children(p).next().expect("grammar: fault use");
                    fault = Some(match inner.as_rule() {
                        Rule::call => FaultUse::Call(self.call(inner)),
                        _ => FaultUse::Name(self.path(inner)),
                    });
                }
                Rule::step_for => duration = Some(self.first_expr(p)),
                Rule::step_as => {
                    alias = Some(self.ident(children(p).next().expect("grammar: alias")))
                }
                // What remains is the `at` offset or the `after` gap: a value.
                _ => start_expr = Some(self.expr(p)),
            }
        }
        let start = if is_at {
            StepStart::At(start_expr.expect("grammar: at offset"))
        } else {
            StepStart::Then(start_expr)
        };
        Step {
            start,
            fault: fault.expect("grammar: step fault"),
            duration,
            alias,
            span,
        }
    }

    fn slo(&mut self, pair: Pair<Rule>) -> SloBlock {
        let span = self.span_of(&pair);
        SloBlock {
            assertions: children(pair).map(|p| self.assertion(p)).collect(),
            span,
        }
    }

    fn safety(&mut self, pair: Pair<Rule>) -> SafetyBlock {
        let span = self.span_of(&pair);
        let entries = children(pair)
            .map(|p| {
                let s = self.span_of(&p);
                match p.as_rule() {
                    Rule::max_duration_entry => SafetyEntry::MaxDuration(self.first_expr(p), s),
                    Rule::cooldown_entry => SafetyEntry::Cooldown(self.first_expr(p), s),
                    Rule::confirm_entry => {
                        SafetyEntry::Confirm(children(p).map(|p| self.ident(p)).collect(), s)
                    }
                    Rule::abort_entry => SafetyEntry::Abort(Box::new(self.abort(p))),
                    _ => {
                        SafetyEntry::AllowTargets(children(p).map(|p| self.string(p)).collect(), s)
                    }
                }
            })
            .collect();
        SafetyBlock { entries, span }
    }

    fn abort(&mut self, pair: Pair<Rule>) -> Abort {
        let span = self.span_of(&pair);
        let mut it = children(pair);
        let condition = self.condition(it.next().expect("grammar: abort condition"));
        let over = it.next().map(|p| self.expr(p));
        Abort {
            condition,
            over,
            span,
        }
    }

    fn assertion(&mut self, pair: Pair<Rule>) -> Assertion {
        let span = self.span_of(&pair);
        let warn = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_warn);
        let condition = self.condition_parts(span, children(pair.clone()));
        let window = children(pair)
            .find(|p| p.as_rule() == Rule::window)
            .map(|p| Ident {
                name: p.as_str().to_string(),
                span: self.span_of(&p),
            });
        Assertion {
            warn,
            condition,
            window,
            span,
        }
    }

    fn condition(&mut self, pair: Pair<Rule>) -> Condition {
        let span = self.span_of(&pair);
        self.condition_parts(span, children(pair))
    }

    /// Reads `metric compare_op expr` from the children of an assertion or condition.
    fn condition_parts<'p>(
        &mut self,
        span: Span,
        mut it: impl Iterator<Item = Pair<'p, Rule>>,
    ) -> Condition {
        let metric_pair = it.next().expect("grammar: metric");
        let has_parens = metric_pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::lparen);
        let mut metric_parts = children(metric_pair);
        let metric = self.ident(metric_parts.next().expect("grammar: metric name"));
        let args: Vec<Expr> = metric_parts.map(|p| self.expr(p)).collect();
        let op_pair = it.next().expect("grammar: comparison");
        let op = CompareOp::parse(op_pair.as_str()).expect("grammar: comparison operator");
        let op_span = self.span_of(&op_pair);
        let value = self.expr(it.next().expect("grammar: compared value"));
        Condition {
            metric,
            args: has_parens.then_some(args),
            op,
            op_span,
            value,
            span,
        }
    }

    fn first_expr(&mut self, pair: Pair<Rule>) -> Expr {
        self.expr(children(pair).next().expect("grammar: expression"))
    }

    fn ident(&mut self, pair: Pair<Rule>) -> Ident {
        self.name(pair.as_str(), self.span_of(&pair))
    }

    /// A name, refused when it is a reserved word.
    fn name(&mut self, name: &str, span: Span) -> Ident {
        if super::errors::is_keyword(name) {
            let diagnostic = self.error(
                Code::Syntax,
                span,
                format!("`{name}` is a reserved word and cannot be a name"),
            );
            diagnostic.labels[0].message = "reserved word".into();
            diagnostic.help = Some(format!("choose another name, e.g. `{name}_1`"));
        }
        Ident {
            name: name.to_string(),
            span,
        }
    }

    fn path(&mut self, pair: Pair<Rule>) -> Path {
        let span = self.span_of(&pair);
        let text = pair.as_str();
        match text.split_once('.') {
            Some((namespace, name)) => {
                let dot = span.start + namespace.len();
                Path {
                    namespace: Some(Box::new(self.name(namespace, Span::new(span.start, dot)))),
                    name: self.name(name, Span::new(dot + 1, span.end)),
                    span,
                }
            }
            None => Path {
                namespace: None,
                name: self.name(text, span),
                span,
            },
        }
    }

    fn call(&mut self, pair: Pair<Rule>) -> Call {
        let span = self.span_of(&pair);
        let mut it = children(pair);
        let callee = self.path(it.next().expect("grammar: callee"));
        let args = it
            .map(|inner| {
                let span = self.span_of(&inner);
                if inner.as_rule() == Rule::named_arg {
                    let mut it = children(inner);
                    let name = self.ident(it.next().expect("grammar: argument name"));
                    let value = self.expr(it.next().expect("grammar: argument value"));
                    Arg {
                        name: Some(name),
                        value,
                        span,
                    }
                } else {
                    Arg {
                        name: None,
                        value: self.expr(inner),
                        span,
                    }
                }
            })
            .collect();
        Call { callee, args, span }
    }

    pub fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span_of(&pair);
        let inner = match pair.as_rule() {
            Rule::expr => children(pair).next().expect("grammar: expression"),
            _ => pair,
        };
        let kind = match inner.as_rule() {
            Rule::list => ExprKind::List(children(inner).map(|p| self.expr(p)).collect()),
            Rule::map => ExprKind::Map(
                children(inner)
                    .map(|pair| {
                        let mut it = children(pair);
                        let key = self.string(it.next().expect("grammar: map key"));
                        let value = self.expr(it.next().expect("grammar: map value"));
                        (key, value)
                    })
                    .collect(),
            ),
            Rule::string => ExprKind::String(self.string(inner)),
            Rule::range => {
                let mut it = inner.into_inner();
                let lo_pair = it.next().expect("grammar: range start");
                let hi_pair = it.next().expect("grammar: range end");
                let lo = self.integer(&lo_pair);
                let hi = self.integer(&hi_pair);
                if lo > hi {
                    self.error(
                        Code::OutOfRange,
                        span,
                        format!("the range `{}` is empty", inner_text(span, self.text)),
                    )
                    .help = Some(format!(
                        "ranges are inclusive and ascending: write `{hi}..{lo}`"
                    ));
                }
                ExprKind::Range(lo, hi)
            }
            Rule::quantity => ExprKind::Quantity(self.quantity(span)),
            Rule::percentile => {
                let value: f64 = inner.as_str()[1..].parse().unwrap_or(f64::NAN);
                if !(0.0..=100.0).contains(&value) {
                    self.error(
                        Code::OutOfRange,
                        span,
                        format!("the percentile `{}` is out of range", inner.as_str()),
                    )
                    .help =
                        Some("percentiles go from `p0` to `p100`, e.g. `p99` or `p99.9`".into());
                }
                ExprKind::Percentile(value)
            }
            Rule::number => self.number(&inner),
            Rule::boolean => ExprKind::Bool(inner.as_str() == "true"),
            Rule::call => ExprKind::Call(Box::new(self.call(inner))),
            Rule::path => ExprKind::Path(self.path(inner)),
            other => unreachable!("grammar: unexpected expression {other:?}"),
        };
        Expr { kind, span }
    }

    fn integer(&mut self, pair: &Pair<Rule>) -> i64 {
        let digits: String = pair.as_str().chars().filter(|c| *c != '_').collect();
        digits.parse().unwrap_or_else(|_| {
            self.error(
                Code::InvalidNumber,
                self.span_of(pair),
                format!("the number `{}` is too large", pair.as_str()),
            )
            .help = Some("integers must fit in 64 bits".into());
            0
        })
    }

    fn number(&mut self, pair: &Pair<Rule>) -> ExprKind {
        let text = pair.as_str();
        if text.contains('.') {
            let digits: String = text.chars().filter(|c| *c != '_').collect();
            ExprKind::Float(digits.parse().unwrap_or(0.0))
        } else {
            ExprKind::Int(self.integer(pair))
        }
    }

    fn quantity(&mut self, span: Span) -> Quantity {
        let text = &self.text[span.start..span.end];
        let mut total = 0.0;
        let mut dimension = None;
        let mut previous_factor = f64::INFINITY;
        let mut segments = 0;
        let mut malformed = false;
        for (number, unit_text, unit_span) in quantity_segments(text, span.start) {
            segments += 1;
            let digits: String = number.chars().filter(|c| *c != '_').collect();
            let value: f64 = digits.parse().unwrap_or(0.0);
            let Some(known) = units::lookup(unit_text) else {
                let diagnostic = self.error(
                    Code::UnknownUnit,
                    unit_span,
                    format!("unknown unit `{unit_text}`"),
                );
                diagnostic.help = Some(match units::suggest(unit_text) {
                    None if unit_text == "d" => {
                        format!("there is no day unit: write `{}h`", value * 24.0)
                    }
                    Some(s) => format!("did you mean `{number}{s}`?"),
                    None => "units are `ms s m h` (durations), `%`, `B KB MiB …` (sizes), `/s /m` (rates) and `Mbps MB/s …` (bandwidth)".into(),
                });
                return Quantity {
                    dimension: dimension.unwrap_or(Dimension::Duration),
                    value: total,
                    text: text.to_string(),
                    malformed: true,
                };
            };
            if segments > 1 {
                if known.dimension != Dimension::Duration || dimension != Some(Dimension::Duration)
                {
                    self.error(
                        Code::BadCompoundDuration,
                        span,
                        format!("`{text}` joins units that cannot be combined"),
                    )
                    .help =
                        Some("only durations combine, largest unit first, as in `1m30s`".into());
                    malformed = true;
                    break;
                }
                if known.factor >= previous_factor {
                    self.error(
                        Code::BadCompoundDuration,
                        span,
                        format!("the units of `{text}` are not in descending order"),
                    )
                    .help = Some(
                        "write the largest unit first, each at most once, as in `1h30m` or `1m30s`"
                            .into(),
                    );
                    malformed = true;
                    break;
                }
            }
            previous_factor = known.factor;
            dimension = Some(known.dimension);
            total += value * known.factor;
        }
        Quantity {
            dimension: dimension.unwrap_or(Dimension::Duration),
            value: total,
            text: text.to_string(),
            malformed,
        }
    }

    pub fn string(&mut self, pair: Pair<Rule>) -> StringLit {
        let span = self.span_of(&pair);
        let mut parts: Vec<StringPart> = Vec::new();
        let push_text = |parts: &mut Vec<StringPart>, s: &str| match parts.last_mut() {
            Some(StringPart::Text(t)) => t.push_str(s),
            _ => parts.push(StringPart::Text(s.to_string())),
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text => push_text(&mut parts, part.as_str()),
                Rule::interpolation => {
                    let path_pair = part
                        .into_inner()
                        .next()
                        .expect("grammar: interpolated path");
                    parts.push(StringPart::Interpolation(self.path(path_pair)));
                }
                Rule::escape => {
                    let decoded = self.escape(&part);
                    push_text(&mut parts, &decoded);
                }
                other => unreachable!("grammar: unexpected string part {other:?}"),
            }
        }
        StringLit { parts, span }
    }

    fn escape(&mut self, pair: &Pair<Rule>) -> String {
        let text = pair.as_str();
        let decoded = match text {
            "\\\"" => Some('"'),
            "\\\\" => Some('\\'),
            "\\n" => Some('\n'),
            "\\t" => Some('\t'),
            "\\$" => Some('$'),
            _ if text.starts_with("\\u{") => u32::from_str_radix(&text[3..text.len() - 1], 16)
                .ok()
                .filter(|_| text.len() <= 3 + 6 + 1)
                .and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => c.to_string(),
            None => {
                let help = if text.starts_with("\\u") {
                    "write a Unicode escape as `\\u{HEX}` with 1 to 6 hex digits of a valid code point, e.g. `\\u{e9}`"
                } else {
                    "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\$` and `\\u{HEX}`; write a literal backslash as `\\\\`"
                };
                self.error(
                    Code::InvalidEscape,
                    self.span_of(pair),
                    format!("unknown escape `{text}`"),
                )
                .help = Some(help.into());
                text.to_string()
            }
        }
    }
}

fn inner_text(span: Span, text: &str) -> &str {
    &text[span.start..span.end]
}

/// Splits a quantity as the grammar matched it (`1m30s`, `-2.5%`, `10MB/s`) into
/// (number, unit, unit span) segments. The grammar has checked the shape: a number,
/// then a unit (`%`, `/` + letters, or letters with an optional `/` + letters), repeated.
fn quantity_segments(text: &str, offset: usize) -> Vec<(&str, &str, Span)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let number_start = i;
        if bytes[i] == b'-' {
            i += 1;
        }
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_' || bytes[i] == b'.')
        {
            i += 1;
        }
        let unit_start = i;
        if i < bytes.len() && bytes[i] == b'%' {
            i += 1;
        } else {
            if i < bytes.len() && bytes[i] == b'/' {
                i += 1;
            }
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'/' && unit_start < i {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
        }
        if i == number_start {
            break; // cannot happen on text the grammar accepted; never loop forever
        }
        out.push((
            &text[number_start..unit_start],
            &text[unit_start..i],
            Span::new(offset + unit_start, offset + i),
        ));
    }
    out
}
