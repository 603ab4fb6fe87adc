//! `ticketbot healthcheck`: GET /health from the bot's own HTTP server.
//!
//! The container image has no curl or shell, so the binary is its own probe
//! (the Dockerfile's HEALTHCHECK). It reads only `HTTP_ADDR`: a probe that
//! needed the token or the database would report their problems as the
//! server's. One line on stdout, which Docker keeps in the health log.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::Config;

/// A server that takes longer than this to say it is alive is not; well
/// below Docker's default HEALTHCHECK timeout of 30 s.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The command as `main` runs it, before (and instead of) the rest of the
/// configuration. Exit 0 healthy, 1 anything else: Docker reserves 2, so
/// even a bad `HTTP_ADDR` is 1 here.
pub fn run_from_env() -> u8 {
    // Only HTTP_ADDR is shown to the parser: settings that only `run`
    // needs must not fail the probe.
    let addr = Config::load_dotenv()
        .and_then(|()| Config::from_lookup(|k| if k == "HTTP_ADDR" { std::env::var(k).ok() } else { None }));
    let addr = match addr {
        Ok(config) => config.http_addr,
        Err(e) => {
            println!("unhealthy: {e}");
            return 1;
        }
    };
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(report(addr)),
        Err(e) => {
            println!("unhealthy: cannot start the async runtime: {e}");
            1
        }
    }
}

/// Probes `addr` and prints the verdict; the result is the exit code.
pub async fn report(addr: SocketAddr) -> u8 {
    match check(addr, TIMEOUT).await {
        Ok(line) => {
            println!("healthy: {line}");
            0
        }
        Err(line) => {
            println!("unhealthy: {line}");
            1
        }
    }
}

/// `Ok` when /health answers 200 within `timeout`; either way a line that
/// says what happened.
pub async fn check(addr: SocketAddr, timeout: Duration) -> Result<String, String> {
    // One deadline for every target: the probe as a whole takes at most `timeout`.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last = String::new();
    for target in targets(addr) {
        let url = format!("http://{target}/health");
        match tokio::time::timeout_at(deadline, status_of(target)).await {
            Ok(Ok(200)) => return Ok(format!("{url} answered 200")),
            Ok(Ok(code)) => return Err(format!("{url} answered {code}")),
            Err(_) => return Err(format!("no answer from {url} within {} ms", timeout.as_millis())),
            Ok(Err(e)) => last = format!("{url}: {e}"),
        }
    }
    Err(last)
}

/// Where to knock. A server listening on every address (0.0.0.0, [::]) is
/// reached on loopback; for [::] both families, since a container may have
/// no IPv6 loopback and a host may not map IPv4 into an IPv6 socket.
fn targets(addr: SocketAddr) -> Vec<SocketAddr> {
    let port = addr.port();
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))],
        IpAddr::V6(ip) if ip.is_unspecified() => {
            vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port)), SocketAddr::from((Ipv6Addr::LOCALHOST, port))]
        }
        _ => vec![addr],
    }
}

/// The status code of `GET /health`: only the status line is read.
async fn status_of(target: SocketAddr) -> io::Result<u16> {
    let mut stream = TcpStream::connect(target).await?;
    let request = format!(
        "GET /health HTTP/1.1\r\nHost: {target}\r\nUser-Agent: ticketbot-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    // A status line is short; 1 KiB without a line end is not HTTP.
    while !head.contains(&b'\n') && head.len() < 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    status_code(&head).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the answer is not HTTP"))
}

/// `HTTP/1.1 200 OK\r\n…` → 200.
fn status_code(head: &[u8]) -> Option<u16> {
    let end = head.iter().position(|b| *b == b'\n')?;
    let line = std::str::from_utf8(&head[..end]).ok()?.trim_end();
    let mut parts = line.split(' ');
    parts.next().filter(|version| version.starts_with("HTTP/1."))?;
    parts.next().filter(|code| code.len() == 3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 503 Service Unavailable\r\n"), Some(503));
        assert_eq!(status_code(b"HTTP/1.1 200 OK"), None, "no line end yet");
        assert_eq!(status_code(b"SSH-2.0-OpenSSH_9.2\r\n"), None);
        assert_eq!(status_code(b"HTTP/1.1 2000 OK\r\n"), None);
        assert_eq!(status_code(b""), None);
    }

    #[test]
    fn unspecified_addresses_become_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(targets(v4), vec!["127.0.0.1:8080".parse().unwrap()]);
        let v6: SocketAddr = "[::]:9000".parse().unwrap();
        assert_eq!(targets(v6), vec!["127.0.0.1:9000".parse().unwrap(), "[::1]:9000".parse().unwrap()]);
        let given: SocketAddr = "10.1.2.3:80".parse().unwrap();
        assert_eq!(targets(given), vec![given]);
    }
}
