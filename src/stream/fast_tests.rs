use super::*;
use crate::fuzzing::{XorShift, check_light_agrees};

/// A status as Mastodon sends it: Rails escapes `<`, `>` and `&` in strings, quotes are
/// escaped in the HTML, text beyond ASCII is sent as is.
const MASTODON: &str = r#"{"id":"113500000000000042","created_at":"2026-11-28T10:00:00.000Z","in_reply_to_id":null,"in_reply_to_account_id":null,"sensitive":false,"spoiler_text":"","visibility":"public","language":"en","uri":"https://example.com/users/alice/statuses/113500000000000042","url":"https://example.com/@alice/113500000000000042","replies_count":0,"reblogs_count":3,"favourites_count":12,"edited_at":null,"favourited":false,"reblogged":false,"muted":false,"bookmarked":false,"content":"\u003cp\u003eSee \u003ca href=\"https://example.org/x\" rel=\"nofollow noopener\"\u003eexample.org\u003c/a\u003e \u0026amp; café ☕ 😀\u003c/p\u003e","filtered":[],"reblog":null,"application":{"name":"Web","website":null},"account":{"id":"109000000000000001","username":"alice","acct":"alice@example.com","display_name":"Alice :verified:","locked":false,"bot":false,"discoverable":true,"group":false,"created_at":"2022-11-01T00:00:00.000Z","note":"\u003cp\u003eI like terminals\u003c/p\u003e","url":"https://example.com/@alice","uri":"https://example.com/users/alice","avatar":"https://example.com/a.png","avatar_static":"https://example.com/a.png","header":"https://example.com/h.png","header_static":"https://example.com/h.png","followers_count":100,"following_count":50,"statuses_count":1000,"last_status_at":"2026-11-28","hide_collections":null,"noindex":false,"emojis":[{"shortcode":"verified","url":"https://example.com/v.png","static_url":"https://example.com/v.png","visible_in_picker":true}],"roles":[],"fields":[{"name":"web","value":"\u003ca href=\"https://alice.example\"\u003ealice.example\u003c/a\u003e","verified_at":null}]},"media_attachments":[{"id":"1","type":"image","url":"https://example.com/m.png","preview_url":"https://example.com/p.png","remote_url":null,"preview_remote_url":null,"text_url":null,"meta":{"original":{"width":640,"height":480,"size":"640x480","aspect":1.3333333333333333},"focus":{"x":-0.1,"y":0.25e1}},"description":"a cup \"of\" tea\non a desk","blurhash":"UFHV6nWB2yk8"}],"mentions":[{"id":"7","username":"bob","url":"https://b.example/@bob","acct":"bob@b.example"}],"tags":[{"name":"tea","url":"https://example.com/tags/tea","history":[{"day":"1732752000","uses":"3","accounts":"2"}]}],"emojis":[],"card":null,"poll":{"id":"p1","expires_at":null,"expired":false,"multiple":false,"votes_count":-2,"voters_count":null,"voted":true,"own_votes":[0,4294967295],"options":[{"title":"yes \u0026 no","votes_count":1},{"title":null,"votes_count":null},{"title":"x","votes_count":true}],"emojis":[]}}"#;

fn fast(text: &str) -> Option<Box<Status>> {
    let answer = tail_status(text, true);
    assert_eq!(answer.is_some(), check_light_agrees(text), "{text}");
    answer
}

#[test]
fn a_status_as_servers_send_it_is_read_in_one_pass() {
    let s = fast(MASTODON).expect("read");
    assert_eq!(s.id, "113500000000000042");
    assert_eq!(s.account.acct, "alice@example.com");
    assert_eq!(
        s.content,
        "<p>See <a href=\"https://example.org/x\" rel=\"nofollow noopener\">example.org</a> &amp; café ☕ 😀</p>"
    );
    assert_eq!(
        s.media_attachments[0].description.as_deref(),
        Some("a cup \"of\" tea\non a desk")
    );
    let options = &s.poll.as_ref().expect("a poll").options;
    assert_eq!(
        options
            .iter()
            .map(|o| (o.title.as_str(), o.votes_count))
            .collect::<Vec<_>>(),
        [("yes & no", Some(1)), ("", None), ("x", None)]
    );
    // A boost, an edit, numbers for ids, nulls for what may be null, whitespace anywhere.
    let boost = format!(
        " {{ \"id\" : 5 , \"edited_at\" : \"2026\" , \"account\" : null , \"content\" : null ,\n\t\"reblog\" : {MASTODON} , \"media_attachments\" : null , \"filtered\" : null }}\r\n"
    );
    let s = fast(&boost).expect("read");
    assert_eq!((s.id.as_str(), s.edited_at.as_deref()), ("5", Some("2026")));
    assert_eq!(s.reblog.expect("a boost").account.acct, "alice@example.com");
    for text in ["{}", r#"{"id":null,"poll":{},"media_attachments":[{}]}"#] {
        fast(text).expect("read");
    }
}

#[test]
fn without_the_texts_the_pass_keeps_the_ids_and_checks_the_rest() {
    let boost = format!(r#"{{"id":"5","edited_at":"2026","reblog":{MASTODON},"content":"x"}}"#);
    let s = tail_status(&boost, false).expect("read");
    assert_eq!((s.id.as_str(), s.edited_at.as_deref()), ("5", Some("2026")));
    assert!(s.content.is_empty());
    let r = s.reblog.expect("a boost");
    assert_eq!(r.id, "113500000000000042");
    assert!(r.content.is_empty() && r.account.acct.is_empty() && r.spoiler_text.is_empty());
    assert_eq!(r.media_attachments.len(), 1);
    assert_eq!(r.media_attachments[0].description, None);
    let options = &r.poll.as_ref().expect("a poll").options;
    assert!(options.iter().all(|o| o.title.is_empty()));
    assert_eq!(options[0].votes_count, Some(1));
    // What it only checks, it checks as when it keeps it.
    for text in [
        r#"{"content":5}"#,
        r#"{"account":{"acct":[]}}"#,
        r#"{"media_attachments":[{"description":{}}]}"#,
        r#"{"poll":{"options":[{"title":true}]}}"#,
        r#"{"spoiler_text":"\x"}"#,
    ] {
        assert!(tail_status(text, false).is_none(), "{text}");
        check_light_agrees(text);
    }
}

#[test]
fn what_the_pass_is_not_sure_of_is_left_to_the_twins() {
    let left = [
        // Escaped keys: serde matches them unescaped.
        r#"{"i\u0064":"1"}"#,
        r#"{"\u0069d":"1","id":"2"}"#,
        // Surrogate escapes, paired or lone, anywhere.
        r#"{"content":"\ud83d\ude00"}"#,
        r#"{"content":"\ud800"}"#,
        r#"{"unknown":"\udc00"}"#,
        // Numbers where one is deserialized: only plain integers.
        r#"{"replies_count":1.5}"#,
        r#"{"replies_count":1e400}"#,
        r#"{"replies_count":1234567890123456789}"#,
        r#"{"in_reply_to_id":-1.0}"#,
        r#"{"id":-1}"#,
        r#"{"poll":{"own_votes":[4294967296]}}"#,
        r#"{"poll":{"own_votes":[-0]}}"#,
        r#"{"poll":{"options":[{"votes_count":"3"}]}}"#,
        // The array form of a struct.
        r#"["1"]"#,
        r#"{"account":["1","alice"]}"#,
        r#"{"mentions":[["1"]]}"#,
        // Filter results (kept whole).
        r#"{"filtered":[{}]}"#,
        // Boosts and moved accounts past the model's nesting limit.
        r#"{"reblog":{"reblog":{"account":{"moved":{"moved":{"moved":null}}}}}}"#,
        // Deeper than this pass goes, in a field nothing reads.
        &format!(r#"{{"x":{}{}}}"#, "[".repeat(70), "]".repeat(70)),
        // An id too long, a field twice.
        &format!(r#"{{"in_reply_to_id":"{}"}}"#, "1".repeat(MAX_ID_BYTES + 1)),
        r#"{"content":"a","content":"b"}"#,
        r#"{"account":{"acct":"a","acct":"b"}}"#,
        // Not JSON, or not a status.
        r#"{"content":"a	b"}"#,
        r#"{"content":"\x"}"#,
        r#"{"content":"\u12"}"#,
        r#"{"content":"a}"#,
        r#"{"x":01}"#,
        r#"{"x":1.}"#,
        r#"{"x":-}"#,
        r#"{"x":nul}"#,
        r#"{"x":[1,]}"#,
        r#"{"x":1,}"#,
        r#"{"x" 1}"#,
        r#"{"sensitive":"yes"}"#,
        r#"{"content":5}"#,
        r#"{"media_attachments":{}}"#,
        r#"{"card":5}"#,
        r#"{"id":"1"} x"#,
        r#"{"id":"1"}}"#,
        "null",
        "",
    ];
    for text in left {
        assert!(fast(text).is_none(), "{text}");
    }
    // Within the limits, the same shapes are read.
    for text in [
        r#"{"reblog":{"reblog":{"account":{"moved":{"moved":null}}}}}"#,
        &format!(r#"{{"x":{}{}}}"#, "[".repeat(60), "]".repeat(60)),
        &format!(r#"{{"in_reply_to_id":"{}"}}"#, "1".repeat(MAX_ID_BYTES)),
        r#"{"replies_count":123456789012345678,"x":[1e400,-0.5E-3,0,"\u0000\/"]}"#,
        r#"{"poll":{"own_votes":[4294967295]},"id":0}"#,
        r#"{"account":{"acct":"\u0061\n\"\\\/\b\f\r\t"}}"#,
    ] {
        assert!(fast(text).is_some(), "{text}");
    }
    assert_eq!(
        fast(r#"{"account":{"acct":"\u0061\n\"\\\/\b\f\r\t"}}"#)
            .expect("read")
            .account
            .acct,
        "a\n\"\\/\u{8}\u{c}\r\t"
    );
}

#[test]
fn mutated_statuses_are_read_as_the_twins_read_them_or_left_to_them() {
    const BYTES: &[u8] = b"\"\\{}[],:0-9.e nulltruefalse\x01u";
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let (mut read, mut left) = (0, 0);
    for _ in 0..10_000 {
        let mut bytes = MASTODON.as_bytes().to_vec();
        for _ in 0..1 + rng.next() % 3 {
            let at = (rng.next() % bytes.len() as u64) as usize;
            let b = BYTES[(rng.next() % BYTES.len() as u64) as usize];
            match rng.next() % 3 {
                0 => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ => drop(bytes.remove(at)),
            }
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if check_light_agrees(&text) {
            read += 1;
        } else {
            left += 1;
        }
    }
    assert!(read > 1_000 && left > 1_000, "{read} read, {left} left");
}

#[test]
fn escapes_and_bad_bytes_anywhere_in_a_long_text_are_read_as_the_twins_read_them() {
    // Each piece moved across the first blocks' edges of a long content, between the
    // escaped quotes of its HTML; whether the pass reads the status, and what it reads, is
    // what the twins (with and without the texts) say.
    let pieces = [
        ("\\\"", true),
        ("\\\\", true),
        ("\\u00e9", true),
        ("\\u003c", true),
        ("\\n", true),
        ("\\/", true),
        ("é", true),
        ("😀", true),
        // Surrogates are left to the twins.
        ("\\ud83d\\ude00", false),
        ("\u{1}", false),
        ("\n", false),
        ("\\x", false),
        ("\\u12", false),
        ("\\\u{1}", false),
        ("\"", false),
        ("\\", false),
    ];
    for (piece, read) in pieces {
        for at in 0..3 * 64 {
            let mut content = "a\\\"b".repeat(at / 4);
            content.push_str(&"c".repeat(at % 4));
            content.push_str(piece);
            content.push_str(&"<a href=\\\"x\\\">\\\\".repeat(20));
            let text = format!(r#"{{"id":"1","content":"{content}","spoiler_text":"s"}}"#);
            assert_eq!(fast(&text).is_some(), read, "{text}");
        }
    }
}
