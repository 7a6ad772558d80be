//! A raw streaming endpoint for hostile-input tests.
//!
//! The hub carries frames as UTF-8 text, so it cannot send what a broken or malicious server
//! can: invalid UTF-8, a line that never ends. [`RawStream`] answers every streaming request
//! with `200 text/event-stream` (and `/api/v1/streaming/health` with `OK`), then writes exactly
//! the bytes a test hands to [`RawStream::send`]. Point a client at it through
//! [`Options::advertised_streaming_url`](crate::Options): the instance stays the fake server,
//! the stream comes from here.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

pub struct RawStream {
    addr: std::net::SocketAddr,
    streams: Arc<Mutex<Vec<OwnedWriteHalf>>>,
    /// How many event-stream requests were answered so far.
    accepted: watch::Receiver<usize>,
    task: JoinHandle<()>,
}

impl RawStream {
    pub async fn start() -> RawStream {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("bound address");
        let streams: Arc<Mutex<Vec<OwnedWriteHalf>>> = Arc::default();
        let (count_tx, accepted) = watch::channel(0usize);
        let list = streams.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (mut read, mut write) = socket.into_split();
                let list = list.clone();
                let count_tx = count_tx.clone();
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut read).await else {
                        return;
                    };
                    if head.starts_with("GET /api/v1/streaming/health") {
                        let _ = write
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK")
                            .await;
                        return;
                    }
                    let ok = write
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n")
                        .await;
                    if ok.is_ok() {
                        list.lock().await.push(write);
                        count_tx.send_modify(|n| *n += 1);
                        // Keep reading so a closed client is noticed by the next write.
                        let mut sink = [0u8; 256];
                        while matches!(read.read(&mut sink).await, Ok(n) if n > 0) {}
                    }
                });
            }
        });
        RawStream {
            addr,
            streams,
            accepted,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, for `advertised_streaming_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until `n` event-stream requests have been answered in total.
    pub async fn wait_accepted(&self, n: usize) {
        let mut rx = self.accepted.clone();
        let _ = rx.wait_for(|&c| c >= n).await;
    }

    /// Writes `bytes` as they are to every open stream (waiting while a client reads slowly);
    /// streams whose client went away are forgotten. Returns how many streams took them.
    pub async fn send(&self, bytes: &[u8]) -> usize {
        let mut streams = self.streams.lock().await;
        let mut alive = Vec::with_capacity(streams.len());
        for mut w in streams.drain(..) {
            if w.write_all(bytes).await.is_ok() && w.flush().await.is_ok() {
                alive.push(w);
            }
        }
        *streams = alive;
        streams.len()
    }
}

impl Drop for RawStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The request head, up to the blank line (bounded; `None` when the client gave up).
async fn read_head(read: &mut tokio::net::tcp::OwnedReadHalf) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = read.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}
