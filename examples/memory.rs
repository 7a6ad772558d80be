//! Memory benchmark (not a test): RSS of the live view's state after 100,000 firehose events
//! into a deck of 9 tabs (8 timelines of 1,000 + notifications), and again after 200,000:
//! it must stay flat. Each event is decoded from the generator's JSON as a stream task would,
//! goes through the real reducer, and a 120x40 frame is drawn every 100 events (as the live view
//! would at 30 frames/s under 3,000 events/s), on another tab every 10,000 (so the
//! layout cache is in the figure too).
//!
//!     cargo run --release --example memory
//!
//! Results go to stdout; BENCHMARKS.md records them. `tests/memory.rs` asserts the bounds.

#[path = "../tests/common/feed.rs"]
mod feed;

use fake_mastodon::r#gen::Firehose;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tootwatch::app::AppEvent;
use tootwatch::app::reducer::update;
use tootwatch::app::state::{State, UiSettings};
use tootwatch::stream::decode::decode_event;
use tootwatch::stream::{StreamId, StreamMessage};
use tootwatch::ui::{self, Theme, ViewState};

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn main() {
    let hose = Firehose::new(2500);
    let now = fake_mastodon::r#gen::rfc3339(1_730_419_200 + 200_000)
        .parse()
        .expect("time");
    let mut state = State::new(feed::groups(), UiSettings::default(), now);
    let mut view = ViewState::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let theme = Theme::new(false);
    println!("start: RSS {:.1} MiB", status_kib("VmRSS:") as f64 / 1024.0);
    for i in 0..200_000u64 {
        let (kind, payload) = hose.event(i);
        let event = decode_event(kind.event(), Some(&payload)).expect("generated events decode");
        let stream = match kind {
            fake_mastodon::r#gen::FirehoseKind::Update => (i % 8) as usize,
            fake_mastodon::r#gen::FirehoseKind::Notification => 8,
            _ => 0,
        };
        update(
            &mut state,
            AppEvent::Stream(StreamMessage::Event {
                stream: StreamId(stream),
                event,
                raw: None,
            }),
        );
        if i % 100 == 0 {
            state.active = (i / 10_000) as usize % feed::STREAMS.len();
            terminal
                .draw(|f| ui::draw(f, &state, &mut view, &theme))
                .expect("draw");
        }
        if (i + 1) % 50_000 == 0 {
            let held: usize = state.tabs.iter().map(|t| t.entries.len()).sum();
            println!(
                "after {:>7} events: RSS {:.1} MiB (peak {:.1} MiB); {held} posts in tabs, {} notifications, {} laid-out bodies",
                i + 1,
                status_kib("VmRSS:") as f64 / 1024.0,
                status_kib("VmHWM:") as f64 / 1024.0,
                state.notifications.entries.len(),
                view.cached_bodies(),
            );
        }
    }
}
