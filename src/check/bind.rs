//! Params bound to values before a program is checked for a plan: `--set`, the
//! selected environment's `set`, defaults. The checker then checks (and records)
//! every value with them, once.

use super::record::{ParamFrom, ParamRecord};
use super::scope::Checker;
use super::types::{param_type, ParamTy, TargetKind, Ty, Val};
use crate::diag::{suggest, Code, Diagnostic, SourceId, Sources, Span};
use crate::syntax::ast::{self, Dimension, ItemKind};
use std::collections::HashMap;

/// What a plan is compiled for: the environment and the params set on the command line.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// `--env NAME`
    pub environment: Option<String>,
    /// `--set NAME=VALUE`, in order.
    pub sets: Vec<(String, String)>,
    /// The command line as diagnostics show it (`chaosc plan --env production …`), and
    /// where each flag is in it, by key: `env`, `set:NAME`, `suite`, `scenario:NAME`, `tag:TAG`.
    pub command_line: String,
    pub flags: HashMap<String, Span>,
}

impl Bindings {
    fn error(&self, source: SourceId, code: Code, key: &str, message: String) -> Diagnostic {
        let span = self.flags.get(key).copied().unwrap_or_default();
        Diagnostic::new(code, source, span, message)
    }
}

impl<'a> Checker<'a> {
    /// Binds every param to its value before the program is checked with them; records
    /// each param and the selected environment.
    pub fn bind(&mut self, bindings: &Bindings, sources: &mut Sources) -> Vec<Diagnostic> {
        let command_line = sources.add("command line", bindings.command_line.clone());
        self.program.command_line = Some(command_line);
        let mut diagnostics = Vec::new();
        let environment = match &bindings.environment {
            Some(name) => match self.find_environment(name) {
                Some(found) => Some(found),
                None => {
                    let known = self.visible_environments();
                    let help = suggest::did_you_mean(name, known.iter().map(String::as_str))
                        .unwrap_or_else(|| match known.len() {
                            0 => "this program defines no environment; `import \"std/environments\"` brings development, staging and production".into(),
                            _ => format!("environments: {}", known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
                        });
                    diagnostics.push(
                        bindings
                            .error(
                                command_line,
                                Code::UnknownEnvironment,
                                "env",
                                format!("unknown environment `{name}`"),
                            )
                            .with_label("no environment with this name")
                            .with_help(help),
                    );
                    None
                }
            },
            None => None,
        };
        self.selected_environment =
            environment.map(|(module, env)| (module, super::scope::node_id(env)));
        let params = self.all_params();
        for (name, _) in &bindings.sets {
            if !params.iter().any(|(_, p)| p.name.name == *name) {
                let names: Vec<&str> = params.iter().map(|(_, p)| p.name.name.as_str()).collect();
                let help = suggest::did_you_mean(name, names.iter().copied()).unwrap_or_else(
                    || match names.len() {
                        0 => "this program declares no `param`".into(),
                        _ => format!(
                            "params: {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                );
                diagnostics.push(
                    bindings
                        .error(
                            command_line,
                            Code::UnknownSetting,
                            &format!("set:{name}"),
                            format!("`--set` names no param `{name}`"),
                        )
                        .with_label("unknown param")
                        .with_help(help),
                );
            }
        }
        for (module, param) in params {
            let from_cli = bindings
                .sets
                .iter()
                .rev()
                .find(|(n, _)| *n == param.name.name);
            let from_env = environment.and_then(|(env_module, env)| {
                env.entries.iter().find_map(|entry| match entry {
                    ast::EnvEntry::Set(pairs, _) => pairs
                        .iter()
                        .find(|(n, _)| n.name == param.name.name)
                        .map(|(_, value)| (env_module, value)),
                    _ => None,
                })
            });
            let from = if from_cli.is_some() {
                ParamFrom::CommandLine
            } else if from_env.is_some() {
                ParamFrom::Environment
            } else if param.default.is_some() {
                ParamFrom::Default
            } else {
                ParamFrom::Unset
            };
            let mut record = ParamRecord {
                name: param.name.name.clone(),
                ty: param.ty.name.clone(),
                value: None,
                from,
            };
            let Some(ty) = param_type(&param.ty.name) else {
                // An unknown type (reported): the default cannot be evaluated.
                if from == ParamFrom::Default {
                    record.from = ParamFrom::Unset;
                }
                self.program.params.push(record);
                continue;
            };
            let value = if let Some((_, text)) = from_cli {
                match self.parse_setting(ty, text) {
                    Ok(value) => Some(value),
                    Err(expected) => {
                        let source = self.modules[module].source;
                        diagnostics.push(
                            bindings
                                .error(
                                    command_line,
                                    Code::BadSetting,
                                    &format!("set:{}", param.name.name),
                                    format!(
                                        "`{text}` is not a valid `{}` for `{}`",
                                        param.ty.name, param.name.name
                                    ),
                                )
                                .with_label(format!("expected {expected}"))
                                .with_help(format!(
                                    "`{}` is declared as `{}` in `{}`",
                                    param.name.name,
                                    param.ty.name,
                                    sources.get(source).name
                                )),
                        );
                        None
                    }
                }
            } else if let Some((env_module, expr)) = from_env {
                Some(self.evaluate_in(env_module, expr, ty))
            } else {
                param
                    .default
                    .as_ref()
                    .map(|expr| self.evaluate_in(module, expr, ty))
            };
            match &value {
                Some(value) => {
                    self.param_values
                        .insert(super::scope::node_id(param), value.clone());
                }
                None if from_cli.is_none() => {
                    let source = self.modules[module].source;
                    diagnostics.push(
                        Diagnostic::new(
                            Code::MissingParam,
                            source,
                            param.name.span,
                            format!("param `{}` has no value", param.name.name),
                        )
                        .with_label("no default")
                        .with_help(format!(
                            "pass `--set {}=…` ({}) or give it a default",
                            param.name.name, param.ty.name
                        )),
                    );
                }
                None => {}
            }
            record.value = value;
            self.program.params.push(record);
        }
        diagnostics
    }

    /// The environment `--env` names, among those the root file can see.
    fn find_environment(&self, name: &str) -> Option<(usize, &'a ast::Environment)> {
        // The root's own definition wins over an imported one.
        for module in self.root_and_imports() {
            for item in &self.file(module).items {
                if let ItemKind::Environment(env) = &item.kind {
                    if env.name.name == name {
                        return Some((module, env));
                    }
                }
            }
        }
        None
    }

    fn root_and_imports(&self) -> Vec<usize> {
        let mut modules = vec![0];
        modules.extend(self.modules[0].imports.iter().filter_map(|(m, _)| *m));
        modules
    }

    fn visible_environments(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .root_and_imports()
            .into_iter()
            .flat_map(|m| self.file(m).items.iter())
            .filter_map(|item| match &item.kind {
                ItemKind::Environment(env) => Some(env.name.name.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Every `param` of the run's files: the root's first.
    fn all_params(&self) -> Vec<(usize, &'a ast::Param)> {
        let mut out = Vec::new();
        for module in 0..self.modules.len() {
            for item in &self.file(module).items {
                if let ItemKind::Param(param) = &item.kind {
                    out.push((module, param));
                }
            }
        }
        out
    }

    /// Parses a `--set` value by the param's type; on failure, what was expected.
    fn parse_setting(&mut self, ty: ParamTy, text: &str) -> Result<Val, String> {
        use TargetKind::*;
        let mut target =
            |kind: TargetKind| Ok(self.named_target(kind, text.to_string(), "--set".into()));
        match ty {
            ParamTy::Service => {
                Err("a service name (services cannot be set from the command line)".into())
            }
            ParamTy::Value(ty) => match ty {
                Ty::Str => Ok(Val::Str(Some(text.to_string()))),
                Ty::Int => text
                    .replace('_', "")
                    .parse()
                    .map(Val::Int)
                    .map_err(|_| "an integer such as `4`".into()),
                Ty::Float => text
                    .parse()
                    .map(Val::Float)
                    .map_err(|_| "a number such as `0.5`".into()),
                Ty::Bool => match text {
                    "true" => Ok(Val::Bool(true)),
                    "false" => Ok(Val::Bool(false)),
                    _ => Err("`true` or `false`".into()),
                },
                Ty::Quantity(dimension) => parse_quantity(text, dimension),
                Ty::Target([Container]) => target(Container),
                Ty::Target([Process]) => target(Process),
                Ty::Target([Interface]) => target(Interface),
                _ => Err("a value that can be written on the command line".into()),
            },
        }
    }
}

/// `30s`, `5%`, `256MiB` … read with the language's own lexer and units.
fn parse_quantity(text: &str, dimension: Dimension) -> Result<Val, String> {
    let expected = || {
        format!(
            "{} such as `{}`",
            super::types::a(super::types::noun(dimension)),
            super::expr::example(dimension)
        )
    };
    let probe = format!("const v = {text}");
    let parsed = crate::syntax::parse(&probe, SourceId(0));
    if !parsed.diagnostics.is_empty() {
        return Err(expected());
    }
    let file = parsed.file.ok_or_else(expected)?;
    match file.items.as_slice() {
        [ast::Item {
            kind: ItemKind::Const(c),
            ..
        }] => match &c.value.kind {
            ast::ExprKind::Quantity(q) if q.dimension == dimension => {
                Ok(Val::Quantity(dimension, q.value))
            }
            _ => Err(expected()),
        },
        _ => Err(expected()),
    }
}
