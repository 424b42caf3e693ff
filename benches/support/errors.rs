//! What a benchmark says when its generated input is not what it should be.

use chaosc::diag::Diagnostic;

/// The messages of the first three errors among `diagnostics`.
pub fn first_errors(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .take(3)
        .collect()
}
