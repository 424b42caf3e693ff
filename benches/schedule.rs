//! How closely `chaosc run` keeps its schedule: a real run of many short steps, and the
//! distribution of (actual start − planned start) read back from `results.json`.
//!
//! `cargo bench --bench schedule` (plain harness). `CHAOSC_BENCH_STEPS` sets the number
//! of steps (default 200, one every 50 ms).

use std::process::Command;

fn main() {
    let steps: usize = std::env::var("CHAOSC_BENCH_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return eprintln!("no temp dir: {e}"),
    };
    let mut text = String::from("scenario \"many short steps\" {\n  timeline {\n");
    for i in 0..steps {
        text.push_str(&format!(
            "    at {}ms cpu_stress(workers: 1, load: 10%) for 20ms as s{i}\n",
            i * 50
        ));
    }
    text.push_str("  }\n  recover within 1s checks 1\n}\n");
    let file = dir.path().join("steps.chaos");
    if let Err(e) = std::fs::write(&file, text) {
        return eprintln!("cannot write the scenario: {e}");
    }
    let reports = dir.path().join("reports");
    let status = Command::new(env!("CARGO_BIN_EXE_chaosc"))
        .arg("run")
        .arg(&file)
        .arg("--report-dir")
        .arg(&reports)
        .arg("-q")
        .status();
    match status {
        Ok(s) if s.code() == Some(0) || s.code() == Some(1) => {}
        other => return eprintln!("the run failed: {other:?}"),
    }
    let results: serde_json::Value = match std::fs::read_to_string(reports.join("results.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return eprintln!("no results: {e}"),
    };
    let mut late: Vec<f64> = results["scenarios"][0]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| {
                    Some(s["actual_start_ms"].as_f64()? - s["planned_start_ms"].as_f64()?)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ends: Vec<f64> = results["scenarios"][0]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| Some(s["actual_end_ms"].as_f64()? - s["planned_end_ms"].as_f64()?))
                .collect()
        })
        .unwrap_or_default();
    late.sort_by(f64::total_cmp);
    ends.sort_by(f64::total_cmp);
    let pct = |v: &[f64], p: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
        v[i.min(v.len() - 1)]
    };
    println!("schedule: {} steps, one every 50 ms", late.len());
    println!(
        "  start lateness (actual - planned), ms: min {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}",
        pct(&late, 0.0),
        pct(&late, 50.0),
        pct(&late, 90.0),
        pct(&late, 99.0),
        pct(&late, 100.0)
    );
    println!(
        "  end (reverted) - planned end, ms: min {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}",
        pct(&ends, 0.0),
        pct(&ends, 50.0),
        pct(&ends, 90.0),
        pct(&ends, 99.0),
        pct(&ends, 100.0)
    );
}
