//! `chaosc run --pushgateway URL`: the run's `metrics.prom` sent to a Prometheus
//! Pushgateway once the reports are written, as the group
//! `job="chaosc", run_id="RUN_ID"` (a PUT, which replaces the group).

use std::time::Duration;

use reqwest::Url;

/// The whole push, connection included, ends by then.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What the Pushgateway is given, as its text-format parser expects.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Checks a `--pushgateway` value: an http(s) URL with a host and no query or fragment
/// (the group's path is appended to it).
pub fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a url ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "`{text}` is not an http or https url (scheme `{}`); write it as `http://HOST:PORT`",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "`{text}` has a query or fragment; give the Pushgateway's base url"
        ));
    }
    Ok(url)
}

/// `{base}/metrics/job/chaosc/run_id/{run_id}`. A run id that is not plain letters,
/// digits, `.`, `_` or `-` is sent in the Pushgateway's base64 form
/// (`run_id@base64/…`), which carries any value, `/` included, through proxies.
pub fn group_url(base: &Url, run_id: &str) -> Url {
    let mut url = base.clone();
    let plain = !run_id.is_empty()
        && run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let (label, value) = if plain {
        ("run_id".to_string(), run_id.to_string())
    } else if run_id.is_empty() {
        // The Pushgateway's spelling of an empty value.
        ("run_id@base64".to_string(), "=".to_string())
    } else {
        ("run_id@base64".to_string(), base64url(run_id.as_bytes()))
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["metrics", "job", "chaosc", &label, &value]);
    }
    url
}

/// The URL for messages: without a password it may hold.
pub fn display(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

/// PUTs `text` (the exposition text of `metrics.prom`) as the run's group. Returns the
/// group's URL; an error says what failed, for one error line.
pub fn push(base: &Url, run_id: &str, text: &str) -> Result<Url, String> {
    let url = group_url(base, run_id);
    let shown = display(&url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the push: {e}"))?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // A redirect would resend the metrics somewhere the user did not name.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the http client: {e}"))?;
        let response = client
            .put(url.clone())
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(text.to_string())
            .send()
            .await
            // The URL is in the message already; reqwest's own would repeat it.
            .map_err(|e| {
                let e = e.without_url();
                format!("cannot push the metrics to `{shown}`: {}", chain(&e))
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(url.clone());
        }
        let body = response.text().await.unwrap_or_default();
        let said = body.lines().next().unwrap_or("").trim();
        let said: String = said.chars().take(200).collect();
        Err(if said.is_empty() {
            format!("the Pushgateway at `{shown}` refused the metrics: {status}")
        } else {
            format!("the Pushgateway at `{shown}` refused the metrics: {status}: {said}")
        })
    })
}

/// An error with its causes (`error sending request: … connection refused`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// RFC 4648 §5 base64url with padding, as the Pushgateway decodes it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648() {
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), encoded, "{input}");
        }
        // The url alphabet: `-` and `_` instead of `+` and `/`.
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8=");
    }

    #[test]
    fn the_group_is_appended_to_the_base_url() {
        let url = |base: &str, run: &str| group_url(&parse_url(base).unwrap(), run).to_string();
        assert_eq!(
            url("http://pg:9091", "20261126T202753Z"),
            "http://pg:9091/metrics/job/chaosc/run_id/20261126T202753Z"
        );
        assert_eq!(
            url("https://pg.example/prefix/", "r-1.2_3"),
            "https://pg.example/prefix/metrics/job/chaosc/run_id/r-1.2_3"
        );
        assert_eq!(
            url("http://pg:9091", "a/b c"),
            "http://pg:9091/metrics/job/chaosc/run_id@base64/YS9iIGM="
        );
        assert_eq!(
            url("http://pg:9091", ""),
            "http://pg:9091/metrics/job/chaosc/run_id@base64/="
        );
    }

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        assert!(parse_url("http://127.0.0.1:9091").is_ok());
        assert!(parse_url("https://pg.example/base").is_ok());
        for bad in [
            "ftp://pg.example",
            "file:///tmp/x",
            "pg.example:9091",
            "http://pg.example/?x=1",
            "http://pg.example/#top",
            "not a url",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_not_shown() {
        let url = parse_url("http://user:secret@pg:9091").unwrap();
        assert_eq!(display(&url), "http://user:***@pg:9091/");
    }
}
