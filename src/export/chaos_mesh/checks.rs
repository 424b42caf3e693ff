//! HTTP probes as `StatusCheck` templates, and the `abort when` conditions Chaos Mesh
//! can enforce with them.

use super::yaml::{insert, int, list, map, string};
use super::Problems;
use crate::plan::{Abort, CompareOp, Metric, Probe, ProbeCheck, Schedule, Threshold};
use yaml_rust2::{yaml::Hash, Yaml};

/// Chaos Mesh's own default when a probe has no abort to set it.
const DEFAULT_FAILURE_THRESHOLD: u64 = 3;

/// A probe as a StatusCheck spec (with `abortWithStatusCheck` when an abort maps onto
/// it), or `None` with the reason in `problems`.
pub struct StatusCheck {
    pub spec: Yaml,
    pub abort: bool,
}

pub fn status_check(
    probe: &Probe,
    aborts: &[&Abort],
    problems: &mut Problems,
) -> Option<StatusCheck> {
    let ProbeCheck::Http {
        url,
        method,
        status,
        body_contains,
        headers,
        body,
        json,
    } = &probe.check
    else {
        problems.lose_probe(
            probe,
            format!(
                "probe `{}` is not exported: chaos mesh status checks only make HTTP requests",
                probe.name
            ),
        );
        return None;
    };
    let Some(url) = super::literal(url) else {
        problems.lose_probe(
            probe,
            format!(
                "probe `{}` is not exported: its URL is read from the environment",
                probe.name
            ),
        );
        return None;
    };
    if method != "GET" && method != "POST" {
        problems.lose_probe(
            probe,
            format!(
                "probe `{}` is not exported: chaos mesh status checks only send GET and POST",
                probe.name
            ),
        );
        return None;
    }
    if body_contains.is_some() || json.is_some() {
        problems.lose_probe(
            probe,
            format!(
                "probe `{}` checks the response body; its status check judges the status code only",
                probe.name
            ),
        );
    }
    let statuses = if status.0 == status.1 {
        status.0.to_string()
    } else {
        format!("{}-{}", status.0, status.1)
    };
    let mut http = map([
        ("url", string(url)),
        ("method", string(method.as_str())),
        ("criteria", map([("statusCode", string(statuses))])),
    ]);
    let mut header_map = Hash::new();
    for (name, value) in headers {
        let Some(value) = super::literal(value) else {
            problems.lose_probe(
                probe,
                format!(
                    "probe `{}` is not exported: header `{name}` is read from the environment",
                    probe.name
                ),
            );
            return None;
        };
        header_map.insert(string(name.as_str()), list([string(value)]));
    }
    if !header_map.is_empty() {
        insert(&mut http, "headers", Yaml::Hash(header_map));
    }
    if let Some(body) = body {
        let Some(body) = super::literal(body) else {
            problems.lose_probe(
                probe,
                format!(
                    "probe `{}` is not exported: its body is read from the environment",
                    probe.name
                ),
            );
            return None;
        };
        insert(&mut http, "body", string(body));
    }
    let interval_ms = match probe.schedule {
        Schedule::EveryMs(ms) => ms,
        Schedule::RatePerSecond(rate) if rate > 0.0 => (1000.0 / rate).round() as u64,
        Schedule::RatePerSecond(_) => 1000,
    };
    if interval_ms % 1000 != 0 {
        problems.lose_probe(
            probe,
            format!(
                "probe `{}` samples every {interval_ms}ms; its status check runs every {}s",
                probe.name,
                seconds(interval_ms)
            ),
        );
    }
    let mut threshold = None;
    for abort in aborts {
        match failure_threshold(abort) {
            Some(n) => threshold = Some(threshold.map_or(n, |t: u64| t.min(n))),
            None => problems.lose_abort(probe, abort),
        }
    }
    let spec = map([
        ("mode", string("Continuous")),
        ("type", string("HTTP")),
        ("intervalSeconds", int(seconds(interval_ms))),
        ("timeoutSeconds", int(seconds(probe.timeout_ms))),
        (
            "failureThreshold",
            int(threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD)),
        ),
        ("successThreshold", int(1)),
        ("http", http),
    ]);
    Some(StatusCheck {
        spec,
        abort: threshold.is_some(),
    })
}

/// The failure count after which an abort fires, when it is a count of consecutive
/// failures (the only condition a status check counts).
fn failure_threshold(abort: &Abort) -> Option<u64> {
    let condition = &abort.condition;
    let Threshold::Count(n) = condition.threshold else {
        return None;
    };
    let n = u64::try_from(n).ok()?;
    match (condition.metric, condition.op) {
        (Metric::ConsecutiveFailures, CompareOp::Ge) => Some(n.max(1)),
        (Metric::ConsecutiveFailures, CompareOp::Gt) => Some(n + 1),
        _ => None,
    }
}

/// Whole seconds, at least one (Chaos Mesh's unit for intervals and timeouts).
fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}
