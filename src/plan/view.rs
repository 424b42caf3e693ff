//! The text view of a plan: what `chaosc plan FILE` prints by default.
//!
//! A header (source, environment, params, services, run-wide safety), then per scenario
//! a timeline chart on a time axis whose `0s` is the start of the chaos phase (the
//! baseline sits left of it, the recovery window right of the last step), the steps
//! with their targets and fault parameters in readable units, the probes, and the
//! effective assertions and abort conditions with their origin; the suites last.
//!
//! ```text
//! ━━ Web server under CPU load and latency (1/3) ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
//!   length  35s planned: baseline 5s, chaos 20s, recovery up to 10s (…)
//!
//!                 -5s  0s   5s   10s  15s  20s  25s  30s
//!                 ┼────┼────┼────┼────┼────┼────┼────┼
//!   baseline      ░░░░░                                5s
//!   cpu_hog            ██████████                      0s–10s
//!   slow_network                 ██████████            10s–20s
//!   recovery                               ░░░░░░░░░░  ≤10s
//!
//!   steps
//!     cpu_hog       cpu_stress 80% × 2 workers  on host
//!     slow_network  latency +150ms ±10ms        on proxy edge 127.0.0.1:18081→127.0.0.1:18080
//! ```
//!
//! Destructive steps end with `!` in the chart and `[destructive]` in the list.
//!
//! [`render`] is a pure function of the plan and the options: no terminal queries, no
//! environment reads. Widths are counted in `char`s, which is exact for everything the
//! view draws itself; only user-written names can be wider than they count.

use super::{
    Abort, Assertion, Condition, ContainerSelector, Direction, Fault, Level, Origin, ParamSource,
    ParamValue, Plan, Probe, ProbeCheck, ProcessSelector, Ready, Scenario, Schedule, Service,
    Severity, Step, Suite, Target, Text, Threshold,
};
use std::ops::Range;

use crate::shared::Bytes;

/// How to draw a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewOptions {
    /// Terminal columns (at least 40 are used); lines stay within them except for
    /// unavoidably long words such as an address on a narrow terminal.
    pub width: usize,
    /// ANSI colours: axis dimmed, destructive steps red, warn assertions yellow.
    pub color: bool,
    /// Only ASCII characters (`#` bars, `.` phases), for terminals without Unicode.
    pub ascii: bool,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            width: 100,
            color: false,
            ascii: false,
        }
    }
}

/// The whole plan as text, ending with a newline.
pub fn render(plan: &Plan, options: &ViewOptions) -> String {
    let mut view = View {
        out: String::new(),
        width: options.width.max(MIN_WIDTH),
        color: options.color,
        g: if options.ascii { &ASCII } else { &UNICODE },
        environment: plan.environment.clone(),
    };
    view.header(plan);
    let total = plan.scenarios.len();
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        view.out.push('\n');
        view.scenario(scenario, index + 1, total);
    }
    if !plan.suites.is_empty() {
        view.out.push('\n');
        view.suites(&plan.suites);
    }
    view.out
}

/// Below this the layout cannot work; narrower requests are drawn at this width.
const MIN_WIDTH: usize = 40;
/// The fewest columns a chart's time axis gets, however narrow the terminal.
const MIN_CHART_COLUMNS: usize = 12;
/// Key column of the header.
const KEY_WIDTH: usize = 13;

struct Glyphs {
    bar: char,
    phase: char,
    instant: char,
    rule: char,
    tick: char,
    title: char,
    arrow: &'static str,
    plus_minus: &'static str,
    times: &'static str,
    dash: &'static str,
    at_most: &'static str,
}

const UNICODE: Glyphs = Glyphs {
    bar: '█',
    phase: '░',
    instant: '▲',
    rule: '─',
    tick: '┼',
    title: '━',
    arrow: "→",
    plus_minus: "±",
    times: "×",
    dash: "–",
    at_most: "≤",
};

const ASCII: Glyphs = Glyphs {
    bar: '#',
    phase: '.',
    instant: '|',
    rule: '-',
    tick: '+',
    title: '=',
    arrow: "->",
    plus_minus: "+-",
    times: "x",
    dash: "-",
    at_most: "<=",
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Dim,
    Red,
    Yellow,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "\x1b[1m",
            Style::Dim => "\x1b[2m",
            Style::Red => "\x1b[31m",
            Style::Yellow => "\x1b[33m",
        }
    }
}

struct View {
    out: String,
    width: usize,
    color: bool,
    g: &'static Glyphs,
    environment: Option<String>,
}

/// A line of an aligned list: text on the left, origin (dimmed) on the right.
struct Entry {
    text: String,
    origin: String,
    style: Style,
}

impl View {
    /// `text` in `style`. Every piece of text goes through here on its way out, so
    /// this is also where control characters in user-written strings (a newline in a
    /// description, an escape sequence in a name) are made visible instead of acted on.
    fn paint(&self, text: &str, style: Style) -> String {
        let text = visible(text);
        if !self.color || style == Style::Plain || text.is_empty() {
            text
        } else {
            format!("{}{text}\x1b[0m", style.code())
        }
    }

    /// Appends `text` in `style` (its indentation unpainted), then a newline; trailing
    /// spaces are dropped.
    fn line(&mut self, text: &str, style: Style) {
        let text = text.trim_end();
        let body = text.trim_start_matches(' ');
        let painted = self.paint(body, style);
        self.out.push_str(&text[..text.len() - body.len()]);
        self.out.push_str(&painted);
        self.out.push('\n');
    }

    /// Appends already painted pieces as one line.
    fn raw_line(&mut self, pieces: &[String]) {
        let mut line: String = pieces.concat();
        while line.ends_with(' ') {
            line.pop();
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// `text` word-wrapped: first line after `first`, the others after `indent` spaces.
    fn wrapped(&mut self, first: &str, indent: usize, text: &str, style: Style) {
        for line in wrap(first, indent, text, self.width) {
            self.line(&line, style);
        }
    }

    /// A `///` documentation, each of its lines wrapped at `indent`, dimmed.
    fn doc(&mut self, indent: usize, doc: &str) {
        let first = " ".repeat(indent);
        for line in doc.lines() {
            if line.trim().is_empty() {
                self.out.push('\n');
            } else {
                self.wrapped(&first, indent, line, Style::Dim);
            }
        }
    }

    /// `key` in the header's key column, then `value` wrapped after it.
    fn key_value(&mut self, key: &str, value: &str) {
        let first = format!("{key:<KEY_WIDTH$}");
        self.wrapped(&first, KEY_WIDTH + 2, value, Style::Plain);
    }

    /// `━━ title ━━━…` across the width; a long title wraps, the rule follows its end.
    fn title(&mut self, title: &str) {
        let g = self.g;
        let mut lines = wrap(&format!("{0}{0} ", g.title), 3, title, self.width - 1);
        let last = lines.pop().unwrap_or_default();
        for line in &lines {
            self.line(line, Style::Bold);
        }
        let head = format!("{last} ");
        let fill = self.width.saturating_sub(width_of(&head));
        let rule: String = std::iter::repeat_n(g.title, fill).collect();
        let painted = [
            self.paint(&head, Style::Bold),
            self.paint(&rule, Style::Dim),
        ];
        self.raw_line(&painted);
    }

    /// Entries with their origins in one column when every one fits there; an origin
    /// that does not goes on the next line, and so does one after a wrapped text.
    fn entries(&mut self, indent: usize, entries: &[Entry]) {
        let longest = entries.iter().map(|e| width_of(&e.text)).max().unwrap_or(0);
        let align = indent + longest + 2;
        for entry in entries {
            let mut lines = wrap(&" ".repeat(indent), indent + 4, &entry.text, self.width);
            let last = lines.pop().unwrap_or_default();
            for line in &lines {
                self.line(line, entry.style);
            }
            let origin_width = width_of(&entry.origin);
            if lines.is_empty() && !entry.origin.is_empty() && align + origin_width <= self.width {
                let body = last.trim_start_matches(' ');
                let painted = [
                    " ".repeat(last.len() - body.len()),
                    self.paint(body, entry.style),
                    " ".repeat(align.saturating_sub(width_of(&last))),
                    self.paint(&entry.origin, Style::Dim),
                ];
                self.raw_line(&painted);
            } else {
                self.line(&last, entry.style);
                if !entry.origin.is_empty() {
                    let lead = " ".repeat(indent + 4);
                    self.wrapped(&lead, indent + 6, &entry.origin, Style::Dim);
                }
            }
        }
    }

    // ---- header -------------------------------------------------------------------

    fn header(&mut self, plan: &Plan) {
        let plan_line = format!("{:<KEY_WIDTH$}", "plan");
        let version = format!("  (plan format {})", plan.plan_version);
        if KEY_WIDTH + width_of(&plan.source) + width_of(&version) <= self.width {
            let painted = [
                self.paint(&plan_line, Style::Bold),
                self.paint(&plan.source, Style::Bold),
                self.paint(&version, Style::Dim),
            ];
            self.raw_line(&painted);
        } else {
            self.key_value("plan", &format!("{}{version}", plan.source));
        }
        let environment = match &plan.environment {
            Some(name) => name.clone(),
            None => "none".to_string(),
        };
        self.key_value("environment", &environment);
        self.params(&plan.params);
        self.services(&plan.services);
        self.run_safety(plan);
        let skipped = plan
            .scenarios
            .iter()
            .filter(|s| s.skipped.is_some())
            .count();
        let mut scenarios = count(plan.scenarios.len(), "scenario");
        if skipped > 0 {
            scenarios.push_str(&format!(", {skipped} skipped"));
        }
        self.key_value("scenarios", &scenarios);
    }

    fn params(&mut self, params: &[ParamValue]) {
        if params.is_empty() {
            self.key_value("params", "none");
            return;
        }
        for (i, param) in params.iter().enumerate() {
            let from = match param.from {
                ParamSource::Default => "default",
                ParamSource::Environment => "from the environment",
                ParamSource::CommandLine => "from --set",
                ParamSource::Unset => "required, not set",
            };
            let value = match &param.value {
                Some(value) => json_value(&param.ty, value),
                None => "unset".to_string(),
            };
            let text = format!("{} = {value}  ({}, {from})", param.name, param.ty);
            self.key_value(if i == 0 { "params" } else { "" }, &text);
        }
    }

    fn services(&mut self, services: &[Service]) {
        if services.is_empty() {
            self.key_value("services", "none");
            return;
        }
        for (i, service) in services.iter().enumerate() {
            let text = format!("{}: {}", service.name, argv(&service.argv));
            self.key_value(if i == 0 { "services" } else { "" }, &text);
            let timeout = duration(service.ready_timeout_ms);
            let ready = match &service.ready {
                Some(Ready::Url(url)) => {
                    format!("ready when {} answers (within {timeout})", text_of(url))
                }
                Some(Ready::Probe(probe)) => format!(
                    "ready when probe {} succeeds: {} (within {timeout})",
                    probe.name,
                    probe_check(probe, self.g)
                ),
                None => "ready as soon as it is started".to_string(),
            };
            let indent = " ".repeat(KEY_WIDTH + 2);
            self.wrapped(&indent, KEY_WIDTH + 4, &ready, Style::Plain);
            if let Some(cwd) = &service.cwd {
                self.wrapped(
                    &indent,
                    KEY_WIDTH + 4,
                    &format!("in {}", text_of(cwd)),
                    Style::Plain,
                );
            }
            if !service.env.is_empty() {
                let vars: Vec<String> = service
                    .env
                    .iter()
                    .map(|(k, v)| format!("{k}={}", quoted(&text_of(v))))
                    .collect();
                let env = format!("env {}", vars.join(" "));
                self.wrapped(&indent, KEY_WIDTH + 4, &env, Style::Plain);
            }
        }
    }

    fn run_safety(&mut self, plan: &Plan) {
        let safety = &plan.safety;
        let limit = match safety.max_duration_ms {
            Some(ms) => format!("the run stops after {} at most", duration(ms)),
            None => "no time limit on the run".to_string(),
        };
        let cooldown = format!(
            "cooldown {} between scenarios",
            duration(safety.cooldown_ms)
        );
        self.key_value("safety", &format!("{limit}, {cooldown}"));
        let indent = " ".repeat(KEY_WIDTH);
        // The plan lists every kind that needs confirmation, destructive ones included.
        let confirm = if safety.confirm.is_empty() {
            "no fault needs confirmation".to_string()
        } else {
            format!("confirm before: {} (--yes or y)", safety.confirm.join(", "))
        };
        self.wrapped(&indent, KEY_WIDTH + 2, &confirm, Style::Plain);
        let allow = if safety.allow_targets.is_empty() {
            "any container or process may be targeted".to_string()
        } else {
            format!("targets allowed: {}", safety.allow_targets.join(", "))
        };
        self.wrapped(&indent, KEY_WIDTH + 2, &allow, Style::Plain);
        let entries: Vec<Entry> = safety
            .abort
            .iter()
            .map(|abort| Entry {
                text: format!("abort when {}", abort_text(abort)),
                origin: self.origin(&abort.origin),
                style: Style::Plain,
            })
            .collect();
        self.entries(KEY_WIDTH, &entries);
    }

    fn origin(&self, origin: &Origin) -> String {
        let span = &origin.span;
        let place = format!("{}:{}:{}", span.file, span.line, span.column);
        match origin.level {
            Level::File => format!("file  {place}"),
            Level::Scenario => format!("scenario  {place}"),
            Level::Environment => match &self.environment {
                Some(name) => format!("environment {name}  {place}"),
                None => format!("environment  {place}"),
            },
        }
    }

    // ---- scenarios ----------------------------------------------------------------

    fn scenario(&mut self, scenario: &Scenario, number: usize, total: usize) {
        self.title(&format!("{} ({number}/{total})", scenario.name));
        if let Some(reason) = &scenario.skipped {
            self.wrapped("  ", 4, &format!("skipped: {reason}"), Style::Yellow);
            return;
        }
        if let Some(description) = &scenario.description {
            self.wrapped("  ", 2, description, Style::Plain);
        }
        if let Some(doc) = &scenario.doc {
            self.doc(2, doc);
        }
        let key = |k: &str| format!("  {k:<8}");
        if !scenario.tags.is_empty() {
            self.wrapped(&key("tags"), 10, &scenario.tags.join(", "), Style::Plain);
        }
        let total_ms = scenario
            .baseline_ms
            .saturating_add(scenario.chaos_ms)
            .saturating_add(scenario.recovery.within_ms);
        let mut length = format!(
            "{} planned: baseline {}, chaos {}, recovery up to {} (until {} consecutive successes)",
            duration(total_ms),
            duration(scenario.baseline_ms),
            duration(scenario.chaos_ms),
            duration(scenario.recovery.within_ms),
            scenario.recovery.checks,
        );
        if let Some(limit) = scenario.max_duration_ms {
            length.push_str(&format!("; stopped after {} at most", duration(limit)));
        }
        self.wrapped(&key("length"), 10, &length, Style::Plain);
        let needs = if scenario
            .steps
            .iter()
            .any(|step| step.target.needs_cluster())
        {
            // Pod steps run nowhere on this host (E0507 keeps them apart from host
            // steps): the cluster's engine is what they need.
            "Chaos Mesh on the cluster: `chaosc export chaos-mesh`, not `chaosc run`".to_string()
        } else if scenario.capabilities.is_empty() {
            "no special privileges or tools".to_string()
        } else {
            let names: Vec<&str> = scenario.capabilities.iter().map(capability).collect();
            names.join(", ")
        };
        self.wrapped(&key("needs"), 10, &needs, Style::Plain);
        self.out.push('\n');
        self.chart(scenario);
        if !scenario.steps.is_empty() {
            self.out.push('\n');
            self.line("  steps", Style::Bold);
            self.steps(&scenario.steps);
        }
        if !scenario.probes.is_empty() {
            self.out.push('\n');
            self.line("  probes", Style::Bold);
            self.probes(&scenario.probes);
        }
        self.assertions(scenario);
    }

    /// One line per step: name, fault and target in columns when they fit, else wrapped.
    fn steps(&mut self, steps: &[Step]) {
        let g = self.g;
        // A target's documentation, under the first step that acts on it.
        let mut documented: Vec<&str> = Vec::new();
        let docs: Vec<Option<&str>> = steps
            .iter()
            .map(|step| {
                let doc = step.target.doc()?;
                if documented.contains(&doc) {
                    return None;
                }
                documented.push(doc);
                Some(doc)
            })
            .collect();
        let rows: Vec<(&str, String, String, Style)> = steps
            .iter()
            .map(|step| {
                let mut on = format!("on {}", target(&step.target, g));
                if step.target.needs_cluster() {
                    // `chaosc run` refuses these; only `chaosc export chaos-mesh` runs them.
                    on.push_str("  [needs Chaos Mesh]");
                }
                let style = if step.destructive {
                    on.push_str("  [destructive]");
                    Style::Red
                } else {
                    Style::Plain
                };
                (step.name.as_str(), fault(&step.fault, g), on, style)
            })
            .collect();
        let name_width = rows.iter().map(|r| width_of(r.0)).max().unwrap_or(0);
        let fault_width = rows.iter().map(|r| width_of(&r.1)).max().unwrap_or(0);
        let target_width = rows.iter().map(|r| width_of(&r.2)).max().unwrap_or(0);
        let table = 4 + name_width + 2 + fault_width + 2 + target_width <= self.width;
        let name_width = name_width.min(self.width / 4);
        let indent = 4 + name_width + 2;
        for ((name, fault, on, style), doc) in rows.iter().zip(docs) {
            let mut first = format!("    {}  ", pad(name, name_width));
            if width_of(&first) > indent {
                self.line(&format!("    {name}"), *style);
                first = " ".repeat(indent);
            }
            if table {
                self.line(&format!("{first}{}  {on}", pad(fault, fault_width)), *style);
            } else if wrap(&first, indent, &format!("{fault}  {on}"), self.width).len() == 1 {
                self.line(&format!("{first}{fault}  {on}"), *style);
            } else {
                self.wrapped(&first, indent + 2, fault, *style);
                self.wrapped(&" ".repeat(indent), indent + 2, on, *style);
            }
            if let Some(doc) = doc {
                self.doc(indent + 2, doc);
            }
        }
    }

    fn probes(&mut self, probes: &[Probe]) {
        let g = self.g;
        let name_width = probes
            .iter()
            .map(|p| width_of(&p.name))
            .max()
            .unwrap_or(0)
            .min(self.width / 4);
        let indent = 4 + name_width + 2;
        for probe in probes {
            let mut first = format!("    {}  ", pad(&probe.name, name_width));
            if width_of(&first) > indent {
                self.line(&format!("    {}", probe.name), Style::Plain);
                first = " ".repeat(indent);
            }
            let (check, schedule) = probe_text(probe, g);
            let whole = format!("{check}, {schedule}");
            if wrap(&first, indent, &whole, self.width).len() == 1 {
                self.line(&format!("{first}{whole}"), Style::Plain);
            } else {
                self.wrapped(&first, indent + 2, &check, Style::Plain);
                self.wrapped(&" ".repeat(indent + 2), indent + 2, &schedule, Style::Plain);
            }
            if let Some(doc) = &probe.doc {
                self.doc(indent + 2, doc);
            }
        }
    }

    fn assertions(&mut self, scenario: &Scenario) {
        let mut groups: Vec<(&str, Vec<Entry>)> = Vec::new();
        let entry = |view: &View, text: String, origin: &Origin, style: Style| Entry {
            text,
            origin: view.origin(origin),
            style,
        };
        let steady: Vec<Entry> = scenario
            .steady_state
            .iter()
            .map(|a| {
                let (prefix, style) = match a.severity {
                    Severity::Blocking => ("", Style::Plain),
                    Severity::Warn => ("warn ", Style::Yellow),
                };
                let text = format!("{prefix}{}", assertion_text(a));
                entry(self, text, &a.origin, style)
            })
            .collect();
        groups.push(("steady state (before any fault)", steady));
        for (severity, title, style) in [
            (Severity::Blocking, "assertions, blocking", Style::Plain),
            (Severity::Warn, "assertions, warn only", Style::Yellow),
        ] {
            let list: Vec<Entry> = scenario
                .assertions
                .iter()
                .filter(|a| a.severity == severity)
                .map(|a| entry(self, assertion_text(a), &a.origin, style))
                .collect();
            groups.push((title, list));
        }
        let aborts: Vec<Entry> = scenario
            .aborts
            .iter()
            .map(|a| entry(self, abort_text(a), &a.origin, Style::Plain))
            .collect();
        groups.push(("abort when", aborts));
        for (title, list) in groups {
            if list.is_empty() {
                continue;
            }
            self.out.push('\n');
            self.line(&format!("  {title}"), Style::Bold);
            self.entries(4, &list);
        }
    }

    // ---- the chart ----------------------------------------------------------------

    fn chart(&mut self, scenario: &Scenario) {
        let g = self.g;
        let rows = chart_rows(scenario, g);
        let axis = Axis::of(scenario);
        let longest_label = rows.iter().map(|r| width_of(&r.label)).max().unwrap_or(0);
        let label_width = longest_label.min((self.width / 4).max("recovery".len()));
        let text_width = rows.iter().map(|r| width_of(&r.text)).max().unwrap_or(0);
        // indent, label, gap, the axis (one more column than cells for its end), gap, text
        let fixed = 2 + label_width + 2 + 1 + 1 + text_width;
        let room = self.width.saturating_sub(fixed).max(MIN_CHART_COLUMNS);
        let (columns, ticks) = fit_axis(axis.start, axis.end, room);
        let lead = " ".repeat(2 + label_width + 2);
        // The tick labels may run into the text column, but not past the width.
        let labels = tick_labels(&ticks, columns + 2 + text_width);
        let rule = axis_rule(&ticks, columns, g);
        let painted = [lead.clone(), self.paint(&labels, Style::Dim)];
        self.raw_line(&painted);
        let painted = [lead.clone(), self.paint(&rule, Style::Dim)];
        self.raw_line(&painted);
        for row in &rows {
            let mut cells: Vec<char> = vec![' '; columns];
            match row.span {
                RowSpan::Sustained(start, end) => {
                    for cell in &mut cells[bar_cells(start, end, axis.start, axis.end, columns)] {
                        *cell = row.glyph;
                    }
                }
                RowSpan::Instant(at) => {
                    let cell = instant_cell(at, axis.start, axis.end, columns);
                    cells[cell] = row.glyph;
                }
                RowSpan::Empty => {}
            }
            let bar: String = cells.into_iter().collect();
            let label = if width_of(&row.label) > label_width {
                self.line(&format!("  {}", row.label), row.label_style);
                " ".repeat(label_width)
            } else {
                pad(&row.label, label_width)
            };
            let painted = [
                "  ".to_string(),
                self.paint(&label, row.label_style),
                "  ".to_string(),
                self.paint(&bar, row.bar_style),
                "  ".to_string(),
                self.paint(&row.text, row.label_style),
            ];
            self.raw_line(&painted);
        }
    }

    // ---- suites -------------------------------------------------------------------

    fn suites(&mut self, suites: &[Suite]) {
        self.title("suites");
        for suite in suites {
            let head = match &suite.description {
                Some(description) => format!("{}  {description}", suite.name),
                None => suite.name.clone(),
            };
            self.wrapped("  ", 4, &head, Style::Bold);
            if let Some(doc) = &suite.doc {
                self.doc(4, doc);
            }
            let digits = suite.scenarios.len().to_string().len();
            for (i, name) in suite.scenarios.iter().enumerate() {
                let first = format!("    {:>digits$}. ", i + 1);
                let indent = width_of(&first);
                self.wrapped(&first, indent, name, Style::Plain);
            }
            let cooldown = format!("cooldown {} between scenarios", duration(suite.cooldown_ms));
            self.wrapped("    ", 6, &cooldown, Style::Plain);
        }
    }
}

// ---- chart arithmetic -------------------------------------------------------------

/// The time axis of a scenario, in milliseconds from the start of the chaos phase:
/// from minus the baseline to the end of the recovery window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Axis {
    start: i64,
    end: i64,
}

impl Axis {
    fn of(scenario: &Scenario) -> Axis {
        let start = -clamp_i64(scenario.baseline_ms);
        let end =
            clamp_i64(scenario.chaos_ms).saturating_add(clamp_i64(scenario.recovery.within_ms));
        // A step planned past `chaos_ms` (a malformed plan) is drawn clamped to the end.
        Axis { start, end }
    }
}

fn clamp_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX / 4).min(i64::MAX / 4)
}

/// The boundary (0 ..= `columns`) nearest to `t` on an axis from `start` to `end` drawn
/// in `columns` cells: boundary `b` is the left edge of cell `b`.
pub(crate) fn boundary(t: i64, start: i64, end: i64, columns: usize) -> usize {
    let span = i128::from(end.saturating_sub(start).max(1));
    let offset = i128::from(t.saturating_sub(start)).clamp(0, span);
    let columns_wide = columns as i128;
    // round(offset × columns / span), in integers
    let b = (2 * offset * columns_wide + span) / (2 * span);
    usize::try_from(b).unwrap_or(columns).min(columns)
}

/// The cells a sustained step from `from` to `to` covers: from the boundary nearest
/// its start to the boundary nearest its end, at least one cell.
pub(crate) fn bar_cells(from: i64, to: i64, start: i64, end: i64, columns: usize) -> Range<usize> {
    if columns == 0 {
        return 0..0;
    }
    let first = boundary(from, start, end, columns).min(columns - 1);
    let last = boundary(to.max(from), start, end, columns).max(first + 1);
    first..last.min(columns)
}

/// The cell an instant action at `at` is drawn in.
pub(crate) fn instant_cell(at: i64, start: i64, end: i64, columns: usize) -> usize {
    boundary(at, start, end, columns).min(columns.saturating_sub(1))
}

/// Round tick intervals, in milliseconds, smallest first.
const TICK_INTERVALS: [i64; 24] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
    120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000,
];

/// The smallest round interval whose tick labels are at least two columns apart on an
/// axis from `start` to `end` drawn in `columns` cells; `None` when no interval fits.
fn tick_interval(start: i64, end: i64, columns: usize) -> Option<i64> {
    let span = end.saturating_sub(start).max(1);
    TICK_INTERVALS.into_iter().find(|&interval| {
        if interval.saturating_mul(400) < span {
            return false; // far too many ticks; skip without building them
        }
        let widest = ticks_every(start, end, columns, interval)
            .iter()
            .map(|(t, _)| signed_duration(*t).len())
            .max()
            .unwrap_or(0);
        // columns between neighbouring ticks, as a fraction: interval × columns / span
        i128::from(interval) * columns as i128 >= (widest as i128 + 2) * i128::from(span)
    })
}

/// Ticks (time, boundary) at every multiple of `interval` on the axis.
fn ticks_every(start: i64, end: i64, columns: usize, interval: i64) -> Vec<(i64, usize)> {
    let first = start.div_euclid(interval) + i64::from(start.rem_euclid(interval) != 0);
    let last = end.div_euclid(interval);
    (first..=last)
        .map(|k| {
            let t = k * interval;
            (t, boundary(t, start, end, columns))
        })
        .collect()
}

/// Ticks (time, boundary) at the smallest round interval that leaves room for their
/// labels; `0s`, the start of the chaos phase, is always one of them.
pub(crate) fn axis_ticks(start: i64, end: i64, columns: usize) -> Vec<(i64, usize)> {
    match tick_interval(start, end, columns) {
        Some(interval) => ticks_every(start, end, columns, interval),
        None => vec![(0, boundary(0, start, end, columns))],
    }
}

/// The axis in at most `room` columns, narrowed so that ticks fall a whole number of
/// columns apart (evenly spaced when the axis is a multiple of the interval).
fn fit_axis(start: i64, end: i64, room: usize) -> (usize, Vec<(i64, usize)>) {
    let Some(interval) = tick_interval(start, end, room) else {
        return (room, axis_ticks(start, end, room));
    };
    let span = i128::from(end.saturating_sub(start).max(1));
    let interval_wide = i128::from(interval);
    let per_tick = interval_wide * room as i128 / span;
    let columns = (span * per_tick + interval_wide / 2) / interval_wide;
    let columns = usize::try_from(columns).unwrap_or(room).clamp(1, room);
    (columns, ticks_every(start, end, columns, interval))
}

/// The tick labels line: each label starts at its tick, or ends at `room` when it would
/// not fit; a label that would touch its neighbour is left out.
fn tick_labels(ticks: &[(i64, usize)], room: usize) -> String {
    let mut line = String::new();
    let mut used = 0; // columns of `line`
    for (t, b) in ticks {
        let label = signed_duration(*t);
        let len = label.len();
        let mut at = *b;
        if at + len > room {
            at = room.saturating_sub(len);
        }
        if used > 0 && at < used + 1 {
            continue;
        }
        line.push_str(&" ".repeat(at - used));
        line.push_str(&label);
        used = at + len;
    }
    line
}

/// The axis: a rule of `columns + 1` characters (one per boundary) with a tick mark at
/// every tick.
fn axis_rule(ticks: &[(i64, usize)], columns: usize, g: &Glyphs) -> String {
    let mut rule: Vec<char> = vec![g.rule; columns + 1];
    for (_, b) in ticks {
        if let Some(c) = rule.get_mut(*b) {
            *c = g.tick;
        }
    }
    rule.into_iter().collect()
}

enum RowSpan {
    Sustained(i64, i64),
    Instant(i64),
    Empty,
}

struct Row {
    label: String,
    span: RowSpan,
    glyph: char,
    text: String,
    label_style: Style,
    bar_style: Style,
}

fn chart_rows(scenario: &Scenario, g: &Glyphs) -> Vec<Row> {
    let mut rows = Vec::new();
    let baseline = clamp_i64(scenario.baseline_ms);
    rows.push(Row {
        label: "baseline".into(),
        span: if baseline > 0 {
            RowSpan::Sustained(-baseline, 0)
        } else {
            RowSpan::Empty
        },
        glyph: g.phase,
        text: if baseline > 0 {
            duration(scenario.baseline_ms)
        } else {
            "none".into()
        },
        label_style: Style::Dim,
        bar_style: Style::Dim,
    });
    for step in &scenario.steps {
        let start = clamp_i64(step.start_ms);
        let (span, glyph, mut text) = match step.duration_ms {
            Some(ms) => (
                RowSpan::Sustained(start, start.saturating_add(clamp_i64(ms))),
                g.bar,
                format!(
                    "{}{}{}",
                    duration(step.start_ms),
                    g.dash,
                    duration(step.start_ms.saturating_add(ms))
                ),
            ),
            None => (
                RowSpan::Instant(start),
                g.instant,
                format!("at {}", duration(step.start_ms)),
            ),
        };
        let style = if step.destructive {
            text.push_str(" !");
            Style::Red
        } else {
            Style::Plain
        };
        rows.push(Row {
            label: step.name.clone(),
            span,
            glyph,
            text,
            label_style: style,
            bar_style: style,
        });
    }
    let chaos = clamp_i64(scenario.chaos_ms);
    let within = clamp_i64(scenario.recovery.within_ms);
    rows.push(Row {
        label: "recovery".into(),
        span: if within > 0 {
            RowSpan::Sustained(chaos, chaos.saturating_add(within))
        } else {
            RowSpan::Empty
        },
        glyph: g.phase,
        text: format!("{}{}", g.at_most, duration(scenario.recovery.within_ms)),
        label_style: Style::Dim,
        bar_style: Style::Dim,
    });
    rows
}

// ---- words --------------------------------------------------------------------------

/// `text` with control characters written as escapes (`\n`, `\u{1b}`).
fn visible(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn width_of(text: &str) -> usize {
    text.chars().count()
}

fn pad(text: &str, width: usize) -> String {
    let len = width_of(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `text` word-wrapped at `width` columns, the first line after `first`, the others
/// after `indent` spaces. A word longer than a line gets a line of its own.
/// Runs of spaces between words are kept, except where a line breaks.
fn wrap(first: &str, indent: usize, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut column = width_of(first);
    let mut empty = true;
    let mut gap = 0;
    for word in text.split(' ') {
        if word.is_empty() {
            gap += 1;
            continue;
        }
        let len = width_of(word);
        let space = if empty { 0 } else { gap + 1 };
        if !empty && column + space + len > width {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            column = indent;
            empty = true;
        }
        if !empty {
            line.push_str(&" ".repeat(space));
            column += space;
        }
        line.push_str(word);
        column += len;
        empty = false;
        gap = 0;
    }
    lines.push(line);
    lines
}

/// A number without a trailing `.0`, and at most three decimals.
fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `0s`, `150ms`, `1.5s`, `45s`, `1m30s`, `2h`.
pub(crate) fn duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms % 1000 != 0 {
        return format!("{}s", number(ms as f64 / 1000.0));
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn signed_duration(ms: i64) -> String {
    if ms < 0 {
        format!("-{}", duration(ms.unsigned_abs()))
    } else {
        duration(ms.unsigned_abs())
    }
}

/// A duration that may have a fractional millisecond part.
fn duration_f(ms: f64) -> String {
    if ms.is_finite() && ms >= 0.0 && ms.fract() == 0.0 && ms < 1e15 {
        duration(ms as u64)
    } else {
        format!("{}ms", number(ms))
    }
}

/// `10 Mbps`, `1.5 Gbps`, `2 MiB/s`: bits per second unless the rate is a round
/// number of binary bytes per second.
pub(crate) fn bandwidth(bytes_per_second: f64) -> String {
    let bits = bytes_per_second * 8.0;
    for (unit, size) in [
        ("GiB/s", 1_073_741_824.0),
        ("MiB/s", 1_048_576.0),
        ("KiB/s", 1024.0),
    ] {
        if bytes_per_second >= size && (bytes_per_second / size).fract() == 0.0 {
            return format!("{} {unit}", number(bytes_per_second / size));
        }
    }
    for (unit, size) in [("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)] {
        if bits >= size && (bits / size * 1000.0).fract() == 0.0 {
            return format!("{} {unit}", number(bits / size));
        }
    }
    for (unit, size) in [("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)] {
        if bits >= size {
            return format!("{} {unit}", number(bits / size));
        }
    }
    format!("{} bps", number(bits))
}

fn percent(p: f64) -> String {
    format!("{}%", number(p))
}

/// A run-time string: literal parts as they are, `env(…)` parts by name only.
fn text_of(text: &Text) -> String {
    match text {
        Text::Literal(s) => s.clone(),
        Text::Env { env } => format!("env({env})"),
        Text::Concat { concat } => concat
            .iter()
            .map(|part| match part {
                Text::Env { env } => format!("${{env({env})}}"),
                other => text_of(other),
            })
            .collect(),
    }
}

fn quoted(text: &str) -> String {
    if text.is_empty() || text.contains(char::is_whitespace) || text.contains('"') {
        format!("{text:?}")
    } else {
        text.to_string()
    }
}

fn argv(argv: &[Text]) -> String {
    let words: Vec<String> = argv.iter().map(|a| quoted(&text_of(a))).collect();
    words.join(" ")
}

/// A param's value in the units of its type.
fn json_value(ty: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    if value.is_object() {
        if let Ok(text) = serde_json::from_value::<Text>(value.clone()) {
            return text_of(&text);
        }
    }
    match value {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) if ty == "string" => format!("{s:?}"),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let Some(x) = n.as_f64() else {
                return n.to_string();
            };
            match ty {
                "duration" => duration_f(x),
                "percent" => percent(x),
                "size" if x >= 0.0 && x.fract() == 0.0 => Bytes(x as u64).to_string(),
                "bandwidth" => bandwidth(x),
                "rate" => format!("{}/s", number(x)),
                _ => n.to_string(),
            }
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| json_value("", v)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(_) => value.to_string(),
    }
}

fn direction(direction: Direction, g: &Glyphs) -> String {
    match direction {
        Direction::Both => String::new(),
        Direction::Upstream => format!(", upstream only (client {} server)", g.arrow),
        Direction::Downstream => format!(", downstream only (server {} client)", g.arrow),
    }
}

/// The fault kind and its parameters in readable units.
fn fault(fault: &Fault, g: &Glyphs) -> String {
    match fault {
        Fault::CpuStress {
            workers,
            load_percent,
        } => format!(
            "cpu_stress {} {} {}",
            percent(*load_percent),
            g.times,
            match workers {
                Some(n) => count(*n as usize, "worker"),
                None => "one worker per CPU".to_string(),
            }
        ),
        Fault::MemoryStress {
            size_bytes,
            ramp_ms,
        } => {
            let ramp = if *ramp_ms > 0 {
                format!(", reached over {}", duration(*ramp_ms))
            } else {
                String::new()
            };
            format!("memory_stress {}{ramp}", Bytes(*size_bytes))
        }
        Fault::DiskStress {
            workers,
            path,
            size_bytes,
            sync,
        } => {
            let path = match path {
                Some(path) => format!(" in {}", text_of(path)),
                None => " in a temporary directory".into(),
            };
            let sync = if *sync { "synced" } else { "not synced" };
            format!(
                "disk_stress {} {} {}, {sync},{path}",
                Bytes(*size_bytes),
                g.times,
                count(*workers as usize, "worker")
            )
        }
        Fault::Latency {
            delay_ms,
            jitter_ms,
            direction: d,
        } => {
            let jitter = if *jitter_ms > 0.0 {
                format!(" {}{}", g.plus_minus, duration_f(*jitter_ms))
            } else {
                String::new()
            };
            format!(
                "latency +{}{jitter}{}",
                duration_f(*delay_ms),
                direction(*d, g)
            )
        }
        Fault::PacketLoss {
            rate_percent,
            direction: d,
        } => format!(
            "packet_loss {} of packets{}",
            percent(*rate_percent),
            direction(*d, g)
        ),
        Fault::Bandwidth {
            bytes_per_second,
            direction: d,
        } => format!(
            "bandwidth limited to {}{}",
            bandwidth(*bytes_per_second),
            direction(*d, g)
        ),
        Fault::Blackhole { direction: d } => {
            format!("blackhole, traffic swallowed{}", direction(*d, g))
        }
        Fault::Reset { rate_percent } => {
            format!("reset {} of connections", percent(*rate_percent))
        }
        Fault::ContainerKill { signal } => format!("container_kill with {signal}"),
        Fault::ContainerRestart { timeout_ms } => {
            format!("container_restart, timeout {}", duration(*timeout_ms))
        }
        Fault::ContainerStop { timeout_ms } => {
            format!("container_stop, timeout {}", duration(*timeout_ms))
        }
        Fault::ContainerPause => "container_pause".into(),
        Fault::ProcessKill { signal, restart } => match restart {
            Some(cmd) => format!("process_kill with {signal}, restarted with {}", argv(cmd)),
            None => format!("process_kill with {signal}, not restarted"),
        },
        Fault::ProcessPause => "process_pause".into(),
        Fault::PodKill { grace_period_ms } => {
            format!("pod_kill, grace period {}", duration(*grace_period_ms))
        }
        Fault::PodFailure => "pod_failure, containers replaced by a pause image".into(),
        Fault::IoLatency {
            delay_ms,
            volume_path,
            path,
            percent: share,
        } => {
            let files = match path {
                Some(glob) => format!("files {glob} on {volume_path}"),
                None => format!("every file on {volume_path}"),
            };
            format!(
                "io_latency +{} on {} of calls, {files}",
                duration_f(*delay_ms),
                percent(*share)
            )
        }
        Fault::Exec {
            run,
            revert,
            timeout_ms,
        } => {
            let revert = match revert {
                Some(cmd) => format!(", reverted with {}", argv(cmd)),
                None => String::new(),
            };
            format!(
                "exec {}{revert}, timeout {}",
                argv(run),
                duration(*timeout_ms)
            )
        }
    }
}

/// What a step acts on, in words.
fn target(target: &Target, g: &Glyphs) -> String {
    match target {
        Target::Host => "host".into(),
        Target::Process {
            name,
            selector,
            all,
            ..
        } => {
            let (what, value) = match selector {
                ProcessSelector::Pid(pid) => ("pid", pid.to_string()),
                ProcessSelector::Pidfile(file) => ("pidfile", text_of(file)),
                ProcessSelector::Name(n) => ("named", text_of(n)),
                ProcessSelector::Service(s) => ("service", s.clone()),
            };
            let every = if *all { "every " } else { "" };
            match (name, selector) {
                (Some(name), ProcessSelector::Service(s)) if name == s => {
                    format!("{every}process {name} (service)")
                }
                (Some(name), _) => format!("{every}process {name} ({what} {value})"),
                (None, ProcessSelector::Service(_)) => {
                    format!("{every}process {value} (service)")
                }
                (None, _) => format!("{every}process {what} {value}"),
            }
        }
        Target::Container {
            name,
            selector,
            docker_host,
            ..
        } => {
            let selected = match selector {
                ContainerSelector::Name(n) => text_of(n),
                ContainerSelector::Label(l) => format!("label {}", text_of(l)),
            };
            let mut out = match name {
                Some(name) if *name != selected => format!("container {name} ({selected})"),
                _ => format!("container {selected}"),
            };
            if let Some(host) = docker_host {
                out.push_str(&format!(" at {}", text_of(host)));
            }
            out
        }
        Target::Proxy {
            name,
            listen,
            upstream,
            ..
        } => {
            let route = format!("{}{}{}", text_of(listen), g.arrow, text_of(upstream));
            match name {
                Some(name) => format!("proxy {name} {route}"),
                None => format!("proxy {route}"),
            }
        }
        Target::Interface {
            name,
            device,
            netns,
            ..
        } => {
            let device = text_of(device);
            let mut out = match name {
                Some(name) if *name != device => format!("interface {name} ({device})"),
                _ => format!("interface {device}"),
            };
            if let Some(ns) = netns {
                out.push_str(&format!(" in netns {}", text_of(ns)));
            }
            out
        }
        Target::Pods {
            name,
            namespace,
            labels,
            mode,
            container,
            ..
        } => {
            let selector: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let which = match mode {
                super::PodMode::One => "one pod".to_string(),
                super::PodMode::All => "all pods".to_string(),
                super::PodMode::Fixed(n) => count(*n as usize, "pod"),
                super::PodMode::FixedPercent(p) => format!("{} of the pods", percent(*p)),
                super::PodMode::RandomMaxPercent(p) => {
                    format!("up to {} of the pods", percent(*p))
                }
            };
            let mut out = format!("{which} in {namespace}");
            if !selector.is_empty() {
                out.push_str(&format!(" with {}", selector.join(",")));
            }
            if let Some(name) = name {
                out = format!("pods {name} ({out})");
            }
            if let Some(container) = container {
                out.push_str(&format!(", container {container}"));
            }
            out
        }
    }
}

fn capability(capability: &super::Capability) -> &'static str {
    use super::Capability;
    match capability {
        Capability::Docker => "docker",
        Capability::Root => "root",
        Capability::Netem => "netem",
        Capability::Tbf => "tbf",
        Capability::Nftables => "nftables",
        Capability::Signals => "signals",
    }
}

fn probe_check(probe: &Probe, g: &Glyphs) -> String {
    match &probe.check {
        ProbeCheck::Http {
            url,
            method,
            status,
            body_contains,
            headers,
            body,
            json,
        } => {
            let mut out = format!("http {method} {}", text_of(url));
            if status.0 == status.1 {
                out.push_str(&format!(" expects {}", status.0));
            } else {
                out.push_str(&format!(" expects {}{}{}", status.0, g.dash, status.1));
            }
            if let Some(needle) = body_contains {
                out.push_str(&format!(" and a body containing {:?}", text_of(needle)));
            }
            if let Some(json) = json {
                let holds: Vec<String> = json
                    .iter()
                    .map(|(pointer, value)| format!("{pointer} = {value}"))
                    .collect();
                out.push_str(&format!(" and a JSON body with {}", holds.join(", ")));
            }
            for (name, value) in headers {
                out.push_str(&format!(", header {name}: {}", text_of(value)));
            }
            if body.is_some() {
                out.push_str(", sends a body");
            }
            out
        }
        ProbeCheck::Tcp { address } => format!("tcp connect {}", text_of(address)),
        ProbeCheck::Exec { argv: cmd } => format!("exec {}", argv(cmd)),
        ProbeCheck::Prometheus { url, query, expect } => format!(
            "prometheus {} query {:?} expects {expect}",
            text_of(url),
            text_of(query)
        ),
    }
}

/// What a probe checks, and when.
fn probe_text(probe: &Probe, g: &Glyphs) -> (String, String) {
    let schedule = match probe.schedule {
        Schedule::EveryMs(ms) => format!("every {}", duration(ms)),
        Schedule::RatePerSecond(rate) => format!("{}/s open model", number(rate)),
    };
    (
        probe_check(probe, g),
        format!("{schedule}, timeout {}", duration(probe.timeout_ms)),
    )
}

/// `latency(home, p99) <= 250ms`, as it would be written.
fn condition(condition: &Condition) -> String {
    let mut args = Vec::new();
    if let Some(probe) = &condition.probe {
        args.push(probe.clone());
    }
    if let Some(p) = condition.percentile {
        args.push(format!("p{}", number(p)));
    }
    let call = if args.is_empty() {
        condition.metric.as_str().to_string()
    } else {
        format!("{}({})", condition.metric.as_str(), args.join(", "))
    };
    let threshold = match condition.threshold {
        Threshold::Percent(p) => percent(p),
        Threshold::Ms(ms) => duration_f(ms),
        Threshold::Count(n) => n.to_string(),
    };
    format!("{call} {} {threshold}", condition.op.as_str())
}

fn assertion_text(assertion: &Assertion) -> String {
    format!(
        "{} during {}",
        condition(&assertion.condition),
        assertion.window.as_str()
    )
}

fn abort_text(abort: &Abort) -> String {
    match abort.over_ms {
        Some(ms) => format!("{} over {}", condition(&abort.condition), duration(ms)),
        None => format!("{} since chaos started", condition(&abort.condition)),
    }
}

/// The view's words for one part of a plan, for other texts about plans (`diff.rs`).
pub(crate) mod words {
    use super::*;

    pub(crate) fn fault(fault: &Fault) -> String {
        super::fault(fault, &UNICODE)
    }

    pub(crate) fn target(target: &Target) -> String {
        super::target(target, &UNICODE)
    }

    pub(crate) fn condition(condition: &Condition) -> String {
        super::condition(condition)
    }

    /// What a probe checks, its schedule and timeout.
    pub(crate) fn probe(probe: &Probe) -> String {
        let (check, schedule) = probe_text(probe, &UNICODE);
        format!("{check}, {schedule}")
    }

    pub(crate) fn param(param: &ParamValue) -> String {
        match &param.value {
            Some(value) => json_value(&param.ty, value),
            None => "unset".to_string(),
        }
    }

    pub(crate) fn argv(argv: &[Text]) -> String {
        super::argv(argv)
    }

    pub(crate) fn duration(ms: u64) -> String {
        super::duration(ms)
    }
}

#[cfg(test)]
mod tests;
