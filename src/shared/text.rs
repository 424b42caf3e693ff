//! Text known when the program is checked, or read from the environment when the run
//! starts: what the checker folds a string with `env(…)` to, and what the plan carries.

use serde::{Deserialize, Serialize};

/// A value that is either known now or read from the environment at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Text {
    Literal(String),
    /// `env("NAME")`: the value is read when the run starts and never printed.
    Env {
        env: String,
    },
    /// A string with literal parts and `env(…)` parts, joined at run time.
    Concat {
        concat: Vec<Text>,
    },
}
