//! `chaosc recover REPORT_DIR`: revert what an interrupted run left applied, from its
//! journal. Idempotent: a closed journal has nothing left to do.

use std::path::PathBuf;

use clap::Args;

use super::run::EXIT_INFRA;
use super::{Globals, EXIT_OK};
use crate::inject::journal::{self, By};
use crate::runtime::guard;

pub const EXAMPLES: &str = "\
Examples:
  chaosc recover chaos-reports/20261126T202753Z    revert what that run left applied

Exit status: 0 nothing is left applied, 4 something could not be reverted (or the
run is still going).";

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The report folder of the run (it holds the `journal`)
    #[arg(value_name = "REPORT_DIR")]
    pub dir: PathBuf,
}

pub fn run(args: &RecoverArgs, globals: &Globals) -> i32 {
    // The same checks as a run's: reverting runs what the journal says, as this user.
    let state = match journal::read_trusted(&args.dir) {
        Ok(state) => state,
        Err(why) => {
            super::error_line(
                globals,
                &format!(
                    "cannot trust the journal in `{}`: {why}",
                    args.dir.display()
                ),
            );
            super::err("help: chaosc reverts only journals that this user (or root) owns and nobody else can write; check it, fix its owner and mode, then try again\n");
            return EXIT_INFRA;
        }
    };
    if state.closed && state.open.is_empty() {
        if !globals.quiet {
            super::out("nothing to revert: the run reverted everything it applied\n");
        }
        return EXIT_OK;
    }
    if let Some(runner) = state.runner.filter(|r| guard::alive(*r)) {
        super::error_line(
            globals,
            &format!(
                "the run is still going (pid {}); it reverts its own faults",
                runner.pid
            ),
        );
        super::err("help: stop it with Ctrl-C or `kill -TERM`, then run `chaosc recover` again if anything is left\n");
        return EXIT_INFRA;
    }
    match journal::revert_state(&args.dir, &state, By::Recover) {
        Ok(report) => {
            for entry in &report.reverted {
                super::out(&format!(
                    "reverted `{}` ({}) on {} from \"{}\"\n",
                    entry.step, entry.kind, entry.target, entry.scenario
                ));
            }
            for (entry, e) in &report.errors {
                super::error_line(globals, &format!("cannot revert `{}`: {e}", entry.step));
            }
            if report.errors.is_empty() {
                if report.reverted.is_empty() && !globals.quiet {
                    super::out("nothing to revert\n");
                }
                EXIT_OK
            } else {
                EXIT_INFRA
            }
        }
        Err(e) => {
            super::error_line(globals, &e.message);
            EXIT_INFRA
        }
    }
}
