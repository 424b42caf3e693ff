//! Go to definition, find references (in the document, its imports and every open
//! document that imports the same file) and document symbols.

use super::documents::{Document, Documents};
use super::index::{Def, DefKind};
use super::program::{DefRef, Program};
use lsp_types::{DocumentSymbol, Location, SymbolKind, Url};

fn module_uri(program: &Program, document: &Document, module: usize) -> Option<Url> {
    if module == 0 {
        return Some(document.uri.clone());
    }
    Url::from_file_path(program.modules[module].path.as_ref()?).ok()
}

fn location(
    program: &Program,
    document: &Document,
    module: usize,
    span: crate::diag::Span,
) -> Option<Location> {
    let m = &program.modules[module];
    Some(Location::new(
        module_uri(program, document, module)?,
        m.lines.range(&m.text, span.start, span.end),
    ))
}

pub fn definition(document: &Document, offset: usize) -> Option<Location> {
    let program = &document.program;
    let at = program.definition_at(0, offset)?;
    location(program, document, at.module, program.def(at).span)
}

pub fn references(
    documents: &Documents,
    document: &Document,
    offset: usize,
    with_declaration: bool,
) -> Vec<Location> {
    let Some(target) = document.program.definition_at(0, offset) else {
        return Vec::new();
    };
    let def = document.program.def(target);
    let path = document.program.modules[target.module].path.clone();
    let mut out: Vec<Location> = Vec::new();
    let mut add = |location: Option<Location>| {
        if let Some(l) = location {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    };
    // The same definition as seen from each open document's program.
    let views = std::iter::once(document).chain(documents.all().filter(|d| d.uri != document.uri));
    for other in views {
        let program = &other.program;
        let found = if std::ptr::eq(other, document) {
            Some(target)
        } else {
            path.as_ref().and_then(|p| same_def(program, p, def))
        };
        let Some(found) = found else { continue };
        if with_declaration {
            add(location(
                program,
                other,
                found.module,
                program.def(found).span,
            ));
        }
        for (module, span) in program.uses_of(found) {
            add(location(program, other, module, span));
        }
    }
    out
}

fn same_def(program: &Program, path: &std::path::Path, def: &Def) -> Option<DefRef> {
    let module = program.module_of(path)?;
    let defs = &program.modules[module].index.as_ref()?.defs;
    let index = defs
        .iter()
        .position(|d| d.name == def.name && d.span.same_place(&def.span))?;
    Some(DefRef { module, def: index })
}

/// The outline: top-level declarations, with the local ones of scenarios and templates.
pub fn symbols(document: &Document) -> Vec<DocumentSymbol> {
    let module = document.module();
    let Some(index) = &module.index else {
        return Vec::new();
    };
    let symbol = |def: &Def, children: Option<Vec<DocumentSymbol>>| {
        #[allow(deprecated)] // `deprecated` is a field the protocol still carries
        DocumentSymbol {
            name: if def.name.is_empty() {
                "(unnamed)".into()
            } else {
                def.name.clone()
            },
            detail: Some(
                format!("{} {}", def.kind.word(), def.detail)
                    .trim()
                    .to_string(),
            ),
            kind: symbol_kind(def.kind),
            tags: None,
            deprecated: None,
            range: module
                .lines
                .range(&module.text, def.item_span.start, def.item_span.end),
            selection_range: module
                .lines
                .range(&module.text, def.span.start, def.span.end),
            children,
        }
    };
    // Local names by the start of the scenario or template they are declared in.
    let mut locals: std::collections::HashMap<usize, Vec<DocumentSymbol>> = Default::default();
    for def in index.defs.iter().filter(|d| !d.top_level) {
        locals
            .entry(def.scope.start)
            .or_default()
            .push(symbol(def, None));
    }
    index
        .defs
        .iter()
        .filter(|d| d.top_level)
        .map(|top| {
            let children = matches!(top.kind, DefKind::Scenario | DefKind::Template)
                .then(|| locals.remove(&top.item_span.start))
                .flatten();
            symbol(top, children)
        })
        .collect()
}

fn symbol_kind(kind: DefKind) -> SymbolKind {
    match kind {
        DefKind::Scenario => SymbolKind::EVENT,
        DefKind::Template => SymbolKind::CLASS,
        DefKind::Suite => SymbolKind::PACKAGE,
        DefKind::Environment => SymbolKind::NAMESPACE,
        DefKind::Probe => SymbolKind::FUNCTION,
        DefKind::Target => SymbolKind::OBJECT,
        DefKind::Service => SymbolKind::INTERFACE,
        DefKind::Fault => SymbolKind::OPERATOR,
        DefKind::Param => SymbolKind::VARIABLE,
        DefKind::Const => SymbolKind::CONSTANT,
        DefKind::TemplateParam => SymbolKind::TYPE_PARAMETER,
        DefKind::StepAlias => SymbolKind::FIELD,
    }
}
