//! Memory benchmark (not a test): peak RSS of the live view while the reader scrolls through
//! 1,000 posts, each with its own picture, every picture downloaded as it comes on screen.
//! The downloads are answered at once with a 640×480 JPEG (what a Mastodon preview is),
//! decoded once and copied for each post, so every post holds a picture of its own until the
//! cache's bound drops it.
//!
//!     cargo run --release --example pictures_memory [-- kitty|sixel|iterm2]
//!
//! With a protocol, the pictures are kept at the pixel protocols' size and encoded for it as a
//! terminal of 10×20-pixel cells would get them (the bytes go to a test backend).
//!
//! Results go to stdout; BENCHMARKS.md records them.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tootwatch::app::reducer::update;
use tootwatch::app::state::{Item, State, UiSettings};
use tootwatch::app::{AppEvent, Command};
use tootwatch::filter::Verdict;
use tootwatch::stream::StreamSpec;
use tootwatch::ui::{self, Theme, ViewState};

const POSTS: usize = 1000;

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
    let protocol = match std::env::args().nth(1).as_deref() {
        Some("kitty") => tootwatch::config::Images::Kitty,
        Some("sixel") => tootwatch::config::Images::Sixel,
        Some("iterm2") => tootwatch::config::Images::Iterm2,
        _ => tootwatch::config::Images::Halfblocks,
    };
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .write_to(&mut jpeg, image::ImageFormat::Jpeg)
    .expect("encode");
    let jpeg = jpeg.into_inner();
    let now = "2026-11-28T12:00:00Z".parse().expect("time");
    let mut state = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now,
    );
    for i in 0..POSTS {
        let status = serde_json::json!({
            "id": format!("{}", 100_000 + i), "created_at": "2026-11-28T11:00:00Z",
            "account": {"id": "1", "username": "photos", "acct": "photos", "display_name": "Photo Fan"},
            "content": format!("<p>Picture number {i}</p>"),
            "media_attachments": [{"id": format!("m{i}"), "type": "image",
                "preview_url": format!("https://media.example/{i}.jpg"),
                "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                "meta": {"original": {"width": 640, "height": 480}},
                "description": format!("photo {i}")}],
        });
        let status = serde_json::from_value(status).expect("status");
        state.tabs[0].push_newest(Item::Status(Box::new(status)), Verdict::Show, 0, POSTS);
    }
    state.settings.images = protocol;
    let mut view = ViewState::default();
    view.set_graphics(ui::graphics::Graphics::forced(protocol, (10, 20)));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let theme = Theme::new(false);
    println!(
        "{POSTS} posts loaded: RSS {:.1} MiB",
        status_kib("VmRSS:") as f64 / 1024.0
    );
    let down = AppEvent::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    let mut fetched = 0;
    // Decoded once per kept size (a debug build decodes slowly); every post gets its own copy.
    let mut decoded: std::collections::HashMap<(u32, u32), tootwatch::media::Picture> =
        std::collections::HashMap::new();
    for _ in 0..POSTS {
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .expect("draw");
        let mut commands = update(
            &mut state,
            AppEvent::PicturesOnScreen(view.pictures().to_vec()),
        );
        while let Some(command) = commands.pop() {
            if let Command::FetchImage { url, keep, .. } = command {
                fetched += 1;
                let picture = decoded
                    .entry(keep)
                    .or_insert_with(|| {
                        tootwatch::media::decode::decode_to(&jpeg, keep).expect("decode")
                    })
                    .clone();
                let result = Ok(Arc::new(picture));
                commands.extend(update(&mut state, AppEvent::ImageFetched { url, result }));
            }
        }
        update(&mut state, down.clone());
    }
    println!(
        "{protocol:?}: scrolled through {POSTS} posts, {fetched} pictures downloaded and decoded: RSS {:.1} MiB, peak RSS {:.1} MiB, pictures held {:.1} MiB, {} encoded",
        status_kib("VmRSS:") as f64 / 1024.0,
        status_kib("VmHWM:") as f64 / 1024.0,
        state.pictures.bytes() as f64 / 1024.0 / 1024.0,
        view.graphics().encoded()
    );
}
