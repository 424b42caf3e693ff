//! Faults that earlier runs left applied when they died: found in the journals of the
//! report folders beside a new run's, and reverted before it starts, but only from a
//! journal this user can trust (`inject::journal::trust`), only in a real run (never a
//! dry run), and, for revert commands (`exec`), only after saying what they run and
//! being confirmed. `chaosc recover DIR` is the explicit way for one folder.

use std::path::{Path, PathBuf};

use super::Globals;
use crate::inject::journal::{self, By, OpenEntry, State};
use crate::inject::Revert;
use crate::runtime::guard;

/// An unfinished journal whose runner is gone.
pub struct Leftover {
    pub dir: PathBuf,
    pub state: State,
}

/// What the folders beside a run hold.
#[derive(Default)]
pub struct Found {
    /// Journals this user may revert.
    pub trusted: Vec<Leftover>,
    /// Report folders whose journal is left alone, and why.
    pub untrusted: Vec<(PathBuf, String)>,
}

/// Looks at every folder of `root` that holds a journal; reverts nothing.
pub fn find(root: &Path) -> Found {
    let mut found = Found::default();
    let Ok(entries) = std::fs::read_dir(root) else {
        return found;
    };
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        if std::fs::symlink_metadata(dir.join(journal::FILE_NAME)).is_err() {
            continue;
        }
        match journal::inspect(&dir) {
            Err(why) => found.untrusted.push((dir, why)),
            Ok(inspected) => {
                let state = inspected.state;
                let runner_gone = state.runner.is_none_or(|r| !guard::alive(r));
                if state.closed || !runner_gone {
                    continue;
                }
                match inspected.distrust {
                    Some(why) => found.untrusted.push((dir, why)),
                    None if state.open.is_empty() => {}
                    None => found.trusted.push(Leftover { dir, state }),
                }
            }
        }
    }
    found
}

impl Found {
    /// Whether reverting needs a confirmation: some revert runs a command.
    pub fn runs_commands(&self) -> bool {
        self.trusted
            .iter()
            .flat_map(|l| &l.state.open)
            .any(|e| matches!(e.revert, Revert::Exec { .. }))
    }

    /// The list shown before reverting (and by a dry run).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for leftover in &self.trusted {
            out.push_str(&format!(
                "left applied by an unfinished run in `{}`:\n",
                leftover.dir.display()
            ));
            for entry in &leftover.state.open {
                out.push_str(&format!("  {}\n", describe_entry(entry)));
            }
        }
        for (dir, why) in &self.untrusted {
            out.push_str(&format!(
                "left alone: `{}` (its journal cannot be trusted: {why})\n",
                dir.display()
            ));
        }
        out
    }

    /// Reverts every trusted leftover; says what it did on stderr.
    pub fn revert(&self, globals: &Globals) {
        for leftover in &self.trusted {
            let dir = leftover.dir.display();
            match journal::revert_state(&leftover.dir, &leftover.state, By::Recover) {
                Ok(report) => {
                    if !report.reverted.is_empty() && !globals.quiet {
                        super::err(&format!(
                            "reverted {} fault(s) left by an unfinished run in `{dir}`\n",
                            report.reverted.len(),
                        ));
                    }
                    for (entry, e) in report.errors {
                        super::error_line(
                            globals,
                            &format!("cannot revert `{}` left in `{dir}`: {e}", entry.step),
                        );
                    }
                }
                Err(e) => super::error_line(globals, &e.message),
            }
        }
        for (dir, why) in &self.untrusted {
            super::warning_line(
                globals,
                &format!(
                    "left `{}` alone: its journal cannot be trusted ({why})",
                    dir.display()
                ),
            );
        }
        if !self.untrusted.is_empty() {
            super::err("help: if a run of yours left faults there, check its journal, make the folder and the journal yours and not writable by others, then run `chaosc recover DIR`\n");
        }
    }
}

/// One open entry in words; a revert command is shown as it would run.
pub fn describe_entry(entry: &OpenEntry) -> String {
    let what = format!(
        "`{}` ({}) on {} from \"{}\"",
        entry.step, entry.kind, entry.target, entry.scenario
    );
    match &entry.revert {
        Revert::Exec { argv, .. } => {
            let shown: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
            format!("{what}: its revert runs [{}]", shown.join(", "))
        }
        _ => what,
    }
}
