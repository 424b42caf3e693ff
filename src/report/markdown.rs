//! `report.md`: the run for people, in GitHub-flavoured Markdown, short enough for a CI
//! job summary or a pull-request comment.

use std::fmt::Write as _;

use super::format as f;
use super::results::{
    AbortResult, AssertionResult, AssertionStatus, RunResults, ScenarioResult, StepResult,
    StepStatus, Verdict,
};
use super::tables::{self, or_dash, Align, Table};

pub fn render(results: &RunResults) -> String {
    let mut out = String::new();
    header(&mut out, results);
    services(&mut out, results);
    summary(&mut out, results);
    for scenario in &results.scenarios {
        scenario_section(&mut out, scenario);
    }
    method(&mut out, results);
    out
}

/// Text in a table cell or heading, shown literally: Markdown punctuation is
/// backslash-escaped (CommonMark allows it before any ASCII punctuation), `|` cannot
/// split the cell, and a line break stays in the cell.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Prose from chaosc itself (reasons, errors, evidence): escaped as [`escape`], except
/// that its `code spans` (user input, by the project's wording rule) stay code spans.
pub fn escape_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        out.push_str(&escape(&rest[..open]));
        let run = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let after = &rest[open + run..];
        match closing_run(after, run) {
            Some(close) => {
                out.push_str(&code(&after[..close]));
                rest = &after[close + run..];
            }
            None => {
                // No closing run of the same length: the backticks are literal.
                out.push_str(&escape(&rest[open..open + run]));
                rest = after;
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

/// Where a run of exactly `len` backticks starts in `text`.
fn closing_run(text: &str, len: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'`' {
                i += 1;
            }
            if i - start == len {
                return Some(start);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// `text` as a code span that holds any text: a fence longer than any backtick run
/// inside, `|` escaped for the table (GFM unescapes it before the code span is read),
/// line breaks as spaces.
pub fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// A heading holds one line: line breaks become spaces.
fn escape_line(text: &str) -> String {
    escape(text).replace("<br>", " ")
}

pub(super) fn icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "✅",
        Verdict::PassedWithWarnings => "⚠️",
        Verdict::Skipped => "⏭️",
        Verdict::NotSteady | Verdict::Failed => "❌",
        Verdict::Aborted | Verdict::Error | Verdict::Interrupted => "🛑",
    }
}

/// `❌ failed`
pub(super) fn verdict(verdict: Verdict) -> String {
    format!("{} {}", icon(verdict), verdict.as_str())
}

fn header(out: &mut String, r: &RunResults) {
    let _ = writeln!(
        out,
        "# chaosc run: {} (exit code {})\n",
        verdict(r.verdict),
        r.exit_code
    );
    out.push_str("| | |\n|---|---|\n");
    let run_time = f::seconds_between(&r.started_at, &r.finished_at)
        .map(|s| format!(" ({})", f::duration(s * 1000.0)))
        .unwrap_or_default();
    let rows = [
        ("Verdict", format!("**{}**", r.verdict.as_str())),
        ("Exit code", r.exit_code.to_string()),
        ("Run id", escape(&r.run_id)),
        (
            "Seed",
            format!("{} (repeat with `--seed {}`)", r.seed, r.seed),
        ),
        ("Source", escape(&r.source)),
        ("Environment", or_dash(r.environment.as_deref().map(escape))),
        ("Started", escape(&r.started_at)),
        ("Finished", format!("{}{run_time}", escape(&r.finished_at))),
        ("chaosc", escape(&r.chaosc_version)),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {value} |");
    }
    out.push('\n');
}

fn services(out: &mut String, r: &RunResults) {
    if let Some(table) = tables::services(r) {
        out.push_str("## Services\n\n");
        render_table(out, &table, false);
    }
}

/// A shared table ([`tables`]) as Markdown; with `caption`, its caption in bold first.
fn render_table(out: &mut String, table: &Table, caption: bool) {
    if caption {
        let _ = writeln!(out, "**{}**\n", escape_prose(&table.caption));
    }
    let header: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let rule: Vec<&str> = table
        .columns
        .iter()
        .map(|(_, align)| match align {
            Align::Left => "---",
            Align::Right => "---:",
        })
        .collect();
    let _ = writeln!(out, "| {} |\n|{}|", header.join(" | "), rule.join("|"));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Passed, failed and inconclusive, over steady-state and other assertions.
fn counts(scenario: &ScenarioResult) -> [usize; 3] {
    let mut counts = [0; 3];
    for a in scenario.steady_state.iter().chain(&scenario.assertions) {
        counts[match a.status {
            AssertionStatus::Passed => 0,
            AssertionStatus::Failed => 1,
            AssertionStatus::Inconclusive => 2,
        }] += 1;
    }
    counts
}

fn summary(out: &mut String, r: &RunResults) {
    out.push_str("## Summary\n\n");
    scenario_table(out, r);
}

/// One row per scenario: verdict, reason, assertion counts, duration (also the table
/// of the GitHub job summary and the pull-request comment).
pub(super) fn scenario_table(out: &mut String, r: &RunResults) {
    if r.scenarios.is_empty() {
        out.push_str("No scenario ran.\n\n");
        return;
    }
    out.push_str(
        "| Scenario | Verdict | Reason | Passed | Failed | Inconclusive | Duration |\n\
         |---|---|---|---:|---:|---:|---:|\n",
    );
    for s in &r.scenarios {
        let [passed, failed, inconclusive] = counts(s);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {passed} | {failed} | {inconclusive} | {} |",
            escape(&s.name),
            verdict(s.verdict),
            or_dash(s.reason.as_deref().map(escape_prose)),
            or_dash(f::scenario_duration_ms(s).map(f::duration)),
        );
    }
    out.push('\n');
}

fn scenario_section(out: &mut String, s: &ScenarioResult) {
    let _ = writeln!(out, "## {}: {}\n", escape_line(&s.name), verdict(s.verdict));
    if let Some(doc) = &s.doc {
        // The scenario's `///` documentation, as a quote.
        for line in doc.lines() {
            let _ = writeln!(out, "> {}", escape_prose(line));
        }
        out.push('\n');
    }
    if let Some(reason) = &s.reason {
        let _ = writeln!(out, "{}\n", escape_prose(reason));
    }
    if let Some(started) = &s.started_at {
        let _ = writeln!(out, "Started {}.\n", escape(started));
    }
    phases(out, s);
    steps(out, s);
    assertions(out, "Steady state", &s.steady_state);
    assertions(out, "Assertions", &s.assertions);
    if let Some(abort) = &s.abort {
        abort_line(out, abort);
    }
    probes(out, s);
}

fn phases(out: &mut String, s: &ScenarioResult) {
    let spans = [
        ("baseline", s.phases.baseline),
        ("chaos", s.phases.chaos),
        ("recovery", s.phases.recovery),
    ];
    if spans.iter().all(|(_, span)| span.is_none()) {
        return;
    }
    out.push_str("**Phases** (ms from the scenario start)\n\n");
    out.push_str("| Phase | Start | End | Duration |\n|---|---:|---:|---:|\n");
    for (name, span) in spans {
        match span {
            Some(span) => {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} |",
                    f::ms(span.start_ms),
                    f::ms(span.end_ms),
                    f::duration(span.end_ms - span.start_ms)
                );
            }
            None => {
                let _ = writeln!(out, "| {name} | — | — | not reached |");
            }
        }
    }
    out.push('\n');
}

fn step_status(step: &StepResult) -> &'static str {
    match step.status {
        StepStatus::NotStarted => "not started",
        StepStatus::Done => "done",
        StepStatus::Failed => "❌ failed",
    }
}

fn step_note(step: &StepResult) -> String {
    let mut parts = Vec::new();
    if let Some(evidence) = &step.evidence {
        let mark = if evidence.took_effect {
            ""
        } else {
            "**did not take effect**: "
        };
        parts.push(format!("{mark}{}", escape_prose(&evidence.summary)));
    }
    if let Some(error) = &step.error {
        parts.push(format!("error: {}", escape_prose(error)));
    }
    or_dash((!parts.is_empty()).then(|| parts.join("<br>")))
}

fn steps(out: &mut String, scenario: &ScenarioResult) {
    let steps = &scenario.steps;
    if steps.is_empty() {
        return;
    }
    let origin = f::chaos_origin_ms(scenario);
    out.push_str("**Steps** (ms from the scenario start, as the phases)\n\n");
    out.push_str(
        "| Step | Kind | Target | Planned start | Actual start | Late | Planned end | Actual end | Status | Evidence or error |\n\
         |---|---|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    for step in steps {
        let late = step
            .actual_start_ms
            .map(|actual| f::ms(actual - step.planned_start_ms));
        let at = |ms: f64| f::ms(origin + ms);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&step.name),
            escape(&step.kind),
            escape(&step.target),
            at(step.planned_start_ms),
            or_dash(step.actual_start_ms.map(at)),
            or_dash(late),
            or_dash(step.planned_end_ms.map(at)),
            or_dash(step.actual_end_ms.map(at)),
            step_status(step),
            step_note(step),
        );
    }
    out.push('\n');
}

pub(super) fn assertion_status(a: &AssertionResult) -> &'static str {
    use crate::plan::Severity::*;
    match (a.status, a.severity) {
        (AssertionStatus::Passed, _) => "✅ passed",
        (AssertionStatus::Failed, Blocking) => "❌ failed",
        (AssertionStatus::Failed, Warn) => "⚠️ failed (warn)",
        (AssertionStatus::Inconclusive, Blocking) => "❌ inconclusive",
        (AssertionStatus::Inconclusive, Warn) => "⚠️ inconclusive (warn)",
    }
}

fn assertions(out: &mut String, title: &str, list: &[AssertionResult]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{title}**\n");
    out.push_str(
        "| Assertion | Severity | Window | Measured | Threshold | Samples | Status | Origin |\n\
         |---|---|---|---:|---:|---:|---|---|\n",
    );
    for a in list {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            code(&a.text),
            a.severity.as_str(),
            window(a),
            or_dash(a.measured.as_ref().map(f::measured)),
            escape(&f::threshold(a)),
            a.samples,
            assertion_status(a),
            escape(&f::origin(&a.origin)),
        );
    }
    out.push('\n');
}

/// The window an assertion was judged over, with its bounds when it had any.
pub(super) fn window(a: &AssertionResult) -> String {
    match &a.window_span {
        Some(span) => format!("{} {}", a.window.as_str(), f::span(span)),
        None => a.window.as_str().to_string(),
    }
}

fn abort_line(out: &mut String, abort: &AbortResult) {
    let measured = abort
        .measured
        .as_ref()
        .map(|m| format!(", measured {}", f::measured(m)))
        .unwrap_or_default();
    let origin = abort
        .origin
        .as_ref()
        .map(|o| format!("; from {}", escape(&f::origin(o))))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "**Aborted** at {}: {}{measured}{origin}\n",
        f::ms(abort.at_ms),
        code(&abort.condition),
    );
}

fn probes(out: &mut String, s: &ScenarioResult) {
    for table in [tables::probe_figures(&s.probes), tables::probe_recovery(s)]
        .into_iter()
        .flatten()
    {
        render_table(out, &table, true);
    }
}

fn method(out: &mut String, r: &RunResults) {
    if r.method.is_empty() {
        return;
    }
    out.push_str("## How these numbers were measured\n\n");
    for line in &r.method {
        // One bullet per entry: a line break inside would end the list item.
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "- {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::{code, escape, escape_prose};

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("one\ntwo\r\nthree"), "one<br>two<br>three");
        assert_eq!(escape("`x` <b> & *y*"), "\\`x\\` \\<b\\> \\& \\*y\\*");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(escape("bell\u{7}"), "bell");
    }

    #[test]
    fn prose_keeps_its_code_spans() {
        assert_eq!(escape_prose("bad `a|b_c` here"), "bad `a\\|b_c` here");
        assert_eq!(escape_prose("one ` alone_x"), "one \\` alone\\_x");
        assert_eq!(escape_prose("``a`b`` and `c`"), "``a`b`` and `c`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`y`"), "`` `y` ``");
        assert_eq!(code("a\nb"), "`a b`");
    }
}
