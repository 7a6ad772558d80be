//! The lenient deserialisers and the enums they share.

use super::fixtures::*;
use super::*;
use serde_json::json;

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
