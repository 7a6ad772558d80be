//! What real servers do that a client must not mistake for a live stream: a refusal on an open
//! socket, streams accepted and never fed (GoToSocial), a stream that goes quiet while its
//! heartbeats go on, a starting server's HTML page; and the close frames clients send.
//! No sleeps: every wait is on data or on the server's awaitable points.

mod support;

use std::time::Duration;

use fake_mastodon::{FakeServer, Fault, Flavor, MAINTENANCE_TITLE, Options, generate};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const NO_SCOPE: &str = "Access token does not have the required scopes";

fn quick_pings(flavor: Flavor) -> Options {
    Options {
        flavor,
        heartbeat: Some(Duration::from_millis(20)),
        ..Options::default()
    }
}

/// Reads until a ping arrives; panics on any text frame before it (nothing may be streamed).
async fn ping_without_text(ws: &mut Ws) {
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Ping(_))) => return,
            Some(Ok(Message::Pong(_))) => {}
            other => panic!("expected only pings, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_the_scope_is_refused_on_the_open_socket() {
    let server = FakeServer::start(quick_pings(Flavor::Mastodon)).await;
    server.set_fault(Fault::RefuseAfterUpgrade {
        status: 401,
        error: NO_SCOPE.into(),
    });
    let (mut ws, resp) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=user"))
        .await
        .expect("the upgrade itself succeeds");
    assert_eq!(resp.status().as_u16(), 101);
    let frame: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(frame, serde_json::json!({"error": NO_SCOPE, "status": 401}));
    // The socket stays open (pings go on) with no subscription, as Mastodon leaves it.
    ping_without_text(&mut ws).await;
    assert_eq!(server.subscribers("user"), 0);
    assert_eq!(server.publish("user", "delete", Some("1")), 0);
    assert_eq!(server.total_connections(), 1);
    ws.send(Message::text(r#"{"type":"subscribe","stream":"public"}"#))
        .await
        .unwrap();
    let frame: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(frame["error"], NO_SCOPE);
    assert_eq!(server.subscribers("public"), 0);

    // Over SSE the same token is refused before streaming starts.
    let mut h = Http::get(&server, "/api/v1/streaming/user", &[AUTH]).await;
    assert_eq!(h.status, 401);
    let (body, _) = h.read_to_end().await;
    assert_eq!(body, serde_json::json!({ "error": NO_SCOPE }).to_string());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_that_is_not_ours_is_refused_on_the_open_socket() {
    let server = FakeServer::start(quick_pings(Flavor::Mastodon)).await;
    let (mut ws, resp) =
        tokio_tungstenite::connect_async(ws_request(&server, "?stream=list&list=99"))
            .await
            .expect("the upgrade itself succeeds");
    assert_eq!(resp.status().as_u16(), 101);
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"error":"Not authorized to stream this list","status":401}"#
    );
    ping_without_text(&mut ws).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gotosocial_accepts_streams_it_never_feeds() {
    let server = FakeServer::start(quick_pings(Flavor::GoToSocial)).await;
    let silent = [
        ("?stream=hashtag&tag=Rust", "hashtag:rust"),
        ("?stream=hashtag:local&tag=rust", "hashtag:local:rust"),
        ("?stream=public:remote", "public:remote"),
        ("?stream=public:media", "public:media"),
        ("?stream=public:local:media", "public:local:media"),
        ("?stream=public:remote:media", "public:remote:media"),
        ("?stream=public&only_media=true", "public:media"),
    ];
    for (query, key) in silent {
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, query))
            .await
            .unwrap();
        within(server.wait_subscribers(key, 1)).await;
        assert_eq!(server.publish(key, "delete", Some("1")), 0, "{key}");
        ping_without_text(&mut ws).await;
        drop(ws);
        within(server.wait_subscribers_at_most(key, 0)).await;
    }
    // What it does stream still arrives.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=public"))
        .await
        .unwrap();
    within(server.wait_subscribers("public", 1)).await;
    assert_eq!(server.publish("public", "delete", Some("2")), 1);
    assert!(next_text(&mut ws).await.contains(r#""payload":"2""#));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gotosocial_rest_serves_tags_and_ignores_remote_and_only_media() {
    for flavor in [Flavor::GoToSocial, Flavor::Mastodon] {
        let server = FakeServer::start(Options {
            flavor,
            ..Options::default()
        })
        .await;
        // A local post without media.
        let status = generate::status_json(1, 0);
        server.store(&["public", "public:local", "hashtag:rust"], &status);
        let ids = |body: &str| -> Vec<String> {
            let v: Value = serde_json::from_str(body).unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let mut h = Http::get(&server, "/api/v1/timelines/tag/rust", &[AUTH]).await;
        assert_eq!(ids(&h.read_to_end().await.0).len(), 1, "{flavor:?}");
        let mut h = Http::get(
            &server,
            "/api/v1/timelines/public?remote=true&only_media=true",
            &[AUTH],
        )
        .await;
        let got = ids(&h.read_to_end().await.0);
        match flavor {
            Flavor::GoToSocial => assert_eq!(got.len(), 1, "the parameters are ignored"),
            _ => assert!(got.is_empty(), "Mastodon applies them: {got:?}"),
        }
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_muted_stream_keeps_its_heartbeats_and_loses_its_events() {
    let server = FakeServer::start(quick_pings(Flavor::Mastodon)).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=public"))
        .await
        .unwrap();
    let mut sse = Http::get(&server, "/api/v1/streaming/public", &[AUTH]).await;
    within(server.wait_subscribers("public", 2)).await;
    server.set_mute("public", true);
    assert_eq!(server.publish("public", "delete", Some("1")), 0);
    assert_eq!(server.subscribers("public"), 2, "still subscribed");
    ping_without_text(&mut ws).await;
    let quiet = sse.read_until(":thump\n:thump\n").await;
    assert!(!quiet.contains("data:"), "{quiet:?}");

    server.set_mute("public", false);
    assert_eq!(server.publish("public", "delete", Some("2")), 2);
    assert!(next_text(&mut ws).await.contains(r#""payload":"2""#));
    let rest = sse.read_until("data: 2\n").await;
    assert!(!rest.contains("data: 1"), "{rest:?}");
    server.shutdown().await;
}

/// A request with the headers of a WebSocket upgrade, read raw to the end of its body.
async fn raw_upgrade(server: &FakeServer) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let request = "GET /api/v1/streaming?stream=user HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                   Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                   Authorization: Bearer test-token\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    while !raw.ends_with(b"\r\n0\r\n\r\n") {
        let mut buf = [0u8; 4096];
        let n = within(stream.read(&mut buf)).await.unwrap();
        assert!(n > 0, "EOF before the last chunk: {raw:?}");
        raw.extend_from_slice(&buf[..n]);
    }
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..at].to_vec()).unwrap();
    (head.to_ascii_lowercase(), raw[at + 4..].to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_starting_server_answers_with_a_chunked_html_page() {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::Maintenance);
    let title = format!("<title>{MAINTENANCE_TITLE}</title>");

    let (head, body) = raw_upgrade(&server).await;
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("retry-after: 120"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    // The bytes a WebSocket client keeps of a refused handshake: chunk framing and all.
    assert!(body.starts_with(b"800\r\n<!DOCTYPE html>"), "{body:?}");
    assert!(String::from_utf8_lossy(&body).contains(&title));

    let mut h = Http::get(&server, "/api/v1/streaming/user", &[AUTH]).await;
    assert_eq!(h.status, 503);
    assert_eq!(h.header("retry-after"), Some("120"));
    assert_eq!(h.header("transfer-encoding"), Some("chunked"));
    let (page, complete) = h.read_to_end().await;
    assert!(complete);
    assert!(
        page.len() > 2048,
        "more than one chunk: {} bytes",
        page.len()
    );
    assert!(page.contains(&title), "{page}");
    assert_eq!(server.total_connections(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn close_frames_from_clients_are_counted() {
    let server = FakeServer::start(Options::default()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=user"))
        .await
        .unwrap();
    within(server.wait_subscribers("user", 1)).await;
    assert!(server.close_frames().is_empty());
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    }))
    .await
    .unwrap();
    within(server.wait_close_frames(1)).await;
    assert_eq!(server.close_frames(), vec![Some(1000)]);
    // The server answers the close and the socket ends cleanly.
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("{e}"),
        }
    }
    server.shutdown().await;
}
