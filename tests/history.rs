//! History on open, for every stream kind: the REST timeline each STREAM maps to, against the
//! fake server, returns what that timeline holds and nothing of the others.

mod common;

use std::time::Duration;

use common::*;
use fake_mastodon::r#gen;
use tootwatch::api::Api;
use tootwatch::api::timeline::{History, PAGE, Paging};
use tootwatch::stream::StreamSpec;

fn ids(h: &History) -> Vec<String> {
    match h {
        History::Statuses(v) => v.iter().map(|s| s.id.clone()).collect(),
        History::Conversations(v) => v.iter().map(|c| c.id.clone()).collect(),
        History::Notifications(v) => v.iter().map(|n| n.id.clone()).collect(),
    }
}

#[tokio::test]
async fn every_stream_kind_opens_with_its_own_timeline() {
    let server = server(Flavor::Mastodon).await;
    // (STREAM, where the fake server keeps it, what is stored there)
    let kinds: Vec<(&str, &str, String)> = vec![
        ("user", "user", r#gen::status_json(1, 600)),
        ("public", "public", r#gen::status_json(2, 600)),
        ("public:local", "public:local", r#gen::status_json(3, 600)),
        ("public:remote", "public:remote", r#gen::status_json(4, 600)),
        (
            "#rust",
            "hashtag:rust",
            r#gen::status_with_tags(5, &["rust"], "about"),
        ),
        (
            "hashtag:local:rust",
            "hashtag:local:rust",
            r#gen::status_with_tags(6, &["rust"], "local"),
        ),
        ("list:42", "list:42", r#gen::status_json(7, 600)),
        ("direct", "direct", r#gen::conversation_json(8)),
        (
            "user:notification",
            "user:notification",
            r#gen::notification_json(9, "mention"),
        ),
    ];
    for (_, key, json) in &kinds {
        server.store(&[key], json);
    }
    let http = tootwatch::api::http_client(Duration::from_secs(5)).unwrap();
    let api = Api::new(
        server.base_url().parse().unwrap(),
        Some(server.token()),
        http,
        Duration::from_secs(5),
    );
    for (stream, _, json) in &kinds {
        let spec: StreamSpec = stream.parse().unwrap();
        let (found, _) = within(stream, api.history(&spec, &Paging::Latest, PAGE))
            .await
            .unwrap_or_else(|e| panic!("{stream}: {e}"));
        let want: serde_json::Value = serde_json::from_str(json).unwrap();
        let want_id = want["id"].as_str().unwrap().to_string();
        assert_eq!(ids(&found), [want_id], "{stream}");
        let right_kind = match (&spec, &found) {
            (StreamSpec::Direct, History::Conversations(_)) => true,
            (StreamSpec::UserNotification, History::Notifications(_)) => true,
            (StreamSpec::Direct | StreamSpec::UserNotification, _) => false,
            (_, History::Statuses(_)) => true,
            _ => false,
        };
        assert!(right_kind, "{stream}: {found:?}");
    }
}
