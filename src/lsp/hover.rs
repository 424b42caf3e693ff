//! Hover: what a kind takes, what a name is, what a diagnostic code means, what a
//! quantity is worth.

use super::documents::Document;
use super::index::{At, Def};
use super::kinds::{self, Class, KindInfo};
use crate::syntax::ast::{Dimension, Quantity};

/// The Markdown to show at `offset`, if anything is there.
pub fn hover(document: &Document, offset: usize) -> Option<String> {
    let mut parts = Vec::new();
    let module = document.module();
    if let Some(index) = &module.index {
        match index.at(offset) {
            Some(At::Kind(kind)) => {
                parts.extend(kinds::find(kind.class, &kind.name).map(|k| kind_text(&k)))
            }
            Some(At::Arg(arg)) => parts.extend(argument(arg.class, &arg.callee, &arg.name)),
            Some(At::Quantity(q)) => parts.push(quantity(&q.quantity)),
            Some(At::Metric(m)) => parts.extend(metric(&m.name)),
            Some(At::Def(_) | At::Use(_)) => {
                if let Some(at) = document.program.definition_at(0, offset) {
                    parts.push(definition(document.program.def(at)));
                }
            }
            None => {}
        }
    }
    // The explanation of every diagnostic here, and of a code written at the cursor.
    for d in &document.diagnostics {
        let span = d.span();
        if span.start <= offset && offset <= span.end.max(span.start + 1) {
            parts.push(explanation(d.code));
        }
    }
    if let Some(code) = word_at(&document.text, offset).and_then(crate::diag::Code::parse) {
        let text = explanation(code);
        if !parts.contains(&text) {
            parts.push(text);
        }
    }
    (!parts.is_empty()).then(|| parts.join("\n\n---\n\n"))
}

fn explanation(code: crate::diag::Code) -> String {
    format!(
        "**{}** ({})\n\n{}",
        code.as_str(),
        code.severity().as_str(),
        code.explanation()
    )
}

/// The word (letters, digits, `_`) around `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<&str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let start = text[..offset]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[offset..]
        .find(|c: char| !is_word(c))
        .map_or(text.len(), |i| offset + i);
    (start < end).then(|| &text[start..end])
}

/// A kind's signature and parameters.
pub fn kind_text(kind: &KindInfo) -> String {
    let mut out = format!(
        "```chaos\n{}\n```\n\n{} `{}`",
        signature(kind),
        kind.class.noun(),
        kind.name
    );
    if !kind.targets.is_empty() {
        let targets: Vec<String> = kind.targets.iter().map(|t| format!("`{t}`")).collect();
        out.push_str(&format!(", acts on {}", targets.join(", ")));
    }
    if let Some(sustain) = &kind.sustain {
        out.push_str(&format!("; {sustain}"));
    }
    if kind.destructive {
        out.push_str("; destructive (asks for confirmation)");
    }
    out.push_str("\n\n");
    for p in &kind.params {
        out.push_str(&param_line(p));
    }
    if !kind.exclusive.is_empty() {
        let names: Vec<String> = kind.exclusive.iter().map(|n| format!("`{n}`")).collect();
        let how = if kind.exactly_one {
            "exactly one"
        } else {
            "at most one"
        };
        out.push_str(&format!("\n{how} of {}\n", names.join(", ")));
    }
    if let Some(row) = kinds::reference(kind.class, kind.name) {
        out.push_str(&format!("\nWith defaults (the language reference): {row}"));
    }
    out
}

fn param_line(p: &kinds::ParamInfo) -> String {
    let need = match &p.default {
        Some(default) if !p.required => format!("optional, default `{default}`"),
        _ if p.required => "required".to_string(),
        _ => "optional".to_string(),
    };
    let limit = if p.limit.is_empty() {
        String::new()
    } else {
        format!(", {}", p.limit)
    };
    format!("- `{}`: {} ({need}{limit})\n", p.name, p.ty)
}

/// `latency(target, delay, jitter?, direction?)`.
pub fn signature(kind: &KindInfo) -> String {
    let params: Vec<String> = kind
        .params
        .iter()
        .map(|p| format!("{}{}", p.name, if p.required { "" } else { "?" }))
        .collect();
    format!("{}({})", kind.name, params.join(", "))
}

fn argument(class: Option<Class>, callee: &str, name: &str) -> Option<String> {
    let kind = kinds::find(class, callee)?;
    let p = kind.params.iter().find(|p| p.name == name)?;
    Some(format!(
        "parameter of `{}`\n\n{}",
        signature(&kind),
        param_line(p)
    ))
}

fn metric(name: &str) -> Option<String> {
    let (name, what) = kinds::metrics().into_iter().find(|(n, _)| *n == name)?;
    Some(format!("metric `{name}`: {what}"))
}

fn definition(def: &Def) -> String {
    let mut out = format!(
        "```chaos\n{} {} {}\n```",
        def.kind.word(),
        def.name,
        def.detail
    );
    if let Some(doc) = &def.doc {
        out.push_str("\n\n");
        out.push_str(doc);
    }
    out
}

/// The value in the normalised unit (and a readable one for durations).
pub fn quantity(q: &Quantity) -> String {
    if q.malformed {
        return format!("`{}`: not a valid quantity", q.text);
    }
    let v = q.value;
    let value = match q.dimension {
        Dimension::Duration => {
            let ms = v / 1e6;
            format!(
                "{} ns = {} ms = {} s",
                number(v),
                number(ms),
                number(v / 1e9)
            )
        }
        Dimension::Percent => format!("{}% (a fraction of {})", number(v), number(v / 100.0)),
        Dimension::Size => format!("{} bytes", number(v)),
        Dimension::Rate => format!("{} per second", number(v)),
        Dimension::Bandwidth => {
            format!("{} bytes per second ({} bit/s)", number(v), number(v * 8.0))
        }
    };
    format!("{} `{}` = {value}", q.dimension.name(), q.text)
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
