//! The interpreter: runs a [`crate::plan::Plan`] (services, probes, phases, faults on a
//! monotonic-clock schedule, journal and guard, abort watchers, signals) and evaluates
//! assertions into verdicts.

pub mod evaluate;
