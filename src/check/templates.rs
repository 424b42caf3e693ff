//! Templates: their parameters, arguments, and expansion into layers.

use super::body::{opaque, Layer};
use super::scope::{Bound, Checker, Def, Local};
use super::types::{param_type, ParamTy, TargetKind, Ty, Val};
use crate::diag::{suggest, Code, Span};
use crate::syntax::ast::*;

impl<'a> Checker<'a> {
    pub fn check_template(&mut self, template: &'a Template) {
        let params = self.template_params(template, None);
        let mut layers = Vec::new();
        if let Some(base) = &template.base {
            self.push_frame(false);
            for (name, bound) in &params {
                self.define_local(name, Local::Param(bound.clone()));
            }
            let mut stack = vec![template as *const Template];
            if let Some(base_layers) = self.expand(base, &mut stack) {
                layers = base_layers;
            }
            self.pop_frame();
        }
        layers.push(Layer {
            module: self.module,
            body: template.body.as_ref(),
            params,
        });
        self.check_layers(layers);
    }

    /// The parameters of a template, bound to `args` (checked) or left opaque.
    pub(super) fn template_params(
        &mut self,
        template: &'a Template,
        args: Option<(&'a [Arg], Span)>,
    ) -> Vec<(&'a Ident, Bound)> {
        let mut out: Vec<(&'a Ident, Bound)> = Vec::new();
        let checking_definition = args.is_none();
        for param in &template.params {
            let ty = match param_type(&param.ty.name) {
                Some(ty) => ty,
                None => {
                    if checking_definition {
                        self.unknown_type(&param.ty);
                    }
                    out.push((
                        &param.name,
                        Bound {
                            ty: ParamTy::Value(Ty::Str),
                            value: Val::Error,
                        },
                    ));
                    continue;
                }
            };
            if checking_definition {
                if let Some(previous) = out.iter().find(|(n, _)| n.name == param.name.name) {
                    let d = self
                        .error(
                            Code::DuplicateDefinition,
                            param.name.span,
                            format!("`{}` is defined twice", param.name.name),
                        )
                        .with_secondary(previous.0.span, "first defined here")
                        .with_help("rename one of the parameters");
                    self.emit(d);
                }
            }
            out.push((
                &param.name,
                Bound {
                    ty,
                    value: opaque(ty, &param.name),
                },
            ));
        }
        // Defaults are evaluated in the template's own module.
        for (index, param) in template.params.iter().enumerate() {
            if let (Some(default), ParamTy::Value(ty)) = (&param.default, out[index].1.ty) {
                let saved = self.diagnostics.len();
                let value = self.expect(default, ty, &param.name.name);
                if !checking_definition {
                    self.diagnostics.truncate(saved);
                }
                if !matches!(value, Val::Error) {
                    out[index].1.value = value;
                }
            }
        }
        let Some((args, call_span)) = args else {
            return out;
        };
        let mut given: Vec<(&str, Span)> = Vec::new();
        let mut seen_named = false;
        for (index, arg) in args.iter().enumerate() {
            let slot = match &arg.name {
                Some(name) => {
                    seen_named = true;
                    match template
                        .params
                        .iter()
                        .position(|p| p.name.name == name.name)
                    {
                        Some(slot) => slot,
                        None => {
                            let help = suggest::did_you_mean(
                                &name.name,
                                template.params.iter().map(|p| p.name.name.as_str()),
                            )
                            .unwrap_or_else(|| {
                                format!(
                                    "`{}` takes {}",
                                    template.name.name,
                                    if template.params.is_empty() {
                                        "no parameters".to_string()
                                    } else {
                                        template
                                            .params
                                            .iter()
                                            .map(|p| format!("`{}`", p.name.name))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    }
                                )
                            });
                            let d = self
                                .error(
                                    Code::UnknownArgument,
                                    name.span,
                                    format!(
                                        "template `{}` has no parameter `{}`",
                                        template.name.name, name.name
                                    ),
                                )
                                .with_label("unknown parameter")
                                .with_help(help);
                            self.emit(d);
                            self.infer(&arg.value);
                            continue;
                        }
                    }
                }
                None if seen_named || index >= template.params.len() => {
                    let message = if seen_named {
                        "a positional argument cannot follow named ones".to_string()
                    } else {
                        format!(
                            "template `{}` takes {} parameters",
                            template.name.name,
                            template.params.len()
                        )
                    };
                    let d = self
                        .error(Code::MisplacedArgument, arg.span, message)
                        .with_label("extra argument")
                        .with_help("name the argument: `name: value`");
                    self.emit(d);
                    self.infer(&arg.value);
                    continue;
                }
                None => index,
            };
            let param = &template.params[slot];
            if let Some((_, first)) = given.iter().find(|(n, _)| *n == param.name.name) {
                let d = self
                    .error(
                        Code::DuplicateArgument,
                        arg.span,
                        format!("`{}` is given twice", param.name.name),
                    )
                    .with_secondary(*first, "first value")
                    .with_help("keep one of them");
                self.emit(d);
                continue;
            }
            given.push((&param.name.name, arg.span));
            let value = match out[slot].1.ty {
                ParamTy::Value(ty) => self.expect(&arg.value, ty, &param.name.name),
                ParamTy::Service => self.expect(
                    &arg.value,
                    Ty::Target(&[TargetKind::Process]),
                    &param.name.name,
                ),
            };
            out[slot].1.value = value;
        }
        for param in &template.params {
            if param.default.is_none() && !given.iter().any(|(n, _)| *n == param.name.name) {
                let d = self
                    .error(
                        Code::MissingArgument,
                        call_span,
                        format!(
                            "template `{}` needs the argument `{}`",
                            template.name.name, param.name.name
                        ),
                    )
                    .with_label(format!("`{}` is missing", param.name.name))
                    .with_help(format!("add `{}: …` ({})", param.name.name, param.ty.name));
                self.emit(d);
            }
        }
        out
    }

    pub fn unknown_type(&mut self, ty: &Ident) {
        let help = suggest::did_you_mean(&ty.name, super::types::PARAM_TYPES.iter().copied())
            .unwrap_or_else(|| {
                format!(
                    "the types are {}",
                    super::types::one_of(super::types::PARAM_TYPES)
                )
            });
        let d = self
            .error(
                Code::UnknownType,
                ty.span,
                format!("unknown type `{}`", ty.name),
            )
            .with_label("not a type")
            .with_help(help);
        self.emit(d);
    }

    /// The layers of a scenario or template built on `call` (a template call).
    pub fn expand(
        &mut self,
        call: &'a Call,
        stack: &mut Vec<*const Template>,
    ) -> Option<Vec<Layer<'a>>> {
        let template = match self.lookup(&call.callee) {
            None => {
                self.unknown_name(&call.callee, "template", |r| {
                    matches!(r.def(), Some(Def::Template(_)))
                });
                for arg in &call.args {
                    self.infer(&arg.value);
                }
                return None;
            }
            Some(resolved) => match resolved.def() {
                Some(Def::Template(t)) => t,
                _ => {
                    let d = self
                        .error(
                            Code::WrongKindOfName,
                            call.callee.span,
                            format!(
                                "`{}` is {}, not a template",
                                call.callee.display(),
                                resolved.noun()
                            ),
                        )
                        .with_help("a scenario or template can only be built on a `template`");
                    self.emit(d);
                    return None;
                }
            },
        };
        if stack.contains(&(template as *const Template)) {
            let d = self
                .error(
                    Code::TemplateRecursion,
                    call.callee.span,
                    format!("template `{}` is built on itself", template.name.name),
                )
                .with_label("this makes a cycle")
                .with_help("a template may build on another template, but never, directly or indirectly, on itself");
            self.emit(d);
            return None;
        }
        let template_module = self.module_of_template(template);
        let params = self.template_params(template, Some((&call.args, call.span)));
        let mut layers = Vec::new();
        if let Some(base) = &template.base {
            stack.push(template);
            let saved_module = std::mem::replace(&mut self.module, template_module);
            let saved_frames = std::mem::take(&mut self.frames);
            let saved_len = self.diagnostics.len();
            self.push_frame(false);
            for (name, bound) in &params {
                self.define_local(name, Local::Param(bound.clone()));
            }
            let inner = self.expand(base, stack);
            self.pop_frame();
            // Problems in the base call are reported when the template itself is checked,
            // except a recursion, which only shows through expansion.
            let keep: Vec<_> = self
                .diagnostics
                .drain(saved_len..)
                .filter(|d| d.code == Code::TemplateRecursion)
                .collect();
            self.diagnostics.extend(keep);
            self.frames = saved_frames;
            self.module = saved_module;
            stack.pop();
            layers = inner?;
        }
        layers.push(Layer {
            module: template_module,
            body: template.body.as_ref(),
            params,
        });
        Some(layers)
    }

    pub(super) fn module_of_template(&self, template: &Template) -> usize {
        (0..self.modules.len())
            .find(|&m| {
                self.defs[m]
                    .get(template.name.name.as_str())
                    .is_some_and(|d| matches!(d.def, Def::Template(t) if std::ptr::eq(t, template)))
            })
            .unwrap_or(self.module)
    }
}
