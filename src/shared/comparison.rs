//! The comparison of a `prometheus` probe's `expect` (`"< 0.05"`): parsed by the checker,
//! which refuses what does not parse (E0403), and by the probe, which holds each value
//! it queries against it. The plan carries it as the text written.

use serde::{Deserialize, Serialize};
use std::fmt;

// `< <= > >= == !=`: in assertions (`availability >= 99%`), in the plan (as written) and
// in `expect`. (No doc comment: it would become a description in the plan's schema.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CompareOp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }

    pub fn parse(s: &str) -> Option<CompareOp> {
        Some(match s {
            "<" => CompareOp::Lt,
            "<=" => CompareOp::Le,
            ">" => CompareOp::Gt,
            ">=" => CompareOp::Ge,
            "==" => CompareOp::Eq,
            "!=" => CompareOp::Ne,
            _ => return None,
        })
    }
}

/// A parsed `expect`: an operator and a finite threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub op: CompareOp,
    pub threshold: f64,
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.threshold)
    }
}

/// The forms `expect` accepts, for error messages.
pub const ACCEPTED: &str =
    "an operator (`<`, `<=`, `>`, `>=`, `==`, `!=`) then a number, such as `\"< 0.05\"`";

impl Comparison {
    /// Parses `"< 0.05"`, `">=1e3"`, `" == -2 "`. The threshold must be finite.
    pub fn parse(text: &str) -> Result<Comparison, String> {
        let t = text.trim();
        let bad = || format!("`expect: \"{text}\"` is not a comparison: write {ACCEPTED}");
        // Two-character operators first, so that `<=` is not read as `<` then `=…`.
        let (op, rest) = [2, 1]
            .into_iter()
            .find_map(|n| Some((CompareOp::parse(t.get(..n)?)?, &t[n..])))
            .ok_or_else(bad)?;
        let number = rest.trim();
        // `f64::from_str` also takes `inf` and `NaN`, which are no threshold.
        let threshold: f64 = number.parse().map_err(|_| bad())?;
        if !threshold.is_finite() {
            return Err(bad());
        }
        Ok(Comparison { op, threshold })
    }

    /// Whether `value` satisfies the comparison. `NaN` satisfies none, `!=` included:
    /// a ratio with nothing to divide (`0/0`) is no evidence either way.
    pub fn holds(&self, value: f64) -> bool {
        if value.is_nan() {
            return false;
        }
        match self.op {
            CompareOp::Lt => value < self.threshold,
            CompareOp::Le => value <= self.threshold,
            CompareOp::Gt => value > self.threshold,
            CompareOp::Ge => value >= self.threshold,
            CompareOp::Eq => value == self.threshold,
            CompareOp::Ne => value != self.threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(text: &str) -> Comparison {
        Comparison::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn comparisons_parse_with_or_without_spaces() {
        let cases = [
            ("< 0.05", CompareOp::Lt, 0.05),
            ("<=1", CompareOp::Le, 1.0),
            ("  >  -2.5 ", CompareOp::Gt, -2.5),
            (">= 1e3", CompareOp::Ge, 1000.0),
            ("== 0", CompareOp::Eq, 0.0),
            ("!= 3", CompareOp::Ne, 3.0),
        ];
        for (text, op, threshold) in cases {
            assert_eq!(cmp(text), Comparison { op, threshold }, "{text}");
        }
        assert_eq!(cmp("<= 0.5").to_string(), "<= 0.5");
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_forms() {
        for text in [
            "", "0.05", "<", "= 1", "=< 1", "< 1 2", "< x", "< inf", "> NaN", "<< 1", "≤ 1",
            "< 0.05s",
        ] {
            let err = Comparison::parse(text).expect_err(text);
            assert!(err.contains(&format!("`expect: \"{text}\"`")), "{err}");
            assert!(
                err.contains("`<=`") && err.contains("`\"< 0.05\"`"),
                "{err}"
            );
        }
    }

    #[test]
    fn comparisons_hold_and_nan_satisfies_none() {
        assert!(cmp("< 1").holds(0.5) && !cmp("< 1").holds(1.0));
        assert!(cmp("<= 1").holds(1.0) && !cmp("<= 1").holds(1.5));
        assert!(cmp("> 1").holds(2.0) && !cmp("> 1").holds(1.0));
        assert!(cmp(">= 1").holds(1.0) && !cmp(">= 1").holds(0.0));
        assert!(cmp("== 1").holds(1.0) && !cmp("== 1").holds(1.0000001));
        assert!(cmp("!= 1").holds(2.0) && !cmp("!= 1").holds(1.0));
        assert!(cmp("> 1").holds(f64::INFINITY) && cmp("< 1").holds(f64::NEG_INFINITY));
        for text in ["< 1", "<= 1", "> 1", ">= 1", "== 1", "!= 1"] {
            assert!(!cmp(text).holds(f64::NAN), "{text}");
        }
    }
}
