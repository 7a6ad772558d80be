use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

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
fn a_v1_filter_is_the_v2_filter_it_stands_for() {
    let v1: Vec<FilterV1> = decode(json!([
        {"id": "7", "phrase": "spoiler", "context": ["home", "public"], "expires_at": null,
         "irreversible": true, "whole_word": true},
        {"id": 8, "phrase": "meh", "context": ["thread"], "irreversible": false, "whole_word": null}
    ]));
    let v2: Vec<Filter> = v1.into_iter().map(Filter::from).collect();
    assert_eq!(v2[0].filter_action, FilterAction::Hide);
    assert_eq!(v2[0].context, [FilterContext::Home, FilterContext::Public]);
    assert_eq!(v2[0].keywords[0].keyword, "spoiler");
    assert!(v2[0].keywords[0].whole_word);
    assert_eq!(v2[1].id, "8");
    assert_eq!(v2[1].filter_action, FilterAction::Warn);
    assert!(!v2[1].keywords[0].whole_word);
}
