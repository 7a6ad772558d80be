//! Pictures benchmark (not a test): the real binary against the fake server, measured as a
//! user's terminal sees it. Records, for BENCHMARKS.md:
//!
//! - the time from a post's arrival (the fake server publishes it) to its downloaded picture
//!   on screen, in tmux (half blocks), the screen read every 5 ms;
//! - the bytes written to the terminal at 120x40 for a new post with a picture, from its
//!   arrival until its picture is drawn, with half blocks and with kitty graphics (a pty made
//!   by `script`, since tmux would eat the kitty sequences);
//! - the CPU ticks of the idle view over SECS seconds (default 60) with pictures on screen,
//!   half blocks in tmux and kitty in the pty, measured at the same time.
//!
//!     cargo build --release && cargo run --release --example pictures_live [-- SECS]
//!
//! `BIN` names another build of tootwatch (default `target/release/tootwatch`).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_mastodon::{FakeServer, Options};

fn picture_status(id: u64, text: &str, picture: &str) -> String {
    serde_json::json!({
        "id": id.to_string(), "created_at": "2026-11-28T12:00:00.000Z",
        "content": format!("<p>{text}</p>"), "visibility": "public",
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

fn env_line(server: &FakeServer, dir: &std::path::Path, bin: &str, args: &str) -> String {
    format!(
        "env TOOTWATCH_CONFIG=/dev/null TOOTWATCH_INSTANCE={} TOOTWATCH_TOKEN={} \
         TOOTWATCH_LOG_FILE={} TOOTWATCH_DATA_DIR={} {bin} {args}",
        server.base_url(),
        server.token(),
        dir.join("tootwatch.log").display(),
        dir.display(),
    )
}

/// User + system CPU ticks of a process.
fn ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn wait(what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-e", "-t", "bench"])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

struct Pty {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    fn start(command: &str) -> Pty {
        let mut child = Command::new("script")
            .args([
                "-qfec",
                &format!("stty cols 120 rows 40 && exec {command}"),
                "/dev/null",
            ])
            .env_remove("TMUX")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script (util-linux)");
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 65536];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&chunk[..n]);
            }
        });
        Pty { child, out }
    }
    fn len(&self) -> usize {
        self.out.lock().expect("lock").len()
    }
    fn count(&self, needle: &[u8]) -> usize {
        let out = self.out.lock().expect("lock");
        out.windows(needle.len()).filter(|w| *w == needle).count()
    }
    /// tootwatch itself: `script`'s child (the command execs it).
    fn tootwatch_pid(&self) -> u32 {
        let pid = self.child.id();
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .expect("script runs tootwatch")
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let bin = std::env::var("BIN").unwrap_or_else(|_| "target/release/tootwatch".into());
    let bin = std::fs::canonicalize(&bin)
        .unwrap_or_else(|_| panic!("no tootwatch at {bin}: cargo build --release"))
        .display()
        .to_string();
    let server = FakeServer::start(Options::default()).await;
    let base = server.base_url();
    let base = base.trim_end_matches('/').to_string();
    for (id, picture) in [(302, "green.png"), (303, "photo.jpg")] {
        let url = format!("{base}/media/{picture}");
        server.store(&["user"], &picture_status(id, "A picture", &url));
    }
    let dir = tempfile::tempdir().expect("tempdir");

    // Half blocks in tmux.
    let tmux = Tmux(format!("tootwatch-bench-{}", std::process::id()));
    let line = env_line(&server, &dir.path().join("tmux"), &bin, "user");
    std::fs::create_dir_all(dir.path().join("tmux")).expect("dir");
    let status = Command::new("tmux")
        .args([
            "-L",
            &tmux.0,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "bench",
        ])
        .args(["-x", "120", "-y", "40", &line])
        .status()
        .expect("tmux");
    assert!(status.success());
    wait("the posts in tmux", || {
        tmux.screen().matches("A picture").count() == 2
    });
    server.wait_requests("/media/photo.jpg", 1).await;
    server.wait_subscribers("user", 1).await;
    let url = format!("{base}/media/red-blue.png");
    let started = Instant::now();
    server.post(&["user"], &picture_status(304, "A picture", &url));
    wait("the live post's picture", || {
        tmux.screen().contains("38;2;255;0;0")
    });
    let arrival = started.elapsed();

    // Bytes per new post with a picture in a pty: half blocks, then kitty.
    let mut bytes = Vec::new();
    for (images, id) in [("halfblocks", 310), ("kitty", 320)] {
        std::fs::create_dir_all(dir.path().join(images)).expect("dir");
        let line = env_line(
            &server,
            &dir.path().join(images),
            &bin,
            &format!("--images {images} user"),
        );
        let pty = Pty::start(&line);
        let subscribers = if images == "kitty" { 3 } else { 2 };
        server.wait_subscribers("user", subscribers).await;
        // Its first screen, pictures and all, drawn and quiet.
        std::thread::sleep(Duration::from_secs(2));
        // A picture nobody has asked for yet: this client downloads it once.
        let url = format!("{base}/media/red-blue.png?{images}");
        let before = pty.len();
        let kitty_before = pty.count(b"a=T,");
        server.post(&["user"], &picture_status(id, "A new picture", &url));
        if images == "kitty" {
            wait("the kitty picture", || pty.count(b"a=T,") > kitty_before);
        }
        // Until the screen is quiet again: the placeholder, the download, the picture.
        std::thread::sleep(Duration::from_secs(2));
        bytes.push((images, pty.len() - before, pty));
    }

    // Idle: nothing arrives, nothing is pressed.
    std::thread::sleep(Duration::from_secs(2));
    let pane: u32 = tmux
        .run(&["display-message", "-p", "-t", "bench", "#{pane_pid}"])
        .trim()
        .parse()
        .expect("pane pid");
    let kitty = bytes.last().expect("kitty").2.tootwatch_pid();
    let (tmux_before, kitty_before) = (ticks(pane), ticks(kitty));
    std::thread::sleep(Duration::from_secs(secs));
    let (tmux_idle, kitty_idle) = (ticks(pane) - tmux_before, ticks(kitty) - kitty_before);

    println!(
        "arrival of a live post to its downloaded picture on screen (tmux, half blocks): {:.0} ms",
        arrival.as_secs_f64() * 1e3
    );
    for (images, n, _) in &bytes {
        println!("bytes written at 120x40 for a new post with a picture ({images}): {n}");
    }
    println!(
        "idle CPU over {secs} s with 3 pictures on screen: half blocks in tmux {tmux_idle} ticks, kitty in a pty {kitty_idle} ticks"
    );
}
