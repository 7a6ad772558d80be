//! Pixel protocols end to end: the real binary in a pseudo-terminal (`script`, not tmux, which
//! would eat the sequences) against the fake server, with each protocol forced, and the bytes
//! it writes read back as the user's terminal would receive them.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// A post with a picture served by the fake server itself.
fn picture_status(id: u64, text: &str, picture: &str) -> String {
    serde_json::json!({
        "id": id.to_string(), "created_at": "2026-11-28T12:00:00.000Z",
        "content": format!("<p>{text}</p>"), "visibility": "public",
        "url": format!("https://social.example/@ria/{id}"),
        "account": {"id": "7", "username": "ria", "acct": "ria", "display_name": "Ria"},
        "media_attachments": [{
            "id": format!("m{id}"), "type": "image",
            "url": picture, "preview_url": picture,
            "meta": {"original": {"width": 64, "height": 36}},
            "description": format!("picture of post {id}"),
            "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        }],
    })
    .to_string()
}

/// tootwatch in a pseudo-terminal of `cols` × `rows`; everything it writes is collected.
struct Pty {
    child: Child,
    stdin: ChildStdin,
    out: Arc<Mutex<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl Pty {
    fn start(server: &FakeServer, cols: u16, rows: u16, args: &str, env: &str) -> Pty {
        let dir = tempfile::tempdir().unwrap();
        let config = fast_config(&dir);
        let command = format!(
            "stty cols {cols} rows {rows} && exec env {env} TOOTWATCH_CONFIG={} TOOTWATCH_INSTANCE={} \
             TOOTWATCH_TOKEN={} TOOTWATCH_LOG_FILE={} {} {args}",
            config.display(),
            server.base_url(),
            server.token(),
            dir.path().join("tootwatch.log").display(),
            env!("CARGO_BIN_EXE_tootwatch"),
        );
        let mut child = Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            // Not tmux: the variables of a test run inside tmux must not reach the pty.
            .env_remove("TMUX")
            .env_remove("STY")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script (util-linux) is installed");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 65536];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Pty {
            child,
            stdin,
            out,
            _dir: dir,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.out.lock().unwrap().clone()
    }

    /// Polls what was written until `pred` holds: the output is observable state.
    fn wait_for(&self, what: &str, pred: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let start = Instant::now();
        loop {
            let out = self.bytes();
            if pred(&out) {
                return out;
            }
            assert!(
                start.elapsed() < GUARD,
                "never wrote {what}:\n{}",
                String::from_utf8_lossy(&out)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn quit(mut self) {
        let _ = self.stdin.write_all(b"q");
        let _ = self.stdin.flush();
        let start = Instant::now();
        while start.elapsed() < GUARD {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("tootwatch did not quit");
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A sixel image: `ESC P`, its numeric parameters, then `q`.
fn has_sixel(out: &[u8]) -> bool {
    out.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1bP"
            && out[i + 2..]
                .iter()
                .take(16)
                .find(|b| !(b.is_ascii_digit() || **b == b';'))
                == Some(&b'q')
    })
}

/// A kitty image transmitted (the query at start is `ESC _ G` too, but no `a=T`).
const KITTY: &[u8] = b"a=T,";
const ITERM2: &[u8] = b"\x1b]1337;File=";

/// One post with a picture, then tootwatch with `--images <images>` at 120x40; returns the
/// bytes written once `done` holds, and quits.
async fn picture_bytes(images: &str, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let url = format!("{}/media/red-blue.png", base.trim_end_matches('/'));
    server.store(&["user"], &picture_status(401, "A picture", &url));
    let pty = Pty::start(&server, 120, 40, &format!("--images {images} user"), "");
    let out = pty.wait_for(images, &done);
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/media/red-blue.png")
            .count(),
        1
    );
    pty.quit();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kitty_graphics_are_written_for_a_forced_kitty() {
    let placeholder = "\u{10EEEE}".as_bytes();
    let out = picture_bytes("kitty", |o| {
        find(o, KITTY).is_some() && find(o, placeholder).is_some()
    })
    .await;
    // Transmitted (RGBA, `f=32`) once, shown through Unicode placeholders (U+10EEEE).
    assert!(find(&out, b"\x1b_Gq=2,i=").is_some());
    assert!(find(&out, b"a=T,U=1,f=32").is_some());
    assert!(!has_sixel(&out) && find(&out, ITERM2).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixel_is_written_for_a_forced_sixel() {
    let out = picture_bytes("sixel", has_sixel).await;
    assert!(find(&out, KITTY).is_none() && find(&out, ITERM2).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterm2_images_are_written_for_a_forced_iterm2() {
    let out = picture_bytes("iterm2", |o| find(o, ITERM2).is_some()).await;
    // A PNG made from the decoded pixels, base64 after the colon.
    let at = find(&out, ITERM2).unwrap();
    let rest = &out[at..];
    let colon = find(rest, b":").unwrap();
    assert!(rest[colon + 1..].starts_with(b"iVBORw0KGgo"), "a PNG");
    assert!(find(&out, KITTY).is_none() && !has_sixel(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_blocks_write_no_image_sequences() {
    // Red upper pixels over blue lower ones, as `▀` cells.
    let out = picture_bytes("halfblocks", |o| {
        find(o, b"38;2;255;0;0").is_some() && find(o, "▀".as_bytes()).is_some()
    })
    .await;
    assert!(find(&out, KITTY).is_none() && !has_sixel(&out) && find(&out, ITERM2).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_is_transmitted_once_however_often_the_screen_changes() {
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let url = format!("{}/media/red-blue.png", base.trim_end_matches('/'));
    server.store(&["user"], &picture_status(501, "First", &url));
    let pty = Pty::start(&server, 120, 40, "--images kitty user", "");
    pty.wait_for("the picture", |o| find(o, KITTY).is_some());
    within("user", server.wait_subscribers("user", 1)).await;
    // New posts arrive above it, without pictures: the screen changes, the picture moves.
    for (i, text) in ["Alpha", "Bravo", "Kitten"].into_iter().enumerate() {
        let i = i as u64;
        // One word, unlike the others letter by letter: each takes the place of the one
        // before, and the diff writes only the cells that changed.
        let post = serde_json::json!({
            "id": (510 + i).to_string(), "created_at": "2026-11-28T12:00:00.000Z",
            "content": format!("<p>{text}</p>"), "visibility": "public",
            "account": {"id": "8", "username": "sol", "acct": "sol", "display_name": "Sol"},
        });
        server.post(&["user"], &post.to_string());
        pty.wait_for(text, |o| find(o, text.as_bytes()).is_some());
    }
    let out = pty.bytes();
    assert_eq!(count(&out, KITTY), 1, "the image data went once");
    pty.quit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_without_an_answer_or_a_known_terminal_draws_half_blocks() {
    // `script`'s pty answers no query: after the short wait, the variables decide.
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let url = format!("{}/media/red-blue.png", base.trim_end_matches('/'));
    server.store(&["user"], &picture_status(601, "A picture", &url));
    let pty = Pty::start(&server, 100, 30, "user", "");
    let out = pty.wait_for("the picture", |o| find(o, b"38;2;255;0;0").is_some());
    assert!(find(&out, KITTY).is_none() && !has_sixel(&out) && find(&out, ITERM2).is_none());
    pty.quit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_follows_the_terminal_s_variables_when_it_does_not_answer() {
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let url = format!("{}/media/red-blue.png", base.trim_end_matches('/'));
    server.store(&["user"], &picture_status(602, "A picture", &url));
    let pty = Pty::start(&server, 100, 30, "user", "TERM_PROGRAM=WezTerm");
    pty.wait_for("an iTerm2 image", |o| find(o, ITERM2).is_some());
    pty.quit();
}
