//! pest errors → diagnostics that name what was expected in words people use.

use super::Rule;
use crate::diag::{Code, Diagnostic, SourceId, Span};
use pest::error::{ErrorVariant, InputLocation};

/// How many expected alternatives a message lists before "or …".
const MAX_EXPECTED: usize = 6;

/// What to call a rule in "expected …".
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        import_item | kw_import => "`import`",
        param_item | kw_param => "`param`",
        const_item | kw_const => "`const`",
        service_item | kw_service => "`service`",
        target_item | kw_target => "`target`",
        probe_item | kw_probe => "`probe`",
        fault_item | kw_fault => "`fault`",
        template_item | kw_template => "`template`",
        scenario_item | kw_scenario => "`scenario`",
        suite_item | kw_suite => "`suite`",
        environment_item | kw_environment => "`environment`",
        slo_block | kw_slo => "`slo`",
        safety_block | kw_safety => "`safety`",
        description_entry | kw_description => "`description`",
        tags_entry | kw_tags => "`tags`",
        baseline_entry | kw_baseline => "`baseline`",
        steady_state_block | kw_steady_state => "`steady_state`",
        timeline_block | kw_timeline => "`timeline`",
        recover_entry | kw_recover => "`recover`",
        abort_entry | kw_abort => "`abort`",
        scenarios_entry | kw_scenarios => "`scenarios`",
        cooldown_entry | kw_cooldown => "`cooldown`",
        max_duration_entry | kw_max_duration => "`max_duration`",
        allow_entry | kw_allow => "`allow`",
        allow_targets_entry | kw_allow_targets => "`allow_targets`",
        confirm_entry | kw_confirm => "`confirm`",
        set_block | kw_set => "`set`",
        step | at_step | kw_at => "`at`",
        then_step | kw_then => "`then`",
        kw_after => "`after`",
        step_for | kw_for => "`for`",
        step_as | kw_as => "`as`",
        kw_within => "`within`",
        kw_checks => "`checks`",
        kw_when => "`when`",
        kw_over => "`over`",
        kw_warn => "`warn`",
        kw_during => "`during`",
        assertion | condition | metric => "a metric such as `availability`",
        compare_op => "a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`)",
        expr | list | map | range | quantity | percentile | number | unsigned | integer
        | boolean => "a value",
        call | fault_use => "a call such as `cpu_stress(workers: 2)`",
        arg | named_arg => "an argument",
        path | ident | type_name => "a name",
        string => "a string",
        string_part | string_text | escape | interpolation => "the rest of the string",
        unit => "a unit",
        window => "a window (`baseline`, `chaos`, `recovery` or `run`)",
        scenario_body => "`{`",
        template_params => "`(`",
        template_param => "a parameter such as `workers: int`",
        map_pair => "a `\"key\": value` pair",
        set_pair => "a `name: value` pair",
        lparen => "`(`",
        rparen => "`)`",
        lbrace => "`{`",
        rbrace => "`}`",
        lbracket => "`[`",
        rbracket => "`]`",
        comma => "`,`",
        colon => "`:`",
        assign => "`=`",
        _ => return None,
    })
}

/// The token at `offset`, as shown in "found …".
fn found_at(text: &str, offset: usize) -> (String, Span) {
    let rest = &text[offset..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".into(), Span::new(offset, offset));
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    (
        format!("`{}`", &rest[..len]),
        Span::new(offset, offset + len),
    )
}

/// Turns a pest failure into one diagnostic with a hint for common slips.
pub(super) fn from_pest(
    error: &pest::error::Error<Rule>,
    text: &str,
    source: SourceId,
) -> Diagnostic {
    let offset = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    let mut expected: Vec<&'static str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(name) = describe(*rule) {
                if !expected.contains(&name) {
                    expected.push(name);
                }
            }
        }
    }
    // Closing punctuation first: "expected `}`" is the likeliest fix and must not be
    // hidden behind "or one of 8 more".
    expected.sort_by_key(|name| !matches!(*name, "`}`" | "`)`" | "`]`"));
    let (found, span) = found_at(text, offset);
    let at_end = offset >= text.len();
    let open = if at_end { open_at_end(text) } else { None };
    let closer = |what: &str| match what {
        "`{`" => "`}`",
        "`(`" => "`)`",
        _ => "`]`",
    };
    let (message, span, label) = match open {
        Some((what @ ("string" | "block comment"), start)) => (
            format!("unterminated {what}"),
            Span::new(start, start + if what == "string" { 1 } else { 2 }),
            format!("this {what} is never closed"),
        ),
        Some((bracket, start)) => (
            format!("{bracket} is never closed"),
            Span::new(start, start + 1),
            format!("expected {} before the end of the file", closer(bracket)),
        ),
        None if at_end => {
            // Point at the last token: an empty span at the very end shows nothing.
            let trimmed = text.trim_end();
            let last = trimmed.char_indices().next_back().map_or(0, |(i, _)| i);
            let (_, last_span) = found_at(text, last);
            (
                format!("expected {}, found end of file", list(&expected)),
                last_span,
                format!("expected {} after this", list(&expected)),
            )
        }
        None if expected.is_empty() => (
            format!("unexpected {found}"),
            span,
            "not expected here".into(),
        ),
        None => (
            format!("expected {}, found {found}", list(&expected)),
            span,
            format!("expected {}", list(&expected)),
        ),
    };
    let mut diagnostic = Diagnostic::new(Code::Syntax, source, span, message).with_label(label);
    diagnostic.help = match open {
        Some(("string", _)) => {
            Some("close it with `\"`; a literal quote inside a string is `\\\"`".into())
        }
        Some(("block comment", _)) => {
            Some("close it with `*/`; block comments nest, so each `/*` needs its own `*/`".into())
        }
        Some((bracket, _)) => Some(format!("add the missing {}", closer(bracket))),
        None => hint(text, offset, &found, &expected, false),
    };
    diagnostic
}

/// "a, b or c", capped at [`MAX_EXPECTED`].
fn list(items: &[&str]) -> String {
    let shown: Vec<&str> = items.iter().take(MAX_EXPECTED).copied().collect();
    let extra = items.len().saturating_sub(MAX_EXPECTED);
    match (shown.as_slice(), extra) {
        ([one], 0) => one.to_string(),
        (many, 0) => format!(
            "{} or {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
        (many, n) => format!("{}, or one of {n} more", many.join(", ")),
    }
}

/// What is still open at the end of the file: a string, a block comment or a bracket,
/// with the offset where it was opened.
fn open_at_end(text: &str) -> Option<(&'static str, usize)> {
    let mut string_start: Option<usize> = None;
    let mut escaped = false;
    let mut comment: Option<(usize, usize)> = None; // (start, depth)
    let mut brackets: Vec<(char, usize)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, c)| *c);
        if let Some((start, depth)) = comment {
            match (c, next) {
                ('*', Some('/')) => {
                    chars.next();
                    comment = (depth > 1).then_some((start, depth - 1));
                }
                ('/', Some('*')) => {
                    chars.next();
                    comment = Some((start, depth + 1));
                }
                _ => {}
            }
        } else if string_start.is_some() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => string_start = None,
                _ => {}
            }
        } else {
            match (c, next) {
                ('"', _) => string_start = Some(i),
                ('/', Some('/')) => {
                    for (_, c) in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                ('/', Some('*')) => {
                    chars.next();
                    comment = Some((i, 1));
                }
                ('{' | '(' | '[', _) => brackets.push((c, i)),
                ('}' | ')' | ']', _) => {
                    brackets.pop();
                }
                _ => {}
            }
        }
    }
    if let Some(start) = string_start {
        return Some(("string", start));
    }
    if let Some((start, _)) = comment {
        return Some(("block comment", start));
    }
    brackets.last().map(|(c, i)| {
        let what = match c {
            '{' => "`{`",
            '(' => "`(`",
            _ => "`[`",
        };
        (what, *i)
    })
}

/// Advice for the slips people make most: YAML habits, `#` comments, keywords as names.
fn hint(
    text: &str,
    offset: usize,
    found: &str,
    expected: &[&str],
    unterminated: bool,
) -> Option<String> {
    if unterminated {
        return Some("close it: strings end with `\"` and block comments with `*/`".into());
    }
    let rest = &text[offset..];
    if rest.starts_with('#') {
        return Some("comments start with `//` (or `/* … */`), not `#`".into());
    }
    if rest.starts_with("- ") || rest.starts_with("-\n") {
        return Some("lists are written `[a, b, c]`, not as YAML `- item` lines".into());
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after_word = rest[word.len()..].trim_start_matches([' ', '\t']);
    if !word.is_empty() && after_word.starts_with(':') && !expected.contains(&"`:`") {
        return Some(format!(
            "`.chaos` is not YAML: items and entries start with a keyword, e.g. `{word} …` may belong inside `scenario \"NAME\" {{ … }}`"
        ));
    }
    if !word.is_empty() && is_keyword(&word) && expected.contains(&"a name") {
        return Some(format!("`{word}` is a reserved word; choose another name"));
    }
    if rest.starts_with('\'') {
        return Some("strings use double quotes: `\"…\"`".into());
    }
    if rest.starts_with(';') {
        return Some("no `;` is needed between entries: put each entry on its own line".into());
    }
    if expected.contains(&"`}`") && found.starts_with("`") && rest.starts_with('=') {
        return Some("entries in a block are written `name VALUE`, without `=`".into());
    }
    None
}

pub(super) fn is_keyword(word: &str) -> bool {
    super::KEYWORDS.contains(&word)
}

pub(super) fn too_deep(source: SourceId, offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        source,
        Span::new(offset, offset + 1),
        format!(
            "nesting deeper than {} levels",
            super::comments::MAX_NESTING
        ),
    )
    .with_label("too deep")
    .with_help("flatten the value: lists, maps, calls and comments nest at most 64 deep")
}
