//! The checker's diagnostics as the protocol's: UTF-16 ranges, the code, the help and
//! note in the message, secondary labels as related information.

use super::documents::Document;
use super::program::Module;
use crate::diag::{self, Severity};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Url,
};

pub fn publish(document: &Document) -> PublishDiagnosticsParams {
    PublishDiagnosticsParams {
        uri: document.uri.clone(),
        diagnostics: document
            .diagnostics
            .iter()
            .map(|d| convert(d, &document.uri, document.module()))
            .collect(),
        version: Some(document.version),
    }
}

/// The diagnostics a document's check found in the files it imports (not the standard
/// library's), by file.
pub fn of_imports(document: &Document) -> Vec<(Url, lsp_types::Diagnostic)> {
    document
        .imported
        .iter()
        .filter_map(|(path, d)| {
            let module = &document.program.modules[document.program.module_of(path)?];
            let uri = Url::from_file_path(path).ok()?;
            let converted = convert(d, &uri, module);
            Some((uri, converted))
        })
        .collect()
}

/// One diagnostic of the file `module`, whose address is `uri`.
pub fn convert(d: &diag::Diagnostic, uri: &Url, module: &Module) -> lsp_types::Diagnostic {
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
            location: Location::new(uri.clone(), range(l.span)),
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
