//! Deterministic generators of realistic Mastodon entities (as compact JSON text).
//!
//! Everything is derived from `n`: the same `n` always gives the same text.

use serde_json::{Value, json};

/// Status ids are `STATUS_ID_BASE + n`.
pub const STATUS_ID_BASE: u64 = 113_000_000_000_000_000;
/// 2024-11-01T00:00:00Z; status `n` is created `n` seconds later.
const BASE_EPOCH: u64 = 1_730_419_200;
const LOCAL: &str = "https://fake.example";

const USERS: [(&str, &str, Option<&str>); 10] = [
    ("alice", "Alice Liddell", None),
    ("bob", "Bob 🦀 Builder", Some("rust.example")),
    ("carol", "Carol :verified:", None),
    ("dave", "Dave", Some("mastodon.example")),
    ("erin", "Erin (she/her)", None),
    ("frank", "Frank", Some("gts.example")),
    ("grace", "Grace Hopper Fan Club", None),
    ("heidi", "Heidi", Some("pleroma.example")),
    ("ivan", "Иван", None),
    ("judy", "Judy 🌻", Some("social.example")),
];

const WORDS: [&str; 32] = [
    "the",
    "stream",
    "terminal",
    "async",
    "rust",
    "timeline",
    "quietly",
    "toot",
    "server",
    "federation",
    "coffee",
    "compile",
    "borrow",
    "checker",
    "lifetimes",
    "cargo",
    "tokio",
    "heartbeat",
    "reconnect",
    "gentle",
    "morning",
    "release",
    "notes",
    "today",
    "works",
    "again",
    "finally",
    "with",
    "and",
    "for",
    "every",
    "little",
];

fn mix(mut x: u64) -> u64 {
    // splitmix64
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `secs` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.000Z`.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn created_at(n: u64) -> String {
    rfc3339(BASE_EPOCH + n)
}

fn user(i: u64) -> (usize, &'static str, &'static str, Option<&'static str>) {
    let idx = (i % USERS.len() as u64) as usize;
    let (u, d, dom) = USERS[idx];
    (idx, u, d, dom)
}

fn profile_url(username: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) => format!("https://{d}/@{username}"),
        None => format!("{LOCAL}/@{username}"),
    }
}

/// An Account entity for user number `i` (one of ten fixed users).
pub fn account_value(i: u64) -> Value {
    let (idx, username, display, domain) = user(i);
    let acct = match domain {
        Some(d) => format!("{username}@{d}"),
        None => username.to_owned(),
    };
    let url = profile_url(username, domain);
    let id = 109_000_000_000_000_000 + idx as u64 * 7919;
    let emojis = if display.contains(":verified:") {
        json!([{ "shortcode": "verified", "url": format!("{LOCAL}/emoji/verified.png"),
                 "static_url": format!("{LOCAL}/emoji/verified_static.png"), "visible_in_picker": true }])
    } else {
        json!([])
    };
    json!({
        "id": id.to_string(),
        "username": username,
        "acct": acct,
        "display_name": display,
        "locked": false,
        "bot": idx == 6,
        "created_at": rfc3339(BASE_EPOCH - 86_400 * 365 - idx as u64 * 86_400),
        "note": "<p>I like terminals &amp; tea.</p>",
        "url": url,
        "avatar": format!("{LOCAL}/avatars/{idx}.png"),
        "followers_count": 100 + idx * 37,
        "following_count": 50 + idx * 11,
        "statuses_count": 1000 + idx * 123,
        "emojis": emojis,
        "fields": [],
    })
}

fn hashtag_link(tag: &str) -> String {
    format!(
        "<a href=\"{LOCAL}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{tag}</span></a>",
        tag.to_lowercase()
    )
}

fn tag_values(tags: &[&str]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| {
                let lower = t.to_lowercase();
                json!({ "name": lower, "url": format!("{LOCAL}/tags/{lower}") })
            })
            .collect(),
    )
}

fn media(n: u64) -> Value {
    let id = (STATUS_ID_BASE + 500_000 + n).to_string();
    json!([{
        "id": id,
        "type": "image",
        "url": format!("{LOCAL}/system/media_attachments/files/{id}/original/photo.jpg"),
        "preview_url": format!("{LOCAL}/system/media_attachments/files/{id}/small/photo.jpg"),
        "remote_url": null,
        "meta": {
            "original": { "width": 1600, "height": 1200, "size": "1600x1200", "aspect": 1.333_333_333_333_333_3 },
            "small": { "width": 640, "height": 480, "size": "640x480", "aspect": 1.333_333_333_333_333_3 },
            "focus": { "x": 0.0, "y": 0.0 },
        },
        "description": format!("A photo of a cat sleeping on a keyboard, number {n}."),
        "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
    }])
}

struct StatusParts<'a> {
    n: u64,
    content: String,
    tags: &'a [&'a str],
    mention: Option<u64>,
    with_media: bool,
    visibility: &'a str,
}

fn status_value(p: StatusParts<'_>) -> Value {
    let n = p.n;
    let id = (STATUS_ID_BASE + n).to_string();
    let author = mix(n) % USERS.len() as u64;
    let (_, username, _, domain) = user(author);
    let base = domain.map_or(LOCAL.to_owned(), |d| format!("https://{d}"));
    let mentions = match p.mention {
        Some(m) => {
            let a = account_value(m);
            json!([{ "id": a["id"], "username": a["username"], "url": a["url"], "acct": a["acct"] }])
        }
        None => json!([]),
    };
    let h = mix(n ^ 0xABCD);
    json!({
        "id": id,
        "created_at": created_at(n),
        "in_reply_to_id": null,
        "in_reply_to_account_id": null,
        "sensitive": false,
        "spoiler_text": "",
        "visibility": p.visibility,
        "language": "en",
        "uri": format!("{base}/users/{username}/statuses/{id}"),
        "url": format!("{}/{id}", profile_url(username, domain)),
        "replies_count": h % 7,
        "reblogs_count": (h >> 8) % 50,
        "favourites_count": (h >> 16) % 200,
        "edited_at": null,
        "favourited": false,
        "reblogged": false,
        "muted": false,
        "bookmarked": false,
        "content": p.content,
        "filtered": [],
        "reblog": null,
        "account": account_value(author),
        "media_attachments": if p.with_media { media(n) } else { json!([]) },
        "mentions": mentions,
        "tags": tag_values(p.tags),
        "emojis": [],
        "card": null,
        "poll": null,
    })
}

fn filler(n: u64, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 16);
    let mut x = n;
    while out.len() < bytes {
        x = mix(x);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
    }
    out.truncate(bytes);
    out
}

/// A realistic Status of about `approx_bytes` of compact JSON (never less than its fixed fields,
/// about 1,650 bytes; `0` = just those); filler paragraphs make up the rest of the size.
/// Every third status (`n % 3 == 0`) has an image attachment (about 580 bytes) when
/// `approx_bytes` is 0 or at least 2,400. Keys are in serde_json's (alphabetical) order.
pub fn status_json(n: u64, approx_bytes: usize) -> String {
    let mentioned = (mix(n) + 1) % USERS.len() as u64;
    let (_, m_user, _, m_dom) = user(mentioned);
    let tags: [&str; 1] = [if n.is_multiple_of(2) {
        "rust"
    } else {
        "TerminalLife"
    }];
    let content = format!(
        "<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{m_user}</span></a></span> \
         Status {n}: streaming &amp; rendering &lt;3 {} \
         <a href=\"https://www.example.org/articles/{n}/a-long-path\" target=\"_blank\" rel=\"nofollow noopener\">\
         <span class=\"invisible\">https://www.</span><span class=\"ellipsis\">example.org/articles/{n}/a-lo</span>\
         <span class=\"invisible\">ng-path</span></a></p>",
        profile_url(m_user, m_dom),
        hashtag_link(tags[0]),
    );
    // An image on every third status, when the size budget leaves room for it.
    let with_media = n.is_multiple_of(3) && (approx_bytes == 0 || approx_bytes >= 2400);
    let parts = |content: String| StatusParts {
        n,
        content,
        tags: &tags,
        mention: Some(mentioned),
        with_media,
        visibility: "public",
    };
    let base = status_value(parts(content.clone())).to_string();
    // "<p>" + "</p>" = 7 bytes around the filler.
    if base.len() + 8 >= approx_bytes {
        return base;
    }
    let extra = filler(n, approx_bytes - base.len() - 7);
    status_value(parts(format!("{content}<p>{extra}</p>"))).to_string()
}

/// A Status whose content is `<p>TEXT #tag1 #tag2…</p>` (TEXT inserted as HTML, as is) and whose
/// `tags` are `tags` lowercased.
pub fn status_with_tags(n: u64, tags: &[&str], text: &str) -> String {
    let links: Vec<String> = tags.iter().map(|t| hashtag_link(t)).collect();
    let content = if links.is_empty() {
        format!("<p>{text}</p>")
    } else {
        format!("<p>{text} {}</p>", links.join(" "))
    };
    status_value(StatusParts {
        n,
        content,
        tags,
        mention: None,
        with_media: false,
        visibility: "public",
    })
    .to_string()
}

/// A Notification of type `kind` (`mention`, `status`, `reblog`, `favourite`, `poll`, `update`
/// carry a status; `follow`, `follow_request`, … do not).
pub fn notification_json(n: u64, kind: &str) -> String {
    let id = (50_000_000 + n).to_string();
    let mut v = json!({
        "id": id,
        "type": kind,
        "created_at": created_at(n),
        "group_key": format!("ungrouped-{id}"),
        "account": account_value(mix(n) % USERS.len() as u64),
    });
    let status = match kind {
        "mention" => Some(status_value(StatusParts {
            n,
            content: format!(
                "<p><span class=\"h-card\"><a href=\"{LOCAL}/@tester\" class=\"u-url mention\">@<span>tester</span></a></span> hello number {n}!</p>"
            ),
            tags: &[],
            mention: None,
            with_media: false,
            visibility: "public",
        })),
        "status" | "reblog" | "favourite" | "poll" | "update" | "quote" => {
            Some(serde_json::from_str(&status_json(n, 0)).expect("generated status is JSON"))
        }
        _ => None,
    };
    if let Some(s) = status {
        v["status"] = s;
    }
    v.to_string()
}

/// A Conversation (the payload of `conversation` events on `direct`).
pub fn conversation_json(n: u64) -> String {
    let last = status_value(StatusParts {
        n,
        content: format!(
            "<p><span class=\"h-card\"><a href=\"{LOCAL}/@tester\" class=\"u-url mention\">@<span>tester</span></a></span> a private word, number {n}.</p>"
        ),
        tags: &[],
        mention: None,
        with_media: false,
        visibility: "direct",
    });
    json!({
        "id": (7_000 + n).to_string(),
        "unread": true,
        "accounts": [account_value(mix(n) % USERS.len() as u64)],
        "last_status": last,
    })
    .to_string()
}

/// An endless, deterministic stream of events shaped like a busy timeline: mostly new statuses,
/// each with an id of its own (a client rightly prints a status it has seen once only), with
/// edits, deletes of recent statuses and notifications mixed in. Event `i` is the same on every
/// run. Statuses are stamped out of 1,000 templates, so one costs a copy rather than a JSON
/// serialisation: a benchmark can publish hundreds of thousands a second. The benchmarks
/// (`examples/throughput.rs`, `examples/memory.rs`), the stress and memory tests and
/// `fake-mastodon --rate` all draw from it.
pub struct Firehose {
    /// Each template's text split around its status id.
    templates: Vec<Vec<String>>,
}

/// The kinds of a firehose event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirehoseKind {
    Update,
    Edit,
    Delete,
    Notification,
}

impl FirehoseKind {
    /// The event name of the streaming API.
    pub fn event(self) -> &'static str {
        match self {
            FirehoseKind::Update => "update",
            FirehoseKind::Edit => "status.update",
            FirehoseKind::Delete => "delete",
            FirehoseKind::Notification => "notification",
        }
    }
}

impl Firehose {
    const TEMPLATES: u64 = 1000;

    /// Statuses of about `approx_bytes` of JSON (see [`status_json`]).
    pub fn new(approx_bytes: usize) -> Firehose {
        let templates = (0..Self::TEMPLATES)
            .map(|n| {
                let id = (STATUS_ID_BASE + n).to_string();
                status_json(n, approx_bytes)
                    .split(id.as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        Firehose { templates }
    }

    /// The id of the status of event `i`.
    pub fn status_id(i: u64) -> String {
        (STATUS_ID_BASE + i).to_string()
    }

    /// A status with the id [`Firehose::status_id`]`(i)` (also in its `uri` and `url`).
    pub fn status(&self, i: u64) -> String {
        let parts = &self.templates[(i % Self::TEMPLATES) as usize];
        let id = Self::status_id(i);
        let len = parts.iter().map(String::len).sum::<usize>() + id.len() * parts.len();
        let mut out = String::with_capacity(len);
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                out.push_str(&id);
            }
            out.push_str(part);
        }
        out
    }

    /// What event `i` of the mix is. Of every 200 events, 4 are deletes, 5 edits,
    /// 8 notifications and 183 new statuses.
    pub fn kind(i: u64) -> FirehoseKind {
        // The three residues never coincide (they differ modulo 5 or 10).
        if i % 50 == 49 {
            FirehoseKind::Delete
        } else if i % 40 == 21 {
            FirehoseKind::Edit
        } else if i % 25 == 12 {
            FirehoseKind::Notification
        } else {
            FirehoseKind::Update
        }
    }

    /// The newest new status at or before event `i`.
    fn update_at_or_before(i: u64) -> u64 {
        (0..=i)
            .rev()
            .find(|&j| Self::kind(j) == FirehoseKind::Update)
            .unwrap_or(0)
    }

    /// Event `i` of the mix: its kind and payload. Edits carry the whole new status (an earlier
    /// update's id), deletes the bare id of an earlier update.
    pub fn event(&self, i: u64) -> (FirehoseKind, String) {
        let kind = Self::kind(i);
        let payload = match kind {
            FirehoseKind::Update => self.status(i),
            FirehoseKind::Edit => {
                let target = Self::update_at_or_before(i.saturating_sub(5));
                self.status(target).replacen(
                    "\"edited_at\":null",
                    &format!("\"edited_at\":\"{}\"", created_at(i)),
                    1,
                )
            }
            FirehoseKind::Delete => {
                Self::status_id(Self::update_at_or_before(i.saturating_sub(10)))
            }
            FirehoseKind::Notification => notification_json(i, "mention"),
        };
        (kind, payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(BASE_EPOCH), "2024-11-01T00:00:00.000Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56.000Z");
    }

    #[test]
    fn status_is_deterministic_json_of_about_the_size() {
        for n in [0u64, 1, 2, 3, 1000] {
            let s = status_json(n, 3000);
            assert_eq!(s, status_json(n, 3000));
            let v: Value = serde_json::from_str(&s).unwrap();
            assert_eq!(v["id"], (STATUS_ID_BASE + n).to_string());
            assert!(
                v["content"]
                    .as_str()
                    .unwrap()
                    .contains("class=\"invisible\"")
            );
            assert!(s.len().abs_diff(3000) < 60, "len {}", s.len());
        }
        let v: Value = serde_json::from_str(&status_json(3, 0)).unwrap();
        assert_eq!(v["media_attachments"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn tagged_notification_conversation() {
        let v: Value =
            serde_json::from_str(&status_with_tags(5, &["Rust", "tui"], "hello")).unwrap();
        assert_eq!(v["tags"][0]["name"], "rust");
        assert!(v["content"].as_str().unwrap().starts_with("<p>hello "));
        let v: Value = serde_json::from_str(&notification_json(1, "mention")).unwrap();
        assert_eq!(v["type"], "mention");
        assert!(v["status"].is_object());
        let v: Value = serde_json::from_str(&notification_json(1, "follow")).unwrap();
        assert!(v.get("status").is_none());
        let v: Value = serde_json::from_str(&conversation_json(2)).unwrap();
        assert_eq!(v["last_status"]["visibility"], "direct");
    }

    #[test]
    fn firehose_ids_are_unique_and_edits_and_deletes_refer_back() {
        let hose = Firehose::new(2500);
        let mut ids = std::collections::HashSet::new();
        let mut kinds = [0usize; 4];
        for i in 0..2000u64 {
            let (kind, payload) = hose.event(i);
            kinds[kind as usize] += 1;
            match kind {
                FirehoseKind::Update => {
                    let v: Value = serde_json::from_str(&payload).unwrap();
                    let id = v["id"].as_str().unwrap().to_owned();
                    assert_eq!(id, Firehose::status_id(i));
                    assert!(v["uri"].as_str().unwrap().ends_with(&id));
                    assert!(ids.insert(id), "event {i} repeats an id");
                }
                FirehoseKind::Edit => {
                    let v: Value = serde_json::from_str(&payload).unwrap();
                    assert!(ids.contains(v["id"].as_str().unwrap()), "event {i}");
                    assert!(v["edited_at"].is_string());
                }
                FirehoseKind::Delete => assert!(ids.contains(&payload), "event {i}"),
                FirehoseKind::Notification => {
                    let v: Value = serde_json::from_str(&payload).unwrap();
                    assert_eq!(v["type"], "mention");
                }
            }
        }
        assert_eq!(kinds, [1830, 50, 40, 80]);
        assert_eq!(hose.status(7), hose.status(7));
        assert!(hose.status(1007).len().abs_diff(2500) < 80);
    }
}
