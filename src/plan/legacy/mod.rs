//! The legacy YAML importer: the legacy tool's configuration (`chaos_scenarios.yml`)
//! to a formatted, self-contained `.chaos` program.
//!
//! `chaosc import` writes the program; `chaosc plan --legacy FILE.yml` imports in
//! memory and compiles the result, so both always agree. The mapping of every key,
//! and the reasons, are in `docs/legacy.md`.
//!
//! The text is parsed into a small positioned tree ([`yaml`]), read into a model with
//! a diagnostic for every unknown, mistyped or missing key ([`read`]), and printed
//! ([`write`]) then formatted by [`crate::fmt::format`].

mod read;
mod write;
mod yaml;

use crate::diag::{self, Code, Diagnostic, SourceId};

/// A successful import.
pub struct Imported {
    /// The `.chaos` program, in canonical form.
    pub chaos: String,
    /// Warnings only: keys that were not imported, and why.
    pub diagnostics: Vec<Diagnostic>,
}

/// Imports the legacy configuration `yaml`. `source` is the id of the YAML text in the
/// caller's `Sources`, so that diagnostics render with line and column.
///
/// Returns every diagnostic (errors and warnings, in source order) when there is at
/// least one error.
pub fn import(yaml: &str, source: SourceId) -> Result<Imported, Vec<Diagnostic>> {
    let root = match yaml::parse(yaml) {
        Ok(root) => root,
        Err(e) => {
            let mut d =
                Diagnostic::new(Code::LegacyNotYaml, source, e.span, e.message).with_label("here");
            if d.message.contains("tabs") {
                d.help = Some("indent with spaces: YAML does not allow tabs there".to_string());
            }
            return Err(vec![d]);
        }
    };
    let mut reader = read::Reader::new(source);
    let legacy = reader.read(&root);
    let mut diagnostics = reader.diagnostics;
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    diagnostics.extend(consistency(&legacy, source, failed));
    diag::sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let text = write::program(&legacy);
    // Formatting a program the importer printed cannot fail unless the importer has a
    // bug; the unformatted text is still a correct program then.
    let chaos = crate::fmt::format(&text).unwrap_or(text);
    Ok(Imported { chaos, diagnostics })
}

/// Warnings about thresholds given twice, and recovery settings that cannot be kept.
fn consistency(legacy: &read::Legacy, source: SourceId, failed: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // With `slo_severity`, `slo_targets` are warnings that `slo_severity.warning`
    // overrides: say so when a value is lost.
    if let Some((_, warning)) = &legacy.severity {
        let t = &legacy.targets;
        let pairs = [
            (
                "mttr_seconds",
                t.mttr.map(|(v, s)| (v as f64, s)),
                warning.mttr.map(|(v, _)| v as f64),
            ),
            (
                "max_error_rate_percent",
                t.error_rate,
                warning.error_rate.map(|(v, _)| v),
            ),
            (
                "min_availability_percent",
                t.availability,
                warning.availability.map(|(v, _)| v),
            ),
            (
                "max_latency_degradation_ms",
                t.latency_degradation.map(|(v, s)| (v as f64, s)),
                warning.latency_degradation.map(|(v, _)| v as f64),
            ),
            (
                "max_recovery_time_seconds",
                t.recovery_time.map(|(v, s)| (v as f64, s)),
                warning.recovery_time.map(|(v, _)| v as f64),
            ),
        ];
        for (key, target, warn) in pairs {
            if let (Some((a, span)), Some(b)) = (target, warn) {
                if a != b {
                    out.push(
                        Diagnostic::new(
                            Code::LegacyNotHonoured,
                            source,
                            span,
                            format!("this `{key}` is not imported: `slo_severity.warning` gives another value"),
                        )
                        .with_label("overridden")
                        .with_note("with `slo_severity`, `slo_targets` are warning thresholds, and `slo_severity.warning` takes precedence"),
                    );
                }
            }
        }
    }
    // Without a blocking threshold, a scenario can never fail (the checker's W0003);
    // only worth saying when the import otherwise succeeds.
    let (blocking, _) = write::file_thresholds(legacy);
    let has_blocking = blocking.mttr.is_some()
        || blocking.error_rate.is_some()
        || blocking.availability.is_some()
        || blocking.latency_degradation.is_some()
        || blocking.recovery_time.is_some();
    let unguarded: Vec<&str> = legacy
        .scenarios
        .iter()
        .filter(|s| !failed && !has_blocking && s.recovery_expected.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if let Some(first) = unguarded.first() {
        let which = if unguarded.len() == 1 {
            format!("scenario `{first}`")
        } else {
            format!("{} scenarios, `{first}` first,", unguarded.len())
        };
        out.push(
            Diagnostic::new(
                Code::LegacyNoBlockingThreshold,
                source,
                legacy.scenarios_key,
                format!("the configuration gives no blocking threshold, so {which} can never fail"),
            )
            .with_label("no threshold applies to these")
            .with_help("give thresholds in `slo_targets` (or `slo_severity.blocking`)"),
        );
    }
    if let (Some((recovery, span)), Some(health)) = (legacy.recovery.interval, &legacy.health) {
        let probe = health.interval.map_or(1_000_000_000, |(i, _)| i);
        if recovery != probe {
            out.push(
                Diagnostic::new(
                    Code::LegacyNotHonoured,
                    source,
                    span,
                    "`slo_targets.recovery.health_check_interval_seconds` is not imported: it differs from `monitoring.health_check.interval`".to_string(),
                )
                .with_label("not imported")
                .with_note("the recovery checks are the health probe's samples, taken at `monitoring.health_check.interval`"),
            );
        }
    }
    out
}
