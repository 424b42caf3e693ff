//! `report.html`: one self-contained page (no script, no external file) with, per
//! scenario, a chart per probe — p50, p95 and p99 latency and the failure share per
//! second, the thresholds of the probe's latency assertions, baseline, chaos and
//! recovery marked, and one lane per step with its name under the time axis — followed
//! by the same tables as `report.md` (steps, assertions, the probes' standard figures),
//! every time counted from the scenario start. The page is well-formed XML (XHTML
//! syntax), so any XML parser reads it; the charts are inline SVG.

use std::fmt::Write as _;

use super::format;
use super::results::{
    AssertionStatus, Bucket, Measured, ProbeResult, RunResults, ScenarioResult, StepStatus, Verdict,
};
use super::tables::{self, Align, Table};
use crate::plan::Metric;

/// Chart geometry, in SVG user units; each step adds a lane of `LANE` under the axis.
const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 240.0;
const LANE: f64 = 16.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 44.0;

/// The latency lines: percentile, colour, and its value in a bucket.
type Line = (&'static str, &'static str, fn(&Bucket) -> Option<f64>);
const LINES: [Line; 3] = [
    ("p50", "#0969da", |b| b.p50_ms),
    ("p95", "#8250df", |b| b.p95_ms),
    ("p99", "#bc4c00", |b| b.p99_ms),
];

/// Step colours, one per lane, in turn.
const STEP_COLOURS: [&str; 6] = [
    "#fb8f44", "#2da44e", "#bf3989", "#1f6feb", "#9a6700", "#6e7781",
];

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 has no place for other control characters.
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:920px;color:#1b1f24}\
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #d0d7de;padding-bottom:4px}\
table{border-collapse:collapse;margin:8px 0 16px;width:100%}th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.passed{color:#1a7f37}.warn{color:#9a6700}.failed{color:#cf222e}.muted{color:#57606a}\
code{font-family:ui-monospace,monospace;font-size:13px}svg{display:block;margin:8px 0}";

/// The whole page.
pub fn render(results: &RunResults) -> String {
    let mut out = String::new();
    let verdict = results.verdict.as_str();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>chaosc run: {verdict}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(
        out,
        "<h1>chaosc run: <span class=\"{}\">{verdict}</span> (exit code {})</h1>",
        verdict_class(results.verdict),
        results.exit_code
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">Run <code>{}</code> of <code>{}</code>, seed {}, from {} to {}{}.</p>",
        escape(&results.run_id),
        escape(&results.source),
        results.seed,
        escape(&results.started_at),
        escape(&results.finished_at),
        results
            .environment
            .as_deref()
            .map(|e| format!(", environment <code>{}</code>", escape(e)))
            .unwrap_or_default()
    );
    out.push_str("<table>\n<tr><th>Scenario</th><th>Verdict</th><th>Reason</th></tr>\n");
    for s in &results.scenarios {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&s.name),
            verdict_class(s.verdict),
            s.verdict.as_str(),
            escape(s.reason.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table>\n");
    if let Some(table) = tables::services(results) {
        out.push_str("<h2>Services</h2>\n");
        render_table(&mut out, &table, false);
    }
    for s in &results.scenarios {
        scenario(&mut out, s);
    }
    out.push_str("<h2>How these numbers were measured</h2>\n<ul>\n");
    for line in &results.method {
        let _ = writeln!(out, "<li>{}</li>", escape(line));
    }
    out.push_str("</ul>\n</body>\n</html>\n");
    out
}

/// A shared table ([`tables`]) as HTML, with its caption when asked.
fn render_table(out: &mut String, table: &Table, caption: bool) {
    out.push_str("<table>\n");
    if caption {
        let _ = writeln!(out, "<caption>{}</caption>", escape(&table.caption));
    }
    out.push_str("<tr>");
    for (name, _) in &table.columns {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    out.push_str("</tr>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (cell, (_, align)) in row.iter().zip(&table.columns) {
            let class = match align {
                Align::Right => " class=\"num\"",
                Align::Left => "",
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed | Verdict::Skipped => "passed",
        Verdict::PassedWithWarnings => "warn",
        _ => "failed",
    }
}

fn scenario(out: &mut String, s: &ScenarioResult) {
    let _ = writeln!(
        out,
        "<h2>{}: <span class=\"{}\">{}</span></h2>",
        escape(&s.name),
        verdict_class(s.verdict),
        s.verdict.as_str()
    );
    if let Some(doc) = &s.doc {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(doc));
    }
    if let Some(reason) = &s.reason {
        let _ = writeln!(out, "<p>{}</p>", escape(reason));
    }
    for probe in &s.probes {
        chart(out, s, probe);
    }
    if !s.steps.is_empty() {
        let origin = format::chaos_origin_ms(s);
        out.push_str("<table>\n<caption>Steps (ms from the scenario start)</caption>\n<tr><th>Step</th><th>Kind</th><th>Target</th><th>Planned start</th><th>Actual start</th><th>Actual end</th><th>Evidence or error</th></tr>\n");
        for st in &s.steps {
            let detail = match (&st.evidence, &st.error, st.status) {
                (_, Some(e), _) => format!("<span class=\"failed\">{}</span>", escape(e)),
                (Some(ev), _, _) if !ev.took_effect => format!(
                    "<span class=\"failed\">did not take effect: {}</span>",
                    escape(&ev.summary)
                ),
                (Some(ev), _, _) => escape(&ev.summary),
                (None, None, StepStatus::NotStarted) => "not started".to_string(),
                (None, None, _) => String::new(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{detail}</td></tr>",
                escape(&st.name),
                escape(&st.kind),
                escape(&st.target),
                format::ms(origin + st.planned_start_ms),
                st.actual_start_ms
                    .map(|ms| format::ms(origin + ms))
                    .unwrap_or_default(),
                st.actual_end_ms
                    .map(|ms| format::ms(origin + ms))
                    .unwrap_or_default(),
            );
        }
        out.push_str("</table>\n");
    }
    let assertions: Vec<_> = s.steady_state.iter().chain(&s.assertions).collect();
    if !assertions.is_empty() {
        out.push_str("<table>\n<tr><th>Assertion</th><th>Measured</th><th>Threshold</th><th>Samples</th><th>Status</th></tr>\n");
        for a in assertions {
            let (class, status) = match (a.status, a.severity) {
                (AssertionStatus::Passed, _) => ("passed", "passed"),
                (AssertionStatus::Failed, crate::plan::Severity::Warn) => ("warn", "failed (warn)"),
                (AssertionStatus::Inconclusive, crate::plan::Severity::Warn) => {
                    ("warn", "inconclusive (warn)")
                }
                (AssertionStatus::Failed, _) => ("failed", "failed"),
                (AssertionStatus::Inconclusive, _) => ("failed", "inconclusive"),
            };
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{class}\">{status}</td></tr>",
                escape(&a.text),
                a.measured.as_ref().map(format::measured).unwrap_or_else(|| "—".into()),
                escape(&format::threshold(a)),
                a.samples,
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(abort) = &s.abort {
        let _ = writeln!(
            out,
            "<p class=\"failed\">Aborted at {}: <code>{}</code></p>",
            format::ms(abort.at_ms),
            escape(&abort.condition)
        );
    }
    for table in [tables::probe_figures(&s.probes), tables::probe_recovery(s)]
        .into_iter()
        .flatten()
    {
        render_table(out, &table, true);
    }
}

/// A latency threshold drawn on a chart: value in ms, label.
struct Threshold {
    ms: f64,
    label: String,
    warn: bool,
}

/// The latency assertions on `probe` whose threshold is a latency (not a
/// degradation): drawn as dashed lines.
fn thresholds(s: &ScenarioResult, probe: &str) -> Vec<Threshold> {
    s.steady_state
        .iter()
        .chain(&s.assertions)
        .filter(|a| a.metric == Metric::Latency && a.probe.as_deref() == Some(probe))
        .filter_map(|a| match a.threshold {
            Measured::Ms(ms) => Some(Threshold {
                ms,
                label: format!(
                    "p{} {} {}",
                    a.percentile.map_or("50".to_string(), |p| format!("{p}")),
                    a.op.as_str(),
                    format::ms(ms)
                ),
                warn: a.severity == crate::plan::Severity::Warn,
            }),
            _ => None,
        })
        .collect()
}

/// The chart of one probe: failure share per second as red bars (right axis, 0–100 %),
/// p50, p95 and p99 latency of successful samples per second as lines (left axis), the
/// probe's latency thresholds dashed, phases shaded and labelled, and one lane per
/// step under the time axis with its name, from its actual start to its actual end.
fn chart(out: &mut String, s: &ScenarioResult, probe: &ProbeResult) {
    let origin = format::chaos_origin_ms(s);
    let end_ms = [s.phases.baseline, s.phases.chaos, s.phases.recovery]
        .iter()
        .flatten()
        .map(|p| p.end_ms)
        .fold(probe.timeline.len() as f64 * 1000.0, f64::max)
        .max(1000.0);
    let lanes = s.steps.len() as f64;
    let height = HEIGHT + lanes * LANE;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |ms: f64| LEFT + (ms / end_ms).clamp(0.0, 1.0) * plot_w;
    let limits = thresholds(s, &probe.name);
    let max_latency = probe
        .timeline
        .iter()
        .flat_map(|b| LINES.iter().filter_map(move |(_, _, pick)| pick(b)))
        .chain(limits.iter().map(|t| t.ms))
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.05;
    let y_latency = |v: f64| TOP + plot_h - (v / max_latency).min(1.0) * plot_h;
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"probe {}\">",
        escape(&probe.name)
    );
    // Phases.
    for (span, fill, label) in [
        (s.phases.baseline, "#eef1f4", "baseline"),
        (s.phases.chaos, "#fff8f2", "chaos"),
        (s.phases.recovery, "#eaf5ec", "recovery"),
    ] {
        if let Some(span) = span {
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"{fill}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">{label}</text>",
                x(span.start_ms),
                (x(span.end_ms) - x(span.start_ms)).max(0.0),
                x(span.start_ms) + 3.0,
                TOP - 6.0
            );
        }
    }
    // Failure share per second.
    for bucket in &probe.timeline {
        bar(out, bucket, &x, plot_h);
    }
    // Latency thresholds.
    for t in &limits {
        let y = y_latency(t.ms);
        let colour = if t.warn { "#9a6700" } else { "#cf222e" };
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-dasharray=\"5 3\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{colour}\">{}{}</text>",
            LEFT + plot_w,
            LEFT + 4.0,
            // Under the line: above it, a threshold near the top meets the phase names.
            y + 11.0,
            escape(&t.label),
            if t.warn { " (warn)" } else { "" }
        );
    }
    // Latency percentiles per second.
    for (name, colour, pick) in LINES {
        let points: Vec<(f64, f64)> = probe
            .timeline
            .iter()
            .filter_map(|b| pick(b).map(|v| (x(b.second as f64 * 1000.0 + 500.0), y_latency(v))))
            .collect();
        if points.len() > 1 {
            let text: Vec<String> = points
                .iter()
                .map(|(a, b)| format!("{a:.1},{b:.1}"))
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"><title>{name} latency</title></polyline>",
                text.join(" ")
            );
        }
        // A dot per second as well, so that an isolated second is visible.
        for (cx, cy) in &points {
            let _ = write!(
                out,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"1.6\" fill=\"{colour}\"/>"
            );
        }
        if !points.is_empty() {
            out.push('\n');
        }
    }
    // Time axis.
    let axis_y = TOP + plot_h;
    let _ = writeln!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#57606a\"/>",
        LEFT + plot_w
    );
    let step_s = tick_step(end_ms / 1000.0);
    let mut t = 0.0;
    while t * 1000.0 <= end_ms + 1e-6 {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#57606a\">{t}s</text>",
            x(t * 1000.0),
            axis_y + 14.0
        );
        t += step_s;
    }
    // One lane per step, under the axis: its name and its window.
    for (i, st) in s.steps.iter().enumerate() {
        let colour = STEP_COLOURS[i % STEP_COLOURS.len()];
        let lane_y = axis_y + 22.0 + i as f64 * LANE;
        let window = match (st.actual_start_ms, st.actual_end_ms) {
            (Some(a), Some(b)) => Some((origin + a, origin + b)),
            (Some(a), None) => Some((origin + a, end_ms)),
            _ => None,
        };
        if let Some((a, b)) = window {
            let (xa, xb) = (x(a), x(b));
            let _ = writeln!(
                out,
                "<rect x=\"{xa:.1}\" y=\"{lane_y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" fill-opacity=\"0.35\" stroke=\"{colour}\"><title>{} ({}): {} to {}</title></rect><rect x=\"{xa:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" fill=\"{colour}\" fill-opacity=\"0.08\"/>",
                (xb - xa).max(2.0),
                LANE - 4.0,
                escape(&st.name),
                escape(&st.kind),
                format::ms(a),
                format::ms(b),
                (xb - xa).max(1.0),
            );
        }
        // The name inside its lane, from the step's start (or the left edge if it never
        // started), so that no name is cut by the margin.
        let name_x = window.map_or(LEFT, |(a, _)| x(a)) + 3.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#1b1f24\">{}</text>",
            name_x.min(LEFT + plot_w - 60.0),
            lane_y + LANE - 7.0,
            escape(&st.name)
        );
    }
    // Scales and legend.
    let legend: Vec<String> = LINES
        .iter()
        .map(|(name, colour, _)| format!("<tspan fill=\"{colour}\">{name}</tspan>"))
        .collect();
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">{}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">0</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#cf222e\">100% failed</text>\
<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1b1f24\">{}: latency {} (left), share of failed samples per second (red, right); steps below the time axis</text>",
        LEFT - 4.0,
        TOP + 10.0,
        format::ms(max_latency),
        LEFT - 4.0,
        TOP + plot_h,
        LEFT + plot_w + 4.0,
        TOP + 10.0,
        height - 4.0,
        escape(&probe.name),
        legend.join(" ")
    );
    out.push_str("</svg>\n");
}

fn bar(out: &mut String, bucket: &Bucket, x: &dyn Fn(f64) -> f64, plot_h: f64) {
    if bucket.samples == 0 || bucket.failures == 0 {
        return;
    }
    let share = bucket.failures as f64 / bucket.samples as f64;
    let (a, b) = (
        x(bucket.second as f64 * 1000.0),
        x((bucket.second + 1) as f64 * 1000.0),
    );
    let h = share * plot_h;
    let _ = writeln!(
        out,
        "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#cf222e\" fill-opacity=\"0.55\"><title>{}s: {} of {} samples failed</title></rect>",
        TOP + plot_h - h,
        (b - a - 1.0).max(1.0),
        bucket.second,
        bucket.failures,
        bucket.samples
    );
}

/// A round tick interval giving at most about 12 ticks.
fn tick_step(seconds: f64) -> f64 {
    [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    ]
    .into_iter()
    .find(|step| seconds / step <= 12.0)
    .unwrap_or(7200.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&#39; ");
    }

    #[test]
    fn ticks_stay_readable() {
        assert_eq!(tick_step(10.0), 1.0);
        assert_eq!(tick_step(25.0), 5.0);
        assert_eq!(tick_step(3600.0), 300.0);
    }
}
