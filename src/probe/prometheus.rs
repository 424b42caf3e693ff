//! `prometheus(URL, query, expect)`: one instant query through the Prometheus HTTP API,
//! whose value must satisfy a comparison such as `"< 0.05"`.
//!
//! The request is `GET {url}/api/v1/query?query=…`. Only `vector` and `scalar` results
//! have a value to compare; every series of a vector must satisfy the comparison, so
//! a per-instance query fails as soon as one instance is out of bounds, and an empty
//! vector fails (no data is no evidence). See `docs/probes.md`.

use std::time::Duration;

use serde::Deserialize;

use super::sample::Outcome;
use crate::shared::comparison::Comparison;

/// The query endpoint for `base`: `base` itself when its path already ends in
/// `/api/v1/query`, otherwise `/api/v1/query` appended to its path (so a Prometheus
/// behind a path prefix, `http://host/prom`, works). `query` is added as a query
/// pair, after any the URL already has.
pub fn query_url(mut base: reqwest::Url, query: &str) -> Result<reqwest::Url, String> {
    if base.cannot_be_a_base() {
        return Err("the probe's url cannot have a path".into());
    }
    if !base.path().trim_end_matches('/').ends_with("/api/v1/query") {
        let path = format!("{}/api/v1/query", base.path().trim_end_matches('/'));
        base.set_path(&path);
    }
    base.query_pairs_mut().append_pair("query", query);
    Ok(base)
}

/// A Prometheus check ready to be sampled.
#[derive(Debug, Clone)]
pub struct Prometheus {
    pub client: reqwest::Client,
    pub url: reqwest::Url,
    pub expect: Comparison,
}

impl Prometheus {
    /// One query; the whole exchange (connect, answer, body) ends within `timeout`.
    pub async fn sample(&self, timeout: Duration) -> Outcome {
        let exchange = async {
            let response = self
                .client
                .get(self.url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(super::check::classify)?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(|e| {
                if e.is_timeout() {
                    Outcome::Timeout
                } else {
                    Outcome::Body
                }
            })?;
            Ok::<_, Outcome>(classify(status, &body, &self.expect))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(outcome)) | Ok(Err(outcome)) => outcome,
            Err(_) => Outcome::Timeout,
        }
    }
}

#[derive(Deserialize)]
struct Response {
    status: String,
    data: Option<Data>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<Series>),
    Scalar(Point),
    // `matrix` (a range selector such as `up[5m]`) and `string` have no single value.
    Matrix(#[allow(dead_code)] serde::de::IgnoredAny),
    String(#[allow(dead_code)] serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Series {
    value: Point,
}

/// `[unix_seconds, "value"]`: Prometheus sends the value as a string (`"NaN"`, `"+Inf"`).
#[derive(Deserialize)]
struct Point(#[allow(dead_code)] serde::de::IgnoredAny, String);

impl Point {
    /// The value; `None` when it is not a number Prometheus writes.
    fn value(&self) -> Option<f64> {
        // Rust parses `NaN`, `+Inf` and `-Inf` (any case), as Prometheus writes them.
        self.1.trim().parse().ok()
    }
}

/// The outcome of an answer with HTTP status `status` and body `body`:
///
/// - `status`: not HTTP 200, or a JSON answer whose `status` is not `"success"`;
/// - `body`: not the JSON of the query API, a result that is neither a vector nor a
///   scalar, or a value that is not a number;
/// - `expect`: a value that does not satisfy the comparison, or an empty vector;
/// - `ok`: every value satisfies it.
pub fn classify(status: u16, body: &[u8], expect: &Comparison) -> Outcome {
    if status != 200 {
        return Outcome::Status;
    }
    let Ok(response) = serde_json::from_slice::<Response>(body) else {
        return Outcome::Body;
    };
    if response.status != "success" {
        return Outcome::Status;
    }
    let points: Vec<&Point> = match &response.data {
        Some(Data::Vector(series)) => series.iter().map(|s| &s.value).collect(),
        Some(Data::Scalar(point)) => vec![point],
        Some(Data::Matrix(_) | Data::String(_)) | None => return Outcome::Body,
    };
    if points.is_empty() {
        return Outcome::Expect;
    }
    let mut satisfied = true;
    for point in points {
        match point.value() {
            None => return Outcome::Body,
            Some(v) => satisfied &= expect.holds(v),
        }
    }
    if satisfied {
        Outcome::Ok
    } else {
        Outcome::Expect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_endpoint_is_appended_unless_given() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let q = "sum(rate(errors[1m])) / sum(rate(requests[1m]))";
        let encoded =
            "query=sum%28rate%28errors%5B1m%5D%29%29+%2F+sum%28rate%28requests%5B1m%5D%29%29";
        let cases = [
            (
                "http://127.0.0.1:9090",
                "http://127.0.0.1:9090/api/v1/query?",
            ),
            (
                "http://127.0.0.1:9090/",
                "http://127.0.0.1:9090/api/v1/query?",
            ),
            ("http://h/prom/", "http://h/prom/api/v1/query?"),
            ("http://h/api/v1/query", "http://h/api/v1/query?"),
            (
                "http://h/api/v1/query?timeout=2s",
                "http://h/api/v1/query?timeout=2s&",
            ),
        ];
        for (base, want) in cases {
            let got = query_url(url(base), q).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got.as_str(), format!("{want}{encoded}"), "{base}");
        }
        assert!(query_url(url("mailto:a@b"), q).is_err());
    }

    fn vector(values: &[&str]) -> String {
        let series: Vec<String> = values
            .iter()
            .map(|v| format!(r#"{{"metric":{{"instance":"a"}},"value":[1700000000.123,"{v}"]}}"#))
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            series.join(",")
        )
    }

    #[test]
    fn answers_are_classified() {
        let lt = Comparison::parse("< 0.05").unwrap();
        let c = |status: u16, body: &str| classify(status, body.as_bytes(), &lt);
        assert_eq!(c(200, &vector(&["0.01"])), Outcome::Ok);
        assert_eq!(c(200, &vector(&["0.01", "0.049"])), Outcome::Ok);
        // Every series must satisfy the comparison.
        assert_eq!(c(200, &vector(&["0.01", "0.2"])), Outcome::Expect);
        assert_eq!(c(200, &vector(&["0.05"])), Outcome::Expect);
        // No series: no data.
        assert_eq!(c(200, &vector(&[])), Outcome::Expect);
        assert_eq!(c(200, &vector(&["NaN"])), Outcome::Expect);
        assert_eq!(c(200, &vector(&["+Inf"])), Outcome::Expect);
        assert_eq!(c(200, &vector(&["-Inf"])), Outcome::Ok);
        assert_eq!(c(200, &vector(&["not a number"])), Outcome::Body);
        let scalar = |v: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"scalar","result":[1.5,"{v}"]}}}}"#
            )
        };
        assert_eq!(c(200, &scalar("0")), Outcome::Ok);
        assert_eq!(c(200, &scalar("1")), Outcome::Expect);
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"0"]]}]}}"#;
        assert_eq!(c(200, matrix), Outcome::Body);
        let string = r#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert_eq!(c(200, string), Outcome::Body);
        // Errors: Prometheus answers 400/422/503 with `status: error`.
        let error = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(c(400, error), Outcome::Status);
        assert_eq!(c(200, error), Outcome::Status);
        assert_eq!(c(503, &vector(&["0"])), Outcome::Status);
        assert_eq!(c(200, "<html>not prometheus</html>"), Outcome::Body);
        assert_eq!(c(200, r#"{"status":"success"}"#), Outcome::Body);
        assert_eq!(
            c(
                200,
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}"#
            ),
            Outcome::Body
        );
        assert_eq!(c(200, ""), Outcome::Body);
    }
}
