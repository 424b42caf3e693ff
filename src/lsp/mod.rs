//! `chaosc lsp`: a Language Server Protocol server (`lsp-server` for the JSON-RPC
//! transport, `lsp-types` for the messages) on a connection the caller makes
//! (`src/cli/lsp.rs`: stdin and stdout).
//!
//! - `documents`: the open documents, checked on every change; imports read through
//!   the caller's loader, open buffers first;
//! - `program`, `index`: the server's own walk of each file's syntax tree (what each
//!   file defines and uses, with spans) and name resolution across imports;
//! - `diagnostics`: the checker's diagnostics in protocol form (UTF-16 positions from
//!   `position`);
//! - `hover`, `completion` (with `context`, which reads the half-written text before the
//!   cursor), `navigate` (definition, references, symbols), `edits` (formatting and
//!   "did you mean" fixes); `kinds` is the one reader of the checker's signature tables.
//!
//! A request that panics is answered with an error and the server goes on; the panic is
//! a bug to fix, the catch is the last resort.

mod completion;
mod context;
mod diagnostics;
mod documents;
mod edits;
mod hover;
mod index;
mod kinds;
mod navigate;
mod position;
mod program;
#[cfg(test)]
mod robustness;

use crate::check::Loader;
use documents::Documents;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the server can do.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![
                "(".into(),
                ",".into(),
                " ".into(),
                "\"".into(),
                "/".into(),
            ]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it says `exit`; files that are not open
/// are read through `disk`. The caller makes the connection (the CLI, on stdin/stdout).
pub fn serve(connection: &Connection, disk: Box<dyn Loader + Sync>) -> Result<(), Error> {
    let capabilities = serde_json::to_value(capabilities())?;
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, capabilities_result(capabilities))?;
    let mut server = Server {
        connection,
        documents: Documents::new(disk),
        imports_published: Vec::new(),
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let id = request.id.clone();
                let response = match catch_unwind(AssertUnwindSafe(|| server.request(request))) {
                    Ok(response) => response,
                    Err(_) => Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        "chaosc lsp: this request failed (a bug; please report it)".into(),
                    ),
                };
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                // A notification has no answer to carry an error; the document stays as
                // it was last analysed.
                let _ = catch_unwind(AssertUnwindSafe(|| server.notification(notification)));
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn capabilities_result(capabilities: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": {"name": "chaosc", "version": env!("CARGO_PKG_VERSION")},
    })
}

struct Server<'c> {
    connection: &'c Connection,
    documents: Documents,
    /// Files that are not open but hold diagnostics an open document's check found
    /// (it imports them): published, so that they are cleared when fixed.
    imports_published: Vec<Url>,
}

impl Server<'_> {
    fn notification(&mut self, notification: Notification) {
        let notification_was_watched_files =
            notification.method == notif::DidChangeWatchedFiles::METHOD;
        let changed: Vec<Url> = match notification.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<DidOpenTextDocumentParams>(notif::DidOpenTextDocument::METHOD)
                else {
                    return;
                };
                let doc = params.text_document;
                self.documents.set(doc.uri.clone(), doc.version, doc.text);
                vec![doc.uri]
            }
            notif::DidChangeTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<DidChangeTextDocumentParams>(notif::DidChangeTextDocument::METHOD)
                else {
                    return;
                };
                // Full synchronisation: the last change is the whole text.
                let Some(change) = params.content_changes.into_iter().last() else {
                    return;
                };
                let uri = params.text_document.uri;
                self.documents
                    .set(uri.clone(), params.text_document.version, change.text);
                vec![uri]
            }
            notif::DidCloseTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<DidCloseTextDocumentParams>(notif::DidCloseTextDocument::METHOD)
                else {
                    return;
                };
                let uri = params.text_document.uri;
                self.documents.close(&uri);
                self.publish_params(PublishDiagnosticsParams::new(uri.clone(), Vec::new(), None));
                // Documents importing it read it from disk again.
                vec![uri]
            }
            notif::DidChangeWatchedFiles::METHOD => {
                let Ok(params) = notification
                    .extract::<DidChangeWatchedFilesParams>(notif::DidChangeWatchedFiles::METHOD)
                else {
                    return;
                };
                params.changes.into_iter().map(|c| c.uri).collect()
            }
            _ => Vec::new(),
        };
        // The changed documents, and every open document that imports one of them (any
        // open document when files changed on disk: one may now find an import it missed).
        let on_disk = notification_was_watched_files;
        let paths: Vec<_> = changed.iter().map(documents::path_of).collect();
        let mut publish: Vec<Url> = changed
            .into_iter()
            .filter(|uri| self.documents.get(uri).is_some())
            .collect();
        let importers = if on_disk {
            self.documents.uris()
        } else {
            self.documents.importers(&paths)
        };
        for importer in importers {
            if !publish.contains(&importer) {
                self.documents.analyse(&importer);
                publish.push(importer);
            }
        }
        for uri in publish {
            if let Some(document) = self.documents.get(&uri) {
                let params = diagnostics::publish(document);
                self.publish_params(params);
            }
        }
        self.publish_imports();
    }

    /// The diagnostics of imported files that are not open, gathered from every open
    /// document's check; a file that has none any more is cleared.
    fn publish_imports(&mut self) {
        let mut by_file: Vec<(Url, Vec<lsp_types::Diagnostic>)> = Vec::new();
        for document in self.documents.all() {
            for (uri, d) in diagnostics::of_imports(document) {
                if self.documents.get(&uri).is_some() {
                    continue;
                }
                match by_file.iter_mut().find(|(u, _)| *u == uri) {
                    Some((_, list)) if !list.contains(&d) => list.push(d),
                    Some(_) => {}
                    None => by_file.push((uri, vec![d])),
                }
            }
        }
        let now: Vec<Url> = by_file.iter().map(|(uri, _)| uri.clone()).collect();
        for gone in self.imports_published.iter().filter(|u| !now.contains(u)) {
            self.publish_params(PublishDiagnosticsParams::new(
                gone.clone(),
                Vec::new(),
                None,
            ));
        }
        for (uri, list) in by_file {
            self.publish_params(PublishDiagnosticsParams::new(uri, list, None));
        }
        self.imports_published = now;
    }

    fn publish_params(&self, params: PublishDiagnosticsParams) {
        let note =
            lsp_server::Notification::new(notif::PublishDiagnostics::METHOD.to_string(), params);
        let _ = self.connection.sender.send(Message::Notification(note));
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::HoverRequest::METHOD => self.handle::<req::HoverRequest>(request, |s, p| {
                let at = p.text_document_position_params;
                let document = s.documents.get(&at.text_document.uri)?;
                let offset = offset(document, at.position);
                hover::hover(document, offset).map(|value| Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    }),
                    range: None,
                })
            }),
            req::Completion::METHOD => self.handle::<req::Completion>(request, |s, p| {
                let at = p.text_document_position;
                let document = s.documents.get(&at.text_document.uri)?;
                let items = completion::complete(document, offset(document, at.position));
                Some(CompletionResponse::Array(items))
            }),
            req::GotoDefinition::METHOD => self.handle::<req::GotoDefinition>(request, |s, p| {
                let at = p.text_document_position_params;
                let document = s.documents.get(&at.text_document.uri)?;
                navigate::definition(document, offset(document, at.position))
                    .map(GotoDefinitionResponse::Scalar)
            }),
            req::References::METHOD => self.handle::<req::References>(request, |s, p| {
                let at = p.text_document_position;
                let document = s.documents.get(&at.text_document.uri)?;
                let offset = offset(document, at.position);
                Some(navigate::references(
                    &s.documents,
                    document,
                    offset,
                    p.context.include_declaration,
                ))
            }),
            req::DocumentSymbolRequest::METHOD => {
                self.handle::<req::DocumentSymbolRequest>(request, |s, p| {
                    let document = s.documents.get(&p.text_document.uri)?;
                    Some(DocumentSymbolResponse::Nested(navigate::symbols(document)))
                })
            }
            req::Formatting::METHOD => self.handle::<req::Formatting>(request, |s, p| {
                let document = s.documents.get(&p.text_document.uri)?;
                edits::format(document)
            }),
            req::CodeActionRequest::METHOD => {
                self.handle::<req::CodeActionRequest>(request, |s, p| {
                    let document = s.documents.get(&p.text_document.uri)?;
                    let actions = edits::actions(document, p.range);
                    Some(
                        actions
                            .into_iter()
                            .map(CodeActionOrCommand::CodeAction)
                            .collect(),
                    )
                })
            }
            _ => Err(Response::new_err(
                id.clone(),
                ErrorCode::MethodNotFound as i32,
                format!("chaosc lsp does not answer `{}`", request.method),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(response) => response,
        }
    }

    /// Decodes a request's parameters, answers it, encodes the answer.
    fn handle<R: req::Request>(
        &self,
        request: Request,
        answer: impl FnOnce(&Self, R::Params) -> R::Result,
    ) -> Result<serde_json::Value, Response> {
        let id: RequestId = request.id.clone();
        match request.extract::<R::Params>(R::METHOD) {
            Ok((_, params)) => serde_json::to_value(answer(self, params))
                .map_err(|e| Response::new_err(id, ErrorCode::InternalError as i32, e.to_string())),
            Err(e) => Err(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("{e:?}"),
            )),
        }
    }
}

fn offset(document: &documents::Document, position: Position) -> usize {
    document.module().lines.offset(&document.text, position)
}
