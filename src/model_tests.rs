//! Payloads shaped like what Mastodon 4.3, GoToSocial and Pleroma/Akkoma really send.

use super::*;
use serde_json::json;

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("decodes")
}

fn decode_str<T: serde::de::DeserializeOwned>(s: &str) -> T {
    serde_json::from_str(s).expect("decodes")
}

fn mastodon_account() -> serde_json::Value {
    json!({
        "id": "109302521960312338",
        "username": "alice",
        "acct": "alice@example.social",
        "display_name": "Alice :blobcat:",
        "locked": false,
        "bot": false,
        "discoverable": true,
        "indexable": true,
        "group": false,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": "<p>Hi</p>",
        "url": "https://example.social/@alice",
        "uri": "https://example.social/users/alice",
        "avatar": "https://files.example.social/a.png",
        "avatar_static": "https://files.example.social/a.png",
        "header": "https://files.example.social/h.png",
        "header_static": "https://files.example.social/h.png",
        "followers_count": 1200,
        "following_count": 300,
        "statuses_count": 4567,
        "last_status_at": "2024-10-08",
        "hide_collections": null,
        "noindex": false,
        "emojis": [{
            "shortcode": "blobcat",
            "url": "https://files.example.social/e/blobcat.png",
            "static_url": "https://files.example.social/e/blobcat_s.png",
            "visible_in_picker": true
        }],
        "roles": [],
        "fields": [{
            "name": "Web",
            "value": "<a href=\"https://alice.example\">alice.example</a>",
            "verified_at": "2023-01-01T00:00:00.000+00:00"
        }]
    })
}

/// A Mastodon 4.3 status, `account` filled in by [`mastodon_status`].
const MASTODON_STATUS: &str = r##"{
    "id": "113257461720347655",
    "created_at": "2024-10-08T12:00:00.000Z",
    "in_reply_to_id": "113257461720340000",
    "in_reply_to_account_id": "109302521960300000",
    "sensitive": true,
    "spoiler_text": "cats",
    "visibility": "unlisted",
    "language": "en",
    "uri": "https://example.social/users/alice/statuses/113257461720347655",
    "url": "https://example.social/@alice/113257461720347655",
    "replies_count": 2,
    "reblogs_count": 5,
    "favourites_count": 17,
    "edited_at": "2024-10-08T12:05:00.000Z",
    "favourited": true,
    "reblogged": false,
    "muted": false,
    "bookmarked": false,
    "pinned": false,
    "content": "<p>Hello <span class=\"h-card\"><a href=\"https://b.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> <a href=\"https://example.social/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>rust</span></a> :blobcat:</p>",
    "filtered": [{
        "filter": {
            "id": "42",
            "title": "Spoilers",
            "context": ["home", "public"],
            "expires_at": null,
            "filter_action": "blur"
        },
        "keyword_matches": ["cats"],
        "status_matches": null
    }],
    "reblog": null,
    "application": {"name": "Elk", "website": "https://elk.zone"},
    "media_attachments": [{
        "id": "113257461000000001",
        "type": "image",
        "url": "https://files.example.social/m/original/1.jpg",
        "preview_url": "https://files.example.social/m/small/1.jpg",
        "remote_url": null,
        "preview_remote_url": null,
        "text_url": null,
        "meta": {
            "original": {"width": 1024, "height": 768, "size": "1024x768", "aspect": 1.3333},
            "small": {"width": 400, "height": 300},
            "focus": {"x": 0.0, "y": 0.0}
        },
        "description": "A cat asleep on a keyboard",
        "blurhash": "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt"
    }],
    "mentions": [{
        "id": "109302521960300000",
        "username": "bob",
        "url": "https://b.example/@bob",
        "acct": "bob@b.example"
    }],
    "tags": [{"name": "rust", "url": "https://example.social/tags/rust"}],
    "emojis": [{
        "shortcode": "blobcat",
        "url": "https://files.example.social/e/blobcat.png",
        "static_url": "https://files.example.social/e/blobcat_s.png",
        "visible_in_picker": true,
        "category": "blobs"
    }],
    "card": {
        "url": "https://blog.example/post",
        "title": "A post",
        "description": "About things",
        "language": "en",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "Blog",
        "provider_url": "",
        "html": "",
        "width": 400,
        "height": 200,
        "image": "https://files.example.social/c/1.png",
        "image_description": "",
        "embed_url": "",
        "blurhash": "UCAd",
        "published_at": null,
        "authors": []
    },
    "poll": {
        "id": "34830",
        "expires_at": "2024-10-09T12:00:00.000Z",
        "expired": false,
        "multiple": true,
        "votes_count": 10,
        "voters_count": 6,
        "voted": true,
        "own_votes": [0, 2],
        "options": [
            {"title": "tabs", "votes_count": 6},
            {"title": "spaces", "votes_count": 1},
            {"title": "both", "votes_count": 3}
        ],
        "emojis": []
    }
}"##;

fn mastodon_status() -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(MASTODON_STATUS).unwrap();
    v["account"] = mastodon_account();
    v
}

#[test]
fn mastodon_full_status() {
    let s: Status = decode(mastodon_status());
    assert_eq!(s.id, "113257461720347655");
    assert_eq!(s.in_reply_to_id.as_deref(), Some("113257461720340000"));
    assert_eq!(
        s.in_reply_to_account_id.as_deref(),
        Some("109302521960300000")
    );
    assert!(s.sensitive);
    assert_eq!(s.spoiler_text, "cats");
    assert_eq!(s.visibility, Visibility::Unlisted);
    assert_eq!(s.language.as_deref(), Some("en"));
    assert_eq!(
        (s.replies_count, s.reblogs_count, s.favourites_count),
        (2, 5, 17)
    );
    assert_eq!(s.edited_at.as_deref(), Some("2024-10-08T12:05:00.000Z"));
    assert_eq!(
        (s.favourited, s.reblogged, s.bookmarked),
        (Some(true), Some(false), Some(false))
    );
    assert!(s.content.starts_with("<p>Hello"));
    assert_eq!(s.application.as_ref().unwrap().name, "Elk");
    assert!(s.reblog.is_none());
    assert!(std::ptr::eq(s.original(), &s));

    let a = &s.account;
    assert_eq!(a.id, "109302521960312338");
    assert_eq!(a.acct, "alice@example.social");
    assert_eq!(a.display_name_or_username(), "Alice :blobcat:");
    assert_eq!(
        (a.followers_count, a.following_count, a.statuses_count),
        (1200, 300, 4567)
    );
    assert_eq!(a.emojis[0].shortcode, "blobcat");
    assert_eq!(a.fields[0].name, "Web");
    assert!(a.fields[0].verified_at.is_some());
    assert_eq!(a.discoverable, Some(true));

    let m = &s.media_attachments[0];
    assert_eq!(m.kind, MediaType::Image);
    assert_eq!(m.description.as_deref(), Some("A cat asleep on a keyboard"));
    assert_eq!(m.remote_url, None);
    assert_eq!(
        m.meta.as_ref().and_then(|m| m.value()).unwrap()["original"]["width"],
        1024
    );
    assert!(m.blurhash.is_some());

    assert_eq!(s.mentions[0].acct, "bob@b.example");
    assert_eq!(s.mentions[0].id, "109302521960300000");
    assert_eq!(s.tags[0].name, "rust");
    assert_eq!(s.tags[0].history, None);
    assert_eq!(s.emojis[0].category.as_deref(), Some("blobs"));

    let card = s.card.as_ref().unwrap();
    assert_eq!(card.kind, "link");
    assert_eq!(card.provider_name, "Blog");
    assert_eq!(
        card.image.as_deref(),
        Some("https://files.example.social/c/1.png")
    );

    let poll = s.poll.as_ref().unwrap();
    assert_eq!(poll.id, "34830");
    assert!(poll.multiple && !poll.expired);
    assert_eq!((poll.votes_count, poll.voters_count), (10, Some(6)));
    assert_eq!(poll.own_votes.as_deref(), Some(&[0, 2][..]));
    let titles: Vec<_> = poll
        .options
        .iter()
        .map(|o| (o.title.as_str(), o.votes_count))
        .collect();
    assert_eq!(
        titles,
        [("tabs", Some(6)), ("spaces", Some(1)), ("both", Some(3))]
    );

    let f = &s.filtered[0];
    assert_eq!(f.filter.id, "42");
    assert_eq!(f.filter.filter_action, FilterAction::Blur);
    assert_eq!(
        f.filter.context,
        [FilterContext::Home, FilterContext::Public]
    );
    assert_eq!(f.filter.expires_at, None);
    assert!(f.filter.keywords.is_empty());
    assert_eq!(
        f.keyword_matches.as_deref(),
        Some(&["cats".to_string()][..])
    );
    assert_eq!(f.status_matches, None);
}

#[test]
fn reblog_and_original() {
    let mut outer = mastodon_status();
    let inner = mastodon_status();
    outer["id"] = json!("113257461720399999");
    outer["content"] = json!("");
    outer["reblog"] = inner;
    let s: Status = decode(outer);
    let r = s.reblog.as_deref().unwrap();
    assert_eq!(r.id, "113257461720347655");
    assert_eq!(s.original().id, "113257461720347655");
    assert!(std::ptr::eq(s.original(), r));
}

#[test]
fn status_round_trips_through_serialize() {
    let s: Status = decode(mastodon_status());
    let again: Status = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(s, again);
    let text = serde_json::to_value(&s).unwrap();
    assert_eq!(text["visibility"], "unlisted");
    assert_eq!(text["media_attachments"][0]["type"], "image");
}

#[test]
fn gotosocial_nulls_and_missing_fields() {
    // GoToSocial leaves out what it does not have and sends null for empty values.
    let s: Status = decode_str(
        r#"{
        "id": "01J9ZQ3V4N5X6Y7Z8A9B0C1D2E",
        "created_at": "2024-10-08T12:00:00.000Z",
        "in_reply_to_id": null,
        "in_reply_to_account_id": null,
        "sensitive": null,
        "spoiler_text": null,
        "visibility": null,
        "language": null,
        "uri": "https://gts.example/users/carol/statuses/01J9ZQ3V4N5X6Y7Z8A9B0C1D2E",
        "url": null,
        "replies_count": null,
        "reblogs_count": 0,
        "favourites_count": null,
        "content": null,
        "reblog": null,
        "account": {
            "id": "01F8MH1H7YV1Z7D2C8K2730QBF",
            "username": "carol",
            "acct": "carol",
            "display_name": "",
            "locked": null,
            "bot": null,
            "created_at": "2021-06-20T10:00:00.000Z",
            "note": null,
            "url": "https://gts.example/@carol",
            "avatar": "",
            "avatar_static": "",
            "header": null,
            "followers_count": null,
            "emojis": null,
            "fields": null,
            "last_status_at": null
        },
        "media_attachments": null,
        "mentions": null,
        "tags": null,
        "emojis": null,
        "card": null,
        "poll": null,
        "filtered": null,
        "interaction_policy": {"can_favourite": {"always": ["public"]}}
    }"#,
    );
    assert_eq!(s.id, "01J9ZQ3V4N5X6Y7Z8A9B0C1D2E");
    assert!(!s.sensitive);
    assert_eq!(s.spoiler_text, "");
    assert_eq!(s.visibility, Visibility::Public);
    assert_eq!(s.url, None);
    assert_eq!(s.in_reply_to_id, None);
    assert_eq!(s.content, "");
    assert_eq!((s.replies_count, s.favourites_count), (0, 0));
    assert!(s.media_attachments.is_empty() && s.mentions.is_empty() && s.tags.is_empty());
    assert!(s.filtered.is_empty() && s.card.is_none() && s.poll.is_none());
    assert_eq!(s.favourited, None);
    assert_eq!(s.edited_at, None);
    assert_eq!(s.account.display_name_or_username(), "carol");
    assert_eq!(s.account.note, "");
    assert_eq!(s.account.header, "");
    assert_eq!(s.account.statuses_count, 0);
    assert!(!s.account.locked && !s.account.bot);

    // A status reduced to almost nothing still decodes.
    let bare: Status = decode(json!({"id": "1"}));
    assert_eq!(bare.id, "1");
    assert_eq!(bare.account, Account::default());
    let empty: Status = decode(json!({}));
    assert_eq!(empty, Status::default());
}

#[test]
fn gotosocial_media_with_null_urls() {
    let m: MediaAttachment = decode(json!({
        "id": "01HXYZ",
        "type": "unknown",
        "url": null,
        "text_url": null,
        "preview_url": null,
        "remote_url": "https://remote.example/file.bin",
        "description": null,
        "blurhash": null,
        "meta": null
    }));
    assert_eq!(m.kind, MediaType::Unknown);
    assert_eq!(m.url, None);
    assert_eq!(
        m.remote_url.as_deref(),
        Some("https://remote.example/file.bin")
    );
    assert_eq!(m.description, None);
    assert_eq!(m.meta, None);
}

fn akkoma_status() -> serde_json::Value {
    json!({
        "id": "AbC123xYz",
        "uri": "https://akkoma.example/objects/6b8a1c2d",
        "url": "https://akkoma.example/notice/AbC123xYz",
        "created_at": "2024-10-08T12:00:00.000Z",
        "visibility": "local",
        "sensitive": false,
        "spoiler_text": "",
        "content": "hi <span class=\"h-card\">@dave</span>",
        "in_reply_to_id": "AbC122aaa",
        "in_reply_to_account_id": "9zQ8rB4l0DaVEb0jLE",
        "replies_count": 0,
        "reblogs_count": "3",
        "favourites_count": 1,
        "account": {
            "id": "9zQ8rB4l0DaVEb0jLE",
            "username": "dave",
            "acct": "dave",
            "display_name": "Dave",
            "fqn": "dave@akkoma.example",
            "pleroma": {"is_admin": false, "ap_id": "https://akkoma.example/users/dave"},
            "followers_count": 5,
            "following_count": 7,
            "statuses_count": 99
        },
        "media_attachments": [{
            "id": "1337",
            "type": "image",
            "url": "https://akkoma.example/media/x.png",
            "preview_url": "https://akkoma.example/media/x.png",
            "remote_url": "https://akkoma.example/media/x.png",
            "description": "x",
            "pleroma": {"mime_type": "image/png"}
        }],
        "mentions": [{"id": "A1b2", "username": "erin", "acct": "erin@other.example", "url": "https://other.example/erin"}],
        "tags": [],
        "emojis": [],
        "pleroma": {
            "local": true,
            "conversation_id": 123456,
            "context": "https://akkoma.example/contexts/abc",
            "emoji_reactions": [{"name": "👍", "count": 2, "me": false}],
            "content": {"text/plain": "hi @dave"},
            "expires_at": null,
            "thread_muted": false
        },
        "akkoma": {"source": {"content": "hi @dave", "mediaType": "text/x.misskeymarkdown"}}
    })
}

#[test]
fn akkoma_string_ids_extensions_and_local_visibility() {
    let s: Status = decode(akkoma_status());
    assert_eq!(s.id, "AbC123xYz");
    assert_eq!(s.in_reply_to_id.as_deref(), Some("AbC122aaa"));
    assert_eq!(s.visibility, Visibility::Other("local".into()));
    assert_eq!(s.visibility.as_str(), "local");
    assert_eq!(s.reblogs_count, 3);
    assert_eq!(s.account.id, "9zQ8rB4l0DaVEb0jLE");
    assert_eq!(s.account.statuses_count, 99);
    assert_eq!(s.mentions[0].id, "A1b2");
    assert_eq!(s.media_attachments[0].id, "1337");
    // The unknown visibility goes back out unchanged.
    assert_eq!(serde_json::to_value(&s).unwrap()["visibility"], "local");
}

#[test]
fn pleroma_emoji_reaction_notification() {
    let n: Notification = decode(json!({
        "id": "1234",
        "type": "pleroma:emoji_reaction",
        "created_at": "2024-10-08T12:00:00.000Z",
        "emoji": "🔥",
        "emoji_url": null,
        "account": {"id": "9zQ8rB4l0DaVEb0jLE", "username": "dave", "acct": "dave"},
        "status": akkoma_status(),
        "pleroma": {"is_seen": false, "is_muted": false}
    }));
    assert_eq!(
        n.kind,
        NotificationType::Other("pleroma:emoji_reaction".into())
    );
    assert_eq!(n.kind.as_str(), "pleroma:emoji_reaction");
    assert_eq!(n.emoji.as_deref(), Some("🔥"));
    assert_eq!(n.status.as_ref().unwrap().id, "AbC123xYz");
}

#[test]
fn numeric_ids_become_decimal_strings() {
    let s: Status = decode_str(
        r#"{"id": 113257461720347655, "in_reply_to_id": 42, "in_reply_to_account_id": -7,
            "account": {"id": 18446744073709551615},
            "mentions": [{"id": 5, "username": "x", "acct": "x", "url": ""}],
            "poll": {"id": 99, "options": []}}"#,
    );
    assert_eq!(s.id, "113257461720347655");
    assert_eq!(s.in_reply_to_id.as_deref(), Some("42"));
    assert_eq!(s.in_reply_to_account_id.as_deref(), Some("-7"));
    assert_eq!(s.account.id, "18446744073709551615");
    assert_eq!(s.mentions[0].id, "5");
    assert_eq!(s.poll.unwrap().id, "99");

    let fs: FilterStatus = decode(json!({"id": 1, "status_id": 109999999999999999u64}));
    assert_eq!(
        (fs.id.as_str(), fs.status_id.as_str()),
        ("1", "109999999999999999")
    );
    // Ids serialise as strings whatever they arrived as.
    assert_eq!(serde_json::to_value(&fs).unwrap()["id"], "1");
    // Ids are never parsed: leading zeros and long ids survive.
    let fs: FilterStatus =
        decode(json!({"id": "007", "status_id": "123456789012345678901234567890"}));
    assert_eq!(
        (fs.id.as_str(), fs.status_id.as_str()),
        ("007", "123456789012345678901234567890")
    );
}

#[test]
fn ids_of_the_wrong_shape_fail() {
    assert!(serde_json::from_str::<Status>(r#"{"id": {"x": 1}}"#).is_err());
    assert!(serde_json::from_str::<Status>(r#"{"id": [1]}"#).is_err());
}

#[test]
fn counts_are_lenient() {
    let cases = [
        (json!(5), 5),
        (json!("12"), 12),
        (json!(" 12 "), 12),
        (json!(null), 0),
        (json!(-3), 0),
        (json!(2.9), 2),
        (json!(-2.5), 0),
        (json!("7.8"), 7),
        (json!("-4"), 0),
        (json!("lots"), 0),
        (json!(true), 0),
        (json!(1e300), u64::MAX),
        (json!({"a": 1}), 0),
        (json!([1, 2]), 0),
    ];
    for (value, want) in cases {
        let a: Account = decode(json!({"followers_count": value}));
        assert_eq!(a.followers_count, want, "{value}");
    }
    let a: Account = decode_str(r#"{"statuses_count": 99999999999999999999999}"#);
    assert_eq!(a.statuses_count, u64::MAX);
    let a: Account = decode(json!({}));
    assert_eq!(a.followers_count, 0);

    let o: PollOption = decode(json!({"title": "a", "votes_count": null}));
    assert_eq!(o.votes_count, None);
    let o: PollOption = decode(json!({"title": "a", "votes_count": "4"}));
    assert_eq!(o.votes_count, Some(4));
    let o: PollOption = decode(json!({"title": "a"}));
    assert_eq!(o.votes_count, None);
}

#[test]
fn every_notification_type() {
    let known = [
        ("mention", NotificationType::Mention),
        ("status", NotificationType::Status),
        ("reblog", NotificationType::Reblog),
        ("follow", NotificationType::Follow),
        ("follow_request", NotificationType::FollowRequest),
        ("favourite", NotificationType::Favourite),
        ("poll", NotificationType::Poll),
        ("update", NotificationType::Update),
        ("admin.sign_up", NotificationType::AdminSignUp),
        ("admin.report", NotificationType::AdminReport),
        (
            "severed_relationships",
            NotificationType::SeveredRelationships,
        ),
        ("moderation_warning", NotificationType::ModerationWarning),
        ("quote", NotificationType::Other("quote".into())),
    ];
    for (text, kind) in known {
        let n: Notification = decode(json!({
            "id": "900",
            "type": text,
            "created_at": "2024-10-08T12:00:00.000Z",
            "account": {"id": "1", "username": "u", "acct": "u"}
        }));
        assert_eq!(n.kind, kind);
        assert_eq!(n.kind.as_str(), text);
        assert_eq!(serde_json::to_value(&n).unwrap()["type"], text);
    }
}

#[test]
fn mastodon_notifications_with_extras() {
    let n: Notification = decode(json!({
        "id": "34975861",
        "type": "mention",
        "group_key": "ungrouped-34975861",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "status": mastodon_status()
    }));
    assert_eq!(n.kind, NotificationType::Mention);
    assert_eq!(n.group_key.as_deref(), Some("ungrouped-34975861"));
    assert_eq!(n.status.unwrap().poll.unwrap().options.len(), 3);

    let n: Notification = decode(json!({
        "id": "38",
        "type": "severed_relationships",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "relationship_severance_event": {
            "id": "1", "type": "domain_block", "purged": false, "target_name": "bad.example",
            "followers_count": 1, "following_count": 2, "created_at": "2024-10-08T12:00:00.000Z"
        }
    }));
    assert_eq!(n.kind, NotificationType::SeveredRelationships);
    assert_eq!(
        n.relationship_severance_event.unwrap()["target_name"],
        "bad.example"
    );
    assert!(n.status.is_none());

    let n: Notification = decode(json!({
        "id": "39",
        "type": "moderation_warning",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "moderation_warning": {"id": "2", "action": "silence", "text": "", "status_ids": [], "target_account": mastodon_account(), "appeal": null, "created_at": "2024-10-08T12:00:00.000Z"}
    }));
    assert_eq!(n.moderation_warning.unwrap()["action"], "silence");

    let n: Notification = decode(json!({
        "id": "40",
        "type": "admin.report",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "report": {"id": "3", "action_taken": false, "category": "spam", "comment": "", "status_ids": null}
    }));
    assert_eq!(n.kind, NotificationType::AdminReport);
    assert_eq!(n.report.unwrap()["category"], "spam");
}

#[test]
fn conversation() {
    let c: Conversation = decode(json!({
        "id": "418450",
        "unread": true,
        "accounts": [mastodon_account()],
        "last_status": mastodon_status()
    }));
    assert_eq!(c.id, "418450");
    assert!(c.unread);
    assert_eq!(c.accounts[0].username, "alice");
    assert_eq!(c.last_status.unwrap().id, "113257461720347655");

    let c: Conversation =
        decode(json!({"id": 7, "unread": null, "accounts": null, "last_status": null}));
    assert_eq!(c.id, "7");
    assert!(!c.unread && c.accounts.is_empty() && c.last_status.is_none());
}

#[test]
fn filters_v2_list() {
    let filters: Vec<Filter> = decode(json!([
        {
            "id": "19972",
            "title": "Test filter",
            "context": ["home", "notifications", "thread", "account"],
            "expires_at": "2026-12-31T23:59:59.000Z",
            "filter_action": "warn",
            "keywords": [
                {"id": "1197", "keyword": "bad word", "whole_word": false},
                {"id": "1198", "keyword": "rust", "whole_word": null}
            ],
            "statuses": [{"id": "1", "status_id": "109031743575371913"}]
        },
        {
            "id": "19973",
            "title": "Hide",
            "context": ["public", "explore"],
            "expires_at": null,
            "filter_action": "hide",
            "keywords": [],
            "statuses": []
        },
        {"id": "19974", "title": "Future", "context": ["home"], "filter_action": "shout"}
    ]));
    assert_eq!(filters.len(), 3);
    let f = &filters[0];
    assert_eq!(f.title, "Test filter");
    assert_eq!(
        f.context,
        [
            FilterContext::Home,
            FilterContext::Notifications,
            FilterContext::Thread,
            FilterContext::Account
        ]
    );
    assert_eq!(f.expires_at.as_deref(), Some("2026-12-31T23:59:59.000Z"));
    assert_eq!(f.filter_action, FilterAction::Warn);
    assert_eq!(f.keywords[0].keyword, "bad word");
    assert!(!f.keywords[1].whole_word);
    assert_eq!(f.statuses[0].status_id, "109031743575371913");

    assert_eq!(filters[1].filter_action, FilterAction::Hide);
    assert_eq!(
        filters[1].context[1],
        FilterContext::Other("explore".into())
    );
    assert_eq!(
        filters[2].filter_action,
        FilterAction::Other("shout".into())
    );
    assert!(filters[2].keywords.is_empty());
}

#[test]
fn announcement_and_reaction_event() {
    let a: Announcement = decode(json!({
        "id": "8",
        "content": "<p>Maintenance tonight, see <a href=\"https://example.social/@admin/1\">this</a> #status</p>",
        "starts_at": null,
        "ends_at": null,
        "all_day": false,
        "published_at": "2024-10-08T12:00:00.000Z",
        "updated_at": "2024-10-08T12:30:00.000Z",
        "read": true,
        "mentions": [{"id": "1", "username": "admin", "url": "https://example.social/@admin", "acct": "admin"}],
        "statuses": [{"id": "1", "url": "https://example.social/@admin/1"}],
        "tags": [{"name": "status", "url": "https://example.social/tags/status"}],
        "emojis": [],
        "reactions": [
            {"name": "bongoCat", "count": 9, "me": false, "url": "https://files.example.social/e/bongo.png", "static_url": "https://files.example.social/e/bongo_s.png"},
            {"name": "🤔", "count": 1, "me": true}
        ]
    }));
    assert_eq!(a.id, "8");
    assert!(a.read && !a.all_day);
    assert_eq!(a.starts_at, None);
    assert_eq!(a.updated_at, "2024-10-08T12:30:00.000Z");
    assert_eq!(a.mentions[0].acct, "admin");
    assert_eq!(a.statuses[0].url, "https://example.social/@admin/1");
    assert_eq!(a.tags[0].name, "status");
    assert_eq!(a.reactions[0].count, 9);
    assert!(a.reactions[0].url.is_some());
    assert_eq!(
        (a.reactions[1].name.as_str(), a.reactions[1].me),
        ("🤔", true)
    );

    // The `announcement.reaction` streaming payload.
    let r: AnnouncementReaction =
        decode_str(r#"{"name":"bongoCat","count":10,"announcement_id":"8"}"#);
    assert_eq!(r.name, "bongoCat");
    assert_eq!(r.count, 10);
    assert_eq!(r.announcement_id.as_deref(), Some("8"));
    assert!(!r.me && r.url.is_none());
}

#[test]
fn tag_history_numbers_as_strings() {
    let t: Tag = decode(json!({
        "name": "Rust",
        "url": "https://example.social/tags/rust",
        "history": [{"day": "1728345600", "uses": "12", "accounts": "9"}, {"day": 1728259200, "uses": 3, "accounts": null}],
        "following": false
    }));
    let h = t.history.unwrap();
    assert_eq!(
        (h[0].day.as_str(), h[0].uses, h[0].accounts),
        ("1728345600", 12, 9)
    );
    assert_eq!(
        (h[1].day.as_str(), h[1].uses, h[1].accounts),
        ("1728259200", 3, 0)
    );
}

#[test]
fn media_types() {
    for (text, kind) in [
        ("image", MediaType::Image),
        ("video", MediaType::Video),
        ("gifv", MediaType::Gifv),
        ("audio", MediaType::Audio),
        ("unknown", MediaType::Unknown),
        ("3d-model", MediaType::Other("3d-model".into())),
    ] {
        let m: MediaAttachment = decode(json!({"id": "1", "type": text}));
        assert_eq!(m.kind, kind);
    }
    let m: MediaAttachment = decode(json!({"id": "1"}));
    assert_eq!(m.kind, MediaType::Unknown);
}

#[test]
fn enum_defaults_and_display() {
    assert_eq!(Visibility::default(), Visibility::Public);
    assert_eq!(NotificationType::default(), NotificationType::Mention);
    assert_eq!(FilterAction::default(), FilterAction::Warn);
    assert_eq!(FilterContext::default(), FilterContext::Home);
    assert_eq!(MediaType::default(), MediaType::Unknown);
    assert_eq!(Visibility::Direct.to_string(), "direct");
    assert_eq!(Visibility::from("private"), Visibility::Private);
    assert_eq!(String::from(Visibility::Other("local".into())), "local");
}

#[test]
fn display_name_fallbacks() {
    let mut a = Account {
        username: "bob".into(),
        acct: "bob@b.example".into(),
        display_name: "  ".into(),
        ..Account::default()
    };
    assert_eq!(a.display_name_or_username(), "bob");
    a.username.clear();
    assert_eq!(a.display_name_or_username(), "bob@b.example");
    a.display_name = "Bob".into();
    assert_eq!(a.display_name_or_username(), "Bob");
}

#[test]
fn instance_v2() {
    let i: Instance = decode(json!({
        "domain": "mastodon.social",
        "title": "Mastodon",
        "version": "4.5.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "The original server operated by the Mastodon gGmbH non-profit",
        "usage": {"users": {"active_month": 123122}},
        "thumbnail": {"url": "https://files.mastodon.social/site_uploads/files/000/000/001/@1x/57c12f441d083cde.png"},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": "wss://streaming.mastodon.social", "status": "https://status.mastodon.social"},
            "vapid": {"public_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M="},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
            "media_attachments": {"supported_mime_types": ["image/jpeg"]},
            "polls": {"max_options": 4},
            "translation": {"enabled": true},
            "timelines_access": {
                "live_feeds": {"local": "public", "remote": "authenticated"},
                "hashtag_feeds": {"local": "public", "remote": "disabled"},
                "trending_link_feeds": {"local": "public", "remote": "public"}
            }
        },
        "registrations": {"enabled": false, "approval_required": false, "message": null},
        "contact": {"email": "staff@mastodon.social", "account": null},
        "rules": []
    }));
    assert_eq!(i.host(), Some("mastodon.social"));
    assert_eq!(i.version, "4.5.0");
    assert_eq!(i.title, "Mastodon");
    assert_eq!(i.streaming_url(), Some("wss://streaming.mastodon.social"));
    assert_eq!(i.max_characters(), Some(500));
    let access = i.configuration.timelines_access.as_ref().unwrap();
    assert_eq!(access["hashtag_feeds"]["remote"], "disabled");
}

#[test]
fn instance_v1() {
    let i: Instance = decode(json!({
        "uri": "mastodon.example",
        "title": "Example",
        "short_description": "",
        "version": "4.3.1",
        "urls": {"streaming_api": "wss://mastodon.example"},
        "stats": {"user_count": 10, "status_count": 100, "domain_count": 1000},
        "configuration": {"statuses": {"max_characters": "1000"}},
        "contact_account": null
    }));
    assert_eq!(i.host(), Some("mastodon.example"));
    assert_eq!(i.streaming_url(), Some("wss://mastodon.example"));
    assert_eq!(i.max_characters(), Some(1000));
    assert_eq!(i.configuration.timelines_access, None);

    // Akkoma v1: no configuration, its own character limit, an empty streaming url.
    let i: Instance = decode(json!({
        "uri": "https://akkoma.example",
        "title": "Akkoma",
        "version": "2.7.2 (compatible; Akkoma 3.13.2)",
        "urls": {"streaming_api": ""},
        "max_toot_chars": 5000,
        "configuration": null,
        "pleroma": {"metadata": {"features": ["pleroma_api"]}}
    }));
    assert_eq!(i.streaming_url(), None);
    assert_eq!(i.max_characters(), Some(5000));
    assert!(i.version.contains("Akkoma"));

    // GoToSocial v2 without streaming url or limits.
    let i: Instance = decode(
        json!({"domain": "gts.example", "title": "gts", "version": "0.17.0 git-abc", "configuration": {"urls": {"streaming": null}}}),
    );
    assert_eq!(i.streaming_url(), None);
    assert_eq!(i.max_characters(), None);
}

fn nested_reblogs(depth: usize) -> String {
    let mut text = r#"{"id":"1","reblog":"#.repeat(depth);
    text.push_str("null");
    text.push_str(&"}".repeat(depth));
    text
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    assert!(serde_json::from_str::<Status>(&nested_reblogs(10_000)).is_err());
    assert!(serde_json::from_str::<Status>(&nested_reblogs(200)).is_err());
    // `nested_reblogs(n)` has n `reblog` fields, the last one null.
    let too_deep = de::MAX_NESTING as usize + 1;
    assert!(serde_json::from_str::<Status>(&nested_reblogs(too_deep)).is_err());
    let s: Status = serde_json::from_str(&nested_reblogs(too_deep - 1)).unwrap();
    assert_eq!(s.original().id, "1");
    // The depth count is unwound after errors too: a good status decodes afterwards.
    let s: Status = serde_json::from_str(&nested_reblogs(2)).unwrap();
    assert!(s.reblog.is_some());

    let mut moved = r#"{"id":"1","moved":"#.repeat(1000);
    moved.push_str("null");
    moved.push_str(&"}".repeat(1000));
    assert!(serde_json::from_str::<Account>(&moved).is_err());

    // Deep JSON in a free-form field is kept as text, without recursion; looking inside stops
    // at serde_json's recursion limit.
    let deep_meta = format!(
        r#"{{"id":"1","media_attachments":[{{"meta":{}1{}}}]}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let s = serde_json::from_str::<Status>(&deep_meta).unwrap();
    let meta = s.media_attachments[0].meta.as_ref().unwrap();
    assert_eq!(meta.get().len(), 20_001);
    assert_eq!(meta.value(), None);
    let notification = format!(
        r#"{{"id":"1","type":"mention","status":{}}}"#,
        nested_reblogs(10_000)
    );
    assert!(serde_json::from_str::<Notification>(&notification).is_err());
}
