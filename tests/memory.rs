//! Memory under a firehose: 100,000 events (new statuses, edits, deletes, notifications) into a
//! deck of 9 tabs through the real reducer; every collection the view keeps must stay within
//! its bound. Lengths, not bytes or time: RSS is measured by `examples/memory.rs`.

#[path = "common/feed.rs"]
mod feed;

use std::collections::HashSet;

use fake_mastodon::r#gen::{Firehose, FirehoseKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tootwatch::app::reducer::update;
use tootwatch::app::state::{State, UiSettings};
use tootwatch::ui::{self, Theme, ViewState};

const EVENTS: u64 = 100_000;
/// The core remembers this many deletes per account.
const DELETED_IDS_KEPT: u64 = tootwatch::live::Tombstones::CAP as u64;

#[test]
fn a_firehose_of_100_000_events_keeps_every_collection_bounded() {
    let settings = UiSettings::default();
    let (timeline_len, notifications_len) = (settings.timeline_len, settings.notifications_len);
    let now = fake_mastodon::r#gen::rfc3339(1_730_419_200 + EVENTS)
        .parse()
        .unwrap();
    let mut state = State::new(feed::groups(), settings, now);
    let feed = feed::Feed::new(2000);
    let mut deleted = HashSet::new();
    // Servers also delete posts this view never saw: 12,000 such deletes come first (while
    // the tabs are empty, so they cost little), then the firehose's own 2,000. The set keeps
    // the newest 10,000: the firehose's and the last 8,000 of these.
    let unseen: Vec<String> = (0..12_000u64).map(|k| format!("9{k:017}")).collect();
    for id in &unseen {
        update(&mut state, feed::delete(id.clone()));
    }
    let mut view = ViewState::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::new(false);
    for i in 0..EVENTS {
        if Firehose::kind(i) == FirehoseKind::Delete {
            deleted.insert(Firehose::status_id(feed::update_before(i - 10)));
        }
        update(&mut state, feed.event(i));
        // Now and then the screen is drawn, each time on another tab: the layout cache
        // sees posts of every tab come and go.
        if i % 2_000 == 0 {
            state.active = (i / 2_000) as usize % feed::STREAMS.len();
            terminal
                .draw(|f| ui::draw(f, &state, &mut view, &theme))
                .unwrap();
        }
    }

    for (t, tab) in state.tabs.iter().enumerate() {
        let ids: HashSet<&str> = tab.entries.iter().map(|e| e.item.id()).collect();
        assert_eq!(ids.len(), tab.entries.len(), "tab {t} holds a post twice");
        if t < 8 {
            // Each timeline received ~22,000 new posts; the latest deletes took a few out.
            assert!(
                (timeline_len - 10..=timeline_len).contains(&tab.entries.len()),
                "tab {t} holds {}",
                tab.entries.len()
            );
        } else {
            assert!(
                tab.entries.is_empty(),
                "the notification tab holds no statuses"
            );
        }
        assert!(
            ids.iter().all(|id| !deleted.contains(*id)),
            "tab {t} shows a deleted post"
        );
    }
    assert_eq!(state.notifications.entries.len(), notifications_len);

    let remembered = state.core.tombstones(0).unwrap();
    assert_eq!(deleted.len(), 2_000);
    let forgotten = unseen.len() + deleted.len() - DELETED_IDS_KEPT as usize;
    assert!(
        deleted
            .iter()
            .chain(&unseen[forgotten..])
            .all(|id| remembered.contains(id)),
        "the newest {DELETED_IDS_KEPT} deletes are remembered"
    );
    assert!(
        unseen[..forgotten]
            .iter()
            .all(|id| !remembered.contains(id)),
        "the set holds more than the newest {DELETED_IDS_KEPT} deletes"
    );

    // The layout cache: posts off screen for long are dropped; after enough frames of an
    // unchanged screen only what is on it stays.
    assert!(view.cached_bodies() <= ui::LAYOUT_CACHE_CAP);
    for _ in 0..300 {
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .unwrap();
    }
    assert!(
        (1..=40).contains(&view.cached_bodies()),
        "{} bodies cached for one screen",
        view.cached_bodies()
    );
}
