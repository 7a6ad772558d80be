//! Picture downloads against the fake server's media files: real PNG and JPEG bytes decode;
//! a huge body, an announced huge body and a slow body are cut off within their bounds; a
//! decompression bomb is refused; no token goes to a media host; redirects stay bounded.

use std::time::{Duration, Instant};

use fake_mastodon::{FakeServer, Options};
use tootwatch::media::{self, FetchLimits, fetch};

fn limits(max_bytes: u64, timeout_secs: u64) -> FetchLimits {
    FetchLimits {
        max_bytes,
        timeout: Duration::from_secs(timeout_secs),
        ..FetchLimits::default()
    }
}

#[tokio::test]
async fn real_pictures_download_and_decode() {
    let server = FakeServer::start(Options::default()).await;
    let client = media::media_client(Duration::from_secs(5));
    let base = server.base_url();
    let base = base.trim_end_matches('/');
    let png = media::load(
        &client,
        &format!("{base}/media/red-blue.png"),
        limits(1 << 20, 10),
    )
    .await
    .unwrap();
    // 64×36 shrunk to fit 192×48: as it is.
    assert_eq!((png.width, png.height), (64, 36));
    assert_eq!(&png.rgba[..4], &[255, 0, 0, 255], "red on top");
    let last = png.rgba.len() - 4;
    assert_eq!(&png.rgba[last..], &[0, 0, 255, 255], "blue below");
    let jpg = media::load(
        &client,
        &format!("{base}/media/photo.jpg"),
        limits(1 << 20, 10),
    )
    .await
    .unwrap();
    assert_eq!((jpg.width, jpg.height), (64, 48));
    // A redirect is followed (within the bound).
    let redirected = media::load(
        &client,
        &format!("{base}/media/redirect.png"),
        limits(1 << 20, 10),
    )
    .await
    .unwrap();
    assert_eq!(redirected, png);
    // No token, no cookie from the API's side: nothing identifies the reader to a media host.
    let requests = server.requests();
    let media_requests: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/media/"))
        .collect();
    assert_eq!(media_requests.len(), 4);
    for r in media_requests {
        assert_eq!(r.header("authorization"), None, "{}", r.path);
        assert_eq!(r.header("cookie"), None, "{}", r.path);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn huge_and_endless_bodies_are_cut_off_at_the_cap() {
    let server = FakeServer::start(Options::default()).await;
    let client = media::media_client(Duration::from_secs(5));
    let base = server.base_url();
    let base = base.trim_end_matches('/');
    let cap = 1 << 20;
    let started = Instant::now();
    let endless = fetch::fetch(&client, &format!("{base}/media/huge.png"), &limits(cap, 30)).await;
    assert_eq!(endless, Err(fetch::FetchError::TooLarge(cap)));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // An announced length over the cap is refused before the body is read.
    let declared = fetch::fetch(
        &client,
        &format!("{base}/media/declared-huge.png"),
        &limits(cap, 30),
    )
    .await;
    assert_eq!(declared, Err(fetch::FetchError::TooLarge(cap)));
    // Under the default cap (8 MB) the same endless body stops at 8 MB, not at the end.
    let default = FetchLimits::default();
    assert_eq!(default.max_bytes, 8 * 1024 * 1024);
    let endless = fetch::fetch(&client, &format!("{base}/media/huge.png"), &default).await;
    assert_eq!(endless, Err(fetch::FetchError::TooLarge(default.max_bytes)));
    server.shutdown().await;
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_not_allocated() {
    let server = FakeServer::start(Options::default()).await;
    let client = media::media_client(Duration::from_secs(5));
    let base = server.base_url();
    let url = format!("{}/media/bomb.png", base.trim_end_matches('/'));
    let started = Instant::now();
    let result = media::load(&client, &url, limits(1 << 20, 10)).await;
    let error = result.unwrap_err();
    assert!(error.contains("more than tootwatch decodes"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_body_ends_at_the_timeout() {
    let server = FakeServer::start(Options::default()).await;
    let client = media::media_client(Duration::from_secs(5));
    let base = server.base_url();
    let url = format!("{}/media/slow.png", base.trim_end_matches('/'));
    let started = Instant::now();
    let slow = fetch::fetch(&client, &url, &limits(1 << 20, 1)).await;
    assert_eq!(slow, Err(fetch::FetchError::TimedOut));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn only_https_media_urls_are_fetched() {
    let client = media::media_client(Duration::from_secs(5));
    for url in [
        "http://media.example/a.png",
        "ftp://media.example/a.png",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "not a url",
    ] {
        let result = fetch::fetch(&client, url, &limits(1 << 20, 5)).await;
        assert!(
            matches!(result, Err(fetch::FetchError::Refused(_))),
            "{url}: {result:?}"
        );
    }
}

/// A 60 MB picture (under a cap raised to 64 MB): downloaded, decoded off the runtime's
/// threads, kept shrunk, and the cache's byte count stays under its bound however many come.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_mb_picture_is_kept_small_and_the_cache_stays_bounded() {
    use tootwatch::app::pictures::{self, CACHE_BYTES};
    use tootwatch::app::state::{State, UiSettings};
    use tootwatch::media::decode::{PIXELS_KEEP_H, PIXELS_KEEP_W};

    let server = FakeServer::start(Options::default()).await;
    let client = media::media_client(Duration::from_secs(5));
    let base = server.base_url();
    let url = format!("{}/media/60mb.png", base.trim_end_matches('/'));
    let limits = FetchLimits {
        max_bytes: 64 << 20,
        timeout: Duration::from_secs(120),
        keep: (PIXELS_KEEP_W, PIXELS_KEEP_H),
    };
    // The runtime keeps running while it decodes: a timer fires meanwhile.
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticker = {
        let ticks = ticks.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let picture = media::load(&client, &url, limits)
        .await
        .expect("it decodes");
    ticker.abort();
    assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) > 0);
    let served = fake_mastodon::media::sixty_mb_png().len();
    assert!(served >= 60_000_000, "{served}");
    assert!(picture.width <= PIXELS_KEEP_W && picture.height <= PIXELS_KEEP_H);
    assert_eq!(
        (picture.width, picture.height),
        (427, PIXELS_KEEP_H),
        "its shape kept"
    );
    let one = picture.bytes();
    assert!(one < 1 << 20, "{one}");

    // As many as would fill the cache four times over, each on screen once, then away.
    let mut state = State::new(
        vec![("Home".into(), vec![])],
        UiSettings::default(),
        jiff::Timestamp::now(),
    );
    let n = 4 * CACHE_BYTES / one;
    for i in 0..n {
        let url = format!("https://media.example/{i}.png");
        let commands = pictures::on_screen(&mut state, vec![url.clone()]);
        assert_eq!(commands.len(), 1);
        pictures::fetched(&mut state, url, Ok(picture.clone()));
        assert!(state.pictures.bytes() <= CACHE_BYTES, "after {i}");
    }
    assert!(
        state.pictures.bytes() > CACHE_BYTES / 2,
        "the cache was used"
    );
    server.shutdown().await;
}
