//! A service's readiness address. A spawned service whose port another program already
//! holds exits at once, while the other program answers the readiness check: so
//! preflight refuses an address that answers before the service is started, and a
//! service must still be running when its check passes (`super::start`). Who owns the
//! listening socket is not checked: a service may run its server in a container, whose
//! processes are not its children.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::plan::{ProbeCheck, Ready};
use crate::probe::check::resolve;

/// The `host:port` the readiness check connects to, when it is an HTTP URL or a TCP
/// address.
pub fn ready_address(ready: &Ready) -> Option<String> {
    let text = match ready {
        Ready::Url(url) => resolve(url).ok()?,
        Ready::Probe(probe) => match &probe.check {
            ProbeCheck::Http { url, .. } => resolve(url).ok()?,
            ProbeCheck::Tcp { address, .. } => return resolve(address).ok(),
            _ => return None,
        },
    };
    let url = reqwest::Url::parse(&text).ok()?;
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// `Err` when something already accepts connections at `address` (before the service
/// is started, nothing of ours should).
pub fn not_in_use(address: &str) -> Result<(), String> {
    let Ok(addrs) = address.to_socket_addrs() else {
        return Ok(());
    };
    for addr in addrs {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok() {
            return Err(format!(
                "`{address}` already answers before the service is started: another program holds it"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_in_use_is_refused_and_a_free_one_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        assert!(not_in_use(&address).is_err());
        drop(listener);
        assert!(not_in_use(&address).is_ok());
    }

    #[test]
    fn the_address_comes_from_the_url_or_the_tcp_probe() {
        let ready = Ready::Url(crate::plan::Text::Literal(
            "http://127.0.0.1:18080/x".into(),
        ));
        assert_eq!(ready_address(&ready).as_deref(), Some("127.0.0.1:18080"));
    }
}
