//! One supervised stream in a test, and everything it reported: the states and events of
//! `spawn_stream` read one by one, with a guard against a hang (never a synchronisation).

#![allow(clippy::unwrap_used)] // test scaffolding: a panic is a failing test
#![allow(dead_code)] // each test file uses a different part of this

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tootwatch::stream::{
    ConnectionState, FailureCause, StreamEvent, StreamId, StreamMessage, StreamSettings, Timing,
    TransportChoice, spawn_stream,
};

use crate::common::{GUARD, within};

pub const TOKEN: &str = "test-token";

/// Fast reconnects; deadlines long enough that a healthy loopback connection never hits them.
pub fn timing() -> Timing {
    Timing {
        read_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        backoff_initial: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        healthy_after: Duration::from_secs(60),
        accept_grace: Duration::from_millis(200),
    }
}

/// One supervised stream and everything it reported.
pub struct Probe {
    pub rx: mpsc::Receiver<StreamMessage>,
    pub task: JoinHandle<()>,
    pub states: Vec<ConnectionState>,
    pub events: Vec<StreamEvent>,
}

pub fn probe(base: &str, transport: TransportChoice, timing: Timing) -> Probe {
    probe_stream(base, transport, timing, "public", 64)
}

pub fn probe_stream(
    base: &str,
    transport: TransportChoice,
    timing: Timing,
    stream: &str,
    capacity: usize,
) -> Probe {
    let http = tootwatch::api::http_client(timing.connect_timeout).unwrap();
    probe_with(http, base, transport, timing, stream, capacity)
}

/// A probe on a given HTTP client: many streams share one, as in `tail` and the live view.
pub fn probe_with(
    http: reqwest::Client,
    base: &str,
    transport: TransportChoice,
    timing: Timing,
    stream: &str,
    capacity: usize,
) -> Probe {
    let settings = Arc::new(StreamSettings {
        base: base.parse().unwrap(),
        token: Some(TOKEN.into()),
        transport,
        timing,
        max_event_bytes: 1 << 20,
        keep_raw: false,
        decoding: tootwatch::stream::light::Decoding::Full,
        texts_wanted: Default::default(),
        user_agent: "tootwatch/test".into(),
    });
    let (tx, rx) = mpsc::channel(capacity);
    let task = spawn_stream(StreamId(0), stream.parse().unwrap(), settings, http, tx);
    Probe {
        rx,
        task,
        states: Vec::new(),
        events: Vec::new(),
    }
}

impl Probe {
    /// The next message. The guard counts from `since`: a wait for a state or an event that
    /// never comes fails, however many other messages keep coming.
    pub async fn next_since(&mut self, since: tokio::time::Instant) -> Option<StreamMessage> {
        let m = tokio::time::timeout_at(since + GUARD, self.rx.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "nothing from the stream in time; states so far: {:#?}",
                    self.states
                )
            });
        match &m {
            Some(StreamMessage::State { state, .. }) => self.states.push(state.clone()),
            Some(StreamMessage::Event { event, .. }) => self.events.push(event.clone()),
            None => {}
        }
        m
    }

    pub async fn next(&mut self) -> Option<StreamMessage> {
        self.next_since(tokio::time::Instant::now()).await
    }

    /// The next state that matches, recording whatever comes before it.
    pub async fn state(&mut self, want: impl Fn(&ConnectionState) -> bool) -> ConnectionState {
        let since = tokio::time::Instant::now();
        loop {
            match self.next_since(since).await {
                Some(StreamMessage::State { state, .. }) if want(&state) => return state,
                Some(_) => {}
                None => panic!("the stream task ended; states: {:#?}", self.states),
            }
        }
    }

    pub async fn live(&mut self) {
        self.state(|s| matches!(s, ConnectionState::Live { .. }))
            .await;
    }

    /// The next `Reconnecting`: its delay and reason.
    pub async fn reconnecting(&mut self) -> (Duration, String) {
        match self
            .state(|s| matches!(s, ConnectionState::Reconnecting { .. }))
            .await
        {
            ConnectionState::Reconnecting { after, reason } => (after, reason),
            _ => unreachable!(),
        }
    }

    /// The next event, recording the states before it.
    pub async fn event(&mut self) -> StreamEvent {
        let since = tokio::time::Instant::now();
        loop {
            match self.next_since(since).await {
                Some(StreamMessage::Event { event, .. }) => return event,
                Some(_) => {}
                None => panic!("the stream task ended; states: {:#?}", self.states),
            }
        }
    }

    /// Reads until the task ends; returns the failure it ended with.
    pub async fn failure(&mut self) -> (String, FailureCause) {
        let failed = self
            .state(|s| matches!(s, ConnectionState::Failed { .. }))
            .await;
        assert!(
            self.next().await.is_none(),
            "nothing after a failure: the task ends"
        );
        within("the task to end", &mut self.task).await.unwrap();
        match failed {
            ConnectionState::Failed { reason, cause } => (reason, cause),
            _ => unreachable!(),
        }
    }

    pub fn reconnects(&self) -> usize {
        self.states
            .iter()
            .filter(|s| matches!(s, ConnectionState::Reconnecting { .. }))
            .count()
    }

    pub fn assert_never_failed(&self) {
        assert!(
            !self
                .states
                .iter()
                .any(|s| matches!(s, ConnectionState::Failed { .. })),
            "{:#?}",
            self.states
        );
        assert!(!self.task.is_finished(), "the stream task still runs");
    }
}

pub fn delete(id: &str) -> StreamEvent {
    StreamEvent::Delete(id.into())
}

pub fn ws_frame(event: &str, payload: &str) -> String {
    serde_json::json!({"stream": ["public"], "event": event, "payload": payload}).to_string()
}

/// A port on 127.0.0.1 that nothing listens on (just released by a listener of ours).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub const TRANSPORTS: [TransportChoice; 2] = [TransportChoice::Sse, TransportChoice::Ws];
