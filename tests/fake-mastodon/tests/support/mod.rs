//! What the fake server's own tests share: a minimal HTTP/1.1 client that shows the wire
//! (status, headers, chunked framing), and WebSocket helpers.
#![allow(dead_code)] // each test file uses a different part of this

use std::future::Future;
use std::time::Duration;

use fake_mastodon::FakeServer;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .expect("timed out")
}

/// A minimal HTTP/1.1 client that decodes chunked bodies incrementally.
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    stream: TcpStream,
    raw: Vec<u8>,
    pub body: Vec<u8>,
    chunked: bool,
    content_length: Option<usize>,
    /// The terminating chunk (or the whole content-length body) arrived.
    complete: bool,
}

impl Http {
    pub async fn get(server: &FakeServer, target: &str, headers: &[(&str, &str)]) -> Http {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let mut req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        let head_end = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut tmp = [0u8; 4096];
            let n = within(stream.read(&mut tmp)).await.unwrap();
            assert!(n > 0, "connection closed before the response head");
            raw.extend_from_slice(&tmp[..n]);
        };
        let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
        raw.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let content_length = find("content-length").map(|v| v.parse().unwrap());
        let mut h = Http {
            status,
            headers,
            stream,
            raw,
            body: Vec::new(),
            chunked,
            content_length,
            complete: false,
        };
        h.decode();
        h
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn decode(&mut self) {
        if !self.chunked {
            self.body.append(&mut self.raw);
            if self.content_length.is_some_and(|n| self.body.len() >= n) {
                self.complete = true;
            }
            return;
        }
        while let Some(i) = self.raw.windows(2).position(|w| w == b"\r\n") {
            let size_line = std::str::from_utf8(&self.raw[..i]).unwrap();
            let size =
                usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16).unwrap();
            if self.raw.len() < i + 2 + size + 2 {
                return;
            }
            self.body.extend_from_slice(&self.raw[i + 2..i + 2 + size]);
            self.raw.drain(..i + 2 + size + 2);
            if size == 0 {
                self.complete = true;
                return;
            }
        }
    }

    /// Reads more; false at EOF.
    pub async fn fill(&mut self) -> bool {
        let mut tmp = [0u8; 16384];
        match within(self.stream.read(&mut tmp)).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&tmp[..n]);
                self.decode();
                true
            }
        }
    }

    /// Takes the decoded body up to and including `pat`.
    pub async fn read_until(&mut self, pat: &str) -> String {
        loop {
            if let Some(i) = self
                .body
                .windows(pat.len())
                .position(|w| w == pat.as_bytes())
            {
                let out: Vec<u8> = self.body.drain(..i + pat.len()).collect();
                return String::from_utf8(out).unwrap();
            }
            assert!(
                self.fill().await,
                "EOF before {pat:?}; have {:?}",
                String::from_utf8_lossy(&self.body)
            );
        }
    }

    /// Reads to EOF; returns the rest of the body and whether it ended properly.
    pub async fn read_to_end(&mut self) -> (String, bool) {
        while !self.complete && self.fill().await {}
        let body = String::from_utf8(std::mem::take(&mut self.body)).unwrap();
        (body, self.complete)
    }
}

pub const AUTH: (&str, &str) = ("Authorization", "Bearer test-token");

pub fn ws_request(server: &FakeServer, query: &str) -> tungstenite::handshake::client::Request {
    let mut req = format!("{}/api/v1/streaming{query}", server.ws_url())
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", "Bearer test-token".parse().unwrap());
    req
}

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

pub async fn next_text(ws: &mut Ws) -> String {
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Text(t))) => return t.to_string(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}
