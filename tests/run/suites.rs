//! `chaosc run --suite`: the suite's order and its `cooldown` between scenarios.

use std::time::Duration;

use super::support::{self, num, results, run_confirmed_with, unix_ms, FlagServer};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_suite_waits_its_cooldown_between_scenarios() {
    let _one = support::exclusive();
    let server = FlagServer::start();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let scenario = |name: &str| {
        format!(
            r#"/// The {name} scenario of the suite.
scenario "{name}" {{
  timeline {{
    at 0s exec(run: ["true"], revert: ["true"]) for 500ms
  }}
  recover within 5s
  slo {{
    availability(web) >= 90%
  }}
}}
"#
        )
    };
    let text = format!(
        r#"probe web = http("http://127.0.0.1:{port}/", every: 100ms, timeout: 1s)

suite pair {{
  scenarios ["second", "first"]
  cooldown 1s
}}

{first}
{second}"#,
        port = server.port,
        first = scenario("first"),
        second = scenario("second"),
    );
    let file = tmp.path().join("suite.chaos");
    std::fs::write(&file, text).expect("the scenario is written");
    let reports = tmp.path().join("reports");
    let ran = run_confirmed_with(tmp.path(), &file, &reports, &["--suite", "pair"], LIMIT);
    assert_eq!(ran.code, 0, "{ran:#?}");
    assert!(ran.stderr.contains("cooldown 1000 ms"), "{ran:#?}");
    let r = results(&reports);
    assert_eq!(r["plan"]["safety"]["cooldown_ms"], 1000);
    let (one, two) = (&r["scenarios"][0], &r["scenarios"][1]);
    assert_eq!(one["name"], "second", "the suite's order");
    assert_eq!(two["name"], "first");
    // Each scenario's `///` documentation is carried into its result.
    assert_eq!(one["doc"], "The second scenario of the suite.");
    assert_eq!(two["doc"], "The first scenario of the suite.");
    // The first scenario ends with its recovery; the second starts a cooldown later.
    let started = |s: &serde_json::Value| unix_ms(s["started_at"].as_str().expect("started_at"));
    let first_end = started(one) + num(one, &["phases", "recovery", "end_ms"]);
    let gap = started(two) - first_end;
    eprintln!("suite cooldown: the second scenario started {gap:.0} ms after the first ended");
    assert!(gap >= 1000.0, "gap {gap} ms");
    assert!(gap < 4000.0, "gap {gap} ms");
}
