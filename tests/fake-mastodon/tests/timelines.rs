//! Stored timelines over real sockets: Mastodon paging, Link headers, rate limiting, and
//! post() = store + stream. No sleeps.

use std::future::Future;
use std::time::Duration;

use fake_mastodon::{FakeServer, Options, generate};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const AUTH: (&str, &str) = ("Authorization", "Bearer test-token");

async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .expect("timed out")
}

fn sid(n: u64) -> String {
    (generate::STATUS_ID_BASE + n).to_string()
}

/// Decodes as much of a chunked body as `raw` holds; returns (decoded, complete).
fn dechunk(raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = std::str::from_utf8(&rest[..i]).unwrap();
        let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16).unwrap();
        if rest.len() < i + 2 + size + 2 {
            break;
        }
        out.extend_from_slice(&rest[i + 2..i + 2 + size]);
        rest = &rest[i + 2 + size + 2..];
        if size == 0 {
            return (out, true);
        }
    }
    (out, false)
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The `id`s of a JSON array body.
    fn ids(&self) -> Vec<String> {
        self.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The target (path and query) of the `Link` relation `rel`.
    fn link(&self, base: &str, rel: &str) -> Option<String> {
        let link = self.header("link")?;
        link.split(", ").find_map(|part| {
            let (url, r) = part.split_once(">; ")?;
            (r == format!("rel=\"{rel}\"")).then(|| url.trim_start_matches('<').replace(base, ""))
        })
    }
}

async fn send(server: &FakeServer, target: &str, headers: &[(&str, &str)]) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream
}

/// A one-shot GET read to EOF (`Connection: close`).
async fn get(server: &FakeServer, target: &str, headers: &[(&str, &str)]) -> Resp {
    let mut stream = send(server, target, headers).await;
    let mut raw = Vec::new();
    within(stream.read_to_end(&mut raw)).await.unwrap();
    let i = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..i].to_vec()).unwrap();
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
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(&raw[i + 4..]).0
    } else {
        raw[i + 4..].to_vec()
    };
    Resp {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

async fn get_ok(server: &FakeServer, target: &str) -> Resp {
    let r = get(server, target, &[AUTH]).await;
    assert_eq!(r.status, 200, "{target}: {}", r.body);
    r
}

/// An open SSE stream: reads until the decoded body contains `pat`.
struct Sse {
    stream: TcpStream,
    raw: Vec<u8>,
}

impl Sse {
    async fn open(server: &FakeServer, path: &str) -> Sse {
        let stream = send(server, path, &[AUTH]).await;
        let mut sse = Sse {
            stream,
            raw: Vec::new(),
        };
        sse.read_until(":)\n").await;
        sse
    }

    async fn read_until(&mut self, pat: &str) -> String {
        loop {
            if let Some(i) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let body = String::from_utf8(dechunk(&self.raw[i + 4..]).0).unwrap();
                if body.contains(pat) {
                    return body;
                }
            }
            let mut tmp = [0u8; 16384];
            let n = within(self.stream.read(&mut tmp)).await.unwrap();
            assert!(n > 0, "EOF before {pat:?}");
            self.raw.extend_from_slice(&tmp[..n]);
        }
    }
}

fn ids(range: impl Iterator<Item = u64>) -> Vec<String> {
    range.map(sid).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_like_mastodon() {
    let server = FakeServer::start(Options::default()).await;
    let base = server.base_url();
    for n in 1..=100 {
        server.store(&["user"], &generate::status_json(n, 0));
    }
    assert_eq!(server.stored("user"), 100);

    // Back with max_id through the next links: 40, 40, 20, then empty.
    let r = get_ok(&server, "/api/v1/timelines/home?limit=40").await;
    assert_eq!(r.ids(), ids((61..=100).rev()));
    assert_eq!(
        r.header("link").unwrap(),
        format!(
            "<{base}/api/v1/timelines/home?limit=40&max_id={}>; rel=\"next\", \
             <{base}/api/v1/timelines/home?limit=40&min_id={}>; rel=\"prev\"",
            sid(61),
            sid(100)
        )
    );
    let next = r.link(&base, "next").unwrap();
    let r = get_ok(&server, &next).await;
    assert_eq!(r.ids(), ids((21..=60).rev()));
    let r = get_ok(&server, &r.link(&base, "next").unwrap()).await;
    assert_eq!(r.ids(), ids((1..=20).rev()));
    assert_eq!(
        r.link(&base, "next").unwrap(),
        format!("/api/v1/timelines/home?limit=40&max_id={}", sid(1))
    );
    let r = get_ok(&server, &r.link(&base, "next").unwrap()).await;
    assert_eq!(r.body, "[]");
    assert_eq!(r.header("link"), None);

    // min_id: the page immediately newer, newest first.
    let r = get_ok(
        &server,
        &format!("/api/v1/timelines/home?limit=40&min_id={}", sid(10)),
    )
    .await;
    assert_eq!(r.ids(), ids((11..=50).rev()));
    // The prev link continues forward from the newest item of the page.
    assert_eq!(
        r.link(&base, "prev").unwrap(),
        format!("/api/v1/timelines/home?limit=40&min_id={}", sid(50))
    );
    // since_id: the newest page above it.
    let r = get_ok(
        &server,
        &format!("/api/v1/timelines/home?limit=40&since_id={}", sid(10)),
    )
    .await;
    assert_eq!(r.ids(), ids((61..=100).rev()));
    // Both bounds; with min_id, since_id is ignored (as Mastodon).
    let r = get_ok(
        &server,
        &format!(
            "/api/v1/timelines/home?min_id={}&max_id={}",
            sid(10),
            sid(20)
        ),
    )
    .await;
    assert_eq!(r.ids(), ids((11..=19).rev()));
    let r = get_ok(
        &server,
        &format!(
            "/api/v1/timelines/home?since_id={}&max_id={}",
            sid(10),
            sid(20)
        ),
    )
    .await;
    assert_eq!(r.ids(), ids((11..=19).rev()));
    let r = get_ok(
        &server,
        &format!(
            "/api/v1/timelines/home?since_id={}&min_id={}&limit=5",
            sid(90),
            sid(10)
        ),
    )
    .await;
    assert_eq!(r.ids(), ids((11..=15).rev()));

    // Limits: default 20, at most 40, garbage = 0 (Ruby to_i).
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/home").await.ids(),
        ids((81..=100).rev())
    );
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/home?limit=500")
            .await
            .ids()
            .len(),
        40
    );
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/home?limit=x").await.body,
        "[]"
    );

    // Ids not in the timeline compare as Mastodon compares ids (length, then lexically).
    let r = get_ok(
        &server,
        &format!("/api/v1/timelines/home?max_id={}", sid(1000)),
    )
    .await;
    assert_eq!(r.ids(), ids((81..=100).rev()));
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/home?max_id=5")
            .await
            .body,
        "[]"
    );
    let r = get_ok(&server, "/api/v1/timelines/home?min_id=5").await;
    assert_eq!(r.ids(), ids((1..=20).rev()));
    let r = get_ok(
        &server,
        "/api/v1/timelines/home?since_id=999999999999999999999",
    )
    .await;
    assert_eq!(r.body, "[]");

    // Deleting; an empty max_id is ignored.
    server.delete_stored(&sid(100));
    assert_eq!(server.stored("user"), 99);
    let r = get_ok(&server, "/api/v1/timelines/home?limit=1&max_id=").await;
    assert_eq!(r.ids(), vec![sid(99)]);

    // Unauthenticated: 401, no rate-limit headers.
    let r = get(&server, "/api/v1/timelines/home", &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("x-ratelimit-limit"), None);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timelines_by_key() {
    let server = FakeServer::start(Options::default()).await;
    let base = server.base_url();
    server.store(
        &["hashtag:Rust"],
        &generate::status_with_tags(1, &["Rust"], "one"),
    );
    server.store(
        &["hashtag:local:RUST"],
        &generate::status_with_tags(2, &["Rust"], "two"),
    );
    assert_eq!(server.stored("hashtag:rust"), 1);
    let r = get_ok(&server, "/api/v1/timelines/tag/RuSt?limit=5&foo=bar").await;
    assert_eq!(r.ids(), vec![sid(1)]);
    assert_eq!(
        r.link(&base, "next").unwrap(),
        format!("/api/v1/timelines/tag/RuSt?limit=5&max_id={}", sid(1))
    );
    let r = get_ok(&server, "/api/v1/timelines/tag/rust?local=true").await;
    assert_eq!(r.ids(), vec![sid(2)]);

    // Public variants; only_media filters by media_attachments (every third status has one).
    for n in 1..=6 {
        server.store(&["public"], &generate::status_json(n, 0));
    }
    server.store(
        &["public:local", "public:local:media"],
        &generate::status_json(9, 0),
    );
    server.store(&["public:remote"], &generate::status_json(10, 0));
    assert_eq!(server.stored("public:local"), 1);
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/public")
            .await
            .ids()
            .len(),
        6
    );
    let r = get_ok(&server, "/api/v1/timelines/public?only_media=true").await;
    assert_eq!(r.ids(), vec![sid(6), sid(3)]);
    assert!(
        r.link(&base, "prev")
            .unwrap()
            .ends_with(&format!("?min_id={}&only_media=true", sid(6)))
    );
    let r = get_ok(&server, "/api/v1/timelines/public?local=1&only_media=true").await;
    assert_eq!(r.ids(), vec![sid(9)]);
    let r = get_ok(&server, "/api/v1/timelines/public?remote=true").await;
    assert_eq!(r.ids(), vec![sid(10)]);
    let r = get_ok(&server, "/api/v1/timelines/public?local=true&remote=true").await;
    assert_eq!(r.ids().len(), 6);

    // Lists: known ids only.
    server.store(&["list:42"], &generate::status_json(11, 0));
    assert_eq!(
        get_ok(&server, "/api/v1/timelines/list/42").await.ids(),
        vec![sid(11)]
    );
    let r = get(&server, "/api/v1/timelines/list/7", &[AUTH]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, r#"{"error":"Record not found"}"#)
    );

    // Conversations page by last_status id; a Status is wrapped into a Conversation.
    server.store(&["direct"], &generate::conversation_json(20));
    server.store(&["direct"], &generate::status_json(21, 0));
    let r = get_ok(&server, "/api/v1/conversations").await;
    let v = r.json();
    assert_eq!(v[0]["id"], format!("c{}", sid(21)));
    assert_eq!(v[0]["last_status"]["id"], sid(21));
    assert_eq!(v[1]["last_status"]["id"], sid(20));
    assert_eq!(
        r.link(&base, "next").unwrap(),
        format!("/api/v1/conversations?max_id={}", sid(20))
    );

    // Notifications: default limit 40, types[] / exclude_types[].
    for n in 1..=50 {
        let kind = if n % 2 == 0 { "mention" } else { "follow" };
        server.store_notification(&generate::notification_json(n, kind));
    }
    assert_eq!(server.stored("notifications"), 50);
    assert_eq!(
        get_ok(&server, "/api/v1/notifications").await.ids().len(),
        40
    );
    let r = get_ok(&server, "/api/v1/notifications?types[]=mention&limit=3").await;
    assert_eq!(r.ids(), vec!["50000050", "50000048", "50000046"]);
    assert_eq!(
        r.link(&base, "next").unwrap(),
        "/api/v1/notifications?limit=3&max_id=50000046&types%5B%5D=mention"
    );
    let r = get_ok(
        &server,
        "/api/v1/notifications?exclude_types[]=mention&limit=1",
    )
    .await;
    assert_eq!(r.ids(), vec!["50000049"]);

    // Deleting a status removes its notifications and conversations too.
    server.delete_stored(&sid(21));
    assert_eq!(server.stored("direct"), 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit() {
    let server = FakeServer::start(Options::default()).await;
    let r = get_ok(&server, "/api/v1/timelines/home").await;
    assert_eq!(r.header("x-ratelimit-limit"), Some("1000000"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("999999"));

    server.set_rate_limit(Some((3, Duration::from_secs(300), 7)));
    for remaining in ["2", "1", "0"] {
        let r = get_ok(&server, "/api/v1/notifications").await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(r.header("x-ratelimit-remaining"), Some(remaining));
        let reset = r.header("x-ratelimit-reset").unwrap();
        assert!(reset.len() == 24 && reset.ends_with(".000Z"), "{reset}");
        assert_eq!(r.header("retry-after"), None);
    }
    let r = get(&server, "/api/v1/timelines/public", &[AUTH]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body, r#"{"error":"Too many requests"}"#);
    assert_eq!(r.header("retry-after"), Some("7"));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert!(r.header("x-ratelimit-reset").is_some());
    // Refused even where an override is set.
    server.set_rest_response("/api/v1/conversations", "[1]");
    assert_eq!(
        get(&server, "/api/v1/conversations", &[AUTH]).await.status,
        429
    );

    // A new setting starts a fresh window.
    server.set_rate_limit(None);
    let r = get_ok(&server, "/api/v1/conversations").await;
    assert_eq!(r.body, "[1]");
    assert_eq!(r.header("x-ratelimit-limit"), Some("1000000"));
    assert_eq!(server.timeline_requests(), 7);
    get_ok(&server, "/api/v1/instance").await;
    within(server.wait_timeline_requests(7)).await;
    assert_eq!(server.timeline_requests(), 7);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn post_streams_and_stores() {
    let server = FakeServer::start(Options::default()).await;
    let mut user = Sse::open(&server, "/api/v1/streaming/user").await;
    let mut tag = Sse::open(&server, "/api/v1/streaming/hashtag?tag=rust").await;
    within(server.wait_subscribers("user", 1)).await;
    within(server.wait_subscribers("hashtag:rust", 1)).await;

    let status = generate::status_with_tags(1, &["Rust"], "live");
    assert_eq!(server.post(&["user", "hashtag:Rust", "public"], &status), 2);
    assert!(
        user.read_until("\n\n")
            .await
            .contains(&format!("event: update\ndata: {status}\n\n"))
    );
    assert!(tag.read_until("\n\n").await.contains(&sid(1)));
    assert_eq!(server.stored("user"), 1);
    assert_eq!(server.stored("hashtag:rust"), 1);
    assert_eq!(server.stored("public"), 1);

    // store() does not stream: the next event the user stream sees is the notification.
    server.store(&["user"], &generate::status_json(2, 0));
    let n = generate::notification_json(3, "mention");
    assert_eq!(server.notify_and_store(&n), 1);
    let body = user.read_until("event: notification").await;
    assert!(!body.contains(&sid(2)));
    assert_eq!(server.stored("user:notification"), 1);
    let r = get_ok(&server, "/api/v1/timelines/home").await;
    assert_eq!(r.ids(), vec![sid(2), sid(1)]);
    assert_eq!(
        get_ok(&server, "/api/v1/notifications").await.ids(),
        vec!["50000003"]
    );
    server.shutdown().await;
}
