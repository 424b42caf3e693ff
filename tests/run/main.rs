//! Real runs: `chaosc run` and the injectors against real processes and HTTP servers on
//! 127.0.0.1. A test whose component is missing prints why and returns, unless
//! `CHAOSC_TEST_REQUIRE` names the component (CI sets it), in which case it fails.
//!
//! Tests that measure CPU time or timing take [`support::exclusive`]; every other test
//! takes [`support::shared`], so nothing runs beside a measurement on a small machine.

mod container;
mod exits;
mod figures;
mod guard;
mod hangs;
mod kernel;
mod quickstart;
mod resource;
mod support;

mod process;
mod proxy;
mod recover;

// PostgreSQL on the host (issue 6).
mod database;
mod postgres;

// PostgreSQL in a container (issue 6).
mod database_container;

// `--metrics-listen` and `--pushgateway`.
mod metrics_out;
// A real Prometheus and Pushgateway: scraping, `prometheus` probes, pushing.
mod prometheus_real;
// Suites: order and cooldown (issue 12).
mod suites;
// `http` probes that check a JSON body (issue 12).
mod json_health;
// `chaosc report`, `$GITHUB_STEP_SUMMARY` and `--report-only` (issue 14).
mod reports_cli;
// `--compat legacy` (issue 14).
mod legacy_outputs;
