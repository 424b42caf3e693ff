//! The GitHub job summary (`chaosc report DIR --format github`, and what `chaosc run`
//! appends to `$GITHUB_STEP_SUMMARY`): the verdict, the scenario table, every
//! assertion that did not pass with its measured value and threshold, the steps that
//! failed or did not take effect, and links to the reports. Never larger than GitHub's
//! 1 MiB limit for one step's summary.

use std::fmt::Write as _;

use super::format as f;
use super::markdown::{self, code, escape, escape_prose};
use super::results::{AssertionStatus, RunResults, ScenarioResult, StepStatus};
use super::tables::or_dash;

/// GitHub refuses a step summary larger than this.
pub const SUMMARY_LIMIT_BYTES: usize = 1 << 20;

/// Where the reader finds the files of the run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links<'a> {
    /// The report folder, as a path relative to where the summary is read (or
    /// absolute): each report file gets a link under it.
    pub report_dir: Option<&'a str>,
    /// The page of the workflow run, which lists its artifacts
    /// (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`).
    pub run_url: Option<&'a str>,
}

pub fn render(results: &RunResults, links: &Links) -> String {
    let mut out = String::new();
    heading(&mut out, results, "###");
    markdown::scenario_table(&mut out, results);
    not_passed(&mut out, results, true);
    step_problems(&mut out, results);
    out.push_str(&render_links(links));
    cap(out, SUMMARY_LIMIT_BYTES)
}

/// `### ❌ chaosc run: failed (exit code 1)` and one line on what ran.
pub(super) fn heading(out: &mut String, r: &RunResults, level: &str) {
    let _ = writeln!(
        out,
        "{level} {} chaosc run: {} (exit code {})\n",
        markdown::icon(r.verdict),
        r.verdict.as_str(),
        r.exit_code
    );
    let mut facts = vec![format!("Source {}", code(&r.source))];
    if let Some(env) = &r.environment {
        facts.push(format!("environment {}", code(env)));
    }
    facts.push(format!("run {}", code(&r.run_id)));
    facts.push(format!("seed {}", r.seed));
    if let Some(s) = f::seconds_between(&r.started_at, &r.finished_at) {
        facts.push(format!("took {}", f::duration(s * 1000.0)));
    }
    let _ = writeln!(out, "{}\n", facts.join(" · "));
}

/// Every assertion that did not pass, blocking ones first; `warn` ones too when
/// `warnings`.
pub(super) fn not_passed(out: &mut String, r: &RunResults, warnings: bool) {
    use crate::plan::Severity;
    let mut rows: Vec<(&ScenarioResult, String, &super::results::AssertionResult)> = Vec::new();
    for severity in [Severity::Blocking, Severity::Warn] {
        if severity == Severity::Warn && !warnings {
            continue;
        }
        for s in &r.scenarios {
            for (name, a) in f::named_assertions(s) {
                if a.severity == severity && a.status != AssertionStatus::Passed {
                    rows.push((s, name, a));
                }
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    out.push_str(if warnings {
        "**Assertions that did not pass**\n\n"
    } else {
        "**Blocking assertions that did not pass**\n\n"
    });
    out.push_str(
        "| Scenario | Assertion | Measured | Threshold | Window | Samples | Status | Origin |\n\
         |---|---|---:|---:|---|---:|---|---|\n",
    );
    for (s, name, a) in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&s.name),
            code(&name),
            or_dash(a.measured.as_ref().map(f::measured)),
            escape(&f::threshold(a)),
            markdown::window(a),
            a.samples,
            markdown::assertion_status(a),
            escape(&f::origin(&a.origin)),
        );
    }
    out.push('\n');
}

/// Steps that failed or did not take effect, and aborts: what makes a verdict other
/// than an assertion's.
fn step_problems(out: &mut String, r: &RunResults) {
    let mut lines = Vec::new();
    for s in &r.scenarios {
        for step in &s.steps {
            if let (StepStatus::Failed, Some(error)) = (step.status, &step.error) {
                lines.push(format!(
                    "- {}: step {} failed: {}",
                    escape(&s.name),
                    code(&step.name),
                    escape_prose(error)
                ));
            }
            if let Some(evidence) = step.evidence.as_ref().filter(|e| !e.took_effect) {
                lines.push(format!(
                    "- {}: step {} did not take effect: {}",
                    escape(&s.name),
                    code(&step.name),
                    escape_prose(&evidence.summary)
                ));
            }
        }
        if let Some(abort) = &s.abort {
            lines.push(format!(
                "- {}: aborted at {} by {}",
                escape(&s.name),
                f::ms(abort.at_ms),
                code(&abort.condition)
            ));
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "**Faults and aborts**\n\n{}\n", lines.join("\n"));
    }
}

/// The report files of the folder, then the run's artifacts page: a block ending with
/// a line feed, or nothing without links.
pub(super) fn render_links(links: &Links) -> String {
    let files = [
        (super::HTML_FILE, "a chart per probe of each scenario"),
        (super::MARKDOWN_FILE, "the whole report"),
        (super::JUNIT_FILE, "a test case per assertion"),
        (
            super::PROMETHEUS_FILE,
            "the measurements as Prometheus metrics",
        ),
        (
            super::RESULTS_FILE,
            "everything measured and decided, for programs",
        ),
    ];
    let mut lines = Vec::new();
    if let Some(dir) = links.report_dir {
        for (file, what) in files {
            let target = format!("{}/{file}", dir.trim_end_matches('/'));
            lines.push(format!("- [{file}]({}): {what}", link_target(&target)));
        }
    }
    if let Some(url) = links.run_url {
        lines.push(format!(
            "- [The artifacts of this workflow run]({}#artifacts)",
            link_target(url)
        ));
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("**Reports**\n\n{}\n", lines.join("\n"))
}

/// A link destination that Markdown reads back unchanged: every byte but unreserved
/// characters and the URL punctuation `/ : # ? = & %` percent-encoded (so spaces,
/// parentheses and brackets in a folder name cannot end the link).
fn link_target(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b':'
            | b'#'
            | b'?'
            | b'='
            | b'&'
            | b'%' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// `text` cut at a line boundary so that, with a note saying so, it fits in `limit`
/// bytes; unchanged when it fits already.
pub(super) fn cap(mut text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let note = format!(
        "\n\n_Truncated to stay within GitHub's limit of {limit} bytes: the whole report is \
         `report.md` and `report.html` in the report folder._\n"
    );
    let mut cut = limit.saturating_sub(note.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(line_end) = text[..cut].rfind('\n') {
        cut = line_end;
    }
    text.truncate(cut);
    text.push_str(&note);
    text
}

#[cfg(test)]
mod tests {
    use super::{cap, link_target};

    #[test]
    fn link_targets_cannot_end_the_link() {
        assert_eq!(
            link_target("out/run 1 (a)/x.md"),
            "out/run%201%20%28a%29/x.md"
        );
        assert_eq!(
            link_target("https://github.com/o/r/actions/runs/7"),
            "https://github.com/o/r/actions/runs/7"
        );
        assert_eq!(link_target("é"), "%C3%A9");
    }

    #[test]
    fn a_long_text_is_cut_at_a_line_with_a_note() {
        let text = "line ééé\n".repeat(1000);
        let capped = cap(text.clone(), 2000);
        assert!(capped.len() <= 2000, "{}", capped.len());
        assert!(capped.contains("Truncated to stay within"));
        let kept = &capped[..capped.find("\n\n_Truncated").unwrap_or(0)];
        assert!(text.starts_with(kept) && kept.ends_with("ééé"), "{kept:?}");
        assert_eq!(cap("short\n".into(), 2000), "short\n");
    }
}
