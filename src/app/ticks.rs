//! When the view must look at the clock again: as rarely as the times on screen need, so
//! that an idle screen wakes nobody and writes nothing.

use std::time::Duration;

use jiff::Timestamp;

use super::state::State;
use crate::stream::ConnectionState;

/// Every second while something shown is under a minute old (or a reconnect counts down),
/// every minute while under an hour, else hourly; the monitor's footer adds its streams' ages
/// and the moment a quiet stream turns stale.
pub fn tick_interval(state: &State) -> Duration {
    if state.counting_down() {
        return Duration::from_secs(1);
    }
    let newest = state
        .active_tab()
        .and_then(|t| t.entries.front())
        .and_then(|e| e.item.status())
        .map(|s| s.created_at.as_str())
        .into_iter()
        .chain(
            state
                .notifications
                .entries
                .front()
                .map(|n| n.notification.created_at.as_str()),
        )
        .filter_map(|t| t.parse::<Timestamp>().ok())
        .max();
    let mut next = newest.map_or(HOUR, |t| changes_within(state.now, t));
    if let Some(monitor) = &state.monitor {
        for s in state.tabs.iter().flat_map(|t| &t.streams) {
            // The ages its footer line shows: "last post 12 s ago", "no post for 5 min",
            // "down for 2 min".
            let stale = s.is_stale(state.now, monitor.stale_after);
            let up = matches!(
                s.state,
                ConnectionState::Live { .. } | ConnectionState::Polling { .. }
            );
            let shown = match (up, stale) {
                (true, false) => s.last_event.into_iter().collect(),
                (true, true) => vec![s.quiet_since()],
                (false, true) => vec![s.quiet_since(), s.state_since],
                (false, false) => Vec::new(),
            };
            for t in shown {
                next = next.min(changes_within(state.now, t));
            }
            if !stale {
                let at = s.stale_at(monitor.stale_after);
                let left = state.now.duration_until(at).as_secs_f64().max(0.0);
                next = next.min(Duration::from_secs_f64(left.ceil().max(1.0)));
            }
        }
    }
    next
}

const HOUR: Duration = Duration::from_secs(3600);

/// How soon an age counted from `t` changes as shown (`12 s`, `5 min`, `3 h`).
fn changes_within(now: Timestamp, t: Timestamp) -> Duration {
    match now.duration_since(t).as_secs() {
        ..60 => Duration::from_secs(1),
        60..3600 => Duration::from_secs(60),
        _ => HOUR,
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::app::state::{Monitor, UiSettings};
    use crate::stream::{StreamSpec, Transport};

    fn state_at(now: Timestamp) -> State {
        State::new(
            vec![("Home".into(), vec![StreamSpec::User])],
            UiSettings::default(),
            now,
        )
    }

    #[test]
    fn idle_ticks_slow_down_as_posts_age() {
        let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
        let mut state = state_at(now);
        assert_eq!(tick_interval(&state), HOUR);
        let status = |t: &str| -> Box<crate::model::Status> {
            Box::new(serde_json::from_value(serde_json::json!({"id": t, "created_at": t})).unwrap())
        };
        let push = |state: &mut State, t: &str| {
            state.tabs[0].push_newest(
                crate::app::state::Item::Status(status(t)),
                crate::filter::Verdict::Show,
                0,
                10,
            );
        };
        push(&mut state, "2026-11-28T10:00:00Z");
        assert_eq!(tick_interval(&state), HOUR);
        push(&mut state, "2026-11-28T11:50:00Z");
        assert_eq!(tick_interval(&state), Duration::from_secs(60));
        push(&mut state, "2026-11-28T11:59:30Z");
        assert_eq!(tick_interval(&state), Duration::from_secs(1));
    }

    #[test]
    fn the_monitor_ticks_for_what_its_footer_shows_and_no_more() {
        let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
        let ago = |secs: i64| now - SignedDuration::from_secs(secs);
        let mut state = state_at(now);
        state.monitor = Some(Monitor {
            stale_after: Duration::from_secs(300),
            bell: false,
            ..Default::default()
        });
        let stream = &mut state.tabs[0].streams[0];
        stream.state = ConnectionState::Live {
            transport: Transport::Ws,
        };
        // "last post 20 s ago" counts seconds.
        stream.state_since = ago(3000);
        stream.last_event = Some(ago(20));
        assert_eq!(tick_interval(&state), Duration::from_secs(1));
        // "last post 2 min ago" counts minutes; it turns stale in 3 min.
        state.tabs[0].streams[0].last_event = Some(ago(120));
        assert_eq!(tick_interval(&state), Duration::from_secs(60));
        // Stale for long ("no post for 2 h"): hourly, no second hand.
        state.tabs[0].streams[0].last_event = Some(ago(7200));
        assert_eq!(tick_interval(&state), HOUR);
        // 4 min 50 s of quiet: the next look is when it turns stale, not a minute later.
        state.tabs[0].streams[0].last_event = Some(ago(290));
        assert_eq!(tick_interval(&state), Duration::from_secs(10));
        // Live without a post yet ("no post yet"), then connecting: only the moment it would
        // turn stale.
        let stream = &mut state.tabs[0].streams[0];
        stream.last_event = None;
        stream.state_since = ago(5);
        assert_eq!(tick_interval(&state), Duration::from_secs(295));
        let stream = &mut state.tabs[0].streams[0];
        stream.state = ConnectionState::Connecting {
            transport: Transport::Ws,
        };
        stream.last_event = None;
        stream.state_since = ago(5);
        assert_eq!(tick_interval(&state), Duration::from_secs(295));
    }
}
