use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

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
