//! The README's main job: `chaosc run scenarios/quickstart.chaos` on this machine, with
//! its own web server (python3), for real.

use std::path::Path;
use std::time::Duration;

use super::support::{self, chaosc, results};

#[test]
fn the_quickstart_runs_for_real_and_passes() {
    if !support::available(
        "python3",
        support::on_path("python3"),
        "the quickstart's web server is `python3 -m http.server`",
    ) {
        return;
    }
    let _one = support::exclusive();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("a temp dir");
    let reports = tmp.path().join("reports");
    let file = root.join("scenarios/quickstart.chaos");
    let ran = chaosc(
        tmp.path(),
        &[
            "run",
            file.to_str().unwrap_or(""),
            "--report-dir",
            reports.to_str().unwrap_or(""),
        ],
        Duration::from_secs(90),
    );
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stdout.contains("reports in"), "{ran:#?}");
    let r = results(&reports);
    let s = &r["scenarios"][0];
    let steps = s["steps"].as_array().expect("steps");
    for step in steps {
        assert_eq!(step["evidence"]["took_effect"], true, "{step:#}");
    }
    // The freeze really froze the server: some samples failed while it was paused.
    let failures: u64 = s["probes"][0]["failures"]
        .as_object()
        .map(|f| f.values().filter_map(|v| v.as_u64()).sum())
        .unwrap_or(0);
    assert!(failures > 0, "{s:#}");
    for name in ["results.json", "journal", "services/web.log"] {
        assert!(reports.join(name).exists(), "{name} is written");
    }
}
