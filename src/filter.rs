//! The user's filters as the server applied them (`Status.filtered`). Which results count:
//! those whose filter covers the timeline's context and has not expired.

use jiff::Timestamp;

use crate::model::{FilterAction, FilterContext, FilterResult, Notification, Status};

/// The strongest filter result that applies: hide before warn before blur.
pub fn server_verdict<'a>(
    status: &'a Status,
    context: &FilterContext,
    now: Timestamp,
) -> Option<&'a FilterResult> {
    let rank = |a: &FilterAction| match a {
        FilterAction::Hide => 3,
        FilterAction::Warn => 2,
        FilterAction::Blur => 1,
        FilterAction::Other(_) => 0,
    };
    status
        .original()
        .filtered
        .iter()
        .chain(status.filtered.iter())
        .filter(|r| r.filter.context.is_empty() || r.filter.context.contains(context))
        .filter(|r| !expired(r.filter.expires_at.as_deref(), now))
        .filter(|r| rank(&r.filter.filter_action) > 0)
        .max_by_key(|r| rank(&r.filter.filter_action))
}

/// Would the server's filter results hide this status in this context?
pub fn hides_status(status: &Status, context: &FilterContext, now: Timestamp) -> bool {
    server_verdict(status, context, now)
        .is_some_and(|r| r.filter.filter_action == FilterAction::Hide)
}

/// Notifications are filtered by the status they carry, in the `notifications` context.
pub fn hides_notification(n: &Notification, now: Timestamp) -> bool {
    n.status
        .as_deref()
        .is_some_and(|s| hides_status(s, &FilterContext::Notifications, now))
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
