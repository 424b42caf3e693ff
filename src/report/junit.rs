//! `junit.xml`: a `<testsuite>` per scenario and a `<testcase>` per assertion, so that
//! CI systems list every check of the run with the ones that failed the build in red.
//!
//! The mapping (`docs/reports.md`): a blocking assertion that failed or was
//! inconclusive is a `<failure>`; a `warn` assertion never fails the run, so it passes
//! here too and says what it saw in `<system-out>`; a scenario that ended `error`,
//! `aborted`, `not_steady` or `interrupted` gets one more testcase, `scenario`, with an
//! `<error>`; a skipped scenario is a `scenario` testcase with `<skipped>`.

use std::fmt::Write as _;

use super::format::{self as f, named_assertions};
use super::results::{
    AssertionResult, AssertionStatus, Measured, RunResults, ScenarioResult, StepStatus, Verdict,
};
use crate::plan::Severity;

/// Text for an XML 1.0 attribute value: the five special characters as entities,
/// characters XML 1.0 cannot carry (most C0 controls, U+FFFE, U+FFFF) dropped, tab and
/// line breaks as character references (a parser would normalise them to spaces).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One `<testcase>` before rendering.
struct Case {
    name: String,
    outcome: Outcome,
    /// A note that does not change the outcome (a failed `warn` assertion).
    note: Option<String>,
}

enum Outcome {
    Pass,
    Failure {
        kind: &'static str,
        message: String,
        detail: String,
    },
    Error {
        kind: &'static str,
        message: String,
        detail: String,
    },
    Skipped {
        message: String,
    },
}

pub fn render(results: &RunResults) -> String {
    let suites: Vec<(&ScenarioResult, Vec<Case>)> =
        results.scenarios.iter().map(|s| (s, cases(s))).collect();
    let mut totals = Counts::default();
    let mut time = 0.0;
    for (scenario, cases) in &suites {
        totals.add(&Counts::of(cases));
        time += f::scenario_duration_ms(scenario).unwrap_or(0.0) / 1000.0;
    }

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"chaosc run {}\" {} time=\"{time:.3}\">",
        escape(&results.run_id),
        totals.attributes(),
    );
    for (scenario, cases) in &suites {
        suite(&mut out, results, scenario, cases);
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text for XML 1.0 element content: as [`escape`], but tab and line feed stay as
/// they are, so the file reads well too.
pub fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n").replace("&#9;", "\t")
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of(cases: &[Case]) -> Counts {
        let mut counts = Counts {
            tests: cases.len(),
            ..Counts::default()
        };
        for case in cases {
            match case.outcome {
                Outcome::Pass => {}
                Outcome::Failure { .. } => counts.failures += 1,
                Outcome::Error { .. } => counts.errors += 1,
                Outcome::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts
    }

    fn add(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

fn suite(out: &mut String, results: &RunResults, scenario: &ScenarioResult, cases: &[Case]) {
    let name = escape(&scenario.name);
    let time = f::scenario_duration_ms(scenario).unwrap_or(0.0) / 1000.0;
    let timestamp = scenario
        .started_at
        .as_deref()
        .map(|t| format!(" timestamp=\"{}\"", escape(t)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" {} time=\"{time:.3}\"{timestamp}>",
        Counts::of(cases).attributes()
    );
    out.push_str("    <properties>\n");
    let mut properties = vec![
        ("verdict", scenario.verdict.as_str().to_string()),
        ("run_id", results.run_id.clone()),
        ("seed", results.seed.to_string()),
        ("source", results.source.clone()),
    ];
    if let Some(environment) = &results.environment {
        properties.push(("environment", environment.clone()));
    }
    for (key, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{key}\" value=\"{}\"/>",
            escape(&value)
        );
    }
    out.push_str("    </properties>\n");
    for case in cases {
        testcase(out, &name, case);
    }
    out.push_str("  </testsuite>\n");
}

fn testcase(out: &mut String, classname: &str, case: &Case) {
    let open = format!(
        "    <testcase name=\"{}\" classname=\"{classname}\"",
        escape(&case.name)
    );
    let note = case
        .note
        .as_deref()
        .map(|n| format!("      <system-out>{}</system-out>\n", escape_text(n)))
        .unwrap_or_default();
    match &case.outcome {
        Outcome::Pass if note.is_empty() => {
            let _ = writeln!(out, "{open}/>");
        }
        Outcome::Pass => {
            let _ = write!(out, "{open}>\n{note}    </testcase>\n");
        }
        Outcome::Failure {
            kind,
            message,
            detail,
        }
        | Outcome::Error {
            kind,
            message,
            detail,
        } => {
            let element = match case.outcome {
                Outcome::Error { .. } => "error",
                _ => "failure",
            };
            let _ = write!(
                out,
                "{open}>\n      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>\n{note}    </testcase>\n",
                escape(message),
                escape_text(detail),
            );
        }
        Outcome::Skipped { message } => {
            let _ = write!(
                out,
                "{open}>\n      <skipped message=\"{}\"/>\n{note}    </testcase>\n",
                escape(message)
            );
        }
    }
}

fn cases(scenario: &ScenarioResult) -> Vec<Case> {
    let mut cases: Vec<Case> = named_assertions(scenario)
        .into_iter()
        .map(|(name, a)| assertion_case(name, a))
        .collect();
    let any_failure = cases
        .iter()
        .any(|c| matches!(c.outcome, Outcome::Failure { .. }));
    let reason = scenario
        .reason
        .clone()
        .unwrap_or_else(|| format!("the scenario ended `{}`", scenario.verdict.as_str()));
    let outcome = match scenario.verdict {
        Verdict::Skipped => Some(Outcome::Skipped { message: reason }),
        Verdict::Error | Verdict::Aborted | Verdict::NotSteady | Verdict::Interrupted => {
            Some(Outcome::Error {
                kind: scenario.verdict.as_str(),
                message: reason,
                detail: scenario_detail(scenario),
            })
        }
        // A failed scenario shows through its failed assertions; should none say so,
        // the scenario itself fails, so CI never shows a failed run as green.
        Verdict::Failed if !any_failure => Some(Outcome::Failure {
            kind: "failed",
            message: reason,
            detail: scenario_detail(scenario),
        }),
        Verdict::Failed | Verdict::Passed | Verdict::PassedWithWarnings => None,
    };
    if let Some(outcome) = outcome {
        cases.push(Case {
            name: "scenario".to_string(),
            outcome,
            note: None,
        });
    }
    cases
}

/// What went wrong in a scenario beyond its assertions: failed steps, faults without
/// effect, the abort.
fn scenario_detail(scenario: &ScenarioResult) -> String {
    let mut lines = vec![format!("verdict: {}", scenario.verdict.as_str())];
    if let Some(reason) = &scenario.reason {
        lines.push(format!("reason: {reason}"));
    }
    for step in &scenario.steps {
        if step.status == StepStatus::Failed {
            let error = step.error.as_deref().unwrap_or("no error recorded");
            lines.push(format!(
                "step `{}` ({}) failed: {error}",
                step.name, step.kind
            ));
        }
        if let Some(evidence) = step.evidence.as_ref().filter(|e| !e.took_effect) {
            lines.push(format!(
                "step `{}` ({}) did not take effect: {}",
                step.name, step.kind, evidence.summary
            ));
        }
    }
    if let Some(abort) = &scenario.abort {
        let measured = abort
            .measured
            .as_ref()
            .map(|m| format!(", measured {}", f::measured(m)))
            .unwrap_or_default();
        lines.push(format!(
            "aborted at {}: {}{measured}",
            f::ms(abort.at_ms),
            abort.condition
        ));
    }
    lines.join("\n")
}

fn assertion_case(name: String, a: &AssertionResult) -> Case {
    let detail = assertion_detail(a);
    let (outcome, note) = match (a.status, a.severity) {
        (AssertionStatus::Passed, _) => (Outcome::Pass, None),
        (AssertionStatus::Failed, Severity::Blocking) => (
            Outcome::Failure {
                kind: "failed",
                message: failed_message(a),
                detail,
            },
            None,
        ),
        (AssertionStatus::Inconclusive, Severity::Blocking) => (
            Outcome::Failure {
                kind: "inconclusive",
                message: inconclusive_message(a),
                detail,
            },
            None,
        ),
        (AssertionStatus::Failed, Severity::Warn) => (
            Outcome::Pass,
            Some(format!(
                "warning (a `warn` assertion does not fail the run): {}\n{detail}",
                failed_message(a)
            )),
        ),
        (AssertionStatus::Inconclusive, Severity::Warn) => (
            Outcome::Pass,
            Some(format!(
                "warning (a `warn` assertion does not fail the run): {}\n{detail}",
                inconclusive_message(a)
            )),
        ),
    };
    Case {
        name,
        outcome,
        note,
    }
}

fn failed_message(a: &AssertionResult) -> String {
    let measured = match &a.measured {
        Some(Measured::Unbounded) => "never recovered".to_string(),
        Some(m) => format!("measured {}", f::measured(m)),
        None => "nothing measured".to_string(),
    };
    format!(
        "{measured}, expected {} during {}",
        f::threshold(a),
        a.window.as_str()
    )
}

fn inconclusive_message(a: &AssertionResult) -> String {
    format!(
        "inconclusive: no samples during {}, expected {}",
        a.window.as_str(),
        f::threshold(a)
    )
}

fn assertion_detail(a: &AssertionResult) -> String {
    let window = match &a.window_span {
        Some(span) => format!("{} {}", a.window.as_str(), f::span(span)),
        None => a.window.as_str().to_string(),
    };
    let measured = a
        .measured
        .as_ref()
        .map(f::measured)
        .unwrap_or_else(|| "—".to_string());
    [
        format!("assertion: {}", a.text),
        format!("severity: {}", a.severity.as_str()),
        format!("window: {window}"),
        format!("measured: {measured}"),
        format!("threshold: {}", f::threshold(a)),
        format!("samples: {}", a.samples),
        format!("origin: {}", f::origin(&a.origin)),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn xml_special_and_control_characters() {
        assert_eq!(
            escape(r#"a & b < c > d " e ' f"#),
            "a &amp; b &lt; c &gt; d &quot; e &apos; f"
        );
        assert_eq!(escape("bell\u{7}nul\u{0}\u{fffe}"), "bellnul");
        assert_eq!(escape("line\nnext\ttab"), "line&#10;next&#9;tab");
        assert_eq!(escape("ünïcødé ✅"), "ünïcødé ✅");
        assert_eq!(escape_text("a\n\tb &#10;"), "a\n\tb &amp;#10;");
    }
}
