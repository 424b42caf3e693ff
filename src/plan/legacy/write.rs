//! Printing the legacy model as a `.chaos` program (then formatted canonically by the
//! caller). Every decision here is documented in `docs/legacy.md`.

use super::read::{Environment, Fault, Legacy, Nanos, Scenario, Thresholds, TYPES};
use std::fmt::Write as _;

/// The probe every imported scenario observes.
const PROBE: &str = "health";
/// The param that holds the address of the system under test.
const BASE_URL: &str = "base_url";
const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8000";
/// Baseline before each scenario: at least this, and at least five probe intervals.
const MIN_BASELINE: Nanos = 10_000_000_000;

/// A duration in the canonical compound form: `1m30s`, `500ms`, `1s500ms`, `0s`.
pub fn duration(nanos: Nanos) -> String {
    const UNITS: &[(&str, u64)] = &[
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ];
    if nanos == 0 {
        return "0s".to_string();
    }
    let mut rest = nanos;
    let mut out = String::new();
    for (unit, size) in UNITS {
        if rest >= *size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

/// A percentage: `5%`, `2.5%`.
pub fn percent(value: f64) -> String {
    format!("{value}%")
}

/// A string literal, with every character the language would read differently escaped.
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    crate::fmt::escape_into(&mut out, text);
    out.push('"');
    out
}

/// An identifier made from `text`: other characters become `_`, a leading digit gets
/// a `_` before it, and reserved words, percentile-like names and `taken` ones get
/// `prefix` before them.
pub fn ident(text: &str, prefix: &str, taken: &[String]) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    let percentile = out.strip_prefix('p').is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '_')
    });
    if crate::syntax::KEYWORDS.contains(&out.as_str()) || percentile || taken.contains(&out) {
        out = format!("{prefix}{out}");
    }
    let base = out.clone();
    let mut n = 2;
    while taken.contains(&out) {
        out = format!("{base}_{n}");
        n += 1;
    }
    out
}

/// The assertions of one set of thresholds, `warn` ones when `warn`.
fn assertions(out: &mut Vec<String>, t: &Thresholds, warn: bool) {
    let w = if warn { "warn " } else { "" };
    if let Some((v, _)) = t.mttr {
        out.push(format!("{w}mttr({PROBE}) <= {}", duration(v)));
    }
    if let Some((v, _)) = t.error_rate {
        out.push(format!("{w}error_rate({PROBE}) <= {}", percent(v)));
    }
    if let Some((v, _)) = t.availability {
        out.push(format!("{w}availability({PROBE}) >= {}", percent(v)));
    }
    if let Some((v, _)) = t.latency_degradation {
        out.push(format!(
            "{w}latency_degradation({PROBE}, p50) <= {}",
            duration(v)
        ));
    }
    if let Some((v, _)) = t.recovery_time {
        out.push(format!("{w}recovery_time({PROBE}) <= {}", duration(v)));
    }
}

/// Thresholds given by `later` replace those of `earlier`.
pub fn merge(earlier: &Thresholds, later: &Thresholds) -> Thresholds {
    Thresholds {
        mttr: later.mttr.or(earlier.mttr),
        error_rate: later.error_rate.or(earlier.error_rate),
        availability: later.availability.or(earlier.availability),
        latency_degradation: later.latency_degradation.or(earlier.latency_degradation),
        recovery_time: later.recovery_time.or(earlier.recovery_time),
    }
}

/// The baseline of every scenario: at least 10s, and at least five probe intervals.
pub fn baseline(legacy: &Legacy) -> Nanos {
    let interval = legacy
        .health
        .as_ref()
        .and_then(|h| h.interval)
        .map_or(1_000_000_000, |(i, _)| i);
    MIN_BASELINE.max(interval.saturating_mul(5))
}

/// The file-level (blocking, warning) thresholds: `slo_targets` are blocking without
/// `slo_severity`; with it, they are warnings that `slo_severity.warning` overrides.
pub fn file_thresholds(legacy: &Legacy) -> (Thresholds, Thresholds) {
    match &legacy.severity {
        None => (legacy.targets.clone(), Thresholds::default()),
        Some((blocking, warning)) => (blocking.clone(), merge(&legacy.targets, warning)),
    }
}

fn block(out: &mut String, indent: &str, head: &str, lines: &[String]) {
    let _ = writeln!(out, "{indent}{head} {{");
    for line in lines {
        let _ = writeln!(out, "{indent}  {line}");
    }
    let _ = writeln!(out, "{indent}}}");
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

/// The `.chaos` program for `legacy` (not yet formatted).
pub fn program(legacy: &Legacy) -> String {
    let mut out = String::new();
    out.push_str("// Imported from a legacy YAML configuration by `chaosc import`.\n");
    out.push_str("// What each setting became, and why: docs/legacy.md.\n\n");

    // The address of the system under test, and the probe.
    let health = legacy.health.clone().unwrap_or_default();
    let absolute =
        health.endpoint.starts_with("http://") || health.endpoint.starts_with("https://");
    if !absolute {
        let _ = writeln!(
            out,
            "param {BASE_URL}: string = {}",
            string(DEFAULT_BASE_URL)
        );
    }
    // Targets: one per distinct interface.
    let mut taken: Vec<String> = vec![PROBE.to_string(), BASE_URL.to_string()];
    let mut interfaces: Vec<(String, String)> = Vec::new();
    for s in &legacy.scenarios {
        if let Fault::Delay { interface, .. } | Fault::Loss { interface, .. } = &s.fault {
            if !interfaces.iter().any(|(dev, _)| dev == interface) {
                let name = ident(interface, "if_", &taken);
                taken.push(name.clone());
                interfaces.push((interface.clone(), name));
            }
        }
    }
    for (dev, name) in &interfaces {
        let _ = writeln!(out, "target {name} = interface({})", string(dev));
    }
    let url = if absolute {
        string(&health.endpoint)
    } else {
        let path = if health.endpoint.starts_with('/') || health.endpoint.is_empty() {
            health.endpoint.clone()
        } else {
            format!("/{}", health.endpoint)
        };
        // `${base_url}` must stay an interpolation: escape only the endpoint.
        let escaped = string(&path);
        format!("\"${{{BASE_URL}}}{}", &escaped[1..])
    };
    let mut args = vec![url];
    if let Some((every, _)) = health.interval {
        args.push(format!("every: {}", duration(every)));
    }
    if let Some(timeout) = health.timeout {
        args.push(format!("timeout: {}", duration(timeout)));
    }
    // The legacy runner counted a check healthy only with a 200 and `"healthy": true`.
    args.push("status: 200".to_string());
    args.push("json: {\"/healthy\": true}".to_string());
    let _ = writeln!(out, "probe {PROBE} = http({})", args.join(", "));

    // File-level SLO defaults.
    let (blocking, warning) = file_thresholds(legacy);
    let mut slo = Vec::new();
    assertions(&mut slo, &blocking, false);
    assertions(&mut slo, &warning, true);
    if !slo.is_empty() {
        out.push('\n');
        block(&mut out, "", "slo", &slo);
    }

    // Safety.
    let safety = &legacy.safety;
    let mut entries = Vec::new();
    if let Some((max, _)) = safety.max_total_duration {
        entries.push(format!("max_duration {}", duration(max)));
    }
    if let Some(cooldown) = safety.cooldown {
        entries.push(format!("cooldown {}", duration(cooldown)));
    }
    let kinds: Vec<String> = safety
        .require_confirmation
        .iter()
        .filter_map(|t| TYPES.iter().find(|(name, _, _)| name == t))
        .map(|(_, kind, _)| kind.to_string())
        .collect();
    if !kinds.is_empty() {
        entries.push(format!("confirm {}", list(kinds)));
    }
    let mut containers: Vec<String> = Vec::new();
    for s in &legacy.scenarios {
        if let Fault::Restart { container } | Fault::Stop { container } = &s.fault {
            if !containers.contains(container) {
                containers.push(container.clone());
            }
        }
    }
    if !containers.is_empty() {
        entries.push(format!(
            "allow_targets {}",
            list(containers.iter().map(|c| string(c)))
        ));
    }
    if let Some(rate) = safety.abort_error_rate {
        entries.push(format!(
            "abort when error_rate({PROBE}) > {}",
            percent(rate)
        ));
    }
    if let Some(n) = safety.abort_consecutive_failures {
        entries.push(format!("abort when consecutive_failures({PROBE}) >= {n}"));
    }
    if let Some(ms) = safety.abort_response_time {
        entries.push(format!(
            "abort when latency({PROBE}, p50) > {}",
            duration(ms)
        ));
    }
    if !entries.is_empty() {
        out.push('\n');
        block(&mut out, "", "safety", &entries);
    }

    // Scenarios.
    let baseline = baseline(legacy);
    // Long enough for every recovery threshold of the file and its environments.
    let file_recovery = [blocking.recovery_time, warning.recovery_time]
        .into_iter()
        .chain(
            legacy
                .environments
                .iter()
                .map(|e| e.thresholds.recovery_time),
        )
        .flatten()
        .map(|(v, _)| v)
        .max();
    for s in &legacy.scenarios {
        out.push('\n');
        scenario(
            &mut out,
            s,
            &interfaces,
            baseline,
            file_recovery,
            legacy.recovery.checks,
        );
    }

    // Suites.
    let mut suite_names: Vec<String> = Vec::new();
    for g in &legacy.groups {
        let name = ident(&g.name, "suite_", &suite_names);
        suite_names.push(name.clone());
        let mut lines = Vec::new();
        if let Some(d) = &g.description {
            lines.push(format!("description {}", string(d)));
        }
        lines.push(format!(
            "scenarios {}",
            list(g.scenarios.iter().map(|s| string(s)))
        ));
        if let Some(cooldown) = safety.cooldown {
            lines.push(format!("cooldown {}", duration(cooldown)));
        }
        out.push('\n');
        block(&mut out, "", &format!("suite {name}"), &lines);
    }

    // Environments.
    let mut env_names: Vec<String> = Vec::new();
    for e in &legacy.environments {
        let name = ident(&e.name, "env_", &env_names);
        env_names.push(name.clone());
        out.push('\n');
        environment(&mut out, &name, e);
    }
    out
}

fn environment(out: &mut String, name: &str, e: &Environment) {
    let _ = writeln!(out, "environment {name} {{");
    let mut slo = Vec::new();
    assertions(&mut slo, &e.thresholds, false);
    if !slo.is_empty() {
        block(out, "  ", "slo", &slo);
    }
    if let Some(allowed) = &e.allowed {
        let _ = writeln!(out, "  allow {}", list(allowed.iter().map(|s| string(s))));
    }
    out.push_str("}\n");
}

fn scenario(
    out: &mut String,
    s: &Scenario,
    interfaces: &[(String, String)],
    baseline: Nanos,
    file_recovery: Option<Nanos>,
    checks: Option<u64>,
) {
    let _ = writeln!(out, "scenario {} {{", string(&s.name));
    let description = match (&s.description, &s.expected_impact) {
        (Some(d), Some(i)) => Some(format!("{d} (expected impact: {i})")),
        (Some(d), None) => Some(d.clone()),
        (None, Some(i)) => Some(format!("Expected impact: {i}")),
        (None, None) => None,
    };
    if let Some(d) = description {
        let _ = writeln!(out, "  description {}", string(&d));
    }
    let mut tags: Vec<String> = Vec::new();
    for t in s.intensity.iter().chain(std::iter::once(&s.legacy_type)) {
        let tag = ident(t, "tag_", &[]);
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let _ = writeln!(out, "  tags {}", list(tags));
    let _ = writeln!(out, "  baseline {}", duration(baseline));
    let iface = |dev: &str| {
        interfaces
            .iter()
            .find(|(d, _)| d == dev)
            .map_or_else(|| dev.to_string(), |(_, n)| n.clone())
    };
    let call = match &s.fault {
        Fault::Cpu { workers } => match workers {
            Some(n) => format!("cpu_stress(workers: {n})"),
            None => "cpu_stress()".to_string(),
        },
        Fault::Memory { size } => format!("memory_stress(size: {size})"),
        Fault::Disk { workers } => match workers {
            Some(n) => format!("disk_stress(workers: {n})"),
            None => "disk_stress()".to_string(),
        },
        Fault::Delay { interface, delay } => {
            format!("latency({}, delay: {})", iface(interface), duration(*delay))
        }
        Fault::Loss { interface, rate } => {
            format!(
                "packet_loss({}, rate: {})",
                iface(interface),
                percent(*rate)
            )
        }
        Fault::Restart { container } => {
            format!("container_restart(container({}))", string(container))
        }
        Fault::Stop { container } => format!("container_stop(container({}))", string(container)),
    };
    let step = match s.duration {
        Some(d) => format!("at 0s {call} for {}", duration(d)),
        None => format!("at 0s {call}"),
    };
    block(out, "  ", "timeline", &[step]);
    let within = [file_recovery, s.recovery_expected]
        .iter()
        .flatten()
        .copied()
        .max();
    match (within, checks) {
        (Some(w), Some(n)) => {
            let _ = writeln!(out, "  recover within {} checks {n}", duration(w));
        }
        (Some(w), None) => {
            let _ = writeln!(out, "  recover within {}", duration(w));
        }
        (None, Some(n)) => {
            let _ = writeln!(out, "  recover within 30s checks {n}");
        }
        (None, None) => {}
    }
    if let Some(r) = s.recovery_expected {
        block(
            out,
            "  ",
            "slo",
            &[format!("recovery_time({PROBE}) <= {}", duration(r))],
        );
    }
    out.push_str("}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_canonical() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(30_000_000_000), "30s");
        assert_eq!(duration(60_000_000_000), "1m");
        assert_eq!(duration(90_000_000_000), "1m30s");
        assert_eq!(duration(1_800_000_000_000), "30m");
        assert_eq!(duration(3_600_000_000_000), "1h");
        assert_eq!(duration(1_500_000_000), "1s500ms");
        assert_eq!(duration(50_000_000), "50ms");
        assert_eq!(duration(1_500), "1us500ns");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(string("${x} $y"), "\"\\${x} $y\"");
        assert_eq!(string("l1\nl2\t\r"), "\"l1\\nl2\\t\\u{d}\"");
    }

    #[test]
    fn identifiers_are_valid_and_unique() {
        assert_eq!(ident("lo", "if_", &[]), "lo");
        assert_eq!(ident("br-0", "if_", &[]), "br_0");
        assert_eq!(ident("0day", "if_", &[]), "_0day");
        assert_eq!(ident("timeline", "if_", &[]), "if_timeline");
        assert_eq!(ident("p95", "if_", &[]), "if_p95");
        assert_eq!(ident("health", "if_", &["health".into()]), "if_health");
        assert_eq!(
            ident("a-b", "s_", &["a_b".into(), "s_a_b".into()]),
            "s_a_b_2"
        );
        assert_eq!(ident("", "x_", &[]), "_");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(5.0), "5%");
        assert_eq!(percent(2.5), "2.5%");
    }
}
