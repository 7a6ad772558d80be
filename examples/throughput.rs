//! Throughput benchmark (not a test): decode speed in memory, and `tootwatch tail` end to end
//! (`--format json` and `--format text`, over server-sent events and WebSocket) against the
//! fake server on loopback, next to raw reads of the same bytes: `curl -sN` into a pipe, and
//! in-process readers that walk the framing and skip the payloads (HTTP chunks for server-sent
//! events, frame headers for WebSocket): the floor of a client on each transport.
//!
//!     cargo build --release
//!     cargo run --release --example throughput -- [EVENTS [BYTES [RUNS]]] [decode|sse|ws|text|raw|peers]...
//!
//! EVENTS defaults to 100000, BYTES (approximate status size) to 2500, RUNS to 1; naming
//! measures runs only those (`sse`, `ws`: JSON; `text`: the text form over both). `peers` (or
//! `mastodon.py`, `masto.js`, `megalodon`; not part of the default set) runs the streaming consumers of
//! those clients in `examples/peers/` when installed. Each line gives the median of the runs
//! (and every run), with the consumer's CPU time per event and peak RSS (`/usr/bin/time`).
//! The firehose is framed before the clock starts (`FakeServer::encode`) and the connection's
//! queue holds all of it: the server then costs a queue push per event and never waits for
//! the reader, so a raw read shows the floor of the reader, not the server's encoder.
//! `TOOTWATCH_BENCH_WRAP="valgrind --tool=callgrind"` runs the `tootwatch` child under that
//! command (for profiles; use a few thousand events). Results go to stdout; BENCHMARKS.md
//! records them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_mastodon::r#gen::Firehose;
use fake_mastodon::{Encoded, FakeServer, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tootwatch::stream::decode::{WsFrame, decode_event, parse_ws_frame};
use tootwatch::stream::sse::{SseFrame, SseParser};

struct Bench {
    events: usize,
    hose: Firehose,
    /// The bytes of the events as server-sent events (what curl reads, minus the opening `:)`).
    sse_bytes: usize,
}

fn main() {
    let mut numbers = Vec::new();
    let mut only = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.parse::<usize>() {
            Ok(n) => numbers.push(n),
            Err(_) => only.push(arg),
        }
    }
    let events = numbers.first().copied().unwrap_or(100_000);
    let size = numbers.get(1).copied().unwrap_or(2500);
    let runs = numbers.get(2).copied().unwrap_or(1).max(1);
    let wanted = |what: &str| {
        let peer = what.starts_with("masto") || what == "megalodon";
        (only.is_empty() && !peer)
            || only
                .iter()
                .any(|o| o == what || (peer && o.as_str() == "peers"))
    };
    let hose = Firehose::new(size);
    let sse_bytes = (0..events as u64)
        .map(|i| "event: update\ndata: \n\n".len() + hose.status(i).len())
        .sum();
    let bench = Bench {
        events,
        hose,
        sse_bytes,
    };
    println!(
        "{events} events, statuses of {} bytes on average, {runs} run(s), medians",
        sse_bytes / events.max(1) - "event: update\ndata: \n\n".len()
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    type Measure<'a> = (&'a str, Box<dyn Fn() -> Sample + 'a>);
    let measures: Vec<Measure<'_>> = vec![
        ("decode", Box::new(|| decode_sse_in_memory(&bench).into())),
        ("decode", Box::new(|| decode_ws_in_memory(&bench).into())),
        (
            "sse",
            Box::new(|| runtime.block_on(tail_end_to_end(&bench, "sse", "json"))),
        ),
        (
            "ws",
            Box::new(|| runtime.block_on(tail_end_to_end(&bench, "ws", "json"))),
        ),
        (
            "text",
            Box::new(|| runtime.block_on(tail_end_to_end(&bench, "sse", "text"))),
        ),
        (
            "text",
            Box::new(|| runtime.block_on(tail_end_to_end(&bench, "ws", "text"))),
        ),
        (
            "raw",
            Box::new(|| runtime.block_on(curl_raw_read(&bench)).into()),
        ),
        (
            "mastodon.py",
            Box::new(|| {
                runtime
                    .block_on(peer_end_to_end(&bench, "python3", "mastodon_py.py"))
                    .unwrap_or_else(skipped)
            }),
        ),
        (
            "masto.js",
            Box::new(|| {
                runtime
                    .block_on(peer_end_to_end(&bench, "node", "masto_js.mjs"))
                    .unwrap_or_else(skipped)
            }),
        ),
        (
            "megalodon",
            Box::new(|| {
                runtime
                    .block_on(peer_end_to_end(&bench, "node", "megalodon.mjs"))
                    .unwrap_or_else(skipped)
            }),
        ),
        (
            "raw",
            Box::new(|| runtime.block_on(ws_raw_read(&bench)).into()),
        ),
        (
            "raw",
            Box::new(|| runtime.block_on(sse_raw_read(&bench)).into()),
        ),
    ];
    let names = [
        "decode, SSE framing (parse + Status)",
        "decode, WebSocket framing (frame + Status)",
        "tail --format json, sse",
        "tail --format json, ws",
        "tail --format text, sse",
        "tail --format text, ws",
        "raw read: curl -sN > pipe (SSE bytes)",
        "Mastodon.py 2.3.3 stream_public (SSE)",
        "masto.js 7.12 public.subscribe (WebSocket)",
        "megalodon 10.3 publicStreaming (WebSocket)",
        "raw read: WebSocket frames skipped",
        "raw read: SSE chunks skipped",
    ];
    for ((what, measure), name) in measures.iter().zip(names) {
        if !wanted(what) {
            continue;
        }
        let samples: Vec<Sample> = (0..runs).map(|_| measure()).collect();
        if samples.iter().any(|s| s.took.is_zero()) {
            continue;
        }
        report(name, events, &samples);
    }
}

fn skipped() -> Sample {
    Sample {
        took: Duration::ZERO,
        bytes: 0,
        cpu: None,
        rss_kb: None,
    }
}

/// One run of one measure.
struct Sample {
    took: Duration,
    bytes: usize,
    /// CPU time (user + system) of the consumer's process, when `/usr/bin/time` told us.
    cpu: Option<f64>,
    /// Peak RSS of the consumer's process in KiB, from `/usr/bin/time` too.
    rss_kb: Option<u64>,
}

impl From<(Duration, usize)> for Sample {
    fn from((took, bytes): (Duration, usize)) -> Sample {
        Sample {
            took,
            bytes,
            cpu: None,
            rss_kb: None,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(what: &str, events: usize, samples: &[Sample]) {
    let rates: Vec<f64> = samples
        .iter()
        .map(|s| events as f64 / s.took.as_secs_f64())
        .collect();
    let rate = median(rates.clone());
    let mb = median(
        samples
            .iter()
            .map(|s| s.bytes as f64 / s.took.as_secs_f64() / 1e6)
            .collect(),
    );
    let each: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
    let cpu: Vec<f64> = samples.iter().filter_map(|s| s.cpu).collect();
    let rss: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.rss_kb)
        .map(|k| k as f64)
        .collect();
    let cpu = if cpu.is_empty() {
        String::new()
    } else {
        let per_event = median(cpu) / events as f64 * 1e6;
        format!(
            ", CPU {per_event:.2} µs/event = {:.0} events per CPU-second, peak RSS {:.1} MB",
            1e6 / per_event,
            median(rss) * 1024.0 / 1e6
        )
    };
    println!(
        "{what:<44} {rate:>8.0} events/s {mb:>7.1} MB/s  (runs: {}{cpu})",
        each.join(", ")
    );
}

fn decode_sse_in_memory(bench: &Bench) -> (Duration, usize) {
    let mut sse = String::with_capacity(bench.sse_bytes);
    for i in 0..bench.events as u64 {
        sse.push_str("event: update\ndata: ");
        sse.push_str(&bench.hose.status(i));
        sse.push_str("\n\n");
    }
    let start = Instant::now();
    let mut parser = SseParser::new(1 << 20);
    let mut decoded = 0usize;
    for chunk in sse.as_bytes().chunks(16 * 1024) {
        parser.push(chunk, &mut |f| {
            if let SseFrame::Event { name, data } = f
                && decode_event(&name, Some(&data)).is_ok()
            {
                decoded += 1;
            }
        });
    }
    assert_eq!(decoded, bench.events);
    (start.elapsed(), sse.len())
}

fn decode_ws_in_memory(bench: &Bench) -> (Duration, usize) {
    let frames: Vec<String> = (0..bench.events as u64)
        .map(|i| {
            serde_json::json!({"stream": ["public"], "event": "update", "payload": bench.hose.status(i)})
                .to_string()
        })
        .collect();
    let start = Instant::now();
    let mut decoded = 0usize;
    for frame in &frames {
        if let Ok(WsFrame::Event { name, payload }) = parse_ws_frame(frame)
            && decode_event(&name, payload.as_deref()).is_ok()
        {
            decoded += 1;
        }
    }
    assert_eq!(decoded, bench.events);
    (start.elapsed(), frames.iter().map(String::len).sum())
}

/// The events framed for `public` on both transports, before any clock starts: the
/// publisher then costs a queue push per event, so the reader is what is measured.
fn encode_all(server: &FakeServer, bench: &Bench) -> Vec<Encoded> {
    (0..bench.events as u64)
        .map(|i| server.encode("public", "update", Some(&bench.hose.status(i))))
        .collect()
}

/// Publishes the events to `public` once a reader is subscribed.
async fn publish_all(server: &FakeServer, encoded: &[Encoded]) {
    server.wait_subscribers("public", 1).await;
    for e in encoded {
        server.publish_encoded_async("public", e).await;
    }
}

/// A server without heartbeats whose queues take the whole firehose: the publisher never
/// waits on the reader, so the reader always finds a full batch to take.
async fn quiet_server(bench: &Bench) -> FakeServer {
    let server = FakeServer::start(Options {
        heartbeat: None,
        ..Options::default()
    })
    .await;
    server.set_queue_capacity(bench.events + 64);
    server
}

async fn tail_end_to_end(bench: &Bench, transport: &str, format: &str) -> Sample {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("tootwatch")))
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release");
    let args: Vec<String> = [
        "tail",
        "--format",
        format,
        "--quiet",
        "--transport",
        transport,
        "--count",
        &bench.events.to_string(),
        "public",
    ]
    .map(str::to_owned)
    .to_vec();
    let least = if format == "json" {
        bench.sse_bytes / 2
    } else {
        bench.events
    };
    consumer_end_to_end(bench, &bin.display().to_string(), &args, least).await
}

/// A peer client's streaming consumer (`examples/peers/`), reading the same events.
async fn peer_end_to_end(bench: &Bench, program: &str, script: &str) -> Option<Sample> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/peers");
    let ready = match program {
        "node" => dir
            .join("node_modules")
            .join(script.trim_end_matches(".mjs").trim_end_matches("_js"))
            .exists(),
        _ => std::process::Command::new(program)
            .args(["-c", "import mastodon"])
            .status()
            .is_ok_and(|s| s.success()),
    };
    if !ready {
        println!("{script}: not installed (see examples/peers/), skipped");
        return None;
    }
    let args = vec![
        dir.join(script).display().to_string(),
        bench.events.to_string(),
    ];
    Some(consumer_end_to_end(bench, program, &args, bench.events).await)
}

/// Runs `program args` against a fresh server, publishes the events once it subscribed to
/// `public`, and times it until it exits.
async fn consumer_end_to_end(
    bench: &Bench,
    program: &str,
    args: &[String],
    least: usize,
) -> Sample {
    let server = quiet_server(bench).await;
    let encoded = encode_all(&server, bench);
    // The CPU time the process used, whatever else the machine runs at the time.
    const TIME: &str = "/usr/bin/time";
    let wrap = std::env::var("TOOTWATCH_BENCH_WRAP").unwrap_or_default();
    let mut command: Vec<String> = wrap.split_whitespace().map(str::to_owned).collect();
    let timed = command.is_empty() && std::path::Path::new(TIME).exists();
    if timed {
        command.extend([TIME.into(), "-f".into(), "tootwatch-cpu %U %S %M".into()]);
    }
    command.push(program.to_owned());
    let mut child = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .args(args)
        .env("TOOTWATCH_INSTANCE", server.base_url())
        .env("TOOTWATCH_TOKEN", server.token())
        .env("TOOTWATCH_CONFIG", "/dev/null")
        .env("TOOTWATCH_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(if timed {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .spawn()
        .expect("tootwatch runs");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().map(|mut e| {
        tokio::spawn(async move {
            let mut text = String::new();
            let _ = e.read_to_string(&mut text).await;
            text
        })
    });
    // The output is read by a thread of its own, a megabyte at a time: a reader on the
    // server's runtime, 64 KB at a time, was woken ~7,000 times a second by a JSON firehose,
    // took the consumer's core from it and left it waiting on a full pipe.
    let mut stdout = std::fs::File::from(stdout.into_owned_fd().expect("a blocking stdout"));
    let counter = std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0usize;
        loop {
            match stdout.read(&mut buf) {
                Ok(0) => return total,
                Ok(n) => total += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return total,
            }
        }
    });
    server.wait_subscribers("public", 1).await;
    let start = Instant::now();
    publish_all(&server, &encoded).await;
    let status = child.wait().await.expect("tootwatch exits");
    let took = start.elapsed();
    let out = counter.join().unwrap_or(0);
    assert!(status.success(), "{program} failed: {status}");
    assert!(out >= least, "only {out} bytes of output");
    server.shutdown().await;
    let (cpu, rss_kb) = match stderr {
        Some(task) => {
            let text = task.await.unwrap_or_default();
            let found = text.lines().find_map(|l| {
                let mut words = l.strip_prefix("tootwatch-cpu ")?.split(' ');
                let user: f64 = words.next()?.parse().ok()?;
                let system: f64 = words.next()?.parse().ok()?;
                let rss: u64 = words.next()?.parse().ok()?;
                Some((user + system, rss))
            });
            if found.is_none() {
                eprint!("{text}");
            }
            (found.map(|f| f.0), found.map(|f| f.1))
        }
        None => (None, None),
    };
    Sample {
        took,
        bytes: bench.sse_bytes,
        cpu,
        rss_kb,
    }
}

/// The same SSE bytes read by curl and thrown away: the floor any client can reach.
async fn curl_raw_read(bench: &Bench) -> (Duration, usize) {
    let server = quiet_server(bench).await;
    let encoded = encode_all(&server, bench);
    let url = format!("{}/api/v1/streaming/public", server.base_url());
    let mut curl = tokio::process::Command::new("curl")
        .args([
            "-sN",
            "-H",
            &format!("Authorization: Bearer {}", server.token()),
            &url,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl runs");
    let mut stdout = curl.stdout.take().expect("stdout");
    server.wait_subscribers("public", 1).await;
    let start = Instant::now();
    let reader = async {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        // `:)` opens the stream; count until every event's bytes are through.
        while total < bench.sse_bytes + 3 {
            match stdout.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        total
    };
    let ((), total) = tokio::join!(publish_all(&server, &encoded), reader);
    let took = start.elapsed();
    let _ = curl.kill().await;
    assert!(total >= bench.sse_bytes, "curl read {total} bytes");
    server.shutdown().await;
    (took, total)
}

/// A raw socket that sent `GET target` (with `headers`, each ending in CRLF, and the token)
/// and is subscribed to `public`.
async fn subscribed(server: &FakeServer, target: &str, headers: &str) -> tokio::net::TcpStream {
    let addr = server.base_url().trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {addr}\r\n{headers}Authorization: Bearer {}\r\n\r\n",
        server.token()
    );
    socket.write_all(request.as_bytes()).await.expect("request");
    server.wait_subscribers("public", 1).await;
    socket
}

/// The socket's bytes read and thrown away, frame by frame (headers parsed, payloads
/// skipped): the WebSocket floor.
async fn ws_raw_read(bench: &Bench) -> (Duration, usize) {
    let server = quiet_server(bench).await;
    let encoded = encode_all(&server, bench);
    let mut socket = subscribed(
        &server,
        "/api/v1/streaming?stream=public",
        "Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
    )
    .await;
    let start = Instant::now();
    let reader = async {
        let mut buf = vec![0u8; 1 << 16];
        let mut pending: Vec<u8> = Vec::new();
        let mut in_headers = true;
        let mut skip = 0usize;
        let (mut frames, mut total) = (0usize, 0usize);
        while frames < bench.events {
            let n = match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            total += n;
            let mut data = &buf[..n];
            if in_headers {
                pending.extend_from_slice(data);
                let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                pending.drain(..end + 4);
                in_headers = false;
                let rest = std::mem::take(&mut pending);
                frames += skip_frames(&rest, &mut pending, &mut skip);
                continue;
            }
            if skip > 0 {
                let s = skip.min(data.len());
                skip -= s;
                data = &data[s..];
            }
            frames += skip_frames(data, &mut pending, &mut skip);
        }
        total
    };
    let ((), total) = tokio::join!(publish_all(&server, &encoded), reader);
    let took = start.elapsed();
    server.shutdown().await;
    (took, total)
}

/// The socket's bytes of the SSE response read and thrown away, its chunked framing walked
/// (sizes parsed, chunks skipped): the floor of an SSE reader, where `curl` adds a process
/// and a pipe.
async fn sse_raw_read(bench: &Bench) -> (Duration, usize) {
    let server = quiet_server(bench).await;
    let encoded = encode_all(&server, bench);
    let mut socket = subscribed(&server, "/api/v1/streaming/public", "").await;
    let start = Instant::now();
    let reader = async {
        let mut buf = vec![0u8; 1 << 16];
        let mut walk = ChunkWalk::default();
        let mut total = 0usize;
        // `:)` opens the stream; read until every event's bytes are through.
        while walk.body < bench.sse_bytes + 3 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    walk.feed(&buf[..n]);
                }
            }
        }
        assert!(
            walk.body >= bench.sse_bytes,
            "read {} body bytes",
            walk.body
        );
        total
    };
    let ((), total) = tokio::join!(publish_all(&server, &encoded), reader);
    let took = start.elapsed();
    server.shutdown().await;
    (took, total)
}

/// HTTP/1.1 chunked framing, walked: `body` counts the chunks' bytes, which are skipped.
#[derive(Default)]
struct ChunkWalk {
    in_body: bool,
    /// The response head or a chunk-size line, until its line ends.
    line: Vec<u8>,
    /// Bytes of the current chunk (and its closing CRLF) still to skip.
    skip: usize,
    body: usize,
}

impl ChunkWalk {
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.skip > 0 {
                let s = self.skip.min(data.len());
                self.skip -= s;
                data = &data[s..];
                continue;
            }
            let Some(nl) = data.iter().position(|&b| b == b'\n') else {
                self.line.extend_from_slice(data);
                return;
            };
            self.line.extend_from_slice(&data[..=nl]);
            data = &data[nl + 1..];
            if !self.in_body {
                self.in_body = self.line.ends_with(b"\r\n\r\n");
                if self.in_body {
                    // Anything but a chunked 200 would leave the walk waiting forever.
                    let head = String::from_utf8_lossy(&self.line).to_ascii_lowercase();
                    assert!(
                        head.starts_with("http/1.1 200")
                            && head.contains("transfer-encoding: chunked"),
                        "not a chunked event stream:\n{head}"
                    );
                    self.line.clear();
                }
                continue;
            }
            // A size, perhaps with extensions (`;name=value`).
            let size = std::str::from_utf8(&self.line)
                .ok()
                .and_then(|l| l.split(';').next())
                .and_then(|l| usize::from_str_radix(l.trim(), 16).ok());
            self.line.clear();
            if let Some(size) = size.filter(|&n| n > 0) {
                self.body += size;
                self.skip = size + 2;
            }
        }
    }
}

/// Counts the frames that start in `data` (after any held header bytes in `pending`);
/// `skip` is how much of the last frame's payload is still to come.
fn skip_frames(data: &[u8], pending: &mut Vec<u8>, skip: &mut usize) -> usize {
    pending.extend_from_slice(data);
    let mut at = 0;
    let mut frames = 0;
    loop {
        let h = &pending[at..];
        if h.len() < 2 {
            break;
        }
        let (len, header) = match h[1] & 0x7f {
            126 if h.len() >= 4 => (usize::from(u16::from_be_bytes([h[2], h[3]])), 4),
            127 if h.len() >= 10 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&h[2..10]);
                (u64::from_be_bytes(b) as usize, 10)
            }
            126 | 127 => break,
            n => (usize::from(n), 2),
        };
        if h[0] & 0x0f == 1 {
            frames += 1;
        }
        if h.len() < header + len {
            *skip = header + len - h.len();
            at = pending.len();
            break;
        }
        at += header + len;
    }
    pending.drain(..at);
    frames
}
