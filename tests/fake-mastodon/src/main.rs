//! `fake-mastodon [--port N] [--rate EVENTS_PER_SEC] [--flavor mastodon|gotosocial|pleroma]
//! [--token T] [--heartbeat SECS] [--crlf] [--split-data-lines] [--payload-object] [--size BYTES]
//! [--store]`
//!
//! Runs the fake server on 127.0.0.1 until Ctrl-C; with `--rate`, publishes generated events
//! (with `--store`, generated posts also go into the REST timelines, so that a client that was
//! disconnected can catch up on them).

use std::time::Duration;

use fake_mastodon::{FakeServer, Flavor, Options, generate};

struct Args {
    port: u16,
    rate: Option<f64>,
    size: usize,
    store: bool,
    opts: Options,
}

fn usage() -> ! {
    eprintln!(
        "usage: fake-mastodon [--port N] [--rate EVENTS_PER_SEC] [--flavor mastodon|gotosocial|pleroma] \
         [--token T] [--heartbeat SECS (0 = none)] [--crlf] [--split-data-lines] [--payload-object] [--size BYTES] [--store]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        port: 0,
        rate: None,
        size: 2000,
        store: false,
        opts: Options::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .unwrap_or_else(|| usage())
        };
        match name.as_str() {
            "--port" => args.port = value().parse().unwrap_or_else(|_| usage()),
            "--rate" => {
                let r: f64 = value().parse().unwrap_or_else(|_| usage());
                args.rate = (r > 0.0).then_some(r);
            }
            "--size" => args.size = value().parse().unwrap_or_else(|_| usage()),
            "--flavor" => args.opts.flavor = Flavor::parse(&value()).unwrap_or_else(|| usage()),
            "--token" => args.opts.token = value(),
            "--heartbeat" => {
                let s: f64 = value().parse().unwrap_or_else(|_| usage());
                args.opts.heartbeat = (s > 0.0).then(|| Duration::from_secs_f64(s));
            }
            "--store" => args.store = true,
            "--crlf" => args.opts.crlf = true,
            "--split-data-lines" => args.opts.split_data_lines = true,
            "--payload-object" => args.opts.ws_payload_as_object = true,
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    args
}

/// Publishes the firehose ([`generate::Firehose`]) at `rate` events per second, in 10 ms
/// batches: new statuses spread over four streams, edits, deletes and notifications on `user`.
async fn publish_forever(server: &FakeServer, rate: f64, size: usize, store: bool) {
    let hose = generate::Firehose::new(size);
    let period = Duration::from_millis(10);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let start = tokio::time::Instant::now();
    let mut n: u64 = 0;
    loop {
        ticker.tick().await;
        let due = (start.elapsed().as_secs_f64() * rate) as u64;
        while n < due {
            publish_one(server, &hose, n, store);
            n += 1;
        }
    }
}

fn publish_one(server: &FakeServer, hose: &generate::Firehose, n: u64, store: bool) {
    let update = |stream: &str, json: &str| {
        if store {
            server.post(&[stream], json)
        } else {
            server.publish(stream, "update", Some(json))
        }
    };
    let (kind, payload) = hose.event(n);
    if kind != generate::FirehoseKind::Update {
        server.publish("user", kind.event(), Some(&payload));
        return;
    }
    match n % 4 {
        0 => update("public", &payload),
        1 => update("public:local", &payload),
        2 => update("user", &payload),
        _ => update(
            "hashtag:rust",
            &generate::status_with_tags(n, &["rust"], "Generated status about"),
        ),
    };
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let token = args.opts.token.clone();
    let server = match FakeServer::start_on_port(args.opts, args.port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "fake-mastodon: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            std::process::exit(1);
        }
    };
    println!(
        "fake-mastodon listening on {} token={token}",
        server.base_url()
    );
    let run = async {
        match args.rate {
            Some(rate) => publish_forever(&server, rate, args.size, args.store).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = run => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    server.shutdown().await;
}
