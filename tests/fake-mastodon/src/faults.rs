//! Misbehaviour below HTTP, which an axum server cannot show: a raw TCP listener on
//! `127.0.0.1` whose connections do exactly what a [`RawFault`] says, byte by byte.
//!
//! Each accepted connection reads the request head (up to a blank line, at most 16 KiB; of a TLS
//! ClientHello, its first read), then plays the fault that
//! is set at that moment. [`RawServer::wait_accepted`] is the synchronisation point: tests
//! never sleep.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::lock;

/// What a connection to a [`RawServer`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawFault {
    /// Accept, then never read nor write: the client's request waits for an answer forever.
    Silent,
    /// Read what the client sends first (an HTTP request head, or a TLS ClientHello), then
    /// close the connection.
    CloseAfterRequest,
    /// Answer with these bytes right away (an HTTP answer, or anything that is not TLS),
    /// then hold the connection open.
    Reply(Vec<u8>),
    /// Answer an SSE request with `200 text/event-stream` headers and `body`, then reset the
    /// connection (TCP RST: `SO_LINGER` 0) — e.g. in the middle of an event.
    SseResetAfter(Vec<u8>),
    /// Answer with SSE headers, then write `body` one byte at a time, one every `every`,
    /// then hold the connection open.
    SseTrickle { body: Vec<u8>, every: Duration },
    /// Answer with SSE headers and `body`, then hold the connection open (a good stream).
    Sse(Vec<u8>),
    /// Answer with SSE headers and `body`, then write `x` as fast as the client reads, never
    /// a line end, until it goes.
    SseFlood(Vec<u8>),
    /// Complete a WebSocket handshake, write `bytes` raw (frames, or a part of one), then
    /// reset the connection.
    WsResetAfter(Vec<u8>),
    /// Complete a WebSocket handshake, then write `bytes` one at a time, one every `every`.
    WsTrickle { bytes: Vec<u8>, every: Duration },
    /// Complete a WebSocket handshake and send these text messages, then hold the connection.
    Ws(Vec<String>),
}

/// A server frame (unmasked) carrying one text message.
pub fn ws_text_frame(text: &str) -> Vec<u8> {
    let payload = text.as_bytes();
    let mut frame = vec![0x81];
    match payload.len() {
        n if n < 126 => frame.push(n as u8),
        n if n <= 0xFFFF => {
            frame.push(126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

/// An SSE event as a server writes it.
pub fn sse_event(event: &str, data: &str) -> Vec<u8> {
    format!("event: {event}\ndata: {data}\n\n").into_bytes()
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\n\r\n";

struct RawShared {
    /// The faults of the next connections, in order; the last one stays.
    faults: Mutex<VecDeque<RawFault>>,
    heads: Mutex<Vec<String>>,
    accepted: watch::Sender<usize>,
}

/// A raw TCP server playing [`RawFault`]s. Dropping it closes the listener and every
/// connection.
pub struct RawServer {
    addr: SocketAddr,
    shared: Arc<RawShared>,
    task: JoinHandle<()>,
}

impl RawServer {
    pub async fn start(fault: RawFault) -> RawServer {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("fake-mastodon: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(RawShared {
            faults: Mutex::new(VecDeque::from([fault])),
            heads: Mutex::new(Vec::new()),
            accepted: watch::Sender::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        RawServer { addr, shared, task }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault played by connections accepted from now on.
    pub fn set_fault(&self, fault: RawFault) {
        self.set_faults(vec![fault]);
    }

    /// The faults of the next connections, one each, in order; the last one then stays.
    /// An empty list means [`RawFault::Silent`].
    pub fn set_faults(&self, faults: Vec<RawFault>) {
        let mut faults = VecDeque::from(faults);
        if faults.is_empty() {
            faults.push_back(RawFault::Silent);
        }
        *lock(&self.shared.faults) = faults;
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        *self.shared.accepted.borrow()
    }

    /// Waits until at least `n` connections have been accepted.
    pub async fn wait_accepted(&self, n: usize) {
        let mut rx = self.shared.accepted.subscribe();
        let _ = rx.wait_for(|a| *a >= n).await;
    }

    /// The request heads read so far (lossy UTF-8), in order.
    pub fn heads(&self) -> Vec<String> {
        lock(&self.shared.heads).clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<RawShared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                let fault = {
                    let mut faults = lock(&shared.faults);
                    match faults.len() {
                        0 | 1 => faults.front().cloned().unwrap_or(RawFault::Silent),
                        _ => faults.pop_front().unwrap_or(RawFault::Silent),
                    }
                };
                shared.accepted.send_modify(|n| *n += 1);
                conns.spawn(play(socket, fault, shared.clone()));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Reads until the blank line that ends an HTTP request head (at most 16 KiB), or the first
/// read of a TLS ClientHello.
async fn read_head(socket: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while head.len() < 16 << 10 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        // A TLS record (0x16: handshake) is no HTTP head: its first read is all we wait for.
        if head.first() == Some(&0x16) {
            break;
        }
    }
    head
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// `Sec-WebSocket-Accept` for a key (RFC 6455: SHA-1 of key + GUID, base64).
fn ws_accept(key: &str) -> String {
    tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes())
}

async fn ws_handshake(socket: &mut TcpStream, head: &str) -> bool {
    let Some(key) = header(head, "sec-websocket-key") else {
        return false;
    };
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: {}\r\n\r\n",
        ws_accept(key)
    );
    socket.write_all(reply.as_bytes()).await.is_ok()
}

async fn hold(socket: &mut TcpStream) {
    // Read and discard until the client goes away (answers nothing, not even pings).
    let mut buf = [0u8; 1024];
    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
}

fn reset(socket: TcpStream) {
    let _ = socket.set_zero_linger();
    drop(socket);
}

async fn trickle(socket: &mut TcpStream, bytes: &[u8], every: Duration) -> bool {
    for b in bytes {
        if socket.write_all(std::slice::from_ref(b)).await.is_err() {
            return false;
        }
        tokio::time::sleep(every).await;
    }
    true
}

async fn play(mut socket: TcpStream, fault: RawFault, shared: Arc<RawShared>) {
    if fault == RawFault::Silent {
        std::future::pending::<()>().await;
    }
    let head = read_head(&mut socket).await;
    let head = String::from_utf8_lossy(&head).into_owned();
    lock(&shared.heads).push(head.clone());
    match fault {
        RawFault::Silent => {}
        RawFault::CloseAfterRequest => {}
        RawFault::Reply(bytes) => {
            if socket.write_all(&bytes).await.is_ok() {
                hold(&mut socket).await;
            }
        }
        RawFault::SseResetAfter(body) => {
            let _ = socket.write_all(SSE_HEAD).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.flush().await;
            reset(socket);
        }
        RawFault::SseTrickle { body, every } => {
            if socket.write_all(SSE_HEAD).await.is_ok() && trickle(&mut socket, &body, every).await
            {
                hold(&mut socket).await;
            }
        }
        RawFault::Sse(body) => {
            if socket.write_all(SSE_HEAD).await.is_ok() && socket.write_all(&body).await.is_ok() {
                hold(&mut socket).await;
            }
        }
        RawFault::SseFlood(body) => {
            let flood = vec![b'x'; 64 * 1024];
            if socket.write_all(SSE_HEAD).await.is_ok() && socket.write_all(&body).await.is_ok() {
                while socket.write_all(&flood).await.is_ok() {}
            }
        }
        RawFault::WsResetAfter(bytes) => {
            if ws_handshake(&mut socket, &head).await {
                let _ = socket.write_all(&bytes).await;
                let _ = socket.flush().await;
            }
            reset(socket);
        }
        RawFault::WsTrickle { bytes, every } => {
            if ws_handshake(&mut socket, &head).await && trickle(&mut socket, &bytes, every).await {
                hold(&mut socket).await;
            }
        }
        RawFault::Ws(messages) => {
            if !ws_handshake(&mut socket, &head).await {
                return;
            }
            for m in messages {
                if socket.write_all(&ws_text_frame(&m)).await.is_err() {
                    return;
                }
            }
            hold(&mut socket).await;
        }
    }
}
