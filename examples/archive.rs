//! Archive benchmark (not a test): the write cost per post (as the writer thread batches them
//! under a 2,000 events/s firehose), the file's size per 10,000 posts, search time over
//! 100,000 posts, and the live view's start from an archive with nine full tabs (open, load,
//! first frame).
//!
//!     cargo run --release --example archive [POSTS [BATCH]]
//!
//! Results go to stdout; BENCHMARKS.md records them.

use std::time::{Duration, Instant};

use fake_mastodon::r#gen;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tootwatch::app::state::{State, UiSettings};
use tootwatch::archive::{Archive, Write};
use tootwatch::model::Status;
use tootwatch::stream::StreamSpec;
use tootwatch::ui::{self, Theme, ViewState};

const ACCOUNT: &str = "bench@example.social";
const TABS: usize = 9;
/// The writer's batch at 2,000 events/s: what arrives while one transaction commits (~10 ms).
const DEFAULT_BATCH: usize = 20;

fn stream(tab: usize) -> String {
    format!("hashtag:t{tab}")
}

fn status(n: u64) -> Box<Status> {
    Box::new(serde_json::from_str(&r#gen::status_json(n, 1700)).expect("generated status decodes"))
}

fn file_bytes(dir: &std::path::Path) -> u64 {
    ["archive.sqlite3", "archive.sqlite3-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let posts: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let batch_len: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(DEFAULT_BATCH);
    let dir = tempfile::tempdir().expect("a temp dir");
    let (mut archive, _) = Archive::open_in(dir.path()).expect("the archive opens");

    // Writes, as the writer thread does them: one transaction per batch.
    let statuses: Vec<Box<Status>> = (0..posts).map(status).collect();
    let mut write_time = Duration::ZERO;
    let mut size_at_10k = 0;
    for (i, chunk) in statuses.chunks(batch_len).enumerate() {
        let batch: Vec<Write> = chunk
            .iter()
            .enumerate()
            .map(|(j, s)| Write::Status {
                account: ACCOUNT.into(),
                stream: stream((i * batch_len + j) % TABS),
                status: s.clone(),
            })
            .collect();
        let t = Instant::now();
        archive.write(&batch).expect("written");
        write_time += t.elapsed();
        if (i + 1) * batch_len == 10_000 {
            size_at_10k = file_bytes(dir.path());
        }
    }
    let per_post = write_time / posts as u32;
    println!(
        "write: {posts} posts in batches of {batch_len}: {:.1} µs per post; at 2,000 posts/s {:.1} % of a core",
        per_post.as_secs_f64() * 1e6,
        per_post.as_secs_f64() * 2000.0 * 100.0
    );
    println!(
        "size: {:.1} MB per 10,000 posts of ~1,700 bytes (file + log); {:.1} MB for {posts}",
        size_at_10k as f64 / 1_048_576.0,
        file_bytes(dir.path()) as f64 / 1_048_576.0
    );

    // Search over everything, as `/` asks it: one tab's streams, newest 200.
    let all: Vec<String> = (0..TABS).map(stream).collect();
    let one = vec![stream(0)];
    for (what, streams, query) in [
        ("a common word, all streams", &all, "borrow"),
        ("a common word, one tab", &one, "borrow"),
        ("two words, one tab", &one, "borrow checker"),
        ("a rare word (one post)", &all, "99999"),
        ("no match", &all, "zzzzqq"),
    ] {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..7 {
            let t = Instant::now();
            n = archive
                .search(ACCOUNT, streams, query, 200)
                .expect("searched")
                .len();
            times.push(t.elapsed());
        }
        println!(
            "search {what} “{query}”: {} results, median {}",
            n,
            ms(median(times))
        );
    }
    drop(archive);

    // Start: open the file, fill nine tabs of 1,000 from it, draw the first frame.
    let mut open_t = Vec::new();
    let mut load_t = Vec::new();
    let mut frame_t = Vec::new();
    let mut total_t = Vec::new();
    let mut rest_t = Vec::new();
    for _ in 0..5 {
        let groups = (0..TABS)
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
        let start = Instant::now();
        let mut state = State::new(groups, UiSettings::default(), now);
        state.set_accounts(vec![ACCOUNT.into()], &[0; TABS]);
        let (archive, _) = Archive::open_unchecked_in(dir.path()).expect("the archive opens");
        let opened = start.elapsed();
        let first = tootwatch::app::archive::load(
            &mut state,
            &archive,
            &[ACCOUNT.into()],
            tootwatch::app::archive::FIRST,
        )
        .expect("loaded");
        let loaded = start.elapsed();
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let theme = Theme::new(false);
        let mut view = ViewState::default();
        terminal
            .draw(|f| ui::draw(f, &state, &mut view, &theme))
            .expect("drawn");
        let drawn = start.elapsed();
        // Then the rest of each tab, as the blocking tasks load it.
        for command in first.rest {
            let tootwatch::app::Command::LoadArchive {
                target,
                account,
                stream,
                limit,
            } = command
            else {
                continue;
            };
            let kept = archive.recent(&account, &stream, limit).expect("read");
            tootwatch::app::archive::show_kept(&mut state, &target, kept);
        }
        rest_t.push(start.elapsed() - drawn);
        assert_eq!(state.tabs[8].entries.len(), 1000.min(posts as usize / TABS));
        open_t.push(opened);
        load_t.push(loaded - opened);
        frame_t.push(drawn - loaded);
        total_t.push(drawn);
    }
    println!(
        "start with {TABS} full tabs: open {}, load {}, first frame {}, total {} (medians of 5); the rest of the tabs after it: {}",
        ms(median(open_t)),
        ms(median(load_t)),
        ms(median(frame_t)),
        ms(median(total_t)),
        ms(median(rest_t))
    );
    let t = Instant::now();
    let (archive, _) = Archive::open_in(dir.path()).expect("the archive opens");
    drop(archive);
    println!(
        "a full check of the file (quick_check, as `tail --resume` and `archive` open it, and the live view's writer in the background): {}",
        ms(t.elapsed())
    );
}
