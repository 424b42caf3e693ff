//! `chaosc explain CODE`: the long explanation of a diagnostic code.

use super::{Globals, EXIT_OK, EXIT_USAGE};
use crate::diag::{suggest, Code};
use clap::Args;

pub const EXAMPLES: &str = "\
Examples:
  chaosc explain E0201          what E0201 means, with a wrong and a right example
  chaosc explain w0003          codes are case-insensitive
  chaosc explain --list         every code with its severity and summary";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code to explain, such as `E0201`
    #[arg(
        value_name = "CODE",
        required_unless_present = "list",
        conflicts_with = "list"
    )]
    pub code: Option<String>,

    /// List every code with its severity and summary
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: &ExplainArgs, globals: &Globals) -> i32 {
    if args.list {
        super::out(&list());
        return EXIT_OK;
    }
    let Some(text) = args.code.as_deref() else {
        return EXIT_USAGE;
    };
    match Code::parse(text) {
        Some(code) => {
            let explanation = code.explanation();
            let mut out = explanation.to_string();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            super::out(&out);
            EXIT_OK
        }
        None => {
            super::error_line(globals, &format!("unknown code `{}`", text.trim()));
            let upper = text.trim().to_ascii_uppercase();
            let help = suggest::did_you_mean(&upper, Code::ALL.iter().map(|c| c.as_str()))
                .unwrap_or_else(|| "`chaosc explain --list` shows every code".to_string());
            super::help_line(globals, &help);
            EXIT_USAGE
        }
    }
}

/// `E0201  error    summary`, one line per code.
fn list() -> String {
    let mut out = String::new();
    for code in Code::ALL {
        let summary = code.summary();
        // The first line of a doc is usually `# E0201: summary`; do not repeat the code.
        let summary = summary
            .strip_prefix(code.as_str())
            .map(|s| s.trim_start_matches([':', ' ', '-', '—']))
            .unwrap_or(summary);
        out.push_str(&format!(
            "{}  {:<7}  {}\n",
            code.as_str(),
            code.severity().as_str(),
            summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_code_once() {
        let text = list();
        assert_eq!(text.lines().count(), Code::ALL.len());
        for code in Code::ALL {
            assert!(text.lines().any(|l| l.starts_with(code.as_str())));
        }
        assert!(!text.contains("E0201: "));
    }
}
