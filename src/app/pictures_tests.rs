//! The bounds of fetching: a few downloads at a time, only what is on screen, a cache bounded
//! by bytes that never drops a picture on screen.

use std::sync::Arc;

use super::*;
use crate::app::state::UiSettings;
use crate::app::{AppEvent, reducer::update};
use crate::stream::StreamSpec;

fn state() -> State {
    State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings {
            max_image_bytes: 4096,
            ..UiSettings::default()
        },
        "2026-11-28T12:00:00Z".parse().unwrap(),
    )
}

fn urls(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://media.example/{i}.png"))
        .collect()
}

fn fetched_urls(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .map(|c| match c {
            Command::FetchImage { url, max_bytes, .. } => {
                assert_eq!(
                    *max_bytes, 4096,
                    "the configured cap goes with each download"
                );
                url.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

fn picture(side: u32) -> Arc<Picture> {
    Arc::new(Picture {
        width: side,
        height: side,
        rgba: vec![0; (side * side * 4) as usize],
    })
}

#[test]
fn a_few_downloads_run_at_once_in_screen_order() {
    let mut s = state();
    let wanted = urls(10);
    let c = update(&mut s, AppEvent::PicturesOnScreen(wanted.clone()));
    assert_eq!(fetched_urls(&c), wanted[..MAX_FETCHES].to_vec());
    // The same screen again starts nothing more.
    assert!(update(&mut s, AppEvent::PicturesOnScreen(wanted.clone())).is_empty());
    // One ends: the next one starts, and the view redraws with the picture.
    s.dirty = false;
    let c = update(
        &mut s,
        AppEvent::ImageFetched {
            url: wanted[0].clone(),
            result: Ok(picture(8)),
        },
    );
    assert_eq!(fetched_urls(&c), vec![wanted[MAX_FETCHES].clone()]);
    assert!(s.dirty);
    assert!(s.pictures.get(&wanted[0]).is_some());
    // A failure is not retried.
    let c = update(
        &mut s,
        AppEvent::ImageFetched {
            url: wanted[1].clone(),
            result: Err("HTTP 404".into()),
        },
    );
    assert_eq!(fetched_urls(&c), vec![wanted[MAX_FETCHES + 1].clone()]);
    let c = update(&mut s, AppEvent::PicturesOnScreen(vec![wanted[1].clone()]));
    assert!(c.is_empty());
    assert_eq!(s.pictures.pending(), MAX_FETCHES);
}

#[test]
fn what_scrolled_away_is_not_fetched() {
    let mut s = state();
    let first = urls(6);
    update(&mut s, AppEvent::PicturesOnScreen(first.clone()));
    let elsewhere: Vec<String> = (0..2)
        .map(|i| format!("https://other.example/{i}.png"))
        .collect();
    update(&mut s, AppEvent::PicturesOnScreen(elsewhere.clone()));
    // The three running end; only the new screen's pictures follow.
    let mut started = Vec::new();
    for url in &first[..MAX_FETCHES] {
        let c = update(
            &mut s,
            AppEvent::ImageFetched {
                url: url.clone(),
                result: Err("gone".into()),
            },
        );
        started.extend(fetched_urls(&c));
    }
    assert_eq!(started, elsewhere);
}

#[test]
fn the_cache_is_bounded_by_bytes_and_keeps_what_is_on_screen() {
    let mut s = state();
    let one = picture(192).bytes();
    let n = CACHE_BYTES / one * 3;
    for (i, url) in urls(n).into_iter().enumerate() {
        update(&mut s, AppEvent::PicturesOnScreen(vec![url.clone()]));
        update(
            &mut s,
            AppEvent::ImageFetched {
                url: url.clone(),
                result: Ok(picture(192)),
            },
        );
        assert!(s.pictures.bytes() <= CACHE_BYTES, "after {i}");
        assert!(s.pictures.get(&url).is_some(), "the one on screen stays");
    }
    assert!(
        s.pictures.bytes() > CACHE_BYTES - 2 * one,
        "the cache is used"
    );
    // An answer nobody waits for (a second answer for one URL) is dropped.
    let before = s.pictures.bytes();
    update(
        &mut s,
        AppEvent::ImageFetched {
            url: "https://never.example/asked.png".into(),
            result: Ok(picture(8)),
        },
    );
    assert_eq!(s.pictures.bytes(), before);
}

#[test]
fn reveal_opens_sensitive_and_blurred_media() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = state();
    let post = |id: &str, sensitive: bool| -> Box<crate::model::Status> {
        Box::new(
            serde_json::from_value(serde_json::json!({
                "id": id, "created_at": "2026-11-28T11:00:00Z", "sensitive": sensitive,
                "media_attachments": [{"id": "m", "type": "image", "preview_url": "https://m.example/p.png"}],
            }))
            .unwrap(),
        )
    };
    let key = AppEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE));
    use crate::app::state::Item;
    use crate::filter::Verdict;
    s.tabs[0].push_newest(Item::Status(post("1", true)), Verdict::Show, 0, 10);
    update(&mut s, key.clone());
    assert!(s.revealed.contains("1"), "sensitive media");
    update(&mut s, key.clone());
    assert!(!s.revealed.contains("1"), "and hidden again");
    s.tabs[0].push_newest(Item::Status(post("2", false)), Verdict::Blur, 0, 10);
    s.tabs[0].selected = 0;
    update(&mut s, key.clone());
    assert!(s.revealed.contains("2"), "media under a blur filter");
    s.tabs[0].push_newest(Item::Status(post("3", false)), Verdict::Show, 0, 10);
    s.tabs[0].selected = 0;
    update(&mut s, key);
    assert!(
        !s.revealed.contains("3"),
        "nothing hidden, nothing to reveal"
    );
}
