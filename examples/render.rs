//! Rendering benchmark (not a test): full-frame time, bytes written to the terminal per new
//! post, and memory with nine full tabs.
//!
//!     cargo run --release --example render
//!
//! Results go to stdout; BENCHMARKS.md records them.

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Instant;

use fake_mastodon::r#gen;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::{Terminal, TerminalOptions, Viewport};
use tootwatch::app::state::{Item, Monitor, State, UiSettings};
use tootwatch::filter::Verdict;
use tootwatch::model::{Notification, Status};
use tootwatch::stream::StreamSpec;
use tootwatch::ui::{self, Theme, ViewState};

fn status(n: u64) -> Box<Status> {
    Box::new(serde_json::from_str(&r#gen::status_json(n, 2000)).expect("generated status decodes"))
}

fn full_state(per_tab: usize) -> State {
    let groups = (0..9)
        .map(|i| {
            (
                format!("Tab {i}"),
                vec![StreamSpec::Hashtag {
                    tag: format!("t{i}"),
                    local: false,
                }],
            )
        })
        .collect();
    let now = r#gen::rfc3339(1_764_331_200 + 3600).parse().expect("time");
    let mut state = State::new(groups, UiSettings::default(), now);
    let mut n = 0;
    for tab in 0..9 {
        for _ in 0..per_tab {
            state.tabs[tab].push_newest(Item::Status(status(n)), Verdict::Show, 0, 1000);
            n += 1;
        }
    }
    for i in 0..500u64 {
        let notif: Notification =
            serde_json::from_str(&r#gen::notification_json(i, "favourite")).expect("notification");
        state.add_notification(0, Box::new(notif));
    }
    state
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Counts what a frame writes to a real terminal backend.
#[derive(Clone, Default)]
struct Counter(Rc<Cell<usize>>);
impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let before = rss_kib().unwrap_or(0);
    let mut state = full_state(1000);
    let after = rss_kib().unwrap_or(0);
    println!(
        "RSS with 9 tabs x 1,000 statuses (~2 KB each) + 500 notifications: {} MiB (process start {} MiB)",
        after / 1024,
        before / 1024
    );
    let theme = Theme::new(false);

    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut view = ViewState::default();
        // First frame lays out the visible entries; later frames use the layout cache.
        let start = Instant::now();
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .expect("draw");
        let cold = start.elapsed();
        let runs = 200;
        let start = Instant::now();
        for _ in 0..runs {
            terminal
                .draw(|f| ui::draw(f, &state, &mut view, &theme))
                .expect("draw");
        }
        let warm = start.elapsed() / runs;
        println!(
            "full frame at {w}x{h}: first {:.2} ms, then {:.3} ms per frame",
            cold.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3
        );
    }

    let mut next_id = 1_000_000;
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let counter = Counter::default();
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(counter.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .expect("terminal");
        let mut view = ViewState::default();
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .expect("draw");
        let mut total = 0;
        let posts = 50;
        for _ in 0..posts {
            counter.0.set(0);
            next_id += 1;
            state.tabs[0].push_newest(Item::Status(status(next_id)), Verdict::Show, 0, 1000);
            terminal
                .draw(|f| ui::draw(f, &state, &mut view, &theme))
                .expect("draw");
            total += counter.0.get();
        }
        println!(
            "bytes written per new post at {w}x{h} (following the top): {}",
            total / posts as usize
        );
    }

    // The monitor view: one column of two hashtag streams, as `--monitor '#rust,#tokio'`.
    for (w, h) in [(40u16, 20u16), (80, 24), (200, 60)] {
        let groups = vec![(
            "#rust + #tokio".to_string(),
            vec![
                StreamSpec::Hashtag {
                    tag: "rust".into(),
                    local: false,
                },
                StreamSpec::Hashtag {
                    tag: "tokio".into(),
                    local: false,
                },
            ],
        )];
        let mut state = State::new(
            groups,
            UiSettings::default(),
            r#gen::rfc3339(1_764_331_200 + 3600).parse().expect("time"),
        );
        state.monitor = Some(Monitor {
            stale_after: std::time::Duration::from_secs(300),
            ..Monitor::default()
        });
        for n in 0..100 {
            state.tabs[0].push_newest(
                Item::Status(status(2_000_000 + n)),
                Verdict::Show,
                (n % 2) as usize,
                1000,
            );
        }
        let counter = Counter::default();
        let mut terminal = Terminal::with_options(
            CrosstermBackend::new(counter.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
            },
        )
        .expect("terminal");
        let mut view = ViewState::default();
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .expect("draw");
        let mut total = 0;
        let posts = 50;
        for _ in 0..posts {
            counter.0.set(0);
            next_id += 1;
            state.tabs[0].push_newest(Item::Status(status(next_id)), Verdict::Show, 0, 1000);
            terminal
                .draw(|f| ui::draw(f, &state, &mut view, &theme))
                .expect("draw");
            total += counter.0.get();
        }
        println!(
            "monitor: bytes written per new post at {w}x{h}: {}",
            total / posts as usize
        );
    }
}
