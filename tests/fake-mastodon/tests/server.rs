//! End-to-end tests of the fake server over real sockets. No sleeps: every wait is on data or
//! on the server's awaitable synchronisation points (with a generous timeout as a safety net).

mod support;

use std::time::Duration;

use fake_mastodon::{FakeServer, Fault, Flavor, Options, generate};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use support::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

/// (request target, headers, expected status, expected error)
type ErrorCase<'a> = (&'a str, &'a [(&'a str, &'a str)], u16, &'a str);

#[tokio::test(flavor = "multi_thread")]
async fn sse_event_format() {
    let server = FakeServer::start(Options::default()).await;
    let mut h = Http::get(&server, "/api/v1/streaming/public", &[AUTH]).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.header("content-type"), Some("text/event-stream"));
    assert_eq!(h.read_until("\n").await, ":)\n");
    within(server.wait_subscribers("public", 1)).await;
    assert_eq!(server.subscribers("public"), 1);
    assert_eq!(server.connections("public"), 1);

    let status = generate::status_json(1, 2000);
    assert_eq!(server.publish("public", "update", Some(&status)), 1);
    assert_eq!(server.publish("public:local", "update", Some(&status)), 0);
    assert_eq!(server.publish("user", "update", Some(&status)), 0);
    assert_eq!(
        h.read_until("\n\n").await,
        format!("event: update\ndata: {status}\n\n")
    );
    server.publish("public", "delete", Some("113000000000000001"));
    assert_eq!(
        h.read_until("\n\n").await,
        "event: delete\ndata: 113000000000000001\n\n"
    );
    server.publish("public", "filters_changed", None);
    assert_eq!(
        h.read_until("\n\n").await,
        "event: filters_changed\ndata: undefined\n\n"
    );
    server.publish_raw("public", "garbage\0\n");
    assert_eq!(h.read_until("\0\n").await, "garbage\0\n");

    // Many at once arrive in order (batched into chunks).
    for i in 0..500u64 {
        server.publish("public", "delete", Some(&i.to_string()));
    }
    for i in 0..500u64 {
        assert_eq!(
            h.read_until("\n\n").await,
            format!("event: delete\ndata: {i}\n\n")
        );
    }

    server.drop_connections();
    let (_, complete) = h.read_to_end().await;
    assert!(!complete, "drop_connections must end the body abruptly");
    within(server.wait_subscribers_at_most("public", 0)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sse_crlf_split_heartbeat_and_channels() {
    let server = FakeServer::start(Options {
        crlf: true,
        split_data_lines: true,
        heartbeat: Some(Duration::from_millis(5)),
        ..Default::default()
    })
    .await;
    let mut h = Http::get(
        &server,
        "/api/v1/streaming/hashtag?tag=Rust&access_token=test-token",
        &[],
    )
    .await;
    assert_eq!(h.status, 200);
    assert_eq!(h.read_until("\r\n").await, ":)\r\n");
    assert_eq!(h.read_until("\r\n").await, ":thump\r\n");
    within(server.wait_subscribers("hashtag:RUST", 1)).await;
    let status = generate::status_with_tags(7, &["Rust"], "a, b, \"c\"");
    assert_eq!(server.publish("hashtag:rust", "update", Some(&status)), 1);
    let mut data = Vec::new();
    let event = loop {
        let line = h.read_until("\r\n").await;
        let line = line.trim_end_matches("\r\n");
        if let Some(d) = line.strip_prefix("data: ") {
            data.push(d.to_owned());
        } else if line.is_empty() && !data.is_empty() {
            break data.join("\n");
        } else {
            assert!(line == ":thump" || line == "event: update", "{line:?}");
        }
    };
    assert!(
        data.len() > 10,
        "payload should be split over many data lines"
    );
    let a: Value = serde_json::from_str(&event).unwrap();
    let b: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(a, b);

    // Media and list channels.
    let h2 = Http::get(
        &server,
        "/api/v1/streaming/public/local?only_media=true",
        &[AUTH],
    )
    .await;
    assert_eq!(h2.status, 200);
    assert_eq!(server.connections("public:local:media"), 1);
    let h3 = Http::get(&server, "/api/v1/streaming/list?list=42", &[AUTH]).await;
    assert_eq!(h3.status, 200);
    assert_eq!(server.subscribers("list:42"), 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_auth() {
    let server = FakeServer::start(Options::default()).await;
    let cases: &[ErrorCase] = &[
        ("/api/v1/streaming/user", &[], 401, "Missing access token"),
        (
            "/api/v1/streaming/user",
            &[("Authorization", "Bearer nope")],
            401,
            "Invalid access token",
        ),
        (
            "/api/v1/streaming/user?access_token=nope",
            &[],
            401,
            "Invalid access token",
        ),
        (
            "/api/v1/streaming/nonsense",
            &[AUTH],
            400,
            "Unknown channel requested",
        ),
        (
            "/api/v1/streaming/hashtag",
            &[AUTH],
            400,
            "Missing tag name parameter",
        ),
        (
            "/api/v1/streaming/list",
            &[AUTH],
            400,
            "Missing list name parameter",
        ),
        (
            "/api/v1/streaming/list?list=7",
            &[AUTH],
            401,
            "Not authorized to stream this list",
        ),
        (
            "/api/v1/accounts/verify_credentials",
            &[],
            401,
            "Missing access token",
        ),
        (
            "/api/v2/filters",
            &[("Authorization", "Bearer x")],
            401,
            "Invalid access token",
        ),
    ];
    for (target, headers, status, error) in cases {
        let mut h = Http::get(&server, target, headers).await;
        assert_eq!(h.status, *status, "{target}");
        let (body, _) = h.read_to_end().await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], *error, "{target}");
    }
    let mut h = Http::get(&server, "/api/v1/accounts/verify_credentials", &[AUTH]).await;
    assert_eq!(h.status, 200);
    let v: Value = serde_json::from_str(&h.read_to_end().await.0).unwrap();
    assert_eq!(v["username"], "tester");

    server.set_token("new-token");
    let h = Http::get(&server, "/api/v1/lists", &[AUTH]).await;
    assert_eq!(h.status, 401);
    let mut h = Http::get(
        &server,
        "/api/v1/lists",
        &[("Authorization", "Bearer new-token")],
    )
    .await;
    assert_eq!(h.status, 200);
    let v: Value = serde_json::from_str(&h.read_to_end().await.0).unwrap();
    assert_eq!(v[0]["id"], "42");

    let mut h = Http::get(&server, "/api/v1/streaming/health", &[]).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.read_to_end().await.0, "OK");
    let mut h = Http::get(&server, "/api/v2/instance", &[]).await;
    let v: Value = serde_json::from_str(&h.read_to_end().await.0).unwrap();
    assert_eq!(v["configuration"]["urls"]["streaming"], server.ws_url());

    let reqs = server.requests();
    assert_eq!(reqs.len(), cases.len() + 5);
    assert_eq!(reqs[1].header("authorization"), Some("Bearer nope"));
    assert_eq!(reqs[1].header("user-agent"), Some("test"));
    assert_eq!(reqs[2].query.as_deref(), Some("access_token=nope"));
    assert_eq!(reqs[0].path, "/api/v1/streaming/user");
    within(server.wait_requests("/api/v1/lists", 2)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ws_subscribe_and_frames() {
    let server = FakeServer::start(Options::default()).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, ""))
        .await
        .unwrap();
    ws.send(Message::text(
        r#"{"type":"subscribe","stream":"hashtag","tag":"Rust"}"#,
    ))
    .await
    .unwrap();
    ws.send(Message::text(
        r#"{"type":"subscribe","stream":"list","list":"42"}"#,
    ))
    .await
    .unwrap();
    within(server.wait_subscribers("hashtag:rust", 1)).await;
    within(server.wait_subscribers("list:42", 1)).await;
    let status = generate::status_json(3, 1500);
    assert_eq!(server.publish("hashtag:RUST", "update", Some(&status)), 1);
    let v: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(v["stream"], serde_json::json!(["hashtag", "rust"]));
    assert_eq!(v["event"], "update");
    assert_eq!(v["payload"].as_str().unwrap(), status);

    server.publish("list:42", "filters_changed", None);
    let text = next_text(&mut ws).await;
    assert_eq!(
        text,
        r#"{"stream":["list","42"],"event":"filters_changed"}"#
    );

    ws.send(Message::text(r#"{"type":"subscribe","stream":"bogus"}"#))
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"error":"Unknown stream type","status":400}"#
    );

    ws.send(Message::text(
        r#"{"type":"unsubscribe","stream":"hashtag","tag":"rust"}"#,
    ))
    .await
    .unwrap();
    within(server.wait_subscribers_at_most("hashtag:rust", 0)).await;
    assert_eq!(server.subscribers("list:42"), 1);

    // A binary frame is answered with close code 1003.
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    loop {
        match within(ws.next()).await {
            Some(Ok(Message::Close(Some(f)))) => {
                assert_eq!(u16::from(f.code), 1003);
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected close 1003, got {other:?}"),
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ws_fault_status_and_auth_refusals() {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::Status {
        status: 503,
        error: "Down for maintenance".into(),
        retry_after: Some(7),
    });
    let err = tokio_tungstenite::connect_async(ws_request(&server, "?stream=user"))
        .await
        .unwrap_err();
    let tungstenite::Error::Http(resp) = err else {
        panic!("expected an HTTP refusal, got {err:?}")
    };
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["x-error-message"], "Down for maintenance");
    assert_eq!(resp.headers()["retry-after"], "7");
    assert!(resp.body().as_ref().is_none_or(|b| b.is_empty()));
    assert_eq!(server.connections("user"), 0);

    server.set_fault(Fault::None);
    let mut req = format!("{}/api/v1/streaming?stream=user", server.ws_url())
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", "Bearer wrong".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.unwrap_err();
    let tungstenite::Error::Http(resp) = err else {
        panic!("{err:?}")
    };
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers()["x-error-message"], "Invalid access token");

    // Token as Sec-WebSocket-Protocol: accepted and echoed.
    let mut req = format!("{}/api/v1/streaming?stream=user", server.ws_url())
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", "test-token".parse().unwrap());
    let (_ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "test-token");
    within(server.wait_connections("user", 1)).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gotosocial_quirks() {
    let server = FakeServer::start(Options {
        flavor: Flavor::GoToSocial,
        ..Default::default()
    })
    .await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=list&list=42"))
        .await
        .unwrap();
    within(server.wait_subscribers("list:42", 1)).await;
    let status = generate::status_json(9, 1500);
    assert_eq!(server.publish("list:42", "update", Some(&status)), 1);
    let text = next_text(&mut ws).await;
    assert!(text.ends_with("}\n"), "{text:?}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["stream"], serde_json::json!(["list:42"]));
    assert_eq!(v["payload"].as_str().unwrap(), status);
    server.publish("list:42", "filters_changed", None);
    assert_eq!(
        next_text(&mut ws).await,
        "{\"stream\":[\"list:42\"],\"event\":\"filters_changed\",\"payload\":\"\"}\n"
    );
    // Accepted without a word, and never fed (tests/quirks.rs shows more of that).
    ws.send(Message::text(
        r#"{"type":"subscribe","stream":"hashtag","tag":"rust"}"#,
    ))
    .await
    .unwrap();
    within(server.wait_subscribers("hashtag:rust", 1)).await;
    assert_eq!(server.publish("hashtag:rust", "delete", Some("1")), 0);
    let h = Http::get(&server, "/api/v1/streaming/user", &[AUTH]).await;
    assert_eq!(h.status, 404);
    let h = Http::get(&server, "/api/v1/streaming/health", &[]).await;
    assert_eq!(h.status, 404);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn payload_as_object_and_pleroma() {
    let server = FakeServer::start(Options {
        flavor: Flavor::Pleroma,
        ws_payload_as_object: true,
        ..Default::default()
    })
    .await;
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=public:local"))
        .await
        .unwrap();
    within(server.wait_subscribers("public:local", 1)).await;
    let note = generate::notification_json(1, "mention");
    server.publish("public:local", "update", Some(&note));
    let v: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(v["payload"], serde_json::from_str::<Value>(&note).unwrap());
    server.publish("public:local", "delete", Some("123"));
    let v: Value = serde_json::from_str(&next_text(&mut ws).await).unwrap();
    assert_eq!(v["payload"], "123");
    assert_eq!(
        Http::get(&server, "/api/v2/instance", &[]).await.status,
        404
    );
    let mut h = Http::get(&server, "/api/v1/instance", &[]).await;
    let v: Value = serde_json::from_str(&h.read_to_end().await.0).unwrap();
    assert_eq!(v["version"], "2.7.2 (compatible; Pleroma 2.6.0)");
    assert_eq!(v["urls"]["streaming_api"], server.ws_url());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_drop_after_garbage_stall_and_reconnect() {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::DropAfter(2));
    let mut h = Http::get(&server, "/api/v1/streaming/user", &[AUTH]).await;
    within(server.wait_subscribers("user", 1)).await;
    for i in 0..3 {
        server.publish("user", "delete", Some(&i.to_string()));
    }
    let (body, complete) = h.read_to_end().await;
    assert_eq!(
        body,
        ":)\nevent: delete\ndata: 0\n\nevent: delete\ndata: 1\n\n"
    );
    assert!(!complete);

    server.set_fault(Fault::GarbageFirst("\u{1}not sse\n".into()));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=user"))
        .await
        .unwrap();
    assert_eq!(next_text(&mut ws).await, "\u{1}not sse\n");
    within(server.wait_connections("user", 2)).await;

    server.set_fault(Fault::Stall);
    let h = Http::get(&server, "/api/v1/streaming/user", &[AUTH]).await;
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    within(server.wait_connections("user", 3)).await;
    // Only the (non-stalled) WebSocket gets the event.
    assert_eq!(server.publish("user", "delete", Some("9")), 1);
    assert!(next_text(&mut ws).await.contains("\"payload\":\"9\""));

    // drop_connections ends the WebSocket without a close frame.
    server.drop_connections();
    match within(ws.next()).await {
        None | Some(Err(_)) => {}
        other => panic!("expected an abrupt end, got {other:?}"),
    }
    within(server.wait_subscribers_at_most("user", 0)).await;
    assert_eq!(server.total_connections(), 3);

    // A stalled WebSocket completes the upgrade, then stays silent until dropped.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&server, "?stream=direct"))
        .await
        .unwrap();
    within(server.wait_subscribers("direct", 1)).await;
    assert_eq!(
        server.publish(
            "direct",
            "conversation",
            Some(&generate::conversation_json(1))
        ),
        0
    );
    server.drop_connections();
    match within(ws.next()).await {
        None | Some(Err(_)) => {}
        other => panic!("expected an abrupt end, got {other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_fallbacks_and_disconnect_detection() {
    let server = FakeServer::start(Options {
        heartbeat: Some(Duration::from_millis(2)),
        ..Default::default()
    })
    .await;
    let mut h = Http::get(&server, "/api/v1/timelines/home?limit=40", &[AUTH]).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.read_to_end().await.0, "[]");
    server.set_rest_response("/api/v1/timelines/home", "[{\"id\":\"1\"}]");
    let mut h = Http::get(&server, "/api/v1/timelines/home", &[AUTH]).await;
    assert_eq!(h.read_to_end().await.0, "[{\"id\":\"1\"}]");
    assert_eq!(
        Http::get(&server, "/api/v1/timelines/home", &[])
            .await
            .status,
        401
    );
    assert_eq!(Http::get(&server, "/nope", &[]).await.status, 404);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].query.as_deref(), Some("limit=40"));
    assert_eq!(reqs[3].path, "/nope");

    // The server notices a vanished SSE client at its next write (here: a heartbeat).
    let mut h = Http::get(&server, "/api/v1/streaming/user/notification", &[AUTH]).await;
    assert_eq!(h.read_until(":thump\n").await, ":)\n:thump\n");
    assert_eq!(server.subscribers("user:notification"), 1);
    drop(h);
    within(server.wait_subscribers_at_most("user:notification", 0)).await;
    server.shutdown().await;
}
