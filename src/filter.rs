//! The user's filters: as the server applied them (`Status.filtered`), and as we apply them
//! ourselves to what is already on screen when they change. A filter counts when it covers the
//! timeline's context and has not expired.

use jiff::Timestamp;

use crate::model::{Filter, FilterAction, FilterContext, Status};

/// What the filters make of one status in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Show,
    /// Shown, with its media hidden.
    Blur,
    /// Collapsed to "Filtered: <title>" until revealed.
    Warn {
        title: String,
    },
    Hide,
}

fn rank(a: &FilterAction) -> u8 {
    match a {
        FilterAction::Hide => 3,
        FilterAction::Warn => 2,
        FilterAction::Blur => 1,
        FilterAction::Other(_) => 0,
    }
}

fn applies(f: &Filter, context: &FilterContext, now: Timestamp) -> bool {
    (f.context.is_empty() || f.context.contains(context)) && !expired(f.expires_at.as_deref(), now)
}

/// Whether a verdict reads posts' texts: some filter has keywords. A consumer that decoded
/// statuses without their texts (`stream::light::Decoding::Ids`) decodes them again then.
pub fn reads_texts(filters: &[Filter]) -> bool {
    filters.iter().any(|f| !f.keywords.is_empty())
}

/// The verdict for `status` in `context`. With `filters` (the user's current list), the
/// server's results count only for filters that still exist, as they are now, and keywords
/// and status filters are matched here too; without, the server's results are all we have.
pub fn verdict(
    status: &Status,
    filters: Option<&[Filter]>,
    context: &FilterContext,
    now: Timestamp,
) -> Verdict {
    let original = status.original();
    let server_results = || original.filtered.iter().chain(status.filtered.iter());
    let matched: Vec<&Filter> = match filters {
        None => server_results().map(|r| &r.filter).collect(),
        Some(list) => {
            // Building the text means rendering the HTML: only for keywords to match.
            let text = if reads_texts(list) {
                searchable_text(original).to_lowercase()
            } else {
                String::new()
            };
            list.iter()
                .filter(|f| {
                    server_results().any(|r| r.filter.id == f.id)
                        || f.statuses
                            .iter()
                            .any(|s| s.status_id == original.id || s.status_id == status.id)
                        || f.keywords.iter().any(|k| {
                            keyword_matches(&text, &k.keyword.to_lowercase(), k.whole_word)
                        })
                })
                .collect()
        }
    };
    let best = matched
        .into_iter()
        .filter(|f| rank(&f.filter_action) > 0 && applies(f, context, now))
        .max_by_key(|f| rank(&f.filter_action));
    match best {
        None => Verdict::Show,
        Some(f) => match f.filter_action {
            FilterAction::Hide => Verdict::Hide,
            FilterAction::Warn => Verdict::Warn {
                title: f.title.clone(),
            },
            _ => Verdict::Blur,
        },
    }
}

/// The text filters match against, as Mastodon builds it: content warning, content, poll
/// options and media descriptions, as plain text.
pub(crate) fn searchable_text(status: &Status) -> String {
    let mut text = String::new();
    text.push_str(&status.spoiler_text);
    text.push('\n');
    text.push_str(&crate::text::html_to_line(&status.content, usize::MAX / 16));
    if let Some(poll) = &status.poll {
        for o in &poll.options {
            text.push('\n');
            text.push_str(&o.title);
        }
    }
    for m in &status.media_attachments {
        if let Some(d) = &m.description {
            text.push('\n');
            text.push_str(d);
        }
    }
    text
}

/// Keyword matching as Mastodon does it: case-insensitive (both sides lowercased by the
/// caller); a whole-word keyword must not touch a letter or digit on either side.
pub fn keyword_matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    if !whole_word {
        return text.contains(keyword);
    }
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(keyword).any(|(i, k)| {
        let before = text[..i].chars().next_back();
        let after = text[i + k.len()..].chars().next();
        let starts_word = keyword.chars().next().is_some_and(word_char);
        let ends_word = keyword.chars().next_back().is_some_and(word_char);
        (!starts_word || !before.is_some_and(word_char))
            && (!ends_word || !after.is_some_and(word_char))
    })
}

/// Would the server's filter results hide this status in this context? (The tests' shorthand.)
#[cfg(test)]
fn hides_status(status: &Status, context: &FilterContext, now: Timestamp) -> bool {
    verdict(status, None, context, now) == Verdict::Hide
}

/// A filter with an unreadable expiry is treated as unexpired: better hidden than shown.
pub fn expired(expires_at: Option<&str>, now: Timestamp) -> bool {
    expires_at
        .and_then(|t| t.parse::<Timestamp>().ok())
        .is_some_and(|t| t <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with(action: &str, context: &str, expires: Option<&str>) -> Status {
        let expires = expires.map_or("null".to_string(), |e| format!("\"{e}\""));
        let json = format!(
            r#"{{"id":"1","content":"x","filtered":[{{"filter":{{"id":"9","title":"Spoilers","context":["{context}"],"filter_action":"{action}","expires_at":{expires}}},"keyword_matches":["x"]}}]}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    fn now() -> Timestamp {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn hide_applies_in_its_context_only() {
        let s = status_with("hide", "public", None);
        assert!(hides_status(&s, &FilterContext::Public, now()));
        assert!(!hides_status(&s, &FilterContext::Home, now()));
    }

    #[test]
    fn warn_does_not_hide_and_expired_filters_do_nothing() {
        assert!(!hides_status(
            &status_with("warn", "home", None),
            &FilterContext::Home,
            now()
        ));
        let s = status_with("hide", "home", Some("2026-11-28T11:59:59.000Z"));
        assert!(!hides_status(&s, &FilterContext::Home, now()));
        let s = status_with("hide", "home", Some("2026-11-29T00:00:00.000Z"));
        assert!(hides_status(&s, &FilterContext::Home, now()));
    }

    fn filter(id: &str, action: &str, keyword: &str, whole_word: bool) -> Filter {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": format!("F{id}"), "context": ["home", "public"],
            "filter_action": action,
            "keywords": [{"id": "k", "keyword": keyword, "whole_word": whole_word}],
        }))
        .unwrap()
    }

    fn post(content: &str) -> Status {
        serde_json::from_value(serde_json::json!({"id": "1", "content": content})).unwrap()
    }

    #[test]
    fn keywords_match_whole_words_or_anywhere() {
        assert!(keyword_matches("i love rust", "rust", true));
        assert!(!keyword_matches("i love rusty tools", "rust", true));
        assert!(keyword_matches("i love rusty tools", "rust", false));
        assert!(keyword_matches("#rust!", "#rust", true));
        assert!(!keyword_matches("anything", "", false));
        assert!(keyword_matches("café au lait", "café", true));
    }

    #[test]
    fn own_matching_reevaluates_with_the_current_filters() {
        let s = post("<p>Big Spoilers ahead</p>");
        let warn = filter("1", "warn", "spoilers", true);
        assert_eq!(
            verdict(
                &s,
                Some(std::slice::from_ref(&warn)),
                &FilterContext::Home,
                now()
            ),
            Verdict::Warn { title: "F1".into() }
        );
        let hide = filter("2", "hide", "ahead", false);
        assert_eq!(
            verdict(&s, Some(&[warn, hide]), &FilterContext::Home, now()),
            Verdict::Hide
        );
        assert_eq!(
            verdict(&s, Some(&[]), &FilterContext::Home, now()),
            Verdict::Show
        );
        assert_eq!(
            verdict(
                &s,
                Some(&[filter("3", "blur", "big", true)]),
                &FilterContext::Notifications,
                now()
            ),
            Verdict::Show,
            "a filter outside its context does nothing"
        );
    }

    #[test]
    fn server_results_of_a_deleted_filter_no_longer_count() {
        let s = status_with("hide", "home", None);
        assert_eq!(
            verdict(&s, None, &FilterContext::Home, now()),
            Verdict::Hide
        );
        assert_eq!(
            verdict(&s, Some(&[]), &FilterContext::Home, now()),
            Verdict::Show
        );
    }

    #[test]
    fn status_filters_match_by_id() {
        let f: Filter = serde_json::from_value(serde_json::json!({
            "id": "5", "title": "That one", "context": ["public"], "filter_action": "hide",
            "statuses": [{"id": "x", "status_id": "1"}],
        }))
        .unwrap();
        assert_eq!(
            verdict(&post("x"), Some(&[f]), &FilterContext::Public, now()),
            Verdict::Hide
        );
    }

    #[test]
    fn a_boost_is_filtered_by_what_it_boosts() {
        let inner = status_with("hide", "home", None);
        let boost = Status {
            id: "2".into(),
            reblog: Some(Box::new(inner)),
            ..Status::default()
        };
        assert!(hides_status(&boost, &FilterContext::Home, now()));
    }
}
