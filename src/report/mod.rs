//! Reports of a run, written into its report folder: `results.json` (the
//! [`results::RunResults`] model), `report.md`, `junit.xml`, `metrics.prom`.

pub mod results;
