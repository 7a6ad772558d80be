use serde::de::value::Error as ValueError;
use serde::de::{self, Visitor};
use serde_json::{Value, json};

use super::*;
use crate::fuzzing::check_light_agrees;
use crate::model::{
    AccountField, Application, Card, CustomEmoji, Mention, Tag, TagHistory as ModelTagHistory,
};

/// A deserializer that answers only what a struct's derived `Deserialize` asks of it: its
/// name and field names, returned as the error text.
struct Fields;

impl<'de> de::Deserializer<'de> for Fields {
    type Error = ValueError;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ValueError> {
        Err(de::Error::custom("not a struct"))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ValueError> {
        Err(de::Error::custom(fields.join(",")))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

fn fields_of<T: for<'de> Deserialize<'de>>() -> String {
    match T::deserialize(Fields) {
        Err(e) => e.to_string(),
        Ok(_) => unreachable!("Fields never yields a value"),
    }
}

#[test]
fn every_twin_has_its_models_fields_in_its_order() {
    let pairs = [
        (fields_of::<Status>(), fields_of::<LStatus>()),
        (fields_of::<Application>(), fields_of::<LApplication>()),
        (fields_of::<Account>(), fields_of::<LAccount>()),
        (fields_of::<AccountField>(), fields_of::<LAccountField>()),
        (fields_of::<MediaAttachment>(), fields_of::<LMedia>()),
        (fields_of::<Poll>(), fields_of::<LPoll>()),
        (fields_of::<Tag>(), fields_of::<LTag>()),
        (fields_of::<ModelTagHistory>(), fields_of::<LTagHistory>()),
        (fields_of::<Mention>(), fields_of::<LMention>()),
        (fields_of::<CustomEmoji>(), fields_of::<LEmoji>()),
        (fields_of::<Card>(), fields_of::<LCard>()),
    ];
    for (model, twin) in pairs {
        assert!(model.contains(','), "{model}");
        assert_eq!(model, twin);
    }
}

/// A status with every field the model reads, each nested entity present.
fn full_status() -> Value {
    let emoji = json!({"shortcode": "blob", "url": "https://e.example/b.png",
        "static_url": "https://e.example/b.png", "visible_in_picker": true, "category": "c"});
    let account = json!({
        "id": "1", "username": "alice", "acct": "alice@example.com", "display_name": "Alice",
        "url": "https://example.com/@alice", "uri": "https://example.com/users/alice",
        "avatar": "a", "avatar_static": "a", "header": "h", "header_static": "h",
        "note": "<p>note</p>", "bot": false, "locked": false, "group": false,
        "discoverable": true, "emojis": [emoji],
        "fields": [{"name": "web", "value": "<a>x</a>", "verified_at": null}],
        "followers_count": 3, "following_count": "4", "statuses_count": 5,
        "created_at": "2020-01-01T00:00:00.000Z", "last_status_at": "2026-11-28",
        "moved": {"id": "2", "acct": "alice2@example.com"}
    });
    let inner = json!({
        "id": "9", "content": "<p>boosted</p>", "spoiler_text": "cw",
        "account": {"id": "3", "acct": "bob@b.example"},
        "media_attachments": [{"id": "m2", "type": "video", "description": "clip"}],
        "filtered": [{"filter": {"id": "f2", "title": "t", "context": ["public"],
            "filter_action": "hide"}, "keyword_matches": ["x"], "status_matches": null}]
    });
    json!({
        "id": "113000000000000001", "uri": "https://example.com/s/1",
        "url": "https://example.com/@alice/1", "created_at": "2026-11-28T10:00:00.000Z",
        "edited_at": "2026-11-28T10:05:00.000Z", "account": account,
        "content": "<p>hi</p>", "spoiler_text": "", "sensitive": false,
        "visibility": "public", "in_reply_to_id": "7", "in_reply_to_account_id": 8,
        "reblog": inner,
        "media_attachments": [{"id": "m", "type": "image", "url": "u", "preview_url": "p",
            "remote_url": null, "description": "alt", "blurhash": "LEHV6nWB2yk8",
            "meta": {"original": {"width": 640, "height": 480}, "focus": {"x": 0.1}}}],
        "mentions": [{"id": "5", "username": "carol", "url": "u", "acct": "carol"}],
        "tags": [{"name": "rust", "url": "u",
            "history": [{"day": "1700000000", "uses": "3", "accounts": "2"}]}],
        "emojis": [emoji],
        "poll": {"id": "p", "expires_at": null, "expired": false, "multiple": false,
            "votes_count": 2, "voters_count": null,
            "options": [{"title": "yes", "votes_count": 1}, {"title": "no", "votes_count": null}],
            "emojis": [], "voted": true, "own_votes": [0]},
        "card": {"url": "https://x.example", "title": "t", "description": "d", "type": "link",
            "author_name": "", "author_url": "", "provider_name": "", "provider_url": "",
            "image": null, "image_description": null, "blurhash": null},
        "replies_count": 1, "reblogs_count": 2, "favourites_count": 3, "language": "en",
        "filtered": [{"filter": {"id": "f", "title": "Spoilers", "context": ["home", "public"],
            "expires_at": null, "filter_action": "warn", "keywords": [], "statuses": []},
            "keyword_matches": ["finale"], "status_matches": []}],
        "favourited": false, "reblogged": null, "bookmarked": false,
        "application": {"name": "Web", "website": null}
    })
}

/// Every key of every object in `v` (the first element of each array stands for the rest),
/// as paths.
fn key_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push(k.clone());
                out.push(at.clone());
                key_paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                at.push("0".into());
                key_paths(first, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn parent<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match v {
        Value::Array(items) => &mut items[step.parse::<usize>().unwrap()],
        other => &mut other[step.as_str()],
    })
}

/// Values servers (or attackers) put where they do not belong, as JSON text.
const ODD_VALUES: &[&str] = &[
    "5",
    "-1",
    "1.5",
    "1e400",
    "18446744073709551616",
    "true",
    "null",
    "\"x\"",
    "\"\"",
    "\"\\ud800\"",
    "\"\\u00e9\\n\"",
    "\"12\"",
    "[]",
    "[1]",
    "[\"a\"]",
    "[null]",
    "[{}]",
    "[[]]",
    "{}",
    "{\"a\":1}",
    "{\"id\":5}",
];

#[test]
fn every_field_refuses_and_accepts_as_the_model_does() {
    let base = full_status();
    check_light_agrees(&base.to_string());
    let light = tail_status(&base.to_string(), true).unwrap();
    assert_eq!(light.reblog.as_ref().unwrap().filtered.len(), 1);
    assert_eq!(light.poll.as_ref().unwrap().options[1].title, "no");
    // Without filter results the fast pass reads the status itself: the walk goes through
    // it as well as through the twins.
    let mut unfiltered = base.clone();
    unfiltered["filtered"] = json!([]);
    unfiltered["reblog"]["filtered"] = json!(null);
    assert!(check_light_agrees(&unfiltered.to_string()));
    let long = format!("\"{}\"", "9".repeat(MAX_ID_BYTES + 1));
    let (mut checked, mut fast) = (0, 0);
    for base in [base, unfiltered] {
        let mut paths = Vec::new();
        key_paths(&base, &mut Vec::new(), &mut paths);
        assert!(paths.len() > 110, "{}", paths.len());
        for path in &paths {
            let (key, above) = path.split_last().unwrap();
            for odd in ODD_VALUES.iter().copied().chain([long.as_str()]) {
                let mut v = base.clone();
                parent(&mut v, above)[key.as_str()] = json!("\u{1}ODD\u{1}");
                let text = v.to_string().replace("\"\\u0001ODD\\u0001\"", odd);
                fast += usize::from(check_light_agrees(&text));
                checked += 1;
            }
            // Missing, and sent twice (the derived decode refuses a duplicate known field).
            let mut v = base.clone();
            let removed = parent(&mut v, above)
                .as_object_mut()
                .unwrap()
                .remove(key)
                .unwrap();
            fast += usize::from(check_light_agrees(&v.to_string()));
            parent(&mut v, above)[key.as_str()] = removed.clone();
            parent(&mut v, above)[format!("\u{1}{key}")] = removed;
            fast += usize::from(check_light_agrees(
                &v.to_string().replace("\"\\u0001", "\""),
            ));
            checked += 2;
        }
    }
    assert!(checked > 5_000, "{checked}");
    assert!(fast > 900, "{fast} of {checked}");
}

#[test]
fn the_edges_named_in_the_issue() {
    let refused = [
        r#"{"id":"1","content":5}"#,
        r#"{"id":"1","account":{"acct":7}}"#,
        r#"{"id":"1","reblog":{"id":"2","spoiler_text":[]}}"#,
        r#"{"id":"1","reblog":{"id":true}}"#,
        r#"{"id":"1","sensitive":"yes"}"#,
        r#"{"id":"1","id":"2"}"#,
        r#"{"id":"1","poll":{"own_votes":[-1]}}"#,
        r#"{"id":"1","media_attachments":{}}"#,
        r#"{"id":"1","card":5}"#,
        r#"{"id":"1"} x"#,
        r#"["1", "u", null, "c", null, {}, "<p>hi</p>", "", false, "public", null, null, null, [], [], [], [], null, null, 0, 0, 0, null, [], null, null, null, null, "extra"]"#,
    ];
    for text in refused {
        assert!(tail_status(text, true).is_err(), "{text}");
        check_light_agrees(text);
    }
    let accepted = [
        r#"{"id":"1","content":null,"account":null,"media_attachments":null,"filtered":null}"#,
        r#"{}"#,
        r#"{"id":12,"replies_count":"lots","favourites_count":[1,{"a":"\ud800"}]}"#,
        r#"{"id":"1","unknown":"\ud800","other":[[[1]]]}"#,
        r#"{"id":"1","media_attachments":[{"meta":{"x":"\ud800"}}]}"#,
        r#"["1", "u", null, "c", null, {"acct": "a@b"}, "<p>hi</p>"]"#,
        r#"{"id":"1","reblog":{"id":"2","account":{"acct":"b@c"},"content":"<p>x</p>"}}"#,
    ];
    for text in accepted {
        assert!(tail_status(text, true).is_ok(), "{text}");
        check_light_agrees(text);
    }
    let array = tail_status(accepted[5], true).unwrap();
    assert_eq!(
        (array.id.as_str(), array.account.acct.as_str()),
        ("1", "a@b")
    );
    // Boosts of boosts and moved accounts count against one nesting limit.
    let mut deep = r#"{"id":"0"}"#.to_string();
    for i in 1..=6 {
        deep = format!(r#"{{"id":"{i}","reblog":{deep}}}"#);
        check_light_agrees(&deep);
    }
    assert!(tail_status(&deep, true).is_err());
    let moved = r#"{"id":"1","reblog":{"account":{"moved":{"moved":{"moved":{"moved":{}}}}}}}"#;
    assert!(tail_status(moved, true).is_err());
    check_light_agrees(moved);
    // serde_json's recursion limit, in a field the model skips and in one it checks.
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in [100, 126, 127, 128, 129, 200] {
        for field in ["unknown", "replies_count", "mentions", "card"] {
            check_light_agrees(&format!(r#"{{"id":"1","{field}":{}}}"#, nest(n)));
        }
        let meta = format!(r#"{{"media_attachments":[{{"meta":{}}}]}}"#, nest(n));
        check_light_agrees(&meta);
    }
}

#[test]
fn tail_decodes_statuses_lightly_and_everything_else_in_full() {
    let status = full_status().to_string();
    let light = decode_event_as(Decoding::Tail, "status.update", Some(&status)).unwrap();
    let full = decode_event("status.update", Some(&status)).unwrap();
    assert_eq!(
        decode_event_as(Decoding::Full, "status.update", Some(&status)).unwrap(),
        full
    );
    let (StreamEvent::StatusUpdate(light), StreamEvent::StatusUpdate(full)) = (light, full) else {
        panic!()
    };
    assert_eq!(*light, tail_view(&full));
    assert!(light.tags.is_empty() && !full.tags.is_empty());
    let delete = decode_event_as(Decoding::Tail, "delete", Some("5")).unwrap();
    assert_eq!(delete, StreamEvent::Delete("5".into()));
    // A refused status says why in the full decode's words.
    let bad = r#"{"id":"1","content":5}"#;
    let light = decode_event_as(Decoding::Tail, "update", Some(bad)).unwrap_err();
    let full = decode_event("update", Some(bad)).unwrap_err();
    assert_eq!(light.to_string(), full.to_string());
    assert!(matches!(
        decode_event_as(Decoding::Tail, "update", Some("  null ")),
        Err(DecodeError::MissingPayload { .. })
    ));
}
