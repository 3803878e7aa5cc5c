//! A minimal HTTP/1.1 responder for `/metrics`: one request per
//! connection, bounded in size and time, so a slow or hostile client costs
//! at most the timeouts and never memory.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The longest request head read (a scraper's is ~200 bytes).
pub const MAX_REQUEST: usize = 8 * 1024;
/// How long a client may take to send its request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a client may take to read the answer.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /metrics` (or `HEAD`).
    Metrics {
        /// `HEAD`: headers only.
        head: bool,
    },
    /// `GET /`: a page linking to /metrics.
    Index,
    /// Any other path.
    NotFound,
    /// A method other than GET or HEAD.
    MethodNotAllowed,
    /// Not an HTTP request line.
    BadRequest,
}

/// Parses a request head (pure).
pub fn route(head: &[u8]) -> Route {
    let Ok(text) = std::str::from_utf8(head) else { return Route::BadRequest };
    let Some(line) = text.lines().next() else { return Route::BadRequest };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Route::BadRequest;
    };
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return Route::BadRequest;
    }
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Route::MethodNotAllowed,
    };
    let path = target.split('?').next().unwrap_or(target);
    match path {
        "/metrics" => Route::Metrics { head },
        "/" => Route::Index,
        _ => Route::NotFound,
    }
}

/// Reads a request head: up to the blank line, at most [`MAX_REQUEST`]
/// bytes, within [`READ_TIMEOUT`].
pub fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(head);
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Ok(head);
        }
        if head.len() >= MAX_REQUEST {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "request head too long"));
        }
    }
}

/// Writes a complete response and closes.
pub fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
    head: bool,
) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

/// The index page.
pub const INDEX: &str = "<html><head><title>helios64-exporter</title></head><body>\
<h1>helios64-exporter</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        for (head, want) in [
            (&b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"[..], Route::Metrics { head: false }),
            (b"GET /metrics?collect[]=x HTTP/1.0\r\n\r\n", Route::Metrics { head: false }),
            (b"HEAD /metrics HTTP/1.1\r\n\r\n", Route::Metrics { head: true }),
            (b"GET / HTTP/1.1\r\n\r\n", Route::Index),
            (b"GET /etc/passwd HTTP/1.1\r\n\r\n", Route::NotFound),
            (b"POST /metrics HTTP/1.1\r\n\r\n", Route::MethodNotAllowed),
            (b"GET /metrics\r\n\r\n", Route::BadRequest),
            (b"GET /metrics SMTP/1.0\r\n\r\n", Route::BadRequest),
            (b"\xff\xfe", Route::BadRequest),
            (b"", Route::BadRequest),
        ] {
            assert_eq!(route(head), want, "{:?}", String::from_utf8_lossy(head));
        }
    }
}
