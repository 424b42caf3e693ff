//! The checker's diagnostics as the protocol's: UTF-16 ranges, the code, the help and
//! note in the message, secondary labels as related information.

use super::documents::Document;
use crate::diag::{self, Severity};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams,
};

pub fn publish(document: &Document) -> PublishDiagnosticsParams {
    PublishDiagnosticsParams {
        uri: document.uri.clone(),
        diagnostics: document
            .diagnostics
            .iter()
            .map(|d| convert(d, document))
            .collect(),
        version: Some(document.version),
    }
}

pub fn convert(d: &diag::Diagnostic, document: &Document) -> lsp_types::Diagnostic {
    let module = document.module();
    let range = |span: diag::Span| module.lines.range(&module.text, span.start, span.end);
    let mut message = d.message.clone();
    if let Some(primary) = d.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
        message.push_str(&format!(" ({})", primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(note) = &d.note {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(document.uri.clone(), range(l.span)),
            message: if l.message.is_empty() {
                "related".to_string()
            } else {
                l.message.clone()
            },
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(d.span()),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("chaosc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
