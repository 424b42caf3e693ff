//! Completion: what may be written where the cursor is.

use super::context::{self, Context};
use super::documents::Document;
use super::index::{Def, DefKind};
use super::kinds::{self, Class};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, InsertTextFormat, Range, TextEdit,
};

/// The keywords that start a top-level item: the parser's list.
use crate::syntax::ITEM_KEYWORDS;
const BODY_KEYWORDS: &[&str] = &[
    "description",
    "tags",
    "baseline",
    "steady_state",
    "timeline",
    "recover",
    "slo",
    "abort",
    "safety",
    "const",
    "target",
    "probe",
    "service",
];
const SAFETY_KEYWORDS: &[&str] = &[
    "max_duration",
    "cooldown",
    "confirm",
    "abort",
    "allow_targets",
];
const ENVIRONMENT_KEYWORDS: &[&str] = &["slo", "allow", "confirm", "set"];
const SUITE_KEYWORDS: &[&str] = &["description", "scenarios", "cooldown"];
const PERCENTILES: &[&str] = &["p50", "p90", "p95", "p99", "p99.9"];

pub fn complete(document: &Document, offset: usize) -> Vec<CompletionItem> {
    let cx = context::at(&document.text, offset);
    let mut out = Completions {
        document,
        offset,
        items: Vec::new(),
        range: None,
    };
    out.fill(&cx);
    out.items
}

struct Completions<'a> {
    document: &'a Document,
    offset: usize,
    items: Vec<CompletionItem>,
    /// What the items replace, when it is not the word being typed.
    range: Option<Range>,
}

impl Completions<'_> {
    fn fill(&mut self, cx: &Context) {
        if let Some(start) = cx.string_start {
            if cx.statement.first().map(String::as_str) == Some("import") {
                self.range = Some(self.range_from(start));
                for (name, _) in crate::stdlib::MODULES {
                    self.add(
                        &format!("std/{name}"),
                        CompletionItemKind::MODULE,
                        "standard library module",
                    );
                }
                for file in neighbours(&self.document.path) {
                    self.add(&format!("./{file}"), CompletionItemKind::FILE, "file");
                }
            }
            return;
        }
        if cx.word.starts_with(|c: char| c.is_ascii_digit()) {
            return self.units(cx);
        }
        let last = cx.statement.last().map(String::as_str).unwrap_or("");
        let first = cx.statement.first().map(String::as_str).unwrap_or("");
        if let Some(callee) = cx.call() {
            return self.in_call(cx, callee);
        }
        if cx.statement.is_empty() {
            return self.statement_start(cx);
        }
        match (cx.block(), first, last) {
            (_, _, "during") => {
                self.words(kinds::windows(), CompletionItemKind::ENUM_MEMBER, "window")
            }
            (_, "abort", "abort") => self.words(&["when"], CompletionItemKind::KEYWORD, "keyword"),
            (_, "abort", "when") => self.metrics(),
            (_, "abort", _) if !cx.statement.iter().any(|t| t == "over") => {
                self.words(&["over"], CompletionItemKind::KEYWORD, "keyword")
            }
            (_, "recover", "recover") => {
                self.words(&["within"], CompletionItemKind::KEYWORD, "keyword")
            }
            (_, "recover", _) if cx.statement.len() == 3 => {
                self.words(&["checks"], CompletionItemKind::KEYWORD, "keyword")
            }
            ("slo" | "steady_state", _, "warn") => self.metrics(),
            ("slo" | "steady_state", _, _) if cx.statement.len() >= 3 => {
                self.words(&["during"], CompletionItemKind::KEYWORD, "keyword")
            }
            ("timeline", _, _) => self.timeline(cx),
            (_, "param", ":") => self.words(
                kinds::param_types(),
                CompletionItemKind::TYPE_PARAMETER,
                "type",
            ),
            (_, "service" | "target" | "probe" | "fault", "=") => {
                let class = match first {
                    "service" => Class::Service,
                    "target" => Class::Target,
                    "probe" => Class::Probe,
                    _ => Class::Fault,
                };
                self.kinds(class, false);
            }
            (_, "scenario" | "template", "=") => self.names(|d| d.kind == DefKind::Template),
            _ => self.names(|_| true),
        }
    }

    fn statement_start(&mut self, cx: &Context) {
        match cx.block() {
            "" if cx.at_top_level() => {
                self.words(ITEM_KEYWORDS, CompletionItemKind::KEYWORD, "keyword")
            }
            "scenario" | "template" => {
                self.words(BODY_KEYWORDS, CompletionItemKind::KEYWORD, "keyword")
            }
            "timeline" => self.words(&["at", "then"], CompletionItemKind::KEYWORD, "keyword"),
            "slo" | "steady_state" => {
                self.words(&["warn"], CompletionItemKind::KEYWORD, "keyword");
                self.metrics();
            }
            "safety" => self.words(SAFETY_KEYWORDS, CompletionItemKind::KEYWORD, "keyword"),
            "environment" => {
                self.words(ENVIRONMENT_KEYWORDS, CompletionItemKind::KEYWORD, "keyword")
            }
            "suite" => self.words(SUITE_KEYWORDS, CompletionItemKind::KEYWORD, "keyword"),
            "set" => self.names(|d| d.kind == DefKind::Param),
            _ => self.names(|_| true),
        }
    }

    /// `at 0s ▮`, `then ▮`, `then after 1s ▮`: a fault; after the fault, `for` and `as`.
    fn timeline(&mut self, cx: &Context) {
        let s: Vec<&str> = cx.statement.iter().map(String::as_str).collect();
        let fault_position = matches!(s.as_slice(), ["at", _] | ["then"] | ["then", "after", _]);
        if fault_position {
            self.kinds(Class::Fault, true);
            self.names(|d| d.kind == DefKind::Fault);
        } else if matches!(s.last(), Some(&"at" | &"after" | &"for" | &"as")) {
            // A duration or a new name: nothing to propose.
        } else if s.first() == Some(&"then") && s.len() == 1 {
            self.words(&["after"], CompletionItemKind::KEYWORD, "keyword");
        } else {
            self.words(&["for", "as"], CompletionItemKind::KEYWORD, "keyword");
        }
    }

    fn in_call(&mut self, cx: &Context, callee: &str) {
        let value_position = cx.in_call.last().is_some_and(|t| t == ":");
        let in_assertion = matches!(cx.block(), "slo" | "steady_state")
            || cx.statement.first().is_some_and(|w| w == "abort");
        if in_assertion && kinds::metrics().iter().any(|(m, _)| *m == callee) {
            self.names(|d| d.kind == DefKind::Probe);
            return self.words(PERCENTILES, CompletionItemKind::VALUE, "percentile");
        }
        let class = cx.statement.first().and_then(|w| match w.as_str() {
            "service" => Some(Class::Service),
            "target" => Some(Class::Target),
            "probe" => Some(Class::Probe),
            _ => None,
        });
        let kind = kinds::find(class, callee).or_else(|| kinds::find(None, callee));
        if let (Some(kind), false) = (&kind, value_position) {
            // Parameters not written yet in this call.
            let given: Vec<&str> = cx
                .in_call
                .windows(2)
                .filter(|w| w[1] == ":")
                .map(|w| w[0].as_str())
                .collect();
            for p in kind.params.iter().filter(|p| !given.contains(&p.name)) {
                let need = if p.required { "required" } else { "optional" };
                self.items.push(CompletionItem {
                    label: format!("{}:", p.name),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: Some(format!("{} ({need})", p.ty)),
                    insert_text: Some(format!("{}: ", p.name)),
                    filter_text: Some(p.name.to_string()),
                    sort_text: Some(format!("0{}", p.name)),
                    ..CompletionItem::default()
                });
            }
        }
        self.names(|_| true);
    }

    fn units(&mut self, cx: &Context) {
        let digits = cx
            .word
            .find(|c: char| !(c.is_ascii_digit() || c == '_' || c == '.'))
            .unwrap_or(cx.word.len());
        self.range = Some(self.range_from(cx.word_start + digits));
        for unit in crate::syntax::units::UNITS {
            self.add(unit.text, CompletionItemKind::UNIT, unit.dimension.name());
        }
    }

    fn metrics(&mut self) {
        for (name, what) in kinds::metrics() {
            self.add(name, CompletionItemKind::FUNCTION, what);
        }
    }

    /// Every kind of `class`; inside a timeline, with a snippet of its required parameters.
    fn kinds(&mut self, class: Class, snippet: bool) {
        for name in kinds::names(class) {
            let Some(kind) = kinds::find(Some(class), name) else {
                continue;
            };
            let mut item = CompletionItem {
                label: name.to_string(),
                kind: Some(CompletionItemKind::CONSTRUCTOR),
                detail: Some(super::hover::signature(&kind)),
                ..CompletionItem::default()
            };
            if snippet {
                let args: Vec<String> = kind
                    .params
                    .iter()
                    .filter(|p| p.required)
                    .enumerate()
                    .map(|(i, p)| {
                        format!(
                            "{}: ${{{}:{}}}",
                            p.name,
                            i + 1,
                            p.placeholder.replace('}', "\\}")
                        )
                    })
                    .collect();
                item.insert_text = Some(format!("{name}({})$0", args.join(", ")));
                item.insert_text_format = Some(InsertTextFormat::SNIPPET);
            }
            self.items.push(item);
        }
    }

    /// The names in scope that `keep` likes: of this file (the last version that parsed)
    /// and of its imports (`alias.name` for an import with an alias).
    fn names(&mut self, keep: impl Fn(&Def) -> bool) {
        let program = &self.document.program;
        let root = program
            .root()
            .index
            .as_ref()
            .or(self.document.last_parsed.as_ref());
        let mut found: Vec<(String, &Def)> = Vec::new();
        if let Some(index) = root {
            for def in index.in_scope(self.offset) {
                found.push((def.name.clone(), def));
            }
        }
        for (module, alias) in &program.root().imports {
            let Some(index) = &program.modules[*module].index else {
                continue;
            };
            for def in index
                .defs
                .iter()
                .filter(|d| d.top_level && d.kind.is_usable())
            {
                let name = match alias {
                    Some(a) => format!("{a}.{}", def.name),
                    None => def.name.clone(),
                };
                found.push((name, def));
            }
        }
        for (name, def) in found {
            if keep(def) && !self.items.iter().any(|i| i.label == name) {
                self.items.push(CompletionItem {
                    label: name,
                    kind: Some(CompletionItemKind::VARIABLE),
                    detail: Some(format!("{} {}", def.kind.word(), def.detail)),
                    documentation: def.doc.clone().map(lsp_types::Documentation::String),
                    ..CompletionItem::default()
                });
            }
        }
    }

    fn words(&mut self, words: &[&str], kind: CompletionItemKind, detail: &str) {
        for word in words {
            self.add(word, kind, detail);
        }
    }

    fn add(&mut self, label: &str, kind: CompletionItemKind, detail: &str) {
        let text_edit = self
            .range
            .map(|range| CompletionTextEdit::Edit(TextEdit::new(range, label.to_string())));
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: Some(detail.to_string()),
            text_edit,
            ..CompletionItem::default()
        });
    }

    fn range_from(&self, start: usize) -> Range {
        let module = self.document.module();
        module.lines.range(&self.document.text, start, self.offset)
    }
}

/// The other `.chaos` files in the folder of `path`, sorted.
fn neighbours(path: &std::path::Path) -> Vec<String> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path() != path && entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".chaos"))
        .collect();
    files.sort();
    files
}
