//! Checking the scenarios of a large file on several cores.
//!
//! Scenarios are independent of each other once every top-level name is known: each
//! reads the module's names, its file facts and the bound params, and records its own
//! scenario, probes, targets, documentation and diagnostics. So a module's scenarios
//! are checked in contiguous runs by forks of the checker, one per thread, and what
//! each fork recorded is joined back in source order. Whatever a scenario shares with
//! the others (a const's cached value, a const cycle found again) is computed again by
//! a fork and joined so that the result equals checking them one after the other:
//! `tests/parallel_check.rs` compares the two on every repository file and on large
//! generated ones.

use super::scope::{Checker, FileFacts};
use crate::syntax::ast::{Item, Scenario};

impl<'a> Checker<'a> {
    /// Checks `scenarios` (items of the current module, in source order) on up to
    /// `self.threads` threads.
    pub(super) fn check_scenarios(&mut self, scenarios: &[(&'a Item, &'a Scenario)]) {
        // `compile` asks for several threads only for large files.
        let threads = self.threads.min(scenarios.len());
        if threads <= 1 {
            for (item, scenario) in scenarios {
                self.check_scenario_item(item, scenario);
            }
            return;
        }
        // Computed once, here, for every fork to read.
        let facts = self.file_facts();
        let run = scenarios.len().div_ceil(threads);
        let (this, base) = (&*self, self.scenarios.len());
        let done = crate::syntax::on_threads(scenarios.len().div_ceil(run), |k| {
            let mut fork = this.fork(base + k * run, facts);
            for (item, scenario) in &scenarios[k * run..((k + 1) * run).min(scenarios.len())] {
                fork.check_scenario_item(item, scenario);
            }
            fork
        });
        for fork in done {
            self.join(fork);
        }
    }

    /// A checker for a run of the current module's scenarios, numbered from
    /// `scenario_base`: it shares what scenarios read and has recorded nothing yet.
    fn fork(&self, scenario_base: usize, facts: FileFacts) -> Checker<'a> {
        let mut fork = Checker::new(self.modules);
        fork.defs = self.defs.clone();
        fork.module = self.module;
        fork.cycles = self.cycles.clone();
        fork.const_values = self.const_values.clone();
        fork.scope_epoch = self.scope_epoch;
        fork.facts = self.facts.clone();
        fork.facts[self.module] = Some(facts);
        fork.param_values = self.param_values.clone();
        fork.selected_environment = self.selected_environment;
        fork.scenario_base = scenario_base;
        fork.threads = 1;
        fork
    }

    /// Takes in what a fork recorded, as if its scenarios had been checked here.
    fn join(&mut self, fork: Checker<'a>) {
        let Checker {
            diagnostics,
            used,
            cycles,
            cycle_diagnostics,
            targets,
            probes,
            scenarios,
            program,
            ..
        } = fork;
        self.diagnostics.extend(diagnostics);
        self.used.extend(used);
        self.cycles.extend(cycles);
        // A cycle found by two forks is reported twice; `check::dedup` keeps one.
        self.cycle_diagnostics.extend(cycle_diagnostics);
        // Later records replace earlier ones under the same key, as they would here.
        self.targets.extend(targets);
        self.probes.extend(probes);
        self.scenarios.extend(scenarios);
        self.program.docs.extend(program.docs);
    }
}
