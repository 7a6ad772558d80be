use super::*;
use crate::live::Cadence;

fn decoded_without_texts(payload: &str) -> (StreamEvent, RawEvent) {
    let event = decode_event_as(Decoding::Ids, "update", Some(payload)).expect("decodes");
    let raw = RawEvent {
        name: "update".into(),
        payload: Some(payload.to_string()),
        decoded: Decoding::Ids,
    };
    (event, raw)
}

fn content(event: &StreamEvent) -> &str {
    match event {
        StreamEvent::Update(s) => &s.content,
        other => panic!("not a post: {other:?}"),
    }
}

#[test]
fn a_post_decoded_without_its_texts_is_decoded_again_once_a_keyword_filter_reads_them() {
    let payload = r#"{"id":"7","content":"<p>a secret plan</p>","account":{"id":"1","acct":"a"}}"#;
    let subscription = Subscription {
        spec: "public".parse().expect("a stream"),
        group: 0,
        account: 0,
        unstreamable: None,
    };
    let mut core = LiveCore::new(vec![subscription], Cadence::default(), Timestamp::now());
    let (event, raw) = decoded_without_texts(payload);
    assert_eq!(content(&event), "");
    // No keyword filter: the post stays as it was decoded.
    let event = with_texts_if_read(&core, event, Some(&raw));
    assert_eq!(content(&event), "");
    let filters: Vec<Filter> = serde_json::from_str(
        r#"[{"id":"1","title":"Plans","context":["public"],"filter_action":"hide",
             "keywords":[{"id":"k","keyword":"secret","whole_word":true}]}]"#,
    )
    .expect("filters");
    core.set_filters(0, filters);
    let event = with_texts_if_read(&core, event, Some(&raw));
    assert_eq!(content(&event), "<p>a secret plan</p>");
    let verdict = core.admit(StreamId(0), &event, Origin::Stream, Timestamp::now());
    assert!(matches!(verdict, Admit::New(Verdict::Hide)), "{verdict:?}");
    // A post that was decoded with its texts, or that came from REST, is left as it is.
    let (event, mut raw) = decoded_without_texts(payload);
    raw.decoded = Decoding::Tail;
    assert_eq!(content(&with_texts_if_read(&core, event, Some(&raw))), "");
}
