//! A tiny HTTP/1.1 server on 127.0.0.1 for the probe tests: `/ok` answers 200
//! `hello world`, `/503` answers 503, `/slow` answers 200 after 3 s,
//! `/drip` sends its head and part of its body then stalls for 3 s, `/api/v1/query`
//! (whatever its query string) answers what `set_query_answer` last set (by default 404),
//! anything else 404.
//! Every connection is closed after one answer; every request is recorded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TestServer {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    query_answer: Arc<Mutex<(u16, String)>>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

impl TestServer {
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let query_answer = Arc::new(Mutex::new((404, String::new())));
        let (log, query) = (Arc::clone(&requests), Arc::clone(&query_answer));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, Arc::clone(&log), Arc::clone(&query)));
            }
        });
        TestServer {
            port,
            requests,
            query_answer,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What `/api/v1/query` answers from now on: an HTTP status and a body.
    pub fn set_query_answer(&self, status: u16, body: &str) {
        if let Ok(mut answer) = self.query_answer.lock() {
            *answer = (status, body.to_string());
        }
    }

    /// Every complete request received so far (head and body).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn answer(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<String>>>,
    query: Arc<Mutex<(u16, String)>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Read the head, then `content-length` bytes of body.
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let request = String::from_utf8_lossy(&buf).into_owned();
    let path = request.split(' ').nth(1).unwrap_or("").to_string();
    if let Ok(mut log) = log.lock() {
        log.push(request);
    }
    if path.split('?').next() == Some("/api/v1/query") {
        let (code, body) = query.lock().map(|a| a.clone()).unwrap_or_default();
        let response = format!(
            "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
    let (status, body) = match path.as_str() {
        "/ok" => ("200 OK", "hello world"),
        "/503" => ("503 Service Unavailable", "unavailable"),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            ("200 OK", "late")
        }
        "/drip" => {
            // Promises 100 bytes, sends 5, and stalls.
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(3)).await;
            return;
        }
        _ => ("404 Not Found", "no"),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
